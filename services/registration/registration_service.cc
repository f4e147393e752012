#include "services/registration/registration_service.h"

#include <functional>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/feed/event_stream.h"
#include "common/security/actor.h"
#include "common/security/call_guard.h"
#include "common/server/unary_handler.h"
#include "common/status/macros.h"
#include "common/status/status_util.h"

namespace unemployment::registration {
namespace {

// The office region of an application, for security::RequireRecordInScope.
absl::StatusOr<std::string> ApplicationOffice(Registrar& registrar,
                                              const std::string& application_id) {
  ASSIGN_OR_RETURN(v1::Application application, registrar.GetApplication(application_id));
  return application.office_region_code();
}

// Loads the record `load` returns (an application or registration) for a caller whose region
// scope must cover its office: another region's id and an unknown id get the same answer
// (security::RequireRecordInScope); a province-wide caller gets the load's own answer (NOT_FOUND).
template <typename Record>
absl::StatusOr<Record> LoadInScope(const grpc::ServerContextBase& context,
                                   const std::function<absl::StatusOr<Record>()>& load) {
  std::optional<absl::StatusOr<Record>> loaded;
  absl::Status in_scope =
      security::RequireRecordInScope(context, [&]() -> absl::StatusOr<std::string> {
        loaded = load();
        if (!loaded->ok()) return loaded->status();
        return (*loaded)->office_region_code();
      });
  if (!in_scope.ok()) return in_scope;
  if (!loaded.has_value()) loaded = load();  // not looked up for a province-wide caller
  return *std::move(loaded);
}

}  // namespace

RegistrationServiceImpl::RegistrationServiceImpl(Dependencies dependencies, log::Logger logger)
    : deps_(std::move(dependencies)),
      logger_(std::move(logger)),
      form_validator_(*deps_.regions, *deps_.clock, deps_.province_code) {}

RequestRules RegistrationServiceImpl::Rules() const {
  RequestRules rules;
  rules.regions = deps_.regions;
  rules.form_validator = &form_validator_;
  rules.today = deps_.clock->Today();
  return rules;
}

grpc::ServerUnaryReactor* RegistrationServiceImpl::CreateApplication(
    grpc::CallbackServerContext* context, const v1::CreateApplicationRequest* request,
    v1::CreateApplicationResponse* response) {
  return server::HandleUnaryAsync(
      context, logger_, "CreateApplication", request, response,
      [this](v1::CreateApplicationRequest& r) { return ValidateCreateApplication(r, Rules()); },
      [this, response](const v1::CreateApplicationRequest& r, auto done) {
        deps_.registrar->CreateApplication(
            r, [response, done](absl::StatusOr<v1::Application> application) {
              if (application.ok()) *response->mutable_application() = *std::move(application);
              done(application.status());
            });
      });
}

grpc::ServerUnaryReactor* RegistrationServiceImpl::GetApplicationByChannelId(
    grpc::CallbackServerContext* context, const v1::GetApplicationByChannelIdRequest* request,
    v1::GetApplicationByChannelIdResponse* response) {
  return server::HandleUnary(
      context, logger_, "GetApplicationByChannelId", request, response,
      [](v1::GetApplicationByChannelIdRequest& r) { return ValidateGetApplicationByChannelId(r); },
      [this, response](const v1::GetApplicationByChannelIdRequest& r) -> absl::Status {
        ASSIGN_OR_RETURN(
            *response->mutable_application(),
            deps_.registrar->GetApplicationByChannelId(r.channel(), r.channel_application_id()));
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* RegistrationServiceImpl::FenceChannelApplicationId(
    grpc::CallbackServerContext* context, const v1::FenceChannelApplicationIdRequest* request,
    v1::FenceChannelApplicationIdResponse* response) {
  return server::HandleUnaryAsync(
      context, logger_, "FenceChannelApplicationId", request, response,
      [](v1::FenceChannelApplicationIdRequest& r) { return ValidateFenceChannelApplicationId(r); },
      [this](const v1::FenceChannelApplicationIdRequest& r, auto done) {
        deps_.registrar->FenceChannelApplicationId(r, done);
      });
}

grpc::ServerUnaryReactor* RegistrationServiceImpl::GetApplication(
    grpc::CallbackServerContext* context, const v1::GetApplicationRequest* request,
    v1::GetApplicationResponse* response) {
  return server::HandleUnary(
      context, logger_, "GetApplication", request, response,
      [](v1::GetApplicationRequest& r) { return ValidateGetApplication(r); },
      [this, context, response](const v1::GetApplicationRequest& r) -> absl::Status {
        // Staff of one region see only their region's applications.
        ASSIGN_OR_RETURN(*response->mutable_application(),
                         LoadInScope<v1::Application>(*context, [&] {
                           return deps_.registrar->GetApplication(r.application_id());
                         }));
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* RegistrationServiceImpl::ListReviewQueue(
    grpc::CallbackServerContext* context, const v1::ListReviewQueueRequest* request,
    v1::ListReviewQueueResponse* response) {
  return server::HandleUnary(
      context, logger_, "ListReviewQueue", request, response,
      [this, context](v1::ListReviewQueueRequest& r) {
        absl::Status valid = ValidateListReviewQueue(r, Rules());
        return valid.ok() ? security::RequireRegion(*context, r.office_region_code()) : valid;
      },
      [this](const v1::ListReviewQueueRequest& r) { return deps_.registrar->ListReviewQueue(r); });
}

grpc::ServerUnaryReactor* RegistrationServiceImpl::ReviewApplication(
    grpc::CallbackServerContext* context, const v1::ReviewApplicationRequest* request,
    v1::ReviewApplicationResponse* response) {
  return server::HandleUnaryAsync(
      context, logger_, "ReviewApplication", request, response,
      [this, context](v1::ReviewApplicationRequest& r) -> absl::Status {
        // The reviewer recorded is the caller, never a name typed into the request.
        absl::StatusOr<security::Actor> reviewer =
            security::ResolveActor(*context, "reviewer", r.reviewer(), logger_);
        if (reviewer.ok()) r.set_reviewer(reviewer->subject);
        RETURN_IF_ERROR(ValidateReviewApplication(r, Rules()));
        // A region-scoped reviewer decides only applications of their region's offices; another
        // region's id and an unknown id get the same answer (a province-wide caller's unknown id
        // is answered by the review itself, NOT_FOUND). Checked before the reviewer's name, so
        // that a refusal of the name never tells an out-of-scope caller that the id exists.
        RETURN_IF_ERROR(security::RequireRecordInScope(
            *context, [&] { return ApplicationOffice(*deps_.registrar, r.application_id()); }));
        return reviewer.status();
      },
      [this](const v1::ReviewApplicationRequest& r, auto done) {
        deps_.registrar->ReviewApplication(r, done);
      });
}

grpc::ServerUnaryReactor* RegistrationServiceImpl::AmendDecision(
    grpc::CallbackServerContext* context, const v1::AmendDecisionRequest* request,
    v1::AmendDecisionResponse* response) {
  return server::HandleUnaryAsync(
      context, logger_, "AmendDecision", request, response,
      [this, context](v1::AmendDecisionRequest& r) -> absl::Status {
        // The amending staff member is the caller, never a name typed into the request.
        RETURN_IF_ERROR(security::RecordActor(*context, "actor", r.mutable_actor(), logger_));
        RETURN_IF_ERROR(ValidateAmendDecision(r));
        // A region-scoped reviewer amends only decisions of their region's offices.
        if (security::CallerRegionScope(*context) == "*") return absl::OkStatus();
        return security::RequireRecordInScope(
            *context, [&] { return ApplicationOffice(*deps_.registrar, r.application_id()); });
      },
      [this](const v1::AmendDecisionRequest& r, auto done) {
        deps_.registrar->AmendDecision(r, done);
      });
}

grpc::ServerUnaryReactor* RegistrationServiceImpl::GetRegistration(
    grpc::CallbackServerContext* context, const v1::GetRegistrationRequest* request,
    v1::GetRegistrationResponse* response) {
  return server::HandleUnary(
      context, logger_, "GetRegistration", request, response,
      [](v1::GetRegistrationRequest& r) { return ValidateGetRegistration(r); },
      [this, context, response](const v1::GetRegistrationRequest& r) -> absl::Status {
        ASSIGN_OR_RETURN(*response->mutable_registration(),
                         LoadInScope<v1::Registration>(*context, [&] {
                           return deps_.registrar->GetRegistration(r.registration_id());
                         }));
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* RegistrationServiceImpl::GetActiveRegistrationByPerson(
    grpc::CallbackServerContext* context, const v1::GetActiveRegistrationByPersonRequest* request,
    v1::GetActiveRegistrationByPersonResponse* response) {
  return server::HandleUnary(
      context, logger_, "GetActiveRegistrationByPerson", request, response,
      [this](v1::GetActiveRegistrationByPersonRequest& r) {
        return ValidateGetActiveRegistrationByPerson(r, Rules());
      },
      [this, response](const v1::GetActiveRegistrationByPersonRequest& r) -> absl::Status {
        ASSIGN_OR_RETURN(*response->mutable_registration(),
                         deps_.registrar->GetActiveRegistrationByPerson(r.person_id()));
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* RegistrationServiceImpl::Deregister(grpc::CallbackServerContext* context,
                                                              const v1::DeregisterRequest* request,
                                                              v1::DeregisterResponse* response) {
  return server::HandleUnaryAsync(
      context, logger_, "Deregister", request, response,
      [this, context](v1::DeregisterRequest& r) -> absl::Status {
        // The actor recorded is the caller (a peer service relays the person it acts for).
        RETURN_IF_ERROR(security::RecordActor(*context, "actor", r.mutable_actor(), logger_));
        return ValidateDeregister(r, Rules());
      },
      [this](const v1::DeregisterRequest& r, auto done) { deps_.registrar->Deregister(r, done); });
}

grpc::ServerUnaryReactor* RegistrationServiceImpl::ListNotifications(
    grpc::CallbackServerContext* context, const v1::ListNotificationsRequest* request,
    v1::ListNotificationsResponse* response) {
  return server::HandleUnary(
      context, logger_, "ListNotifications", request, response,
      [](v1::ListNotificationsRequest& r) { return ValidateListNotifications(r); },
      [this](const v1::ListNotificationsRequest& r) {
        return deps_.registrar->ListNotifications(r);
      });
}

grpc::ServerUnaryReactor* RegistrationServiceImpl::ListUndeliveredNotifications(
    grpc::CallbackServerContext* context, const v1::ListUndeliveredNotificationsRequest* request,
    v1::ListUndeliveredNotificationsResponse* response) {
  return server::HandleUnary(
      context, logger_, "ListUndeliveredNotifications", request, response,
      [this, context](v1::ListUndeliveredNotificationsRequest& r) {
        absl::Status valid = ValidateListUndeliveredNotifications(r, Rules());
        // Staff of one region list only their region's offices.
        return valid.ok() ? security::RequireRegion(*context, r.region_code()) : valid;
      },
      [this](const v1::ListUndeliveredNotificationsRequest& r) {
        return deps_.registrar->ListUndeliveredNotifications(r);
      });
}

grpc::ServerUnaryReactor* RegistrationServiceImpl::SetDutyReviewers(
    grpc::CallbackServerContext* context, const v1::SetDutyReviewersRequest* request,
    v1::SetDutyReviewersResponse* response) {
  return server::HandleUnaryAsync(
      context, logger_, "SetDutyReviewers", request, response,
      [this, context](v1::SetDutyReviewersRequest& r) -> absl::Status {
        // The staff member naming the duty reviewers is the caller, never a name typed into the
        // request.
        RETURN_IF_ERROR(security::RecordActor(*context, "actor", r.mutable_actor(), logger_));
        RETURN_IF_ERROR(ValidateSetDutyReviewers(r, Rules()));
        // Staff of one region name the duty reviewers of their region's offices only.
        return security::RequireRegion(*context, r.office_region_code());
      },
      [this](const v1::SetDutyReviewersRequest& r, auto done) {
        deps_.registrar->SetDutyReviewers(r, done);
      });
}

grpc::ServerUnaryReactor* RegistrationServiceImpl::ListDutyReviewers(
    grpc::CallbackServerContext* context, const v1::ListDutyReviewersRequest* request,
    v1::ListDutyReviewersResponse* response) {
  return server::HandleUnary(
      context, logger_, "ListDutyReviewers", request, response,
      [this, context](v1::ListDutyReviewersRequest& r) {
        absl::Status valid = ValidateListDutyReviewers(r, Rules());
        return valid.ok() ? security::RequireRegion(*context, r.region_code()) : valid;
      },
      [this](const v1::ListDutyReviewersRequest& r) {
        return deps_.registrar->ListDutyReviewers(r);
      });
}

grpc::ServerUnaryReactor* RegistrationServiceImpl::ReportRegionContact(
    grpc::CallbackServerContext* context, const v1::ReportRegionContactRequest* request,
    v1::ReportRegionContactResponse* response) {
  return server::HandleUnaryAsync(
      context, logger_, "ReportRegionContact", request, response,
      [this, context](v1::ReportRegionContactRequest& r) -> absl::Status {
        // The reporter is the caller, never a name typed into the request.
        RETURN_IF_ERROR(security::RecordActor(*context, "actor", r.mutable_actor(), logger_));
        RETURN_IF_ERROR(ValidateReportRegionContact(r, Rules()));
        // A city reports for itself and its counties, a county for itself only.
        return security::RequireRegion(*context, r.region_code());
      },
      [this](const v1::ReportRegionContactRequest& r, auto done) {
        const validation::Region* region = deps_.regions->Find(r.region_code());
        deps_.registrar->ReportRegionContact(r, region == nullptr ? std::string() : region->name,
                                             done);
      });
}

grpc::ServerUnaryReactor* RegistrationServiceImpl::GetReportedRegionContact(
    grpc::CallbackServerContext* context, const v1::GetReportedRegionContactRequest* request,
    v1::GetReportedRegionContactResponse* response) {
  return server::HandleUnary(
      context, logger_, "GetReportedRegionContact", request, response,
      [](v1::GetReportedRegionContactRequest& r) { return ValidateGetReportedRegionContact(r); },
      [this, response](const v1::GetReportedRegionContactRequest& r) -> absl::Status {
        ASSIGN_OR_RETURN(*response->mutable_contact(),
                         deps_.registrar->GetReportedRegionContact(r.region_code()));
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* RegistrationServiceImpl::ListReportedRegionContacts(
    grpc::CallbackServerContext* context, const v1::ListReportedRegionContactsRequest* request,
    v1::ListReportedRegionContactsResponse* response) {
  return server::HandleUnary(
      context, logger_, "ListReportedRegionContacts", request, response,
      [](v1::ListReportedRegionContactsRequest& r) {
        return ValidateListReportedRegionContacts(r);
      },
      [this](const v1::ListReportedRegionContactsRequest& r) {
        return deps_.registrar->ListReportedRegionContacts(r);
      });
}

grpc::ServerWriteReactor<v1::StreamEventsResponse>* RegistrationServiceImpl::StreamEvents(
    grpc::CallbackServerContext* /*context*/, const v1::StreamEventsRequest* request) {
  absl::Status status = ValidateStreamEvents(*request);
  absl::StatusOr<int64_t> last = int64_t{0};
  if (status.ok()) {
    last = deps_.store->LastSequence();
    status = last.status();
  }
  if (status.ok()) status = feed::CheckCursor(request->after_sequence(), *last);
  // Replays, then waits on the notifier (woken on its dispatcher thread, not the commit thread).
  auto* stream = new feed::EventStream<v1::StreamEventsResponse>(
      [this](int64_t after, int limit) -> absl::StatusOr<std::vector<v1::Event>> {
        absl::StatusOr<std::vector<v1::Event>> events = deps_.store->ReadEvents(after, limit);
        if (!events.ok()) logger_.Error("stream_read_failed", {{"status", events.status()}});
        return events;
      },
      *deps_.notifier, request->after_sequence(), request->stop_at_end(), last.ok() ? *last : 0,
      "the server is shutting down; resume after the last sequence received");
  if (!status.ok()) {
    stream->Reject(status::ToGrpcStatus(status));
  } else {
    stream->Start();
  }
  return stream;
}

}  // namespace unemployment::registration
