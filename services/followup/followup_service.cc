#include "services/followup/followup_service.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/feed/event_stream.h"
#include "common/security/actor.h"
#include "common/security/call_guard.h"
#include "common/server/unary_handler.h"
#include "common/status/macros.h"
#include "common/status/status_util.h"

namespace unemployment::followup {
namespace {

// The office regions of the records that id-based requests name, for
// security::RequireRecordInScope: NOT_FOUND when there is no such record.
absl::StatusOr<std::string> RegistrationOffice(FollowupStore& store, const std::string& id) {
  absl::StatusOr<std::optional<RegistrationRecord>> found = store.GetRegistration(id);
  if (!found.ok()) return found.status();
  if (!found->has_value()) return absl::NotFoundError("no such registration");
  return (*found)->office_region_code;
}

absl::StatusOr<std::string> CandidateOffice(FollowupStore& store, const std::string& id) {
  absl::StatusOr<std::optional<v1::DeregistrationCandidate>> found = store.GetCandidate(id);
  if (!found.ok()) return found.status();
  if (!found->has_value()) return absl::NotFoundError("no such candidate");
  return (*found)->office_region_code();
}

absl::StatusOr<std::string> FraudCaseOffice(FollowupStore& store, const std::string& id) {
  absl::StatusOr<std::optional<v1::FraudCase>> found = store.GetFraudCase(id);
  if (!found.ok()) return found.status();
  if (!found->has_value()) return absl::NotFoundError("no such fraud case");
  return (*found)->office_region_code();
}

}  // namespace

FollowupServiceImpl::FollowupServiceImpl(Dependencies dependencies, log::Logger logger)
    : deps_(dependencies), logger_(std::move(logger)) {}

RequestRules FollowupServiceImpl::Rules() const {
  RequestRules rules;
  rules.today = deps_.clock->Today();
  rules.regions = deps_.regions;
  return rules;
}

absl::Status FollowupServiceImpl::RegistrationInScope(const grpc::CallbackServerContext& context,
                                                      const std::string& registration_id) const {
  return security::RequireRecordInScope(context, [this, &registration_id] {
    return RegistrationOffice(*deps_.feed, registration_id);
  });
}

absl::Status FollowupServiceImpl::FraudCaseInScope(const grpc::CallbackServerContext& context,
                                                   const std::string& case_id) const {
  return security::RequireRecordInScope(
      context, [this, &case_id] { return FraudCaseOffice(*deps_.feed, case_id); });
}

grpc::ServerUnaryReactor* FollowupServiceImpl::RecordFollowUp(
    grpc::CallbackServerContext* context, const v1::RecordFollowUpRequest* request,
    v1::RecordFollowUpResponse* response) {
  return server::HandleUnaryAsync(
      context, logger_, "RecordFollowUp", request, response,
      [this, context](auto& r) -> absl::Status {
        RETURN_IF_ERROR(security::RecordActor(*context, "follow_up.staff_id",
                                              r.mutable_follow_up()->mutable_staff_id(), logger_));
        absl::Status valid = ValidateRecordFollowUp(r, Rules());
        // Staff of one region follow up only their region's registrations.
        return valid.ok() ? RegistrationInScope(*context, r.follow_up().registration_id()) : valid;
      },
      [this](const auto& r, auto done) { deps_.followups->RecordFollowUp(r, done); });
}

grpc::ServerUnaryReactor* FollowupServiceImpl::ListFollowUps(
    grpc::CallbackServerContext* context, const v1::ListFollowUpsRequest* request,
    v1::ListFollowUpsResponse* response) {
  return server::HandleUnary(
      context, logger_, "ListFollowUps", request, response,
      [this, context](auto& r) {
        absl::Status valid = ValidateListFollowUps(r, Rules());
        return valid.ok() ? RegistrationInScope(*context, r.registration_id()) : valid;
      },
      [this](const auto& r) { return deps_.followups->ListFollowUps(r); });
}

grpc::ServerUnaryReactor* FollowupServiceImpl::AmendFollowUp(
    grpc::CallbackServerContext* context, const v1::AmendFollowUpRequest* request,
    v1::AmendFollowUpResponse* response) {
  return server::HandleUnaryAsync(
      context, logger_, "AmendFollowUp", request, response,
      [this, context](auto& r) -> absl::Status {
        // The amending staff member is the caller, never a name typed into the request.
        RETURN_IF_ERROR(security::RecordActor(*context, "actor", r.mutable_actor(), logger_));
        RETURN_IF_ERROR(ValidateAmendFollowUp(r, Rules()));
        // Staff of one region amend only their region's follow-ups.
        return security::RequireRecordInScope(*context, [this, &r] {
          return deps_.followups->OfficeRegionOfFollowUp(r.follow_up_id());
        });
      },
      [this](const auto& r, auto done) { deps_.followups->AmendFollowUp(r, done); });
}

grpc::ServerUnaryReactor* FollowupServiceImpl::ListDueFollowUps(
    grpc::CallbackServerContext* context, const v1::ListDueFollowUpsRequest* request,
    v1::ListDueFollowUpsResponse* response) {
  return server::HandleUnary(
      context, logger_, "ListDueFollowUps", request, response,
      [this, context](auto& r) {
        absl::Status valid = ValidateListDueFollowUps(r, Rules());
        // Staff of one region see only their region.
        return valid.ok() ? security::RequireRegion(*context, r.region_code()) : valid;
      },
      [this](const auto& r) { return deps_.followups->ListDueFollowUps(r); });
}

grpc::ServerUnaryReactor* FollowupServiceImpl::GetFollowUpCoverage(
    grpc::CallbackServerContext* context, const v1::GetFollowUpCoverageRequest* request,
    v1::GetFollowUpCoverageResponse* response) {
  return server::HandleUnary(
      context, logger_, "GetFollowUpCoverage", request, response,
      [this, context](auto& r) {
        absl::Status valid = ValidateGetFollowUpCoverage(r, Rules());
        // Staff of one region see only their region.
        return valid.ok() ? security::RequireRegion(*context, r.region_code()) : valid;
      },
      [this](const auto& r) { return deps_.followups->GetFollowUpCoverage(r); });
}

grpc::ServerUnaryReactor* FollowupServiceImpl::SubmitSelfReport(
    grpc::CallbackServerContext* context, const v1::SubmitSelfReportRequest* request,
    v1::SubmitSelfReportResponse* response) {
  return server::HandleUnaryAsync(
      context, logger_, "SubmitSelfReport", request, response,
      [this, context](auto& r) {
        absl::Status valid = ValidateSubmitSelfReport(r, Rules());
        // The portal is province-wide; staff of one region take their region's reports only.
        return valid.ok() ? RegistrationInScope(*context, r.self_report().registration_id())
                          : valid;
      },
      [this](const auto& r, auto done) { deps_.followups->SubmitSelfReport(r, done); });
}

grpc::ServerUnaryReactor* FollowupServiceImpl::RunMonthlyComparison(
    grpc::CallbackServerContext* context, const v1::RunMonthlyComparisonRequest* request,
    v1::RunMonthlyComparisonResponse* response) {
  return server::HandleUnaryAsync(
      context, logger_, "RunMonthlyComparison", request, response,
      [this, context](auto& r) -> absl::Status {
        RETURN_IF_ERROR(security::RecordActor(*context, "staff_id", r.mutable_staff_id(), logger_));
        return ValidateRunMonthlyComparison(r, Rules());
      },
      [this, context](const auto& r, auto done) {
        deps_.comparison->Run(r, server::CallDeadline(*context), done);
      });
}

grpc::ServerUnaryReactor* FollowupServiceImpl::ListDeregistrationCandidates(
    grpc::CallbackServerContext* context, const v1::ListDeregistrationCandidatesRequest* request,
    v1::ListDeregistrationCandidatesResponse* response) {
  return server::HandleUnary(
      context, logger_, "ListDeregistrationCandidates", request, response,
      [this, context](auto& r) {
        absl::Status valid = ValidateListDeregistrationCandidates(r, Rules());
        // Staff of one region see only their region.
        return valid.ok() ? security::RequireRegion(*context, r.region_code()) : valid;
      },
      [this](const auto& r) { return deps_.followups->ListDeregistrationCandidates(r); });
}

grpc::ServerUnaryReactor* FollowupServiceImpl::DecideDeregistrationCandidate(
    grpc::CallbackServerContext* context, const v1::DecideDeregistrationCandidateRequest* request,
    v1::DecideDeregistrationCandidateResponse* response) {
  return server::HandleUnaryAsync(
      context, logger_, "DecideDeregistrationCandidate", request, response,
      [this, context](auto& r) -> absl::Status {
        RETURN_IF_ERROR(security::RecordActor(*context, "staff_id", r.mutable_staff_id(), logger_));
        absl::Status valid = ValidateDecideDeregistrationCandidate(r, Rules());
        if (!valid.ok()) return valid;
        return security::RequireRecordInScope(
            *context, [this, &r] { return CandidateOffice(*deps_.feed, r.candidate_id()); });
      },
      [this, context](const auto& r, auto done) {
        deps_.followups->DecideDeregistrationCandidate(r, server::CallDeadline(*context), done);
      });
}

grpc::ServerUnaryReactor* FollowupServiceImpl::DeregisterRegistration(
    grpc::CallbackServerContext* context, const v1::DeregisterRegistrationRequest* request,
    v1::DeregisterRegistrationResponse* response) {
  return server::HandleUnaryAsync(
      context, logger_, "DeregisterRegistration", request, response,
      [this, context](auto& r) -> absl::Status {
        RETURN_IF_ERROR(security::RecordActor(*context, "staff_id", r.mutable_staff_id(), logger_));
        absl::Status valid = ValidateDeregisterRegistration(r, Rules());
        return valid.ok() ? RegistrationInScope(*context, r.registration_id()) : valid;
      },
      [this, context](const auto& r, auto done) {
        deps_.followups->DeregisterRegistration(r, server::CallDeadline(*context), done);
      });
}

grpc::ServerUnaryReactor* FollowupServiceImpl::RunNoContactSweep(
    grpc::CallbackServerContext* context, const v1::RunNoContactSweepRequest* request,
    v1::RunNoContactSweepResponse* response) {
  return server::HandleUnaryAsync(
      context, logger_, "RunNoContactSweep", request, response,
      [this, context](auto& r) -> absl::Status {
        RETURN_IF_ERROR(security::RecordActor(*context, "staff_id", r.mutable_staff_id(), logger_));
        return ValidateRunNoContactSweep(r, Rules());
      },
      [this, context](const auto& r, auto done) {
        deps_.followups->RunNoContactSweep(r, server::CallDeadline(*context), done);
      });
}

grpc::ServerUnaryReactor* FollowupServiceImpl::OpenFraudCase(
    grpc::CallbackServerContext* context, const v1::OpenFraudCaseRequest* request,
    v1::OpenFraudCaseResponse* response) {
  return server::HandleUnaryAsync(
      context, logger_, "OpenFraudCase", request, response,
      [this, context](auto& r) -> absl::Status {
        RETURN_IF_ERROR(security::RecordActor(*context, "staff_id", r.mutable_staff_id(), logger_));
        absl::Status valid = ValidateOpenFraudCase(r, Rules());
        if (!valid.ok()) return valid;
        // The office opening the case must be within the caller's scope (a district opens its own
        // cases; the city bureau, any of its districts'), and so must a registration the case
        // names: one outside it answers like an unknown id (no probing of other regions' ids).
        absl::Status office = security::RequireRegion(*context, r.office_region_code());
        if (!office.ok() || r.registration_id().empty()) return office;
        return RegistrationInScope(*context, r.registration_id());
      },
      [this](const auto& r, auto done) { deps_.fraud->OpenFraudCase(r, done); });
}

grpc::ServerUnaryReactor* FollowupServiceImpl::GetFraudCase(grpc::CallbackServerContext* context,
                                                            const v1::GetFraudCaseRequest* request,
                                                            v1::GetFraudCaseResponse* response) {
  return server::HandleUnary(
      context, logger_, "GetFraudCase", request, response,
      [this, context](auto& r) {
        absl::Status valid = ValidateGetFraudCase(r);
        return valid.ok() ? FraudCaseInScope(*context, r.case_id()) : valid;
      },
      [this](const auto& r) { return deps_.fraud->GetFraudCase(r); });
}

grpc::ServerUnaryReactor* FollowupServiceImpl::RecordFraudInvestigation(
    grpc::CallbackServerContext* context, const v1::RecordFraudInvestigationRequest* request,
    v1::RecordFraudInvestigationResponse* response) {
  return server::HandleUnaryAsync(
      context, logger_, "RecordFraudInvestigation", request, response,
      [this, context](auto& r) -> absl::Status {
        RETURN_IF_ERROR(security::RecordActor(*context, "investigator_id",
                                              r.mutable_investigator_id(), logger_));
        absl::Status valid = ValidateRecordFraudInvestigation(r, Rules());
        return valid.ok() ? FraudCaseInScope(*context, r.case_id()) : valid;
      },
      [this](const auto& r, auto done) { deps_.fraud->RecordFraudInvestigation(r, done); });
}

grpc::ServerUnaryReactor* FollowupServiceImpl::ConcludeFraudCase(
    grpc::CallbackServerContext* context, const v1::ConcludeFraudCaseRequest* request,
    v1::ConcludeFraudCaseResponse* response) {
  return server::HandleUnaryAsync(
      context, logger_, "ConcludeFraudCase", request, response,
      [this, context](auto& r) -> absl::Status {
        RETURN_IF_ERROR(security::RecordActor(*context, "staff_id", r.mutable_staff_id(), logger_));
        absl::Status valid = ValidateConcludeFraudCase(r, Rules());
        return valid.ok() ? FraudCaseInScope(*context, r.case_id()) : valid;
      },
      [this](const auto& r, auto done) { deps_.fraud->ConcludeFraudCase(r, done); });
}

grpc::ServerUnaryReactor* FollowupServiceImpl::ListFraudCases(
    grpc::CallbackServerContext* context, const v1::ListFraudCasesRequest* request,
    v1::ListFraudCasesResponse* response) {
  return server::HandleUnary(
      context, logger_, "ListFraudCases", request, response,
      [this, context](auto& r) {
        absl::Status valid = ValidateListFraudCases(r, Rules());
        // Staff of one region see only their region.
        return valid.ok() ? security::RequireRegion(*context, r.region_code()) : valid;
      },
      [this](const auto& r) { return deps_.fraud->ListFraudCases(r); });
}

grpc::ServerUnaryReactor* FollowupServiceImpl::SubmitMonthlyFraudReport(
    grpc::CallbackServerContext* context, const v1::SubmitMonthlyFraudReportRequest* request,
    v1::SubmitMonthlyFraudReportResponse* response) {
  return server::HandleUnaryAsync(
      context, logger_, "SubmitMonthlyFraudReport", request, response,
      [this, context](auto& r) -> absl::Status {
        RETURN_IF_ERROR(security::RecordActor(*context, "staff_id", r.mutable_staff_id(), logger_));
        absl::Status valid = ValidateSubmitMonthlyFraudReport(r, Rules());
        // The city bureau reports its own city (scope "2301" covers city 230100); a district's
        // scope does not cover its whole city, so it may not submit the city's report.
        return valid.ok() ? security::RequireRegion(*context, r.city_code()) : valid;
      },
      [this](const auto& r, auto done) { deps_.fraud->SubmitMonthlyFraudReport(r, done); });
}

grpc::ServerUnaryReactor* FollowupServiceImpl::GetMonthlyFraudReport(
    grpc::CallbackServerContext* context, const v1::GetMonthlyFraudReportRequest* request,
    v1::GetMonthlyFraudReportResponse* response) {
  return server::HandleUnary(
      context, logger_, "GetMonthlyFraudReport", request, response,
      [this](auto& r) { return ValidateGetMonthlyFraudReport(r, Rules()); },
      [this](const auto& r) { return deps_.fraud->GetMonthlyFraudReport(r); });
}

grpc::ServerUnaryReactor* FollowupServiceImpl::GetFraudReportCompliance(
    grpc::CallbackServerContext* context, const v1::GetFraudReportComplianceRequest* request,
    v1::GetFraudReportComplianceResponse* response) {
  return server::HandleUnary(
      context, logger_, "GetFraudReportCompliance", request, response,
      [this](auto& r) { return ValidateGetFraudReportCompliance(r, Rules()); },
      [this](const auto& r) { return deps_.fraud->GetFraudReportCompliance(r); });
}

grpc::ServerUnaryReactor* FollowupServiceImpl::ExportCreditRecords(
    grpc::CallbackServerContext* context, const v1::ExportCreditRecordsRequest* request,
    v1::ExportCreditRecordsResponse* response) {
  return server::HandleUnary(
      context, logger_, "ExportCreditRecords", request, response,
      [this](auto& r) { return ValidateExportCreditRecords(r, Rules()); },
      [this](const auto& r) { return deps_.fraud->ExportCreditRecords(r); });
}

grpc::ServerUnaryReactor* FollowupServiceImpl::ListUndeliveredCreditRecords(
    grpc::CallbackServerContext* context, const v1::ListUndeliveredCreditRecordsRequest* request,
    v1::ListUndeliveredCreditRecordsResponse* response) {
  return server::HandleUnary(
      context, logger_, "ListUndeliveredCreditRecords", request, response,
      [context](auto& r) {
        absl::Status valid = ValidateListUndeliveredCreditRecords(r);
        return valid.ok() ? security::RequireRegion(*context, r.region_code()) : valid;
      },
      [this](const auto& r) { return deps_.fraud->ListUndeliveredCreditRecords(r); });
}

grpc::ServerWriteReactor<v1::StreamEventsResponse>* FollowupServiceImpl::StreamEvents(
    grpc::CallbackServerContext* /*context*/, const v1::StreamEventsRequest* request) {
  absl::Status status = ValidateStreamEvents(*request);
  int64_t last = 0;
  if (status.ok()) {
    absl::StatusOr<int64_t> last_sequence = deps_.feed->LastEventSequence();
    if (last_sequence.ok()) {
      last = *last_sequence;
    } else {
      status = last_sequence.status();
    }
  }
  if (status.ok()) status = feed::CheckCursor(request->after_sequence(), last);
  auto* stream = new feed::EventStream<v1::StreamEventsResponse>(
      [feed = deps_.feed](int64_t after, int limit) { return feed->ReadEvents(after, limit); },
      *deps_.notifier, request->after_sequence(), request->stop_at_end(), last,
      "the follow-up service is shutting down; reconnect after the last applied sequence");
  if (status.ok()) {
    stream->Start();
  } else {
    server::LogIfServerFault(logger_, "StreamEvents", status);
    stream->Reject(status::ToGrpcStatus(status));
  }
  return stream;
}

}  // namespace unemployment::followup
