#pragma once

// Storage of the registration service behind an interface: applications, registrations, the
// notification outbox, the queue of verification requests, idempotency records of requests and the
// event feed. The domain logic
// (registrar.h) decides; the store keeps. SqliteRegistrationStore is the implementation.
//
// Writes are units of work run inside one transaction (RegistrationTransaction): a state change,
// its event and its notifications commit together or not at all (transactional outbox). The store
// reports the completion only after the commit is durable.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/store/request_log.h"
#include "unemployment/registration/v1/registration_service.pb.h"

namespace unemployment::registration {


// An application with the fingerprint of the request that created it (idempotency check).
struct StoredApplication {
  v1::Application application;
  std::string fingerprint;
};

// A notification in the outbox with what the deliverer needs and callers must not see.
struct OutboxEntry {
  v1::Notification notification;
  // The unmasked address (the mobile number for SMS; empty otherwise).
  std::string target;
  // A serialized request for the receiving system (ReceiveReviewResultRequest for uploads).
  std::string payload;
  // When the next attempt is due; meaningful while PENDING.
  absl::Time next_attempt_at;
};

// A queued request to the verification service for one application (at most one per application):
// what the verification worker sends and when, until an answer or a decision ends it.
struct VerificationJob {
  std::string application_id;
  // The serialized unemployment.verification.v1.VerifyApplicantRequest, fixed at receipt: every
  // attempt sends the same bytes, so the service's request_id idempotency holds across retries.
  std::string request;
  // Attempts made so far.
  int attempt_count = 0;
  // When the next attempt is due.
  absl::Time next_attempt_at;
};

// The remembered outcome of an idempotent request (ReviewApplication, Deregister): the common
// request log's row.
using StoredRequest = store::StoredRequest;

// A position in an ordered listing: (time in microseconds, id). Listings return rows strictly after it.
struct ListPosition {
  int64_t time_micros = 0;
  std::string id;
};

struct ReviewQueueQuery {
  // Office codes in [region_low, region_high) (a prefix range over 6-digit codes).
  std::string region_low;
  std::string region_high;
  // UNSPECIFIED: both queues.
  v1::ReviewQueueKind kind = v1::REVIEW_QUEUE_KIND_UNSPECIFIED;
  // When set, only applications with due_date < overdue_before ("YYYY-MM-DD").
  std::optional<std::string> overdue_before;
  std::optional<ListPosition> after;
  int limit = 50;
};

struct ReviewQueuePage {
  std::vector<v1::Application> applications;
  // Whether rows follow the last one returned.
  bool more = false;
  // Rows of the whole query (every page).
  int total_size = 0;
};

struct NotificationPage {
  std::vector<v1::Notification> notifications;
  bool more = false;
};

// The notifications not delivered (PENDING or FAILED) of a range of offices: how many and since
// when (the backlog a metrics gauge or an alert reads).
// One page of duty rosters, ordered by office code, then queue kind.
struct DutyRosterPage {
  std::vector<v1::DutyRoster> rosters;
  bool more = false;
};

struct UndeliveredSummary {
  int64_t count = 0;
  // The create time of the oldest; nullopt when count is 0.
  std::optional<absl::Time> oldest_create_time;
};

// The operations a unit of work may use. Valid only inside RegistrationStore::Write's callback.
class RegistrationTransaction {
 public:
  virtual ~RegistrationTransaction() = default;

  // The next number of a named id series ("application", "registration", "notification").
  virtual absl::StatusOr<int64_t> NextNumber(const std::string& series) = 0;

  virtual absl::StatusOr<std::optional<StoredApplication>> FindApplicationByChannelId(
      int channel, const std::string& channel_application_id) = 0;
  // Whether the person index fenced the id (FenceChannelApplicationId); a fenced id is never
  // stored.
  virtual absl::StatusOr<bool> IsChannelIdFenced(int channel,
                                                 const std::string& channel_application_id) = 0;
  virtual absl::Status FenceChannelId(int channel, const std::string& channel_application_id,
                                      absl::Time now) = 0;
  virtual absl::StatusOr<std::optional<StoredApplication>> GetApplication(const std::string& id) = 0;
  // The id of an undecided application of the person, if any.
  virtual absl::StatusOr<std::optional<std::string>> FindUndecidedApplicationId(
      int id_type, const std::string& id_number) = 0;
  virtual absl::Status InsertApplication(const v1::Application& application,
                                         const std::string& fingerprint) = 0;
  // Replaces the stored application with the same id.
  virtual absl::Status UpdateApplication(const v1::Application& application) = 0;

  virtual absl::StatusOr<std::optional<v1::Registration>> GetRegistration(const std::string& id) = 0;
  virtual absl::StatusOr<std::optional<v1::Registration>> FindActiveRegistration(
      int id_type, const std::string& id_number) = 0;
  virtual absl::Status InsertRegistration(const v1::Registration& registration) = 0;
  virtual absl::Status UpdateRegistration(const v1::Registration& registration) = 0;

  virtual absl::Status InsertNotification(const OutboxEntry& entry) = 0;
  // Replaces delivery state, attempts, times and error of a stored notification.
  virtual absl::Status UpdateNotificationDelivery(const OutboxEntry& entry) = 0;

  virtual absl::Status InsertVerificationJob(const VerificationJob& job) = 0;
  // The job of an application; nullopt when none is queued (answered, refused or decided).
  virtual absl::StatusOr<std::optional<VerificationJob>> GetVerificationJob(
      const std::string& application_id) = 0;
  // Replaces attempts and next attempt time of a stored job.
  virtual absl::Status UpdateVerificationJob(const VerificationJob& job) = 0;
  // Removes the job of an application, if any.
  virtual absl::Status DeleteVerificationJob(const std::string& application_id) = 0;

  virtual absl::StatusOr<std::optional<StoredRequest>> FindRequest(const std::string& kind,
                                                                    const std::string& request_id) = 0;
  virtual absl::Status InsertRequest(const std::string& kind, const std::string& request_id,
                                     const StoredRequest& request) = 0;

  // Appends `event` (sequence is assigned) and returns its sequence.
  virtual absl::StatusOr<int64_t> AppendEvent(const v1::Event& event) = 0;

  // Stores the roster of (office_region_code, queue_kind), replacing the previous one.
  virtual absl::Status PutDutyRoster(const v1::DutyRoster& roster) = 0;
  // Stores a region's contact report (附件3), replacing its previous one.
  virtual absl::Status PutRegionContact(const v1::ReportedRegionContact& contact) = 0;
};

// What operators watch (metrics, common/metrics/metrics.h): the review queues by office city and
// queue kind, and the outboxes. Counts only; no ids.
struct OperationalFigures {
  struct Queue {
    std::string city;  // first 4 digits of the office region code ("2301")
    int queue_kind = 0;  // v1::ReviewQueueKind
    int64_t waiting = 0;
    int64_t overdue = 0;  // due_date before today
  };
  struct Outbox {
    int method = 0;  // v1::NotificationMethod
    int64_t pending = 0;
    std::optional<absl::Time> oldest;  // creation time of the oldest pending one
  };
  std::vector<Queue> queues;
  std::vector<Outbox> outboxes;
  int64_t verification_jobs = 0;  // queued VerifyApplicant calls (retries pending)
  int64_t verification_retries = 0;  // jobs that already failed at least once
};

class RegistrationStore {
 public:
  using Work = std::function<absl::Status(RegistrationTransaction&)>;
  using Done = std::function<void(absl::Status)>;

  virtual ~RegistrationStore() = default;

  // Runs `work` in a write transaction (possibly shared with other callers' work, each isolated by
  // a savepoint) and calls `done` once the transaction is durable (OK) or the work failed or the
  // commit failed (its error; nothing of `work` is stored). `done` runs on the writer thread: keep
  // it short and never block in it.
  virtual void Write(Work work, Done done) = 0;
  // Write() and wait; never call from a `done` callback.
  virtual absl::Status WriteAndWait(Work work) = 0;

  // Reads see committed data only.
  virtual absl::StatusOr<std::optional<v1::Application>> GetApplication(const std::string& id) = 0;
  virtual absl::StatusOr<std::optional<v1::Application>> GetApplicationByChannelId(
      int channel, const std::string& channel_application_id) = 0;
  virtual absl::StatusOr<std::optional<v1::Registration>> GetRegistration(const std::string& id) = 0;
  virtual absl::StatusOr<std::optional<v1::Registration>> FindActiveRegistration(
      int id_type, const std::string& id_number) = 0;
  virtual absl::StatusOr<ReviewQueuePage> ListReviewQueue(const ReviewQueueQuery& query) = 0;
  // Ids (ascending, after `after_id`, at most `limit`) of the applications marked as having a
  // provisional due date: undecided ones computed without a year's holiday data (and, once after
  // migration 6, every undecided application stored before it). UpdateApplication keeps the mark.
  virtual absl::StatusOr<std::vector<std::string>> ListProvisionalDeadlines(
      const std::string& after_id, int limit) = 0;
  virtual absl::StatusOr<NotificationPage> ListNotifications(
      const std::string& application_id, const std::optional<ListPosition>& after, int limit) = 0;
  virtual absl::StatusOr<std::optional<OutboxEntry>> GetOutboxEntry(const std::string& id) = 0;

  // Pending notifications whose next attempt is due at `now`, oldest due first.
  virtual absl::StatusOr<std::vector<OutboxEntry>> DueNotifications(absl::Time now, int limit) = 0;
  // The earliest next attempt of any pending notification; nullopt when none is pending.
  virtual absl::StatusOr<std::optional<absl::Time>> NextDueTime() = 0;
  // Count and oldest create time of the undelivered (PENDING or FAILED) notifications of the
  // offices in [region_low, region_high) ("" and "~" for all).
  virtual absl::StatusOr<UndeliveredSummary> SummarizeUndelivered(const std::string& region_low,
                                                                  const std::string& region_high) = 0;
  // The undelivered notifications of the offices in [region_low, region_high), oldest first.
  virtual absl::StatusOr<NotificationPage> ListUndelivered(const std::string& region_low,
                                                           const std::string& region_high,
                                                           const std::optional<ListPosition>& after,
                                                           int limit) = 0;

  // Verification jobs whose next attempt is due at `now`, oldest due first.
  virtual absl::StatusOr<std::vector<VerificationJob>> DueVerificationJobs(absl::Time now,
                                                                           int limit) = 0;
  // The earliest next attempt of any verification job; nullopt when none is queued.
  virtual absl::StatusOr<std::optional<absl::Time>> NextVerificationDueTime() = 0;

  // Events with sequence > after_sequence in order, at most `limit`.
  virtual absl::StatusOr<std::vector<v1::Event>> ReadEvents(int64_t after_sequence, int limit) = 0;
  // The last committed sequence (0 for an empty feed).
  virtual absl::StatusOr<int64_t> LastSequence() = 0;

  // The duty rosters of the offices in [region_low, region_high), of queue `queue_kind` (0: both),
  // after the position (office code in `id`, queue kind in `time_micros`), at most `limit`.
  virtual absl::StatusOr<DutyRosterPage> ListDutyRosters(const std::string& region_low,
                                                         const std::string& region_high,
                                                         int queue_kind,
                                                         const std::optional<ListPosition>& after,
                                                         int limit) = 0;

  // The contact report of a region; nullopt when it has not reported.
  virtual absl::StatusOr<std::optional<v1::ReportedRegionContact>> GetRegionContact(
      const std::string& region_code) = 0;
  // The contact reports of the regions in [region_low, region_high) with a code above `after`,
  // by code, at most `limit`; `more` when further ones exist.
  virtual absl::StatusOr<std::pair<std::vector<v1::ReportedRegionContact>, bool>> ListRegionContacts(
      const std::string& region_low, const std::string& region_high, const std::string& after,
      int limit) = 0;

  // Queue and outbox figures; `today` (YYYY-MM-DD) decides what is overdue.
  virtual absl::StatusOr<OperationalFigures> ReadOperationalFigures(const std::string& today) = 0;
};

}  // namespace unemployment::registration
