#pragma once

// The domain logic of the registration service: applications from receipt to decision, review
// queues, registrations, deregistrations and the notifications they cause. No gRPC types: the
// handler (registration_service.h) validates request shapes and converts statuses; this class
// applies the rules that need stored state and writes each change with its event and its
// notifications in one transaction through RegistrationStore.
//
// Requests reaching this class have passed request_validation.h (and forms are normalised).
// Write operations complete asynchronously, after the commit is durable, so that concurrent calls
// share one fsync (group commit) without holding a thread each.

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/civil_time.h"
#include "common/log/logger.h"
#include "common/time/clock.h"
#include "common/time/working_day_calendar.h"
#include "services/registration/registration_store.h"
#include "unemployment/registration/v1/registration_service.pb.h"
#include "unemployment/verification/v1/verification_service.pb.h"

namespace unemployment::registration {

// Error reasons (google.rpc.ErrorInfo) of the registration contract.
namespace reason {
inline constexpr absl::string_view kApplicationIdReused = "APPLICATION_ID_REUSED";
inline constexpr absl::string_view kActiveRegistrationExists = "ACTIVE_REGISTRATION_EXISTS";
inline constexpr absl::string_view kPendingApplicationExists = "PENDING_APPLICATION_EXISTS";
inline constexpr absl::string_view kWrongShard = "WRONG_SHARD";
inline constexpr absl::string_view kApplicationNotFound = "APPLICATION_NOT_FOUND";
inline constexpr absl::string_view kRequestIdReused = "REQUEST_ID_REUSED";
inline constexpr absl::string_view kApplicationAlreadyDecided = "APPLICATION_ALREADY_DECIDED";
inline constexpr absl::string_view kApplicationNotDecided = "APPLICATION_NOT_DECIDED";
inline constexpr absl::string_view kRegistrationNotFound = "REGISTRATION_NOT_FOUND";
inline constexpr absl::string_view kNoActiveRegistration = "NO_ACTIVE_REGISTRATION";
inline constexpr absl::string_view kRegistrationNotActive = "REGISTRATION_NOT_ACTIVE";
inline constexpr absl::string_view kCursorAheadOfFeed = "CURSOR_AHEAD_OF_FEED";
inline constexpr absl::string_view kChannelApplicationIdFenced = "CHANNEL_APPLICATION_ID_FENCED";
inline constexpr absl::string_view kRegionContactNotFound = "REGION_CONTACT_NOT_FOUND";
}  // namespace reason

struct RegistrarOptions {
  // The shard id (1-32 lower-case letters and digits); prefix of every id this shard makes.
  std::string shard_id = "hlj";
  // 6-digit region codes whose offices this shard serves (a province, city or county code covers
  // every office under it). Must not be empty.
  std::vector<std::string> served_regions = {"230000"};
  // Working days between receipt and the decision deadline.
  int decision_working_days = 7;
  // Whether a verification service is configured. When true, every new application is queued for
  // VerificationService.VerifyApplicant in PENDING_VERIFICATION (see VerificationWorker); when
  // false, it goes straight to AWAITING_REVIEW.
  bool verification_enabled = false;
};

// The result of one attempt to verify an application, as the verification worker classified it.
struct VerificationAttempt {
  std::string application_id;
  // When the attempt was made (the worker's round time).
  absl::Time attempted_at;
  // The verification service's answer, or the failure.
  absl::StatusOr<::unemployment::verification::v1::VerificationResult> answer;
  // For a failure: true when the service refused the request for good (no more attempts).
  bool refused = false;
  // For a failure that is retried: when the next attempt is due.
  absl::Time retry_at;
};

// The idempotency key of an application's verification request.
std::string VerificationRequestId(const std::string& application_id);

// A one-line Chinese summary of a verification result for review lists.
std::string VerificationSummary(const ::unemployment::verification::v1::VerificationResult& result);

// A due date and whether it had to be computed without the year's holiday data.
struct DueDate {
  absl::CivilDay day;
  bool provisional = false;
};

// What one recomputation of provisional deadlines did.
struct DeadlineRecomputation {
  // Candidates read (applications marked provisional).
  int examined = 0;
  // Deadlines changed (new due date or provisional flag cleared), each with its event.
  int changed = 0;
  // Still provisional afterwards (the calendar still lacks a year the count reaches).
  int still_provisional = 0;
};

// The range of 6-digit office codes under `region_code`: a county code itself, a city code
// ("xxxx00") every county of the city, a province code ("xx0000") every county of the province.
struct RegionRange {
  std::string low;   // inclusive
  std::string high;  // exclusive
};
RegionRange RangeOfRegion(const std::string& region_code);

class Registrar final {
 public:
  template <typename T>
  using Callback = std::function<void(absl::StatusOr<T>)>;

  // `store`, `clock` and `calendar` are not owned and must outlive the registrar.
  Registrar(RegistrationStore& store, const time::Clock& clock,
            const time::WorkingDayCalendar& calendar, RegistrarOptions options);

  // Called after a commit that queued notifications for delivery (wakes the deliverer). Set
  // before serving.
  void SetNotificationsQueuedListener(std::function<void()> listener);
  // Called after a commit that queued a verification request (wakes the verification worker). Set
  // before serving.
  void SetVerificationQueuedListener(std::function<void()> listener);

  const RegistrarOptions& options() const { return options_; }

  // Whether this shard serves the office `office_region_code`.
  bool ServesOffice(const std::string& office_region_code) const;
  // OK when this shard serves `code`; otherwise FAILED_PRECONDITION, reason WRONG_SHARD, with
  // metadata `field` = code ("shard X does not serve <noun> <code>").
  absl::Status RequireServed(absl::string_view field, absl::string_view noun,
                             const std::string& code) const;
  // An event of this shard's feed occurring at `now` (its header: instant and shard id).
  v1::Event NewEvent(absl::Time now) const;

  // The decision deadline of an application received on `received`, by the current calendar.
  DueDate ComputeDueDate(absl::CivilDay received) const;

  // Replaces the working-day calendar (a reload of the calendar folder); later due dates use it.
  // Thread-safe. Follow with RecomputeProvisionalDeadlines.
  void ReplaceCalendar(std::shared_ptr<const time::WorkingDayCalendar> calendar);
  // The calendar in use.
  std::shared_ptr<const time::WorkingDayCalendar> calendar() const;

  // Recomputes the due date of every undecided application whose due date is provisional with the
  // current calendar. A changed deadline (another date, or the provisional flag cleared) is stored
  // with an ApplicationDeadlineRecomputed event and logged ("deadline_recomputed": application id
  // and dates only). One transaction per batch of `batch_size` applications, so a crash loses at
  // most the batch in flight and the next run (start-up) finishes the rest; running it again
  // changes nothing. Blocks until done: never call from a store callback.
  absl::StatusOr<DeadlineRecomputation> RecomputeProvisionalDeadlines(const log::Logger& logger,
                                                                      int batch_size = 100);

  // --- Writes: `done` runs once, after the commit (on the store's writer thread). ---
  void CreateApplication(const v1::CreateApplicationRequest& request,
                         Callback<v1::Application> done);
  void ReviewApplication(const v1::ReviewApplicationRequest& request,
                         Callback<v1::ReviewApplicationResponse> done);
  // Corrects the text of a recorded decision (reason to the applicant, note), keeping the previous
  // text in decision.amendments with the amendment's reason, actor and instant, and writes a
  // DecisionAmended event. `request.actor` is the authenticated caller (the handler sets it).
  void AmendDecision(const v1::AmendDecisionRequest& request,
                     Callback<v1::AmendDecisionResponse> done);
  void Deregister(const v1::DeregisterRequest& request, Callback<v1::DeregisterResponse> done);
  // The application stored under the channel id, or (none stored) records that the id may never be
  // stored here: response.fenced. Idempotent.
  void FenceChannelApplicationId(const v1::FenceChannelApplicationIdRequest& request,
                                 Callback<v1::FenceChannelApplicationIdResponse> done);
  // Records one verification attempt of an application in PENDING_VERIFICATION: an answer moves it
  // to AWAITING_REVIEW with the outcome and evidence (ApplicationStateChanged event), a refusal
  // moves it there unverified, any other failure keeps it pending until `retry_at`. The queued job
  // and the application change in one transaction. An attempt for an application that is no longer
  // pending (decided meanwhile) changes nothing. `done` gets the application as stored afterwards.
  void RecordVerificationAttempt(VerificationAttempt attempt, Callback<v1::Application> done);

  // Replaces the duty reviewers of an office's review queue (指定专人每日登录) and writes a
  // DutyRosterChanged event. `request.actor` is the authenticated caller (the handler sets it).
  // FAILED_PRECONDITION WRONG_SHARD for an office this shard does not serve.
  void SetDutyReviewers(const v1::SetDutyReviewersRequest& request,
                        Callback<v1::SetDutyReviewersResponse> done);

  // Stores a region's contact report (附件3) with the region's name `region_name`, replacing the
  // previous one, and writes a RegionContactReported event. `request.actor` is the authenticated
  // caller. FAILED_PRECONDITION WRONG_SHARD for a region this shard does not serve.
  void ReportRegionContact(const v1::ReportRegionContactRequest& request,
                           const std::string& region_name,
                           Callback<v1::ReportRegionContactResponse> done);

  // --- Reads. ---
  absl::StatusOr<v1::Application> GetApplication(const std::string& application_id);
  absl::StatusOr<v1::Application> GetApplicationByChannelId(
      common::v1::Channel channel, const std::string& channel_application_id);
  absl::StatusOr<v1::ListReviewQueueResponse> ListReviewQueue(
      const v1::ListReviewQueueRequest& request);
  absl::StatusOr<v1::Registration> GetRegistration(const std::string& registration_id);
  absl::StatusOr<v1::Registration> GetActiveRegistrationByPerson(
      const common::v1::PersonId& person_id);
  // The undelivered (PENDING or FAILED) notifications of the offices inside request.region_code,
  // oldest first, with their age at the clock's now.
  absl::StatusOr<v1::ListUndeliveredNotificationsResponse> ListUndeliveredNotifications(
      const v1::ListUndeliveredNotificationsRequest& request);
  absl::StatusOr<v1::ListNotificationsResponse> ListNotifications(
      const v1::ListNotificationsRequest& request);
  // The duty rosters of the offices inside request.region_code, by office code and queue kind.
  absl::StatusOr<v1::ListDutyReviewersResponse> ListDutyReviewers(
      const v1::ListDutyReviewersRequest& request);
  // NOT_FOUND REGION_CONTACT_NOT_FOUND when the region has not reported.
  absl::StatusOr<v1::ReportedRegionContact> GetReportedRegionContact(
      const std::string& region_code);
  absl::StatusOr<v1::ListReportedRegionContactsResponse> ListReportedRegionContacts(
      const v1::ListReportedRegionContactsRequest& request);

 private:
  // What a write queued for the workers, woken after its commit.
  struct Queued {
    bool notifications = false;
    bool verification = false;
  };
  template <typename T>
  using Apply = std::function<absl::StatusOr<T>(RegistrationTransaction&, Queued&)>;

  // Runs `apply` in a write transaction; after the commit wakes the workers of what it queued and
  // hands its value (or the failure) to `done`.
  template <typename T>
  void Write(Apply<T> apply, Callback<T> done);
  // An idempotent write of one request: the response stored for (`kind`, `request_id`) when the
  // same request came before (REQUEST_ID_REUSED for other content), else `apply`'s response,
  // stored with the request in the same transaction.
  template <typename Response>
  void WriteOnce(absl::string_view kind, const std::string& request_id, std::string fingerprint,
                 Apply<Response> apply, Callback<Response> done);
  // A new notification for the outbox: id, PENDING, created and due at `now`.
  absl::StatusOr<OutboxEntry> NewNotification(RegistrationTransaction& tx, absl::Time now) const;
  // Queues the notices of the decision recorded on `application`: an SMS to the applicant and the
  // channel's (result upload to the ministry platform, or online reply to the portal).
  absl::Status QueueDecisionNotices(RegistrationTransaction& tx, const v1::Application& application,
                                    absl::Time now) const;

  std::string MakeId(absl::string_view kind, int64_t number) const;
  void NotifyQueued();
  void NotifyVerificationQueued();

  RegistrationStore& store_;
  const time::Clock& clock_;
  mutable absl::Mutex calendar_mu_;
  std::shared_ptr<const time::WorkingDayCalendar> calendar_ ABSL_GUARDED_BY(calendar_mu_);
  const RegistrarOptions options_;
  std::function<void()> notifications_queued_;
  std::function<void()> verification_queued_;
};

}  // namespace unemployment::registration
