#include "services/followup/followup_manager.h"

#include <algorithm>
#include <memory>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/status/macros.h"
#include "common/time/date.h"
#include "common/validation/rules.h"
#include "services/followup/followup_rules.h"
#include "services/followup/page_token.h"
#include "services/followup/registration_feed_consumer.h"

namespace unemployment::followup {
namespace {

namespace regv1 = ::unemployment::registration::v1;
namespace codes = ::unemployment::common::v1;
namespace rule = ::unemployment::validation::rule;

constexpr char kRecordFollowUpKind[] = "record_follow_up";
constexpr char kAmendFollowUpKind[] = "amend_follow_up";
constexpr absl::string_view kFollowUpNotFound = "FOLLOW_UP_NOT_FOUND";
constexpr absl::string_view kFollowUpWithdrawn = "FOLLOW_UP_WITHDRAWN";
constexpr absl::string_view kFollowUpNotAmendable = "FOLLOW_UP_NOT_AMENDABLE";
constexpr char kSelfReportKind[] = "self_report";
constexpr char kDeregisterKind[] = "deregister";
constexpr char kDecideKind[] = "decide_candidate";

v1::Deregistration DeregistrationOf(const regv1::Registration& registration) {
  const regv1::Deregistration& d = registration.deregistration();
  v1::Deregistration out;
  out.set_registration_id(registration.id());
  out.set_reason(d.reason());
  out.set_effective_date(d.effective_date());
  out.set_actor(d.actor());
  out.set_note(d.note());
  out.set_moved_abroad(d.moved_abroad());
  out.set_person_notified(d.person_notified());
  *out.mutable_recorded_at() = d.recorded_at();
  return out;
}

// Registration's "cannot be reached" answers become UNAVAILABLE; others keep code and details.
absl::Status FromRegistration(const absl::Status& status) {
  if (status.code() == absl::StatusCode::kUnavailable ||
      status.code() == absl::StatusCode::kDeadlineExceeded) {
    return status::WithErrorInfo(
        absl::UnavailableError(absl::StrCat("the registration service cannot be reached (",
                                            status.message(), "); retry with the same request_id")),
        reason::kRegistrationUnavailable);
  }
  return status;
}

bool HasReason(const absl::Status& status, absl::string_view wanted) {
  std::optional<google::rpc::ErrorInfo> info = status::GetErrorInfo(status);
  return info.has_value() && info->reason() == wanted;
}

std::string MonthOf(absl::string_view day) { return std::string(day.substr(0, 7)); }

// The day a month's follow-up is judged on (EvaluationDay) for a request's `as_of` text ("" or a
// validated date).
absl::StatusOr<absl::CivilDay> EvaluationDayOf(absl::CivilMonth month, const std::string& as_of,
                                               absl::CivilDay today) {
  std::optional<absl::CivilDay> day;
  if (!as_of.empty()) {
    ASSIGN_OR_RETURN(day, time::ParseDate(as_of));
  }
  return EvaluationDay(month, day, today);
}

// The page position of a follow-up in the newest-first order of ListFollowUps.
ListPosition PositionOf(const v1::FollowUp& follow_up) {
  ListPosition position;
  position.key = follow_up.contact_date();
  position.micros = MicrosOf(follow_up.recorded_at());
  position.id = follow_up.follow_up_id();
  return position;
}

// What a deregistration that registration refused answers: `local_refusal` when registration says
// the registration is no longer active and the local read model had already seen it end (not
// ended by this very request), else registration's answer.
absl::Status DeregistrationRefusal(const absl::Status& local_refusal, const absl::Status& answer) {
  if (!local_refusal.ok() && HasReason(answer, reason::kRegistrationNotActive)) {
    return local_refusal;
  }
  return answer;
}

// The call to registration deregistering `registration_id` under `request_id`.
regv1::DeregisterRequest DeregisterCall(const std::string& registration_id,
                                        const std::string& request_id,
                                        codes::DeregistrationReason reason,
                                        const std::string& effective_date, const std::string& actor,
                                        const std::string& note, bool moved_abroad) {
  regv1::DeregisterRequest call;
  call.set_registration_id(registration_id);
  call.set_request_id(request_id);
  call.set_reason(reason);
  call.set_effective_date(effective_date);
  call.set_actor(actor);
  call.set_note(note);
  call.set_moved_abroad(moved_abroad);
  return call;
}

// The candidate's evidence for a follow-up or self-report.
v1::CandidateEvidence EvidenceOf(const v1::FollowUp& follow_up, v1::CandidateSource source) {
  v1::CandidateEvidence evidence;
  evidence.set_source(source == v1::CANDIDATE_SOURCE_SELF_REPORT ? "SELF_REPORT" : "FOLLOW_UP");
  evidence.set_organisation_name(follow_up.employer_name());
  evidence.set_detail(
      absl::StrCat(follow_up.outcome() == v1::FOLLOW_UP_OUTCOME_EMPLOYED ? "已就业：" : "已创业：",
                   follow_up.employer_name(), "（", follow_up.contact_date(), "）"));
  return evidence;
}

// The registration's request_id of a reason-32 deregistration: deterministic, so a retry after a
// lost answer is recognised by registration's own idempotency.
std::string SweepRequestId(const std::string& registration_id, const std::string& as_of) {
  return absl::StrFormat("followup-nc-%016x",
                         QueryFingerprint(absl::StrCat(registration_id, "|", as_of)));
}

}  // namespace

FollowupManager::FollowupManager(FollowupStore& store, RegistrationClient& registration,
                                 const validation::RegionDirectory& regions,
                                 const time::Clock& clock, log::Logger logger)
    : store_(store),
      registration_(registration),
      regions_(regions),
      clock_(clock),
      logger_(std::move(logger)) {}

absl::StatusOr<OfficeRange> FollowupManager::Offices(const std::string& region_code) const {
  if (region_code.empty()) return AllOffices();
  std::optional<OfficeRange> range = RegionRange(regions_, region_code);
  if (!range.has_value()) return RegionNotFound(region_code);
  return *range;
}

// --- Follow-ups. ---

absl::Status FollowupManager::StoreFollowUp(FollowupTransaction& tx,
                                            const RegistrationRecord& registration,
                                            v1::FollowUp& follow_up, v1::CandidateSource source,
                                            v1::DeregistrationCandidate* candidate) {
  const google::protobuf::Timestamp now = ToTimestamp(clock_.Now());
  ASSIGN_OR_RETURN(int64_t number, tx.NextNumber("follow_up"));
  follow_up.set_follow_up_id(absl::StrCat("fu-", number));
  *follow_up.mutable_recorded_at() = now;
  const codes::DeregistrationReason proposed = ProposedReason(follow_up.outcome());
  // A candidate only while the registration is still active: an ended one has nothing to decide.
  if (proposed != codes::DEREGISTRATION_REASON_UNSPECIFIED && registration.end_date.empty()) {
    ASSIGN_OR_RETURN(int64_t candidate_number, tx.NextNumber("candidate"));
    candidate->set_candidate_id(absl::StrCat("dc-", candidate_number));
    candidate->set_registration_id(registration.registration_id);
    candidate->set_name(registration.name);
    candidate->set_office_region_code(registration.office_region_code);
    candidate->set_source(source);
    candidate->set_month(MonthOf(follow_up.contact_date()));
    candidate->set_proposed_reason(proposed);
    *candidate->add_evidence() = EvidenceOf(follow_up, source);
    candidate->set_follow_up_id(follow_up.follow_up_id());
    candidate->set_state(v1::CANDIDATE_STATE_PENDING);
    *candidate->mutable_create_time() = now;
    follow_up.set_candidate_id(candidate->candidate_id());
    RETURN_IF_ERROR(tx.PutCandidate(*candidate));
  }
  RETURN_IF_ERROR(tx.InsertFollowUp(follow_up, IsContact(follow_up.method(), follow_up.outcome())));
  v1::FollowupEvent event;
  *event.mutable_occurred_at() = follow_up.recorded_at();
  v1::FollowUpRecorded* recorded = event.mutable_follow_up_recorded();
  recorded->set_follow_up_id(follow_up.follow_up_id());
  recorded->set_registration_id(follow_up.registration_id());
  recorded->set_office_region_code(registration.office_region_code);
  recorded->set_method(follow_up.method());
  recorded->set_contact_date(follow_up.contact_date());
  recorded->set_outcome(follow_up.outcome());
  return tx.AppendEvent(std::move(event));
}

void FollowupManager::RecordFollowUp(const v1::RecordFollowUpRequest& request,
                                     Callback<v1::RecordFollowUpResponse> done) {
  WriteOnce<v1::RecordFollowUpResponse>(
      store_, kRecordFollowUpKind, request,
      [this, request](FollowupTransaction& tx) -> absl::StatusOr<v1::RecordFollowUpResponse> {
        v1::FollowUp follow_up = request.follow_up();
        ASSIGN_OR_RETURN(std::optional<RegistrationRecord> registration,
                         tx.GetRegistration(follow_up.registration_id()));
        if (!registration.has_value()) return RegistrationNotFound(follow_up.registration_id());
        if (!IsActiveOn(*registration, follow_up.contact_date())) {
          return RegistrationNotActive(follow_up.registration_id());
        }
        v1::RecordFollowUpResponse response;
        RETURN_IF_ERROR(StoreFollowUp(tx, *registration, follow_up, v1::CANDIDATE_SOURCE_FOLLOW_UP,
                                      response.mutable_candidate()));
        if (response.candidate().candidate_id().empty()) response.clear_candidate();
        *response.mutable_follow_up() = std::move(follow_up);
        return response;
      },
      std::move(done));
}

namespace {

absl::Status NotAmendable(const v1::FollowUp& follow_up, absl::string_view why) {
  return status::WithErrorInfo(
      absl::FailedPreconditionError(absl::StrCat("follow-up ", follow_up.follow_up_id(), " ", why)),
      kFollowUpNotAmendable);
}

absl::StatusOr<v1::FollowUp> LoadFollowUp(absl::StatusOr<std::optional<v1::FollowUp>> found,
                                          const std::string& id) {
  if (!found.ok()) return found.status();
  if (!found->has_value()) {
    return status::WithErrorInfo(
        absl::NotFoundError(absl::StrCat("follow-up ", id, " does not exist")), kFollowUpNotFound);
  }
  return **std::move(found);
}

}  // namespace

void FollowupManager::AmendFollowUp(const v1::AmendFollowUpRequest& request,
                                    Callback<v1::AmendFollowUpResponse> done) {
  WriteOnce<v1::AmendFollowUpResponse>(
      store_, kAmendFollowUpKind, request,
      [this, request](FollowupTransaction& tx) -> absl::StatusOr<v1::AmendFollowUpResponse> {
        ASSIGN_OR_RETURN(
            v1::FollowUp follow_up,
            LoadFollowUp(tx.GetFollowUp(request.follow_up_id()), request.follow_up_id()));
        if (follow_up.withdrawn()) {
          return status::WithErrorInfo(
              absl::FailedPreconditionError(
                  absl::StrCat("follow-up ", follow_up.follow_up_id(), " was withdrawn")),
              kFollowUpWithdrawn);
        }
        if (!follow_up.self_report_id().empty() || !follow_up.comparison_run_id().empty()) {
          return NotAmendable(follow_up,
                              "stands for a self-report or a comparison; correct it at its source");
        }
        ASSIGN_OR_RETURN(std::optional<RegistrationRecord> registration,
                         tx.GetRegistration(follow_up.registration_id()));
        if (!registration.has_value()) return RegistrationNotFound(follow_up.registration_id());

        v1::FollowUpAmendment amendment;
        amendment.set_request_id(request.request_id());
        amendment.set_amendment_reason(request.amendment_reason());
        amendment.set_actor(request.actor());
        *amendment.mutable_recorded_at() = ToTimestamp(clock_.Now());
        amendment.set_withdrawn(request.withdraw());
        v1::FollowUp& before = *amendment.mutable_previous();
        before = follow_up;
        before.clear_follow_up_id();
        before.clear_registration_id();
        before.clear_recorded_at();
        before.clear_amendments();

        const codes::DeregistrationReason proposed_before = ProposedReason(follow_up.outcome());
        if (request.withdraw()) {
          follow_up.set_withdrawn(true);
        } else {
          // The stated fields are replaced; ids, recorder, candidate and history stay.
          v1::FollowUp corrected = request.corrected();
          if (!IsActiveOn(*registration, corrected.contact_date())) {
            return RegistrationNotActive(follow_up.registration_id());
          }
          const codes::DeregistrationReason proposed = ProposedReason(corrected.outcome());
          if (proposed != codes::DEREGISTRATION_REASON_UNSPECIFIED && proposed != proposed_before) {
            return NotAmendable(follow_up,
                                "would newly propose a deregistration: withdraw it and record "
                                "the follow-up anew with RecordFollowUp");
          }
          corrected.set_follow_up_id(follow_up.follow_up_id());
          corrected.set_registration_id(follow_up.registration_id());
          corrected.set_staff_id(follow_up.staff_id());
          corrected.set_candidate_id(follow_up.candidate_id());
          *corrected.mutable_recorded_at() = follow_up.recorded_at();
          corrected.mutable_amendments()->Swap(follow_up.mutable_amendments());
          follow_up = std::move(corrected);
        }
        // The candidate the follow-up proposed goes with it when the proposal no longer stands.
        const bool proposal_gone =
            follow_up.withdrawn() || ProposedReason(follow_up.outcome()) != proposed_before;
        if (proposal_gone && !follow_up.candidate_id().empty()) {
          ASSIGN_OR_RETURN(std::optional<v1::DeregistrationCandidate> candidate,
                           tx.GetCandidate(follow_up.candidate_id()));
          // An accepted one deregistered the person: that stands, and is corrected through
          // registration; a rejected or withdrawn one needs nothing.
          if (candidate.has_value() && candidate->state() == v1::CANDIDATE_STATE_ACCEPTED) {
            return status::WithErrorInfo(
                absl::FailedPreconditionError(absl::StrCat(
                    "the deregistration candidate ", candidate->candidate_id(), " of follow-up ",
                    follow_up.follow_up_id(), " was accepted; the deregistration stands")),
                reason::kCandidateNotPending);
          }
          if (candidate.has_value() && candidate->state() == v1::CANDIDATE_STATE_PENDING) {
            candidate->set_state(v1::CANDIDATE_STATE_WITHDRAWN);
            RETURN_IF_ERROR(tx.PutCandidate(*candidate));
            amendment.set_withdrawn_candidate_id(candidate->candidate_id());
          }
        }
        *follow_up.add_amendments() = amendment;
        RETURN_IF_ERROR(tx.UpdateFollowUp(
            follow_up,
            !follow_up.withdrawn() && IsContact(follow_up.method(), follow_up.outcome())));
        v1::FollowupEvent event;
        *event.mutable_occurred_at() = amendment.recorded_at();
        v1::FollowUpAmended* amended = event.mutable_follow_up_amended();
        amended->set_follow_up_id(follow_up.follow_up_id());
        amended->set_registration_id(follow_up.registration_id());
        amended->set_office_region_code(registration->office_region_code);
        amended->set_method(follow_up.method());
        amended->set_contact_date(follow_up.contact_date());
        amended->set_outcome(follow_up.outcome());
        amended->set_withdrawn(follow_up.withdrawn());
        amended->set_previous_method(amendment.previous().method());
        amended->set_previous_contact_date(amendment.previous().contact_date());
        amended->set_previous_outcome(amendment.previous().outcome());
        RETURN_IF_ERROR(tx.AppendEvent(std::move(event)));
        v1::AmendFollowUpResponse response;
        *response.mutable_follow_up() = std::move(follow_up);
        return response;
      },
      std::move(done));
}

absl::StatusOr<std::string> FollowupManager::OfficeRegionOfFollowUp(const std::string& id) {
  ASSIGN_OR_RETURN(v1::FollowUp follow_up, LoadFollowUp(store_.GetFollowUp(id), id));
  ASSIGN_OR_RETURN(std::optional<RegistrationRecord> registration,
                   store_.GetRegistration(follow_up.registration_id()));
  if (!registration.has_value()) return RegistrationNotFound(follow_up.registration_id());
  return registration->office_region_code;
}

absl::StatusOr<v1::ListFollowUpsResponse> FollowupManager::ListFollowUps(
    const v1::ListFollowUpsRequest& request) {
  ASSIGN_OR_RETURN(std::optional<RegistrationRecord> registration,
                   store_.GetRegistration(request.registration_id()));
  if (!registration.has_value()) return RegistrationNotFound(request.registration_id());
  const uint64_t fingerprint = QueryFingerprint(
      absl::StrCat("follow_ups|", request.registration_id(), "|", request.month()));
  FollowUpQuery query;
  query.registration_id = request.registration_id();
  if (!request.month().empty()) {
    ASSIGN_OR_RETURN(absl::CivilMonth month, time::ParseMonth(request.month()));
    query.from = time::FormatDate(absl::CivilDay(month));
    query.to = time::FormatDate(time::LastDayOfMonth(month));
  }
  if (!request.page_token().empty()) {
    ASSIGN_OR_RETURN(query.after, DecodePageToken(request.page_token(), fingerprint));
  }
  query.limit = EffectivePageSize(request.page_size());
  ASSIGN_OR_RETURN(Page<v1::FollowUp> page, store_.ListFollowUps(query));
  v1::ListFollowUpsResponse response;
  for (v1::FollowUp& follow_up : page.items) *response.add_follow_ups() = std::move(follow_up);
  if (page.more) {
    response.set_next_page_token(EncodePageToken(
        fingerprint, PositionOf(response.follow_ups(response.follow_ups_size() - 1))));
  }
  return response;
}

absl::StatusOr<v1::ListDueFollowUpsResponse> FollowupManager::ListDueFollowUps(
    const v1::ListDueFollowUpsRequest& request) {
  ASSIGN_OR_RETURN(OfficeRange offices, Offices(request.region_code()));
  ASSIGN_OR_RETURN(absl::CivilMonth month, time::ParseMonth(request.month()));
  ASSIGN_OR_RETURN(const absl::CivilDay evaluation,
                   EvaluationDayOf(month, request.as_of(), clock_.Today()));
  const uint64_t fingerprint = QueryFingerprint(absl::StrCat(
      "due|", request.region_code(), "|", request.month(), "|", time::FormatDate(evaluation)));
  DueQuery query;
  query.offices = offices;
  query.month_start = time::FormatDate(absl::CivilDay(month));
  query.evaluation_day = time::FormatDate(evaluation);
  if (!request.page_token().empty()) {
    ASSIGN_OR_RETURN(query.after, DecodePageToken(request.page_token(), fingerprint));
  }
  query.limit = EffectivePageSize(request.page_size());
  ASSIGN_OR_RETURN(Page<DueRow> page, store_.ListDue(query));
  v1::ListDueFollowUpsResponse response;
  for (const DueRow& row : page.items) {
    v1::DueFollowUp* due = response.add_due();
    due->set_registration_id(row.registration.registration_id);
    due->set_name(row.registration.name);
    due->set_office_region_code(row.registration.office_region_code);
    due->set_registered_date(row.registration.registered_date);
    due->set_last_follow_up_date(row.last_follow_up_date);
    due->set_last_contact_date(row.last_contact_date);
  }
  if (page.more) {
    const DueRow& last = page.items.back();
    ListPosition position;
    position.key = last.registration.registered_date;
    position.id = last.registration.registration_id;
    response.set_next_page_token(EncodePageToken(fingerprint, position));
  }
  return response;
}

absl::StatusOr<v1::GetFollowUpCoverageResponse> FollowupManager::GetFollowUpCoverage(
    const v1::GetFollowUpCoverageRequest& request) {
  ASSIGN_OR_RETURN(OfficeRange offices, Offices(request.region_code()));
  ASSIGN_OR_RETURN(absl::CivilMonth month, time::ParseMonth(request.month()));
  ASSIGN_OR_RETURN(const absl::CivilDay evaluation,
                   EvaluationDayOf(month, request.as_of(), clock_.Today()));
  ASSIGN_OR_RETURN(CoverageCounts counts,
                   store_.Coverage(offices, time::FormatDate(absl::CivilDay(month)),
                                   time::FormatDate(evaluation)));
  v1::GetFollowUpCoverageResponse response;
  response.set_region_code(request.region_code());
  response.set_month(request.month());
  response.set_as_of(time::FormatDate(evaluation));
  response.set_active_count(counts.active);
  response.set_covered_count(counts.covered);
  for (const auto& [method, count] : counts.by_method) {
    v1::MethodCoverage* coverage = response.add_by_method();
    coverage->set_method(static_cast<v1::FollowUpMethod>(method));
    coverage->set_registration_count(count);
  }
  return response;
}

void FollowupManager::SubmitSelfReport(const v1::SubmitSelfReportRequest& request,
                                       Callback<v1::SubmitSelfReportResponse> done) {
  WriteOnce<v1::SubmitSelfReportResponse>(
      store_, kSelfReportKind, request,
      [this, request](FollowupTransaction& tx) -> absl::StatusOr<v1::SubmitSelfReportResponse> {
        v1::SelfReport report = request.self_report();
        ASSIGN_OR_RETURN(std::optional<RegistrationRecord> registration,
                         tx.GetRegistration(report.registration_id()));
        // Another person's registration is answered like an unknown one (not told apart).
        if (!registration.has_value() ||
            registration->id_type != static_cast<int>(request.person_id().id_type()) ||
            registration->id_number != request.person_id().id_number()) {
          return RegistrationNotFound(report.registration_id());
        }
        if (!registration->end_date.empty() || !IsActiveOn(*registration, report.report_date())) {
          return RegistrationNotActive(report.registration_id());
        }
        ASSIGN_OR_RETURN(int64_t number, tx.NextNumber("self_report"));
        report.set_self_report_id(absl::StrCat("sr-", number));
        v1::FollowUp follow_up;
        follow_up.set_registration_id(report.registration_id());
        follow_up.set_method(v1::FOLLOW_UP_METHOD_SELF_REPORT);
        follow_up.set_contact_date(report.report_date());
        follow_up.set_staff_id(request.submitted_by());
        follow_up.set_outcome(report.status());
        follow_up.set_employer_name(report.employer_name());
        follow_up.set_notes(report.notes());
        follow_up.set_self_report_id(report.self_report_id());
        v1::SubmitSelfReportResponse response;
        RETURN_IF_ERROR(StoreFollowUp(tx, *registration, follow_up,
                                      v1::CANDIDATE_SOURCE_SELF_REPORT,
                                      response.mutable_candidate()));
        if (response.candidate().candidate_id().empty()) response.clear_candidate();
        report.set_follow_up_id(follow_up.follow_up_id());
        *report.mutable_recorded_at() = follow_up.recorded_at();
        RETURN_IF_ERROR(tx.InsertSelfReport(report));
        *response.mutable_self_report() = std::move(report);
        *response.mutable_follow_up() = std::move(follow_up);
        return response;
      },
      std::move(done));
}

// --- Deregistration. ---

absl::StatusOr<regv1::ContactState> FollowupManager::LatestContactState(
    const std::string& registration_id) {
  FollowUpQuery query;
  query.registration_id = registration_id;
  query.limit = 100;
  while (true) {
    // Newest first: the first contact attempt found is the latest.
    ASSIGN_OR_RETURN(Page<v1::FollowUp> page, store_.ListFollowUps(query));
    for (const v1::FollowUp& f : page.items) {
      if (f.method() == v1::FOLLOW_UP_METHOD_INFORMATION_COMPARISON) continue;  // not an attempt
      return f.outcome() == v1::FOLLOW_UP_OUTCOME_UNREACHABLE ? regv1::CONTACT_STATE_UNREACHABLE
                                                              : regv1::CONTACT_STATE_REACHABLE;
    }
    if (!page.more || page.items.empty()) return regv1::CONTACT_STATE_NEVER_CONTACTED;
    query.after = PositionOf(page.items.back());
  }
}

void FollowupManager::PerformDeregistration(DeregisterCommand command, absl::Time deadline,
                                            Callback<v1::Deregistration> done) {
  // Registration sends no deregistration notice to a person whose latest contact attempt failed:
  // tell it what follow-up recorded.
  if (command.request.contact_state() == regv1::CONTACT_STATE_UNSPECIFIED) {
    absl::StatusOr<regv1::ContactState> contact =
        LatestContactState(command.request.registration_id());
    if (!contact.ok()) return done(contact.status());
    command.request.set_contact_state(*contact);
  }
  auto shared = std::make_shared<DeregisterCommand>(std::move(command));
  registration_.Deregister(
      shared->request, deadline,
      [this, shared, done = std::move(done)](absl::StatusOr<regv1::DeregisterResponse> answer) {
        if (!answer.ok()) return done(FromRegistration(answer.status()));
        auto registration = std::make_shared<regv1::Registration>(answer->registration());
        auto deregistration = std::make_shared<v1::Deregistration>(DeregistrationOf(*registration));
        store_.Write(
            [shared, registration, deregistration](FollowupTransaction& tx) -> absl::Status {
              RETURN_IF_ERROR(tx.PutRegistration(RecordOfRegistration(*registration)));
              RETURN_IF_ERROR(
                  tx.WithdrawPendingCandidates(registration->id(), shared->keep_candidate_id));
              if (shared->also) return shared->also(tx, *deregistration);
              return absl::OkStatus();
            },
            [deregistration, done](absl::Status status) {
              if (!status.ok()) return done(status);
              done(*deregistration);
            });
      });
}

void FollowupManager::DeregisterRegistration(const v1::DeregisterRegistrationRequest& request,
                                             absl::Time deadline,
                                             Callback<v1::DeregisterRegistrationResponse> done) {
  const std::string fingerprint = Fingerprint(request);
  absl::StatusOr<std::optional<v1::DeregisterRegistrationResponse>> previous =
      PreviousResponse<v1::DeregisterRegistrationResponse>(
          store_.FindRequest(kDeregisterKind, request.request_id()), request.request_id(),
          fingerprint);
  if (!previous.ok()) return done(previous.status());
  if (previous->has_value()) return done(**std::move(previous));
  absl::StatusOr<std::optional<RegistrationRecord>> registration =
      store_.GetRegistration(request.registration_id());
  if (!registration.ok()) return done(registration.status());
  if (!registration->has_value()) return done(RegistrationNotFound(request.registration_id()));
  if (request.effective_date() < (*registration)->registered_date) {
    return done(FieldError("effective_date", rule::kDateOrder,
                           "the effective_date is before the registered date"));
  }
  // Ended in the read model: usually by someone else, but possibly by this very request
  // (registration ended it, the local write then failed, and the feed has since brought the end).
  // Registration's idempotency tells the two apart, so it is asked with the same request_id: it
  // answers its stored result for a retry, REGISTRATION_NOT_ACTIVE otherwise.
  absl::Status local_refusal = (*registration)->end_date.empty()
                                   ? absl::OkStatus()
                                   : RegistrationNotActive(request.registration_id());
  DeregisterCommand command;
  command.request = DeregisterCall(request.registration_id(), request.request_id(),
                                   request.reason(), request.effective_date(), request.staff_id(),
                                   request.note(), request.moved_abroad());
  const std::string request_id = request.request_id();
  command.also = [request_id, fingerprint](FollowupTransaction& tx,
                                           const v1::Deregistration& deregistration) {
    ASSIGN_OR_RETURN(std::optional<StoredRequest> stored,
                     tx.FindRequest(kDeregisterKind, request_id));
    if (stored.has_value()) return absl::OkStatus();  // a concurrent repeat recorded it
    v1::DeregisterRegistrationResponse response;
    *response.mutable_deregistration() = deregistration;
    return tx.InsertRequest(kDeregisterKind, request_id, MakeStoredRequest(fingerprint, response));
  };
  PerformDeregistration(
      std::move(command), deadline,
      [local_refusal, done = std::move(done)](absl::StatusOr<v1::Deregistration> result) {
        if (!result.ok()) {
          return done(DeregistrationRefusal(local_refusal, result.status()));
        }
        v1::DeregisterRegistrationResponse response;
        *response.mutable_deregistration() = *std::move(result);
        done(std::move(response));
      });
}

// One no-contact sweep: deregisters the found registrations one after the other (each an async
// call to registration followed by a local write), then answers.
class FollowupManager::SweepRun final : public std::enable_shared_from_this<SweepRun> {
 public:
  SweepRun(FollowupManager& manager, std::vector<regv1::DeregisterRequest> todo,
           std::string next_page_token, absl::Time deadline,
           Callback<v1::RunNoContactSweepResponse> done)
      : manager_(manager), todo_(std::move(todo)), deadline_(deadline), done_(std::move(done)) {
    response_.set_next_page_token(std::move(next_page_token));
  }

  void Next() {
    if (index_ >= todo_.size()) return done_(std::move(response_));
    DeregisterCommand command;
    command.request = todo_[index_++];
    auto self = shared_from_this();
    manager_.PerformDeregistration(
        std::move(command), deadline_, [self](absl::StatusOr<v1::Deregistration> result) {
          if (result.ok()) {
            *self->response_.add_deregistrations() = *std::move(result);
          } else if (HasReason(result.status(), reason::kRegistrationNotActive) ||
                     result.status().code() == absl::StatusCode::kNotFound) {
            // Ended meanwhile by someone else (the feed will tell); nothing to do here.
            self->manager_.logger_.Info(
                "sweep_skipped",
                {{"registration_id", self->todo_[self->index_ - 1].registration_id()},
                 {"status", result.status()}});
          } else {
            return self->done_(result.status());
          }
          self->Next();
        });
  }

 private:
  FollowupManager& manager_;
  std::vector<regv1::DeregisterRequest> todo_;
  size_t index_ = 0;
  absl::Time deadline_;
  Callback<v1::RunNoContactSweepResponse> done_;
  v1::RunNoContactSweepResponse response_;
};

void FollowupManager::RunNoContactSweep(const v1::RunNoContactSweepRequest& request,
                                        absl::Time deadline,
                                        Callback<v1::RunNoContactSweepResponse> done) {
  absl::StatusOr<OfficeRange> offices = Offices(request.region_code());
  if (!offices.ok()) return done(offices.status());
  absl::StatusOr<absl::CivilDay> as_of = time::ParseDate(request.as_of());
  if (!as_of.ok()) return done(as_of.status());
  // Paged by registration_id: a page token names the last registration the previous call handled.
  const uint64_t fingerprint = QueryFingerprint(absl::StrCat(
      "sweep|", request.as_of(), "|", request.region_code(), "|", request.validate_only()));
  std::string after;
  if (!request.page_token().empty()) {
    absl::StatusOr<ListPosition> position = DecodePageToken(request.page_token(), fingerprint);
    if (!position.ok()) return done(position.status());
    after = position->id;
  }
  const size_t page_size = static_cast<size_t>(
      request.page_size() <= 0 ? kSweepPageSize : std::min(request.page_size(), kSweepPageSize));
  absl::StatusOr<std::vector<ContactRow>> rows =
      store_.ActiveWithLastContact(*offices, request.as_of());
  if (!rows.ok()) return done(rows.status());
  std::sort(rows->begin(), rows->end(), [](const ContactRow& a, const ContactRow& b) {
    return a.registration.registration_id < b.registration.registration_id;
  });
  std::vector<regv1::DeregisterRequest> todo;
  v1::RunNoContactSweepResponse preview;
  bool more = false;
  for (const ContactRow& row : *rows) {
    if (!after.empty() && row.registration.registration_id <= after) continue;
    const std::string& base_text =
        row.last_contact_date.empty() ? row.registration.registered_date : row.last_contact_date;
    absl::StatusOr<absl::CivilDay> base = time::ParseDate(base_text);
    if (!base.ok()) return done(absl::DataLossError("a stored date cannot be parsed"));
    if (NoContactDeadline(*base) > *as_of) continue;
    if (todo.size() == page_size) {
      more = true;
      break;
    }
    regv1::DeregisterRequest call;
    call.set_registration_id(row.registration.registration_id);
    call.set_request_id(SweepRequestId(row.registration.registration_id, request.as_of()));
    call.set_reason(codes::DEREGISTRATION_REASON_NO_CONTACT);
    call.set_effective_date(request.as_of());
    call.set_actor(std::string(kServiceActor));
    call.set_note(
        row.last_contact_date.empty()
            ? absl::StrCat("自登记日 ", base_text, " 起6个月未联系 (sweep by ", request.staff_id(),
                           ")")
            : absl::StrCat("自 ", base_text, " 起6个月未联系 (sweep by ", request.staff_id(), ")"));
    if (request.validate_only()) {
      v1::Deregistration* would = preview.add_deregistrations();
      would->set_registration_id(call.registration_id());
      would->set_reason(call.reason());
      would->set_effective_date(call.effective_date());
      would->set_actor(call.actor());
      would->set_note(call.note());
      would->set_person_notified(false);
    }
    todo.push_back(std::move(call));
  }
  std::string next_page_token =
      more ? EncodePageToken(fingerprint, ListPosition{"", 0, todo.back().registration_id()}) : "";
  if (request.validate_only()) {
    preview.set_next_page_token(std::move(next_page_token));
    return done(std::move(preview));
  }
  logger_.Info("no_contact_sweep", {{"as_of", request.as_of()},
                                    {"staff_id", request.staff_id()},
                                    {"found", static_cast<int64_t>(todo.size())},
                                    {"more", more}});
  std::make_shared<SweepRun>(*this, std::move(todo), std::move(next_page_token), deadline,
                             std::move(done))
      ->Next();
}

// --- Candidates. ---

absl::StatusOr<v1::ListDeregistrationCandidatesResponse>
FollowupManager::ListDeregistrationCandidates(
    const v1::ListDeregistrationCandidatesRequest& request) {
  ASSIGN_OR_RETURN(OfficeRange offices, Offices(request.region_code()));
  CandidateQuery query;
  query.offices = offices;
  query.state = request.state() == v1::CANDIDATE_STATE_UNSPECIFIED ? v1::CANDIDATE_STATE_PENDING
                                                                   : request.state();
  query.source = request.source();
  query.month = request.month();
  const uint64_t fingerprint = QueryFingerprint(absl::StrCat(
      "candidates|", request.region_code(), "|", query.state, "|", query.source, "|", query.month));
  if (!request.page_token().empty()) {
    ASSIGN_OR_RETURN(query.after, DecodePageToken(request.page_token(), fingerprint));
  }
  query.limit = EffectivePageSize(request.page_size());
  ASSIGN_OR_RETURN(Page<v1::DeregistrationCandidate> page, store_.ListCandidates(query));
  v1::ListDeregistrationCandidatesResponse response;
  for (v1::DeregistrationCandidate& c : page.items) *response.add_candidates() = std::move(c);
  if (page.more) {
    const v1::DeregistrationCandidate& last = response.candidates(response.candidates_size() - 1);
    ListPosition position;
    position.micros = MicrosOf(last.create_time());
    position.id = last.candidate_id();
    response.set_next_page_token(EncodePageToken(fingerprint, position));
  }
  return response;
}

void FollowupManager::DecideDeregistrationCandidate(
    const v1::DecideDeregistrationCandidateRequest& request, absl::Time deadline,
    Callback<v1::DecideDeregistrationCandidateResponse> done) {
  const std::string fingerprint = Fingerprint(request);
  absl::StatusOr<std::optional<v1::DecideDeregistrationCandidateResponse>> previous =
      PreviousResponse<v1::DecideDeregistrationCandidateResponse>(
          store_.FindRequest(kDecideKind, request.request_id()), request.request_id(), fingerprint);
  if (!previous.ok()) return done(previous.status());
  if (previous->has_value()) return done(**std::move(previous));
  absl::StatusOr<std::optional<v1::DeregistrationCandidate>> found =
      store_.GetCandidate(request.candidate_id());
  if (!found.ok()) return done(found.status());
  if (!found->has_value()) {
    return done(status::WithErrorInfo(absl::NotFoundError("the candidate does not exist"),
                                      reason::kCandidateNotFound,
                                      {{"candidate_id", request.candidate_id()}}));
  }
  const std::string request_id = request.request_id();
  const std::string candidate_id = request.candidate_id();
  // Re-checked inside the writing transaction: the candidate must still be PENDING.
  auto decide = [request, request_id, candidate_id, fingerprint](
                    FollowupTransaction& tx, const v1::Deregistration* deregistration,
                    v1::DecideDeregistrationCandidateResponse& response) -> absl::Status {
    ASSIGN_OR_RETURN(std::optional<v1::DeregistrationCandidate> candidate,
                     tx.GetCandidate(candidate_id));
    if (!candidate.has_value()) return absl::NotFoundError("the candidate does not exist");
    if (candidate->state() != v1::CANDIDATE_STATE_PENDING && deregistration == nullptr) {
      return status::WithErrorInfo(absl::FailedPreconditionError("the candidate is not pending"),
                                   reason::kCandidateNotPending);
    }
    candidate->set_decided_by(request.staff_id());
    candidate->set_decision_note(request.note());
    if (deregistration != nullptr) {
      candidate->set_state(v1::CANDIDATE_STATE_ACCEPTED);
      *candidate->mutable_deregistration() = *deregistration;
    } else {
      candidate->set_state(v1::CANDIDATE_STATE_REJECTED);
    }
    RETURN_IF_ERROR(tx.PutCandidate(*candidate));
    *response.mutable_candidate() = *std::move(candidate);
    return tx.InsertRequest(kDecideKind, request_id, MakeStoredRequest(fingerprint, response));
  };
  const v1::DeregistrationCandidate& candidate = **found;
  const absl::Status not_pending =
      status::WithErrorInfo(absl::FailedPreconditionError("the candidate is not pending"),
                            reason::kCandidateNotPending, {{"candidate_id", candidate_id}});
  // A candidate withdrawn because its registration ended may have been withdrawn by the end this
  // very acceptance caused (registration ended it, the local write failed, the feed then brought
  // the end): registration is asked again with the same request_id below and its idempotency
  // tells. Any other decided candidate is final.
  const bool withdrawn_acceptance = candidate.state() == v1::CANDIDATE_STATE_WITHDRAWN &&
                                    request.decision() == v1::CANDIDATE_DECISION_ACCEPT;
  if (candidate.state() != v1::CANDIDATE_STATE_PENDING && !withdrawn_acceptance) {
    return done(not_pending);
  }
  auto result = std::make_shared<v1::DecideDeregistrationCandidateResponse>();
  if (request.decision() == v1::CANDIDATE_DECISION_REJECT) {
    store_.Write([decide, result](FollowupTransaction& tx) { return decide(tx, nullptr, *result); },
                 [result, done = std::move(done)](absl::Status status) {
                   if (!status.ok()) return done(status);
                   done(std::move(*result));
                 });
    return;
  }
  const codes::DeregistrationReason reason_code =
      request.reason() != codes::DEREGISTRATION_REASON_UNSPECIFIED ? request.reason()
                                                                   : candidate.proposed_reason();
  if (request.moved_abroad() &&
      reason_code != codes::DEREGISTRATION_REASON_SCHOOL_MILITARY_OR_ABROAD) {
    return done(FieldError("moved_abroad", rule::kNotApplicable,
                           "moved_abroad is allowed only with reason 24"));
  }
  if (reason_code == codes::DEREGISTRATION_REASON_OTHER && request.note().empty()) {
    return done(FieldError("note", rule::kRequired, "reason OTHER needs a note"));
  }
  absl::StatusOr<std::optional<RegistrationRecord>> registration =
      store_.GetRegistration(candidate.registration_id());
  if (!registration.ok()) return done(registration.status());
  if (!registration->has_value()) return done(RegistrationNotFound(candidate.registration_id()));
  if (request.effective_date() < (*registration)->registered_date) {
    return done(FieldError("effective_date", rule::kDateOrder,
                           "the effective_date is before the registered date"));
  }
  // What to answer when registration does not recognise this request as the one that ended it.
  absl::Status local_refusal = absl::OkStatus();
  if (withdrawn_acceptance) {
    local_refusal = not_pending;
  } else if (!(*registration)->end_date.empty()) {
    local_refusal = RegistrationNotActive(candidate.registration_id());
  }
  DeregisterCommand command;
  command.request = DeregisterCall(candidate.registration_id(), request.request_id(), reason_code,
                                   request.effective_date(), request.staff_id(), request.note(),
                                   request.moved_abroad());
  command.keep_candidate_id = candidate_id;
  command.also = [decide, result](FollowupTransaction& tx,
                                  const v1::Deregistration& deregistration) {
    return decide(tx, &deregistration, *result);
  };
  PerformDeregistration(
      std::move(command), deadline,
      [result, local_refusal, done = std::move(done)](absl::StatusOr<v1::Deregistration> d) {
        if (!d.ok()) return done(DeregistrationRefusal(local_refusal, d.status()));
        done(std::move(*result));
      });
}

}  // namespace unemployment::followup
