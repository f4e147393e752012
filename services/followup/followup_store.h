#pragma once

// Storage of the follow-up service behind an interface: its read model of registrations (learnt
// from registration's event feed, with the feed cursor), follow-ups, self-reports, deregistration
// candidates, fraud cases, monthly fraud reports, idempotency records and its own event feed.
// The domain (followup_manager.h, fraud_desk.h) decides; the store keeps.
//
// Writes are units of work run inside one transaction (FollowupTransaction): a change, its event
// and its idempotency record commit together or not at all, and the caller hears of the result only
// after the commit is durable.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/store/request_log.h"
#include "unemployment/followup/v1/followup_service.pb.h"
#include "unemployment/registration/v1/registration_service.pb.h"

namespace unemployment::followup {


// A registration as the follow-up service knows it (from RegistrationCreated/Deregistered events,
// and from the answers of registration's Deregister).
struct RegistrationRecord {
  std::string registration_id;
  int id_type = 0;
  std::string id_number;
  std::string name;
  // 6-digit county code of the office.
  std::string office_region_code;
  // "YYYY-MM-DD".
  std::string registered_date;
  // The deregistration's effective date ("YYYY-MM-DD"); empty while active. The registration is
  // active on the days d with registered_date <= d < end_date.
  std::string end_date;
  // The deregistration reason number; 0 while active.
  int end_reason = 0;
};

// Office codes in [low, high): a prefix range over 6-digit codes (see RegionRange()).
struct OfficeRange {
  std::string low;
  std::string high;
};

// A position in an ordered listing; rows strictly after it are returned. The meaning of `key`
// depends on the listing (a date, a time in microseconds as text); `id` breaks ties.
struct ListPosition {
  std::string key;
  int64_t micros = 0;
  std::string id;
};

// The remembered outcome of an idempotent request (the common request log's row).
using StoredRequest = store::StoredRequest;

struct DueRow {
  RegistrationRecord registration;
  std::string last_follow_up_date;
  std::string last_contact_date;
};

struct DueQuery {
  OfficeRange offices;
  // First day of the month and evaluation day, "YYYY-MM-DD".
  std::string month_start;
  std::string evaluation_day;
  std::optional<ListPosition> after;  // key = registered_date
  int limit = 50;
};

struct CoverageCounts {
  int64_t active = 0;
  int64_t covered = 0;
  // (method number, registrations) for methods with at least one registration.
  std::vector<std::pair<int, int64_t>> by_method;
};

// An active registration with its latest contact on or before a day (for reason 32).
struct ContactRow {
  RegistrationRecord registration;
  std::string last_contact_date;  // empty when none
};

struct FollowUpQuery {
  std::string registration_id;
  // Inclusive day range; empty = unbounded.
  std::string from;
  std::string to;
  std::optional<ListPosition> after;  // key = contact_date, micros = recorded_at
  int limit = 50;
};

struct FraudCaseQuery {
  OfficeRange offices;
  int state = 0;  // 0 = any
  std::string opened_from, opened_to, concluded_from, concluded_to;  // empty = unbounded
  std::optional<ListPosition> after;  // key = opened_on
  int limit = 50;
};

struct CandidateQuery {
  OfficeRange offices;
  int state = 0;
  int source = 0;  // 0 = any
  std::string month;  // empty = any
  std::optional<ListPosition> after;  // micros = create_time
  int limit = 50;
};

// An active registration sent to verification's monthly comparison.
struct ComparisonSubjectRow {
  std::string registration_id;
  int id_type = 0;
  std::string id_number;
  std::string registered_date;
  std::string office_region_code;
};

// The active period and office of a registration of the read model, read without opening its
// sealed columns (the comparison's clean records need nothing else), and whether a month's
// comparison already recorded a finding for it.
struct RegistrationPeriod {
  std::string office_region_code;
  std::string registered_date;
  // Empty while active.
  std::string end_date;
  // A hit of any kind, or a clean comparison (kept as hit kind 0), of the month asked.
  bool compared_in_month = false;
};

struct ActiveRegistrationsQuery {
  OfficeRange offices;
  // Active on this day ("YYYY-MM-DD"): registered_date <= day < end_date.
  std::string day;
  // Registrations with an id greater than this (keyset paging by id); empty = from the start.
  std::string after_id;
  int limit = 500;
};

// The stored record of one RunMonthlyComparison call. The counters grow batch by batch in the
// transactions that record the hits, so an interrupted run shows how far it got.
struct ComparisonRunRecord {
  v1::ComparisonRun run;
  std::string staff_id;
  // RUNNING, COMPLETED, FAILED, or INTERRUPTED (the process ended while it ran).
  std::string state;
  // The error that ended a FAILED run.
  std::string error;
};

// A hit of a month's comparison already recorded, keyed by (month, registration, hit kind).
struct ComparisonHitRecord {
  std::string month;
  std::string registration_id;
  int hit_kind = 0;
  std::string run_id;
  std::string follow_up_id;
  // Empty when no candidate was created (the registration had ended).
  std::string candidate_id;
};

// What one batch of a comparison run adds to the run's counters.
struct ComparisonProgress {
  int64_t compared = 0;
  int64_t hits = 0;
  int64_t new_follow_ups = 0;
  int64_t new_candidates = 0;
  // Subjects verification checked and found nothing about (clean), and subjects it could not check.
  int64_t clean = 0;
  int64_t unchecked = 0;
};

// The outbox row of one confirmed fraud case's hand-over to the credit platform. state is a
// v1::CreditDeliveryState; times are Unix microseconds.
struct CreditDeliveryRow {
  std::string case_id;
  std::string city_code;
  std::string office_region_code;
  int state = 1;  // PENDING
  int attempt_count = 0;
  std::string last_error;
  int64_t create_micros = 0;
  std::optional<int64_t> last_attempt_micros;
  // Set while PENDING: the next attempt is due at this instant.
  std::optional<int64_t> next_attempt_micros;
  std::optional<int64_t> delivered_micros;
};

// Undelivered hand-overs (PENDING or FAILED) of the cases opened by `offices`, by
// (create_micros, case_id).
struct CreditDeliveryQuery {
  OfficeRange offices;
  std::optional<ListPosition> after;  // micros = create time
  int limit = 50;
};

// The outbox's backlog, for the metrics.
struct CreditBacklog {
  int64_t pending = 0;
  int64_t failed = 0;
  // The oldest undelivered row's create time; unset when none.
  std::optional<int64_t> oldest_create_micros;
};

template <typename T>
struct Page {
  std::vector<T> items;
  bool more = false;
};

// The unit-of-work view of the writer connection.
class FollowupTransaction {
 public:
  virtual ~FollowupTransaction() = default;

  // The next number of a named series ("follow_up", "fraud_case", ...), starting at 1.
  virtual absl::StatusOr<int64_t> NextNumber(const std::string& series) = 0;

  virtual absl::StatusOr<std::optional<StoredRequest>> FindRequest(const std::string& kind,
                                                                    const std::string& request_id) = 0;
  virtual absl::Status InsertRequest(const std::string& kind, const std::string& request_id,
                                     const StoredRequest& request) = 0;

  // The consumer's cursor of a feed (0 before the first event).
  virtual absl::StatusOr<int64_t> GetCursor(const std::string& feed) = 0;
  virtual absl::Status SetCursor(const std::string& feed, int64_t sequence) = 0;

  virtual absl::StatusOr<std::optional<RegistrationRecord>> GetRegistration(
      const std::string& id) = 0;
  // Inserts or replaces the record.
  virtual absl::Status PutRegistration(const RegistrationRecord& record) = 0;

  virtual absl::Status InsertFollowUp(const v1::FollowUp& follow_up, bool is_contact) = 0;
  virtual absl::StatusOr<std::optional<v1::FollowUp>> GetFollowUp(const std::string& id) = 0;
  // Replaces a stored follow-up (an amendment): its method, contact_date, contact flag, withdrawn
  // flag and data; registration and recorded_at stay. The caller has read it in this transaction.
  virtual absl::Status UpdateFollowUp(const v1::FollowUp& follow_up, bool is_contact) = 0;
  virtual absl::Status InsertSelfReport(const v1::SelfReport& report) = 0;

  virtual absl::StatusOr<std::optional<v1::DeregistrationCandidate>> GetCandidate(
      const std::string& id) = 0;
  virtual absl::Status PutCandidate(const v1::DeregistrationCandidate& candidate) = 0;
  // Sets every PENDING candidate of the registration to WITHDRAWN, except `keep_id`.
  virtual absl::Status WithdrawPendingCandidates(const std::string& registration_id,
                                                 const std::string& keep_id) = 0;

  virtual absl::StatusOr<std::optional<v1::FraudCase>> GetFraudCase(const std::string& id) = 0;
  virtual absl::Status PutFraudCase(const v1::FraudCase& fraud_case) = 0;
  // CONFIRMED cases of the city not yet in a report, concluded on or before `day`, by
  // concluded_on then case_id.
  virtual absl::StatusOr<std::vector<v1::FraudCase>> UnreportedConfirmedCases(
      const std::string& city_code, const std::string& day) = 0;

  virtual absl::StatusOr<std::optional<v1::MonthlyFraudReport>> GetReport(
      const std::string& city_code, const std::string& month) = 0;
  virtual absl::Status InsertReport(const v1::MonthlyFraudReport& report) = 0;

  // Appends an event of this service's feed (the sequence is assigned; occurred_at too unless set:
  // set it from the injected clock when the event records a change made at that time).
  virtual absl::Status AppendEvent(v1::FollowupEvent event) = 0;

  // --- Monthly comparison runs. ---
  virtual absl::Status InsertComparisonRun(const ComparisonRunRecord& record) = 0;
  // Adds one batch's counts to the run.
  virtual absl::Status AddComparisonProgress(const std::string& run_id,
                                             const ComparisonProgress& progress) = 0;
  // Sets the final state ("COMPLETED", "FAILED"), the end time and the error of a run.
  virtual absl::Status FinishComparisonRun(const std::string& run_id, const std::string& state,
                                           const google::protobuf::Timestamp& end_time,
                                           const std::string& error) = 0;
  // Marks every RUNNING run INTERRUPTED (at start-up: no run survives its process).
  virtual absl::Status InterruptRunningComparisons(const google::protobuf::Timestamp& end_time) = 0;
  virtual absl::StatusOr<std::optional<ComparisonHitRecord>> FindComparisonHit(
      const std::string& month, const std::string& registration_id, int hit_kind) = 0;
  virtual absl::Status InsertComparisonHit(const ComparisonHitRecord& hit) = 0;
  // The registration's period and whether `month`'s comparison recorded a finding for it (one
  // look-up); nullopt for an unknown registration.
  virtual absl::StatusOr<std::optional<RegistrationPeriod>> GetComparisonState(
      const std::string& month, const std::string& registration_id) = 0;
  // Reserves `count` (>= 1) consecutive numbers of `series` at once; returns the first.
  virtual absl::StatusOr<int64_t> ReserveNumbers(const std::string& series, int64_t count) = 0;

  // The credit hand-over outbox: a row is inserted in the transaction that confirms the case
  // (ALREADY_EXISTS-free: a second insert of the same case is ignored) and updated after each
  // attempt.
  virtual absl::Status EnqueueCreditDelivery(const CreditDeliveryRow& row) = 0;
  virtual absl::Status UpdateCreditDelivery(const CreditDeliveryRow& row) = 0;
};

class FollowupStore {
 public:
  using Work = std::function<absl::Status(FollowupTransaction&)>;
  using Done = std::function<void(absl::Status)>;

  virtual ~FollowupStore() = default;

  // Runs `work` in a transaction shared with other writers (group commit); `done` gets the final
  // status after the commit (or the rollback of this work's changes).
  virtual void Write(Work work, Done done) = 0;
  // Write() and wait; never from a handler thread or a write callback.
  virtual absl::Status WriteAndWait(Work work) = 0;

  virtual absl::StatusOr<int64_t> GetCursor(const std::string& feed) = 0;
  virtual absl::StatusOr<std::optional<RegistrationRecord>> GetRegistration(
      const std::string& id) = 0;
  virtual absl::StatusOr<std::optional<StoredRequest>> FindRequest(const std::string& kind,
                                                                    const std::string& request_id) = 0;
  virtual absl::StatusOr<std::optional<v1::FollowUp>> GetFollowUp(const std::string& id) = 0;
  // Withdrawn follow-ups included (they show their amendments); the counting reads below
  // (ListDue, Coverage, ActiveWithLastContact) leave them out.
  virtual absl::StatusOr<Page<v1::FollowUp>> ListFollowUps(const FollowUpQuery& query) = 0;
  virtual absl::StatusOr<Page<DueRow>> ListDue(const DueQuery& query) = 0;
  virtual absl::StatusOr<CoverageCounts> Coverage(const OfficeRange& offices,
                                                  const std::string& month_start,
                                                  const std::string& evaluation_day) = 0;
  // Registrations without deregistration in `offices`, with their latest contact on or before
  // `day`.
  virtual absl::StatusOr<std::vector<ContactRow>> ActiveWithLastContact(const OfficeRange& offices,
                                                                        const std::string& day) = 0;
  virtual absl::StatusOr<std::optional<v1::DeregistrationCandidate>> GetCandidate(
      const std::string& id) = 0;
  virtual absl::StatusOr<Page<v1::DeregistrationCandidate>> ListCandidates(
      const CandidateQuery& query) = 0;
  virtual absl::StatusOr<std::optional<v1::FraudCase>> GetFraudCase(const std::string& id) = 0;
  // One page and the number of matches over all pages.
  virtual absl::StatusOr<std::pair<Page<v1::FraudCase>, int64_t>> ListFraudCases(
      const FraudCaseQuery& query) = 0;
  virtual absl::StatusOr<std::vector<v1::FraudCase>> UnreportedConfirmedCases(
      const std::string& city_code, const std::string& day) = 0;
  virtual absl::StatusOr<std::optional<v1::MonthlyFraudReport>> GetReport(
      const std::string& city_code, const std::string& month) = 0;
  // CONFIRMED cases in `offices` concluded in [from, to], by concluded_on then case_id; at most
  // `limit` (callers ask for one more than they accept to detect overflow).
  virtual absl::StatusOr<std::vector<v1::FraudCase>> ConfirmedCases(const OfficeRange& offices,
                                                                    const std::string& from,
                                                                    const std::string& to,
                                                                    int limit) = 0;

  // One page of the registrations active on a day, by id.
  virtual absl::StatusOr<std::vector<ComparisonSubjectRow>> ActiveRegistrations(
      const ActiveRegistrationsQuery& query) = 0;
  virtual absl::StatusOr<std::optional<ComparisonRunRecord>> GetComparisonRun(
      const std::string& run_id) = 0;

  // --- This service's own event feed. ---
  // Events with a sequence greater than `after`, in order, at most `limit`.
  virtual absl::StatusOr<std::vector<v1::FollowupEvent>> ReadEvents(int64_t after, int limit) = 0;
  // The last committed sequence (0 when the feed is empty).
  virtual absl::StatusOr<int64_t> LastEventSequence() = 0;
  // PENDING hand-overs due at `now_micros`, oldest due first, at most `limit`.
  virtual absl::StatusOr<std::vector<CreditDeliveryRow>> DueCreditDeliveries(int64_t now_micros,
                                                                             int limit) = 0;
  // The earliest next attempt of a PENDING hand-over; unset when none is pending.
  virtual absl::StatusOr<std::optional<int64_t>> NextCreditDeliveryDue() = 0;
  // A page of undelivered hand-overs and the count of the whole query.
  virtual absl::StatusOr<std::pair<Page<CreditDeliveryRow>, int64_t>> ListUndeliveredCredit(
      const CreditDeliveryQuery& query) = 0;
  virtual absl::StatusOr<CreditBacklog> CreditDeliveryBacklog() = 0;
};

}  // namespace unemployment::followup
