#include "services/registration/registrar.h"

#include <memory>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/log/mask.h"
#include "common/status/macros.h"
#include "common/status/status_util.h"
#include "common/store/request_log.h"
#include "common/time/date.h"
#include "common/time/time_zone.h"
#include "common/validation/rules.h"
#include "services/registration/deregistration_notice.h"
#include "services/registration/notification_text.h"
#include "services/registration/page_token.h"
#include "services/registration/proto_util.h"
#include "services/registration/review_decision.h"

namespace unemployment::registration {
namespace {

namespace v1c = ::unemployment::common::v1;
namespace verv1 = ::unemployment::verification::v1;

constexpr absl::string_view kReviewRequestKind = "review";
constexpr absl::string_view kDeregisterRequestKind = "deregister";
constexpr absl::string_view kAmendRequestKind = "amend-decision";
constexpr absl::string_view kDutyRequestKind = "duty-reviewers";
constexpr absl::string_view kContactRequestKind = "region-contact";
// The actor of automatic state changes (verification steps).
constexpr absl::string_view kSystemActor = "system";
// Evidence details quoted in a summary; more are counted only.
constexpr int kSummaryEvidence = 3;

bool IsUndecided(v1c::ApplicationState state) {
  return state == v1c::APPLICATION_STATE_RECEIVED ||
         state == v1c::APPLICATION_STATE_PENDING_VERIFICATION ||
         state == v1c::APPLICATION_STATE_AWAITING_REVIEW;
}

std::string ChannelActor(v1c::Channel channel) {
  return channel == v1c::CHANNEL_MINISTRY ? "channel:ministry" : "channel:province-portal";
}

// The prefix of office codes a region code covers: "23" for 230000, "2301" for 230100, the
// whole code for a county.
std::string RegionPrefix(const std::string& code) {
  std::string prefix = code;
  for (int i = 0; i < 2 && prefix.size() >= 4 && prefix.compare(prefix.size() - 2, 2, "00") == 0;
       ++i) {
    prefix.resize(prefix.size() - 2);
  }
  return prefix;
}

absl::Status DateOrderError(absl::string_view field, absl::string_view description) {
  return status::InvalidArgumentError(
      description, {{std::string(field), "DATE_ORDER", std::string(description)}});
}

absl::Status RequestIdReused(absl::string_view request_id) {
  return status::WithErrorInfo(
      absl::AlreadyExistsError("the request_id was used before with different content"),
      reason::kRequestIdReused, {{"request_id", std::string(request_id)}});
}

// The response stored for an earlier request with `request_id` of `kind` (nullopt: none), or
// REQUEST_ID_REUSED when that request's content differed.
template <typename Response>
absl::StatusOr<std::optional<Response>> StoredResponse(RegistrationTransaction& tx,
                                                       absl::string_view kind,
                                                       const std::string& request_id,
                                                       const std::string& fingerprint) {
  ASSIGN_OR_RETURN(std::optional<StoredRequest> previous,
                   tx.FindRequest(std::string(kind), request_id));
  return store::Replay<Response>(previous, fingerprint,
                                 [&] { return RequestIdReused(request_id); });
}

// The stored application `id`, or NOT_FOUND APPLICATION_NOT_FOUND.
absl::StatusOr<v1::Application> LoadApplication(RegistrationTransaction& tx,
                                                const std::string& id) {
  ASSIGN_OR_RETURN(std::optional<StoredApplication> stored, tx.GetApplication(id));
  if (!stored.has_value()) {
    return status::WithErrorInfo(absl::NotFoundError("no such application"),
                                 reason::kApplicationNotFound, {{"application_id", id}});
  }
  return std::move(stored->application);
}

std::string SourceName(verv1::Source source) {
  switch (source) {
    case verv1::SOURCE_POPULATION:
      return "公安人口信息";
    case verv1::SOURCE_SOCIAL_INSURANCE:
      return "社会保险参保登记";
    case verv1::SOURCE_EMPLOYMENT_FILING:
      return "劳动用工备案";
    case verv1::SOURCE_BUSINESS_REGISTRATION:
      return "工商注册";
    default:
      return "未知来源";
  }
}

// The ApplicationStateChanged event of `application`'s last state change.
v1::Event StateChangedEvent(const v1::Application& application, const std::string& shard_id,
                            absl::Time now) {
  v1::Event event;
  *event.mutable_occurred_at() = ToTimestamp(now);
  event.set_shard_id(shard_id);
  v1::ApplicationStateChanged* changed = event.mutable_application_state_changed();
  changed->set_application_id(application.id());
  if (application.state_history_size() > 0) {
    *changed->mutable_change() = application.state_history(application.state_history_size() - 1);
  }
  *changed->mutable_verification() = application.verification();
  return event;
}

}  // namespace

template <typename T>
void Registrar::Write(Apply<T> apply, Callback<T> done) {
  struct State {
    std::optional<T> value;
    Queued queued;
  };
  auto state = std::make_shared<State>();
  store_.Write(
      [apply = std::move(apply), state](RegistrationTransaction& tx) -> absl::Status {
        state->queued = Queued();
        absl::StatusOr<T> value = apply(tx, state->queued);
        if (!value.ok()) return value.status();
        state->value = *std::move(value);
        return absl::OkStatus();
      },
      [this, state, done = std::move(done)](absl::Status status) {
        if (!status.ok()) {
          done(std::move(status));
          return;
        }
        if (state->queued.notifications) NotifyQueued();
        if (state->queued.verification) NotifyVerificationQueued();
        done(std::move(*state->value));
      });
}

template <typename Response>
void Registrar::WriteOnce(absl::string_view kind, const std::string& request_id,
                          std::string fingerprint, Apply<Response> apply, Callback<Response> done) {
  Write<Response>(
      [kind, request_id, fingerprint = std::move(fingerprint), apply = std::move(apply)](
          RegistrationTransaction& tx, Queued& queued) -> absl::StatusOr<Response> {
        ASSIGN_OR_RETURN(std::optional<Response> stored,
                         StoredResponse<Response>(tx, kind, request_id, fingerprint));
        if (stored.has_value()) return *std::move(stored);
        ASSIGN_OR_RETURN(Response response, apply(tx, queued));
        RETURN_IF_ERROR(tx.InsertRequest(std::string(kind), request_id,
                                         {fingerprint, response.SerializeAsString()}));
        return response;
      },
      std::move(done));
}

absl::StatusOr<OutboxEntry> Registrar::NewNotification(RegistrationTransaction& tx,
                                                       absl::Time now) const {
  ASSIGN_OR_RETURN(int64_t number, tx.NextNumber("notification"));
  OutboxEntry entry;
  v1::Notification& n = entry.notification;
  n.set_id(MakeId("ntf", number));
  n.set_delivery_state(v1::DELIVERY_STATE_PENDING);
  *n.mutable_create_time() = ToTimestamp(now);
  *n.mutable_next_attempt_time() = ToTimestamp(now);
  entry.next_attempt_at = now;
  return entry;
}

absl::Status Registrar::QueueDecisionNotices(RegistrationTransaction& tx,
                                             const v1::Application& application,
                                             absl::Time now) const {
  const v1::NotificationKind kind = application.decision().outcome() == v1c::REVIEW_OUTCOME_ACCEPTED
                                        ? v1::NOTIFICATION_KIND_APPLICATION_ACCEPTED
                                        : v1::NOTIFICATION_KIND_APPLICATION_REJECTED;
  const std::string text = DecisionNoticeText(application.decision());
  auto queue = [&](v1::NotificationMethod method, std::string recipient,
                   std::string target) -> absl::Status {
    ASSIGN_OR_RETURN(OutboxEntry entry, NewNotification(tx, now));
    v1::Notification& n = entry.notification;
    n.set_application_id(application.id());
    n.set_registration_id(application.registration_id());
    n.set_kind(kind);
    n.set_method(method);
    n.set_recipient(std::move(recipient));
    n.set_text(text);
    n.set_office_region_code(application.office_region_code());
    entry.target = std::move(target);
    if (method == v1::NOTIFICATION_METHOD_MINISTRY_RESULT_UPLOAD) {
      entry.payload = MinistryResultUpload(application, n.id(), now).SerializeAsString();
    }
    return tx.InsertNotification(entry);
  };
  const std::string& mobile = application.form().contact().mobile();
  RETURN_IF_ERROR(queue(v1::NOTIFICATION_METHOD_SMS, log::MaskPhone(mobile), mobile));
  if (application.channel() == v1c::CHANNEL_MINISTRY) {
    return queue(v1::NOTIFICATION_METHOD_MINISTRY_RESULT_UPLOAD,
                 application.channel_application_id(), "");
  }
  // Delivered to the portal (NotificationReceiverService) and DELIVERED on its acknowledgement;
  // the portal can also read the decision through the gateway.
  return queue(v1::NOTIFICATION_METHOD_ONLINE_REPLY, application.channel_application_id(), "");
}

std::string VerificationRequestId(const std::string& application_id) {
  return absl::StrCat("verify:", application_id);
}

std::string VerificationSummary(const verv1::VerificationResult& result) {
  std::string summary;
  switch (result.outcome()) {
    case verv1::VERIFICATION_OUTCOME_CONSISTENT:
      summary = "核查一致：身份信息相符，未发现就业、经营或领取养老金记录";
      break;
    case verv1::VERIFICATION_OUTCOME_NOT_FOUND:
      summary = "核查未找到：公安人口信息中无此证件号码";
      break;
    case verv1::VERIFICATION_OUTCOME_NEEDS_FIELD_INVESTIGATION:
      summary = "数据不足以确认失业状态，需实地调查";
      break;
    case verv1::VERIFICATION_OUTCOME_CONFLICT: {
      summary = absl::StrCat("核查存在冲突（", result.evidence_size(), "条证据）");
      std::vector<std::string> parts;
      if (result.identity().found() && !result.identity().name_matches()) {
        parts.push_back("姓名与公安人口信息不符");
      }
      for (int i = 0; i < result.evidence_size() && i < kSummaryEvidence; ++i) {
        const verv1::Evidence& evidence = result.evidence(i);
        parts.push_back(evidence.detail().empty() ? absl::StrCat(SourceName(evidence.source()),
                                                                 "记录自", evidence.start_date())
                                                  : evidence.detail());
      }
      if (result.evidence_size() > kSummaryEvidence) parts.push_back("等");
      if (!parts.empty()) absl::StrAppend(&summary, "：", absl::StrJoin(parts, "；"));
      break;
    }
    default:
      summary = "核查结果未知";
  }
  if (result.missing_sources_size() > 0) {
    std::vector<std::string> missing;
    for (int source : result.missing_sources()) {
      missing.push_back(SourceName(static_cast<verv1::Source>(source)));
    }
    absl::StrAppend(&summary, "（未比对：", absl::StrJoin(missing, "、"), "）");
  }
  return summary;
}

RegionRange RangeOfRegion(const std::string& region_code) {
  std::string low = RegionPrefix(region_code);
  std::string high = low;
  // Codes are ASCII digits: the next string after every code with this prefix ends in one more
  // than its last character (':' follows '9').
  high.back() = static_cast<char>(high.back() + 1);
  return {low, high};
}

Registrar::Registrar(RegistrationStore& store, const time::Clock& clock,
                     const time::WorkingDayCalendar& calendar, RegistrarOptions options)
    : store_(store),
      clock_(clock),
      // Not owned: the caller keeps `calendar` alive (ReplaceCalendar may later install owned
      // ones).
      calendar_(std::shared_ptr<const time::WorkingDayCalendar>(
          &calendar, [](const time::WorkingDayCalendar*) {})),
      options_(std::move(options)) {}

void Registrar::ReplaceCalendar(std::shared_ptr<const time::WorkingDayCalendar> calendar) {
  absl::MutexLock lock(&calendar_mu_);
  calendar_ = std::move(calendar);
}

std::shared_ptr<const time::WorkingDayCalendar> Registrar::calendar() const {
  absl::MutexLock lock(&calendar_mu_);
  return calendar_;
}

void Registrar::SetNotificationsQueuedListener(std::function<void()> listener) {
  notifications_queued_ = std::move(listener);
}

void Registrar::NotifyQueued() {
  if (notifications_queued_) notifications_queued_();
}

void Registrar::SetVerificationQueuedListener(std::function<void()> listener) {
  verification_queued_ = std::move(listener);
}

void Registrar::NotifyVerificationQueued() {
  if (verification_queued_) verification_queued_();
}

bool Registrar::ServesOffice(const std::string& office_region_code) const {
  for (const std::string& region : options_.served_regions) {
    const std::string prefix = RegionPrefix(region);
    if (office_region_code.compare(0, prefix.size(), prefix) == 0) return true;
  }
  return false;
}

v1::Event Registrar::NewEvent(absl::Time now) const {
  v1::Event event;
  *event.mutable_occurred_at() = ToTimestamp(now);
  event.set_shard_id(options_.shard_id);
  return event;
}

absl::Status Registrar::RequireServed(absl::string_view field, absl::string_view noun,
                                      const std::string& code) const {
  if (ServesOffice(code)) return absl::OkStatus();
  return status::WithErrorInfo(
      absl::FailedPreconditionError(
          absl::StrCat("shard ", options_.shard_id, " does not serve ", noun, " ", code)),
      reason::kWrongShard, {{std::string(field), code}});
}

DueDate Registrar::ComputeDueDate(absl::CivilDay received) const {
  const std::shared_ptr<const time::WorkingDayCalendar> current = calendar();
  absl::StatusOr<absl::CivilDay> due =
      current->AddWorkingDays(received, options_.decision_working_days);
  if (due.ok()) return {*due, false};
  // The calendar lacks a year the count reaches: count weekends only and say so.
  absl::CivilDay day = received;
  int counted = 0;
  while (counted < options_.decision_working_days) {
    day += 1;
    const absl::Weekday weekday = absl::GetWeekday(day);
    if (weekday != absl::Weekday::saturday && weekday != absl::Weekday::sunday) ++counted;
  }
  return {day, true};
}

std::string Registrar::MakeId(absl::string_view kind, int64_t number) const {
  return absl::StrCat(options_.shard_id, "-", kind, "-", number);
}

void Registrar::FenceChannelApplicationId(const v1::FenceChannelApplicationIdRequest& request,
                                          Callback<v1::FenceChannelApplicationIdResponse> done) {
  const absl::Time now = clock_.Now();
  Write<v1::FenceChannelApplicationIdResponse>(
      [request, now](RegistrationTransaction& tx,
                     Queued&) -> absl::StatusOr<v1::FenceChannelApplicationIdResponse> {
        ASSIGN_OR_RETURN(
            std::optional<StoredApplication> existing,
            tx.FindApplicationByChannelId(request.channel(), request.channel_application_id()));
        v1::FenceChannelApplicationIdResponse response;
        if (existing.has_value()) {
          *response.mutable_application() = std::move(existing->application);
          return response;
        }
        RETURN_IF_ERROR(
            tx.FenceChannelId(request.channel(), request.channel_application_id(), now));
        response.set_fenced(true);
        return response;
      },
      std::move(done));
}

void Registrar::CreateApplication(const v1::CreateApplicationRequest& request,
                                  Callback<v1::Application> done) {
  if (absl::Status served =
          RequireServed("office_region_code", "office", request.office_region_code());
      !served.ok()) {
    done(std::move(served));
    return;
  }
  const absl::Time now = clock_.Now();
  const absl::CivilDay received = time::ChinaDay(now);
  const DueDate due = ComputeDueDate(received);

  auto application = std::make_shared<v1::Application>();
  application->set_channel(request.channel());
  application->set_channel_application_id(request.channel_application_id());
  *application->mutable_form() = request.form();
  application->set_office_region_code(request.office_region_code());
  application->set_queue_kind(request.channel() == v1c::CHANNEL_MINISTRY
                                  ? v1::REVIEW_QUEUE_KIND_MINISTRY_FORWARDED
                                  : v1::REVIEW_QUEUE_KIND_PROVINCE);
  *application->mutable_received_at() = ToTimestamp(now);
  application->set_received_date(time::FormatDate(received));
  application->set_due_date(time::FormatDate(due.day));
  application->set_due_date_provisional(due.provisional);
  ChangeState(*application, v1c::APPLICATION_STATE_RECEIVED, now, ChannelActor(request.channel()));

  auto fingerprint = std::make_shared<std::string>(store::RequestFingerprint(request));
  const int id_type = request.form().person_id().id_type();
  const std::string id_number = request.form().person_id().id_number();

  Write<v1::Application>(
      [this, application, fingerprint, id_type, id_number, now](
          RegistrationTransaction& tx, Queued& queued) -> absl::StatusOr<v1::Application> {
        ASSIGN_OR_RETURN(std::optional<StoredApplication> existing,
                         tx.FindApplicationByChannelId(application->channel(),
                                                       application->channel_application_id()));
        if (existing.has_value()) {
          if (existing->fingerprint != *fingerprint) {
            return status::WithErrorInfo(
                absl::AlreadyExistsError(
                    "the channel application id was stored before with a different form"),
                reason::kApplicationIdReused, {{"application_id", existing->application.id()}});
          }
          return std::move(existing->application);
        }
        ASSIGN_OR_RETURN(bool fenced, tx.IsChannelIdFenced(application->channel(),
                                                           application->channel_application_id()));
        if (fenced) {
          return status::WithErrorInfo(
              absl::FailedPreconditionError(
                  "the channel application id expired unused (the province person index fenced "
                  "it); submit the application again under a new id"),
              reason::kChannelApplicationIdFenced);
        }
        ASSIGN_OR_RETURN(std::optional<v1::Registration> active,
                         tx.FindActiveRegistration(id_type, id_number));
        if (active.has_value()) {
          return status::WithErrorInfo(
              absl::FailedPreconditionError(
                  "the person already has an active registration in this shard"),
              reason::kActiveRegistrationExists, {{"registration_id", active->id()}});
        }
        ASSIGN_OR_RETURN(std::optional<std::string> pending,
                         tx.FindUndecidedApplicationId(id_type, id_number));
        if (pending.has_value()) {
          return status::WithErrorInfo(
              absl::FailedPreconditionError(
                  "the person already has an undecided application in this shard"),
              reason::kPendingApplicationExists, {{"application_id", *pending}});
        }
        ASSIGN_OR_RETURN(int64_t number, tx.NextNumber("application"));
        v1::Application as_received = *application;
        as_received.set_id(MakeId("app", number));

        // Received, and in the same transaction on to verification or straight to review.
        v1::Application stored = as_received;
        const bool verify = options_.verification_enabled;
        const v1c::ApplicationState next = verify ? v1c::APPLICATION_STATE_PENDING_VERIFICATION
                                                  : v1c::APPLICATION_STATE_AWAITING_REVIEW;
        ChangeState(stored, next, now, kSystemActor);
        v1::ApplicationVerification* verification = stored.mutable_verification();
        if (verify) {
          verification->set_state(v1::VERIFICATION_STATE_PENDING);
          verification->set_request_id(VerificationRequestId(stored.id()));
          *verification->mutable_requested_time() = ToTimestamp(now);
        } else {
          verification->set_state(v1::VERIFICATION_STATE_NOT_CONFIGURED);
        }
        RETURN_IF_ERROR(tx.InsertApplication(stored, *fingerprint));

        v1::Event event = NewEvent(now);
        *event.mutable_application_received()->mutable_application() = std::move(as_received);
        RETURN_IF_ERROR(tx.AppendEvent(event).status());
        RETURN_IF_ERROR(tx.AppendEvent(StateChangedEvent(stored, options_.shard_id, now)).status());

        if (verify) {
          // The request is fixed now: every attempt sends the same bytes (idempotent by
          // request_id), verified as of the receipt date.
          verv1::VerifyApplicantRequest verify_request;
          verify_request.set_request_id(verification->request_id());
          *verify_request.mutable_person_id() = stored.form().person_id();
          verify_request.set_name(stored.form().name());
          verify_request.set_unemployed_date(stored.form().unemployed_date());
          verify_request.set_as_of(stored.received_date());
          verify_request.set_application_id(stored.id());
          VerificationJob job;
          job.application_id = stored.id();
          job.request = DeterministicBytes(verify_request);
          job.next_attempt_at = now;
          RETURN_IF_ERROR(tx.InsertVerificationJob(job));
          queued.verification = true;
        }
        return stored;
      },
      std::move(done));
}

void Registrar::ReviewApplication(const v1::ReviewApplicationRequest& request,
                                  Callback<v1::ReviewApplicationResponse> done) {
  const absl::Time now = clock_.Now();
  const absl::CivilDay today = time::ChinaDay(now);
  WriteOnce<v1::ReviewApplicationResponse>(
      kReviewRequestKind, request.request_id(), store::RequestFingerprint(request),
      [this, request, now, today](RegistrationTransaction& tx,
                                  Queued& queued) -> absl::StatusOr<v1::ReviewApplicationResponse> {
        ASSIGN_OR_RETURN(v1::Application application,
                         LoadApplication(tx, request.application_id()));
        if (!IsUndecided(application.state())) {
          return status::WithErrorInfo(
              absl::FailedPreconditionError("the application was decided by another request"),
              reason::kApplicationAlreadyDecided,
              {{"state", v1c::ApplicationState_Name(application.state())}});
        }
        // The decision's date is the server's day when it is recorded (never the caller's), so
        // that on_time and the 7-working-day figure cannot be improved after the fact.
        const std::string decided_on = time::FormatDate(today);
        if (!request.decided_on().empty() && request.decided_on() != decided_on) {
          return status::InvalidFieldError(
              "decided_on", validation::rule::kDateNotServerDay,
              "a decision is dated by the server when it is recorded; leave decided_on empty");
        }
        if (decided_on < application.received_date()) {
          return DateOrderError("decided_on", "the decision date lies before the receipt date");
        }
        const bool accept = request.outcome() == v1c::REVIEW_OUTCOME_ACCEPTED;
        v1::ReviewApplicationResponse response;
        if (accept) {
          ASSIGN_OR_RETURN(const std::string urban_rural,
                           ResidenceClassForAcceptance(application.form(),
                                                       request.residence_urban_rural_class()));
          const v1c::PersonId& person = application.form().person_id();
          ASSIGN_OR_RETURN(std::optional<v1::Registration> active,
                           tx.FindActiveRegistration(person.id_type(), person.id_number()));
          if (active.has_value()) {
            return status::WithErrorInfo(
                absl::FailedPreconditionError(
                    "the person meanwhile has an active registration; reject the application"),
                reason::kActiveRegistrationExists, {{"registration_id", active->id()}});
          }
          ASSIGN_OR_RETURN(int64_t number, tx.NextNumber("registration"));
          *response.mutable_registration() =
              RegistrationOnAcceptance(application, MakeId("reg", number), today, urban_rural, now);
          RETURN_IF_ERROR(tx.InsertRegistration(response.registration()));
          application.set_registration_id(response.registration().id());
        }
        if (RecordDecision(application, request, today, now)) {
          // Decided while verification was pending: its attempts end.
          RETURN_IF_ERROR(tx.DeleteVerificationJob(application.id()));
        }
        RETURN_IF_ERROR(tx.UpdateApplication(application));
        *response.mutable_application() = application;

        v1::Event decided = NewEvent(now);
        *decided.mutable_application_decided()->mutable_application() = application;
        RETURN_IF_ERROR(tx.AppendEvent(decided).status());
        if (accept) {
          v1::Event created = NewEvent(now);
          *created.mutable_registration_created()->mutable_registration() = response.registration();
          RETURN_IF_ERROR(tx.AppendEvent(created).status());
        }
        // Feedback to the applicant (and the ministry platform), in the same transaction.
        RETURN_IF_ERROR(QueueDecisionNotices(tx, application, now));
        queued.notifications = true;
        return response;
      },
      std::move(done));
}

void Registrar::AmendDecision(const v1::AmendDecisionRequest& request,
                              Callback<v1::AmendDecisionResponse> done) {
  const absl::Time now = clock_.Now();
  WriteOnce<v1::AmendDecisionResponse>(
      kAmendRequestKind, request.request_id(), store::RequestFingerprint(request),
      [this, request, now](RegistrationTransaction& tx,
                           Queued&) -> absl::StatusOr<v1::AmendDecisionResponse> {
        ASSIGN_OR_RETURN(v1::Application application,
                         LoadApplication(tx, request.application_id()));
        if (IsUndecided(application.state()) || !application.has_decision()) {
          return status::WithErrorInfo(
              absl::FailedPreconditionError(
                  "the application has no decision to amend; decide it with ReviewApplication"),
              reason::kApplicationNotDecided,
              {{"state", v1c::ApplicationState_Name(application.state())}});
        }
        // The decision keeps what it said before; only the text fields change.
        v1::ReviewDecision* decision = application.mutable_decision();
        v1::DecisionAmendment* amendment = decision->add_amendments();
        amendment->set_request_id(request.request_id());
        amendment->set_amendment_reason(request.amendment_reason());
        amendment->set_actor(request.actor());
        *amendment->mutable_recorded_at() = ToTimestamp(now);
        amendment->set_previous_reason(decision->reason());
        amendment->set_previous_note(decision->note());
        if (!request.reason().empty()) decision->set_reason(request.reason());
        if (!request.note().empty()) decision->set_note(request.note());
        RETURN_IF_ERROR(tx.UpdateApplication(application));

        v1::Event amended = NewEvent(now);
        *amended.mutable_decision_amended()->mutable_application() = application;
        RETURN_IF_ERROR(tx.AppendEvent(amended).status());

        v1::AmendDecisionResponse response;
        *response.mutable_application() = std::move(application);
        return response;
      },
      std::move(done));
}

void Registrar::SetDutyReviewers(const v1::SetDutyReviewersRequest& request,
                                 Callback<v1::SetDutyReviewersResponse> done) {
  if (absl::Status served =
          RequireServed("office_region_code", "office", request.office_region_code());
      !served.ok()) {
    done(std::move(served));
    return;
  }
  const absl::Time now = clock_.Now();
  WriteOnce<v1::SetDutyReviewersResponse>(
      kDutyRequestKind, request.request_id(), store::RequestFingerprint(request),
      [this, request, now](RegistrationTransaction& tx,
                           Queued&) -> absl::StatusOr<v1::SetDutyReviewersResponse> {
        v1::DutyRoster roster;
        roster.set_office_region_code(request.office_region_code());
        roster.set_queue_kind(request.queue_kind());
        *roster.mutable_reviewer_ids() = request.reviewer_ids();
        roster.set_actor(request.actor());
        *roster.mutable_update_time() = ToTimestamp(now);
        RETURN_IF_ERROR(tx.PutDutyRoster(roster));
        v1::Event changed = NewEvent(now);
        *changed.mutable_duty_roster_changed()->mutable_roster() = roster;
        RETURN_IF_ERROR(tx.AppendEvent(changed).status());
        v1::SetDutyReviewersResponse response;
        *response.mutable_roster() = std::move(roster);
        return response;
      },
      std::move(done));
}

void Registrar::ReportRegionContact(const v1::ReportRegionContactRequest& request,
                                    const std::string& region_name,
                                    Callback<v1::ReportRegionContactResponse> done) {
  if (absl::Status served = RequireServed("region_code", "region", request.region_code());
      !served.ok()) {
    done(std::move(served));
    return;
  }
  const absl::Time now = clock_.Now();
  WriteOnce<v1::ReportRegionContactResponse>(
      kContactRequestKind, request.request_id(), store::RequestFingerprint(request),
      [this, request, region_name, now](
          RegistrationTransaction& tx, Queued&) -> absl::StatusOr<v1::ReportRegionContactResponse> {
        v1::ReportedRegionContact contact;
        contact.set_region_code(request.region_code());
        contact.set_region_name(region_name);
        *contact.mutable_business() = request.business();
        *contact.mutable_technical() = request.technical();
        contact.set_reporter(request.actor());
        *contact.mutable_report_time() = ToTimestamp(now);
        contact.set_reported_date(time::FormatDate(time::ChinaDay(now)));
        RETURN_IF_ERROR(tx.PutRegionContact(contact));
        v1::Event reported = NewEvent(now);
        *reported.mutable_region_contact_reported()->mutable_contact() = contact;
        RETURN_IF_ERROR(tx.AppendEvent(reported).status());
        v1::ReportRegionContactResponse response;
        *response.mutable_contact() = std::move(contact);
        return response;
      },
      std::move(done));
}

void Registrar::Deregister(const v1::DeregisterRequest& request,
                           Callback<v1::DeregisterResponse> done) {
  const absl::Time now = clock_.Now();
  const absl::CivilDay today = time::ChinaDay(now);
  WriteOnce<v1::DeregisterResponse>(
      kDeregisterRequestKind, request.request_id(), store::RequestFingerprint(request),
      [this, request, now, today](RegistrationTransaction& tx,
                                  Queued& queued) -> absl::StatusOr<v1::DeregisterResponse> {
        ASSIGN_OR_RETURN(std::optional<v1::Registration> found,
                         tx.GetRegistration(request.registration_id()));
        if (!found.has_value()) {
          return status::WithErrorInfo(absl::NotFoundError("no such registration"),
                                       reason::kRegistrationNotFound,
                                       {{"registration_id", request.registration_id()}});
        }
        v1::Registration registration = std::move(*found);
        if (registration.state() != v1::REGISTRATION_STATE_ACTIVE) {
          return status::WithErrorInfo(
              absl::FailedPreconditionError("the registration was already ended"),
              reason::kRegistrationNotActive, {{"registration_id", registration.id()}});
        }
        const std::string effective =
            request.effective_date().empty() ? time::FormatDate(today) : request.effective_date();
        if (effective < registration.registered_date()) {
          return DateOrderError("effective_date",
                                "the effective date lies before the registered date");
        }
        const int reason_code = static_cast<int>(request.reason());
        const std::string& mobile = registration.form().contact().mobile();
        const v1::DeregistrationNoticeRule notice_rule = DecideDeregistrationNotice(
            reason_code, request.moved_abroad(), request.contact_state(), mobile);
        const bool notify = notice_rule == v1::DEREGISTRATION_NOTICE_RULE_SENT;
        registration.set_state(v1::REGISTRATION_STATE_DEREGISTERED);
        v1::Deregistration* deregistration = registration.mutable_deregistration();
        deregistration->set_reason(request.reason());
        deregistration->set_effective_date(effective);
        deregistration->set_actor(request.actor());
        deregistration->set_note(request.note());
        deregistration->set_moved_abroad(request.moved_abroad());
        deregistration->set_person_notified(notify);
        deregistration->set_notice_rule(notice_rule);
        deregistration->set_contact_state(request.contact_state());
        *deregistration->mutable_recorded_at() = ToTimestamp(now);
        *registration.mutable_update_time() = ToTimestamp(now);
        RETURN_IF_ERROR(tx.UpdateRegistration(registration));

        v1::Event event = NewEvent(now);
        *event.mutable_registration_deregistered()->mutable_registration() = registration;
        RETURN_IF_ERROR(tx.AppendEvent(event).status());

        if (notify) {
          ASSIGN_OR_RETURN(OutboxEntry entry, NewNotification(tx, now));
          v1::Notification& n = entry.notification;
          n.set_application_id(registration.application_id());
          n.set_registration_id(registration.id());
          n.set_kind(v1::NOTIFICATION_KIND_REGISTRATION_DEREGISTERED);
          n.set_method(v1::NOTIFICATION_METHOD_SMS);
          n.set_office_region_code(registration.office_region_code());
          n.set_recipient(log::MaskPhone(mobile));
          n.set_text(DeregistrationNoticeText(effective, reason_code, request.note()));
          entry.target = mobile;
          RETURN_IF_ERROR(tx.InsertNotification(entry));
          queued.notifications = true;
        }

        v1::DeregisterResponse response;
        *response.mutable_registration() = registration;
        return response;
      },
      std::move(done));
}

void Registrar::RecordVerificationAttempt(VerificationAttempt attempt,
                                          Callback<v1::Application> done) {
  auto in = std::make_shared<VerificationAttempt>(std::move(attempt));
  Write<v1::Application>(
      [this, in](RegistrationTransaction& tx, Queued&) -> absl::StatusOr<v1::Application> {
        ASSIGN_OR_RETURN(v1::Application application, LoadApplication(tx, in->application_id));
        ASSIGN_OR_RETURN(std::optional<VerificationJob> job,
                         tx.GetVerificationJob(in->application_id));
        if (!job.has_value() ||
            application.state() != v1c::APPLICATION_STATE_PENDING_VERIFICATION) {
          // Decided (or answered) meanwhile: the answer comes too late to matter.
          if (job.has_value()) RETURN_IF_ERROR(tx.DeleteVerificationJob(in->application_id));
          return application;
        }
        const absl::Time now = in->attempted_at;
        v1::ApplicationVerification* verification = application.mutable_verification();
        verification->set_attempt_count(verification->attempt_count() + 1);
        *verification->mutable_last_attempt_time() = ToTimestamp(now);
        const absl::Status failure = in->answer.status();
        if (!failure.ok() && !in->refused) {
          // Unreachable or failing: stay pending until the next attempt.
          verification->set_last_error(
              absl::StrCat(absl::StatusCodeToString(failure.code()), ": ", failure.message()));
          *verification->mutable_next_attempt_time() = ToTimestamp(in->retry_at);
          job->attempt_count += 1;
          job->next_attempt_at = in->retry_at;
          RETURN_IF_ERROR(tx.UpdateVerificationJob(*job));
          RETURN_IF_ERROR(tx.UpdateApplication(application));
          return application;
        }
        verification->clear_next_attempt_time();
        *verification->mutable_finish_time() = ToTimestamp(now);
        if (failure.ok()) {
          const verv1::VerificationResult& answer = *in->answer;
          verification->set_state(v1::VERIFICATION_STATE_COMPLETED);
          verification->set_verification_id(answer.verification_id());
          verification->set_outcome(answer.outcome());
          verification->set_summary(VerificationSummary(answer));
          *verification->mutable_result() = answer;
          verification->clear_last_error();
        } else {
          verification->set_state(v1::VERIFICATION_STATE_REFUSED);
          verification->set_last_error(
              absl::StrCat(absl::StatusCodeToString(failure.code()), ": ", failure.message()));
          verification->set_summary(
              absl::StrCat("核查服务拒绝了核查请求（", failure.message(), "），未核查"));
        }
        ChangeState(application, v1c::APPLICATION_STATE_AWAITING_REVIEW, now, kSystemActor);
        RETURN_IF_ERROR(tx.DeleteVerificationJob(application.id()));
        RETURN_IF_ERROR(tx.UpdateApplication(application));
        RETURN_IF_ERROR(
            tx.AppendEvent(StateChangedEvent(application, options_.shard_id, now)).status());
        return application;
      },
      std::move(done));
}

absl::StatusOr<v1::Application> Registrar::GetApplication(const std::string& application_id) {
  ASSIGN_OR_RETURN(std::optional<v1::Application> application,
                   store_.GetApplication(application_id));
  if (!application.has_value()) {
    return status::WithErrorInfo(absl::NotFoundError("no such application"),
                                 reason::kApplicationNotFound,
                                 {{"application_id", application_id}});
  }
  return *std::move(application);
}

absl::StatusOr<v1::Application> Registrar::GetApplicationByChannelId(
    common::v1::Channel channel, const std::string& channel_application_id) {
  ASSIGN_OR_RETURN(std::optional<v1::Application> application,
                   store_.GetApplicationByChannelId(channel, channel_application_id));
  if (!application.has_value()) {
    return status::WithErrorInfo(
        absl::NotFoundError("no application is stored under this channel application id"),
        reason::kApplicationNotFound);
  }
  return *std::move(application);
}

absl::StatusOr<v1::ListReviewQueueResponse> Registrar::ListReviewQueue(
    const v1::ListReviewQueueRequest& request) {
  const std::string as_of =
      request.as_of().empty() ? time::FormatDate(clock_.Today()) : request.as_of();
  const uint64_t fingerprint = QueryFingerprint(
      absl::StrCat("queue|", request.office_region_code(), "|", static_cast<int>(request.kind()),
                   "|", request.overdue_only(), "|", request.as_of()));
  ReviewQueueQuery query;
  RegionRange range = RangeOfRegion(request.office_region_code());
  query.region_low = range.low;
  query.region_high = range.high;
  query.kind = request.kind();
  if (request.overdue_only()) query.overdue_before = as_of;
  query.limit = EffectivePageSize(request.page_size());
  if (!request.page_token().empty()) {
    ASSIGN_OR_RETURN(ListPosition position, DecodePageToken(request.page_token(), fingerprint));
    query.after = std::move(position);
  }
  ASSIGN_OR_RETURN(ReviewQueuePage page, store_.ListReviewQueue(query));
  v1::ListReviewQueueResponse response;
  for (v1::Application& application : page.applications) {
    v1::ReviewQueueEntry* entry = response.add_entries();
    entry->set_overdue(application.due_date() < as_of);
    *entry->mutable_application() = std::move(application);
  }
  response.set_total_size(page.total_size);
  if (page.more && response.entries_size() > 0) {
    const v1::Application& last = response.entries(response.entries_size() - 1).application();
    response.set_next_page_token(EncodePageToken(
        fingerprint, {absl::ToUnixMicros(FromTimestamp(last.received_at())), last.id()}));
  }
  return response;
}

absl::StatusOr<v1::Registration> Registrar::GetRegistration(const std::string& registration_id) {
  ASSIGN_OR_RETURN(std::optional<v1::Registration> registration,
                   store_.GetRegistration(registration_id));
  if (!registration.has_value()) {
    return status::WithErrorInfo(absl::NotFoundError("no such registration"),
                                 reason::kRegistrationNotFound,
                                 {{"registration_id", registration_id}});
  }
  return *std::move(registration);
}

absl::StatusOr<v1::Registration> Registrar::GetActiveRegistrationByPerson(
    const v1c::PersonId& person_id) {
  ASSIGN_OR_RETURN(std::optional<v1::Registration> registration,
                   store_.FindActiveRegistration(person_id.id_type(), person_id.id_number()));
  if (!registration.has_value()) {
    return status::WithErrorInfo(
        absl::NotFoundError("the person has no active registration in this shard"),
        reason::kNoActiveRegistration);
  }
  return *std::move(registration);
}

absl::StatusOr<v1::ListUndeliveredNotificationsResponse> Registrar::ListUndeliveredNotifications(
    const v1::ListUndeliveredNotificationsRequest& request) {
  const absl::Time now = clock_.Now();
  const uint64_t fingerprint =
      QueryFingerprint(absl::StrCat("undelivered|", request.region_code()));
  std::optional<ListPosition> after;
  if (!request.page_token().empty()) {
    ASSIGN_OR_RETURN(ListPosition position, DecodePageToken(request.page_token(), fingerprint));
    after = std::move(position);
  }
  const RegionRange range = RangeOfRegion(request.region_code());
  ASSIGN_OR_RETURN(UndeliveredSummary summary, store_.SummarizeUndelivered(range.low, range.high));
  ASSIGN_OR_RETURN(
      NotificationPage page,
      store_.ListUndelivered(range.low, range.high, after, EffectivePageSize(request.page_size())));
  v1::ListUndeliveredNotificationsResponse response;
  response.set_total_size(static_cast<int32_t>(summary.count));
  for (v1::Notification& n : page.notifications) {
    v1::UndeliveredNotification* entry = response.add_notifications();
    entry->set_age_seconds(absl::ToInt64Seconds(now - FromTimestamp(n.create_time())));
    *entry->mutable_notification() = std::move(n);
  }
  if (page.more && response.notifications_size() > 0) {
    const v1::Notification& last =
        response.notifications(response.notifications_size() - 1).notification();
    response.set_next_page_token(EncodePageToken(
        fingerprint, {absl::ToUnixMicros(FromTimestamp(last.create_time())), last.id()}));
  }
  return response;
}

absl::StatusOr<v1::ListNotificationsResponse> Registrar::ListNotifications(
    const v1::ListNotificationsRequest& request) {
  RETURN_IF_ERROR(GetApplication(request.application_id()).status());
  const uint64_t fingerprint =
      QueryFingerprint(absl::StrCat("notifications|", request.application_id()));
  std::optional<ListPosition> after;
  if (!request.page_token().empty()) {
    ASSIGN_OR_RETURN(ListPosition position, DecodePageToken(request.page_token(), fingerprint));
    after = std::move(position);
  }
  ASSIGN_OR_RETURN(NotificationPage page,
                   store_.ListNotifications(request.application_id(), after,
                                            EffectivePageSize(request.page_size())));
  v1::ListNotificationsResponse response;
  for (v1::Notification& n : page.notifications) *response.add_notifications() = std::move(n);
  if (page.more && response.notifications_size() > 0) {
    const v1::Notification& last = response.notifications(response.notifications_size() - 1);
    response.set_next_page_token(EncodePageToken(
        fingerprint, {absl::ToUnixMicros(FromTimestamp(last.create_time())), last.id()}));
  }
  return response;
}

absl::StatusOr<DeadlineRecomputation> Registrar::RecomputeProvisionalDeadlines(
    const log::Logger& logger, int batch_size) {
  DeadlineRecomputation total;
  std::string after;
  while (true) {
    ASSIGN_OR_RETURN(std::vector<std::string> ids,
                     store_.ListProvisionalDeadlines(after, batch_size));
    if (ids.empty()) break;
    after = ids.back();
    struct Change {
      std::string application_id;
      std::string previous_due_date;
      std::string due_date;
      bool provisional = false;
    };
    auto changes = std::make_shared<std::vector<Change>>();
    auto batch = std::make_shared<DeadlineRecomputation>();
    const absl::Time now = clock_.Now();
    // One transaction per batch: each application is read again inside it (it may have been
    // decided since it was listed), and its change and event commit together.
    absl::Status written = store_.WriteAndWait(
        [this, &ids, changes, batch, now](RegistrationTransaction& tx) -> absl::Status {
          changes->clear();
          *batch = DeadlineRecomputation();
          for (const std::string& id : ids) {
            ASSIGN_OR_RETURN(std::optional<StoredApplication> stored, tx.GetApplication(id));
            if (!stored.has_value()) continue;
            ++batch->examined;
            v1::Application& application = stored->application;
            if (!IsUndecided(application.state()) || !application.due_date_provisional()) {
              // A candidate from before migration 6 whose date was never provisional: rewriting
              // it clears the mark, nothing else changes and no event is written.
              RETURN_IF_ERROR(tx.UpdateApplication(application));
              continue;
            }
            absl::StatusOr<absl::CivilDay> received = time::ParseDate(application.received_date());
            if (!received.ok()) continue;
            const DueDate due = ComputeDueDate(*received);
            const std::string due_date = time::FormatDate(due.day);
            if (due.provisional && due_date == application.due_date()) {
              ++batch->still_provisional;
              continue;
            }
            Change change{application.id(), application.due_date(), due_date, due.provisional};
            if (due.provisional) ++batch->still_provisional;
            application.set_due_date(due_date);
            application.set_due_date_provisional(due.provisional);
            RETURN_IF_ERROR(tx.UpdateApplication(application));
            v1::Event event = NewEvent(now);
            v1::ApplicationDeadlineRecomputed* recomputed =
                event.mutable_application_deadline_recomputed();
            *recomputed->mutable_application() = application;
            recomputed->set_previous_due_date(change.previous_due_date);
            recomputed->set_previous_due_date_provisional(true);
            RETURN_IF_ERROR(tx.AppendEvent(event).status());
            changes->push_back(std::move(change));
          }
          return absl::OkStatus();
        });
    RETURN_IF_ERROR(written);
    // Logged after the commit: a line stands for a change that is durable. No personal data.
    for (const Change& change : *changes) {
      logger.Info("deadline_recomputed", {{"application_id", change.application_id},
                                          {"previous_due_date", change.previous_due_date},
                                          {"due_date", change.due_date},
                                          {"provisional", change.provisional ? "true" : "false"}});
    }
    total.examined += batch->examined;
    total.changed += static_cast<int>(changes->size());
    total.still_provisional += batch->still_provisional;
    if (static_cast<int>(ids.size()) < batch_size) break;
  }
  return total;
}

absl::StatusOr<v1::ListDutyReviewersResponse> Registrar::ListDutyReviewers(
    const v1::ListDutyReviewersRequest& request) {
  const uint64_t fingerprint = QueryFingerprint(
      absl::StrCat("duty|", request.region_code(), "|", static_cast<int>(request.queue_kind())));
  std::optional<ListPosition> after;
  if (!request.page_token().empty()) {
    ASSIGN_OR_RETURN(ListPosition position, DecodePageToken(request.page_token(), fingerprint));
    after = std::move(position);
  }
  const RegionRange range = RangeOfRegion(request.region_code());
  ASSIGN_OR_RETURN(
      DutyRosterPage page,
      store_.ListDutyRosters(range.low, range.high, static_cast<int>(request.queue_kind()), after,
                             EffectivePageSize(request.page_size())));
  v1::ListDutyReviewersResponse response;
  for (v1::DutyRoster& roster : page.rosters) *response.add_rosters() = std::move(roster);
  if (page.more && response.rosters_size() > 0) {
    const v1::DutyRoster& last = response.rosters(response.rosters_size() - 1);
    response.set_next_page_token(EncodePageToken(
        fingerprint, {static_cast<int64_t>(last.queue_kind()), last.office_region_code()}));
  }
  return response;
}

absl::StatusOr<v1::ReportedRegionContact> Registrar::GetReportedRegionContact(
    const std::string& region_code) {
  ASSIGN_OR_RETURN(std::optional<v1::ReportedRegionContact> contact,
                   store_.GetRegionContact(region_code));
  if (!contact.has_value()) {
    return status::WithErrorInfo(
        absl::NotFoundError(absl::StrCat("region ", region_code, " has not reported")),
        reason::kRegionContactNotFound, {{"region_code", region_code}});
  }
  return *std::move(contact);
}

absl::StatusOr<v1::ListReportedRegionContactsResponse> Registrar::ListReportedRegionContacts(
    const v1::ListReportedRegionContactsRequest& request) {
  const uint64_t fingerprint =
      QueryFingerprint(absl::StrCat("region-contacts|", request.region_code()));
  std::string after;
  if (!request.page_token().empty()) {
    ASSIGN_OR_RETURN(ListPosition position, DecodePageToken(request.page_token(), fingerprint));
    after = std::move(position.id);
  }
  RegionRange range{"", "~"};
  if (!request.region_code().empty()) range = RangeOfRegion(request.region_code());
  ASSIGN_OR_RETURN(auto page, store_.ListRegionContacts(range.low, range.high, after,
                                                        EffectivePageSize(request.page_size())));
  v1::ListReportedRegionContactsResponse response;
  for (v1::ReportedRegionContact& contact : page.first) {
    *response.add_contacts() = std::move(contact);
  }
  if (page.second && response.contacts_size() > 0) {
    response.set_next_page_token(EncodePageToken(
        fingerprint, {0, response.contacts(response.contacts_size() - 1).region_code()}));
  }
  return response;
}

}  // namespace unemployment::registration
