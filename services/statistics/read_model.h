#pragma once

// The in-memory read model that answers every statistical query.
//
// Why memory and not SQL: the figures are counts over every registration of a region with
// conditions on four dates (took effect / recorded, ended / recorded) evaluated for an arbitrary
// as_of day, which no index turns into a range scan. A million registrations in a compact row
// (40 bytes, grouped by office) are scanned in a few milliseconds, far inside the 50 ms target,
// while SQLite would read every row from pages. SQLite (statistics_store.h) stays the durable copy:
// the model is rebuilt from it at start-up and changed only after a store transaction committed.
//
// Counting rules (proto/unemployment/statistics/v1/statistics_service.proto):
//   - a registration is active on day D when it took effect and was recorded on or before D, and
//     no deregistration effective and recorded on or before D ended it (the effective date is the
//     first day it is no longer active);
//   - urban when the urban-rural class of the habitual residence starts with 1;
//   - flows over [start, end] count facts dated in the period and recorded on or before end.
// So a figure for a past day or period never changes when later events arrive, except for an
// amended delivery or follow-up: it counts with its corrected values (or, withdrawn, not at all)
// in past periods too.
//
// Thread-safe: writers (feed consumers) take the lock exclusively, queries share it.

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "services/statistics/facts.h"
#include "services/statistics/statistics_store.h"

namespace unemployment::statistics {

// Whole calendar months from `start` to `as_of` with the month-end rule of common/time/date.h
// (equal to time::WholeMonthsElapsed, on packed days and without allocation).
int WholeMonths(PackedDay start, PackedDay as_of);
// Age in whole years on `as_of` of a person born on `birth` (a 29 February birthday falls on
// 28 February in common years, as AddMonths clamps it).
int AgeInYears(PackedDay birth, PackedDay as_of);
// The first day of each level after short-term, from the one level rule (common/notice/level.h),
// packed so that the breakdown compares days without date arithmetic per row and day.
struct LevelDays {
  PackedDay medium_short_from = kNoDay;
  PackedDay medium_long_from = kNoDay;
  PackedDay long_term_from = kNoDay;
};
LevelDays LevelDaysOf(PackedDay registered);
// unemployment.common.v1.UnemploymentLevel number (1..4) on `as_of` (on or after the registered
// date) of a registration whose level days are `days`.
inline int LevelNumber(const LevelDays& days, PackedDay as_of) {
  if (as_of >= days.long_term_from) return 4;
  if (as_of >= days.medium_long_from) return 3;
  if (as_of >= days.medium_short_from) return 2;
  return 1;
}
// The same for a registration dated `registered` (computes its level days).
int LevelNumber(PackedDay registered, PackedDay as_of);

// Age bands of the breakdown, in their documented order.
enum AgeBand { kAge16To24 = 0, kAge25To34, kAge35To44, kAge45To54, kAge55Plus, kAgeUnknown };
inline constexpr int kAgeBandCount = 6;
// The band of an age; ages below 16 (which the form rules exclude) count as unknown.
AgeBand AgeBandOf(int age);

// Selects the offices (6-digit county codes) of a region.
using OfficeFilter = std::function<bool(absl::string_view office_region_code)>;

struct StockCounts {
  int64_t urban = 0;
  int64_t active = 0;
};

// The urban registered unemployed broken down by every dimension at once (one pass).
struct BreakdownCounts {
  int64_t total = 0;
  // Index: UnemploymentLevel number 1..4 (0 unused).
  std::array<int64_t, 5> level{};
  // Keyed by the enum numbers of Sex, Education, Channel.
  std::map<int, int64_t> sex;
  std::map<int, int64_t> education;
  std::map<int, int64_t> channel;
  std::array<int64_t, kAgeBandCount> age{};
  int64_t household_local = 0;
  int64_t household_non_local = 0;
  // Keyed by UnemploymentType number; 0 = not typed on the day (no type change known yet).
  std::map<int, int64_t> type;
};

struct ChannelFlow {
  int64_t received = 0;
  int64_t accepted = 0;
  int64_t rejected = 0;
};

struct FlowCounts {
  int64_t new_registrations = 0;
  int64_t new_urban_registrations = 0;
  int64_t deregistrations = 0;
  // Keyed by DeregistrationReason number.
  std::map<int, int64_t> deregistrations_by_reason;
  // Keyed by Channel number.
  std::map<int, ChannelFlow> by_channel;
  // Rejections decided in the period, keyed by RejectionReason number (0: recorded before codes).
  std::map<int, int64_t> rejections_by_reason;
};

struct DecisionCounts {
  // Applications decided in the period (decided_on in it, decision recorded by its end).
  int64_t decided = 0;
  // Of those, decided on or before their due date (7 working days).
  int64_t decided_within_deadline = 0;
  // Received in the period, past their due date on period_end and undecided then.
  int64_t overdue_undecided = 0;
};

// Follow-up coverage of one month: registrations active on the evaluation day, and those of them
// with at least one follow-up contact from the month's first day to the evaluation day.
struct CoverageCounts {
  int64_t active = 0;
  int64_t covered = 0;
};

// Which month to measure: its first day and the evaluation day (its last day, or earlier).
struct CoverageMonth {
  PackedDay first = kNoDay;
  PackedDay evaluated = kNoDay;
};

struct PlanLevelCounts {
  int64_t due = 0;
  int64_t met = 0;
  int64_t missed = 0;
};

// Service-plan fulfilment, index 0 = obligations of everyone, 1..4 = UnemploymentLevel number.
using PlanCounts = std::array<PlanLevelCounts, 5>;

struct FraudCounts {
  int64_t opened = 0;
  int64_t confirmed = 0;
};

// The review activity of one office queue on one day (silent offices, 指定专人每日登录).
struct QueueDay {
  std::string office_region_code;
  // ReviewQueueKind number: 1 ministry-forwarded (channel ministry), 2 province (portal).
  int queue_kind = 0;
  // Applications received before the day and not decided before it.
  int64_t waiting = 0;
  // The oldest receipt day of those (kNoDay when none).
  PackedDay oldest_received = kNoDay;
  // Applications of the queue decided on the day.
  int64_t decided = 0;
};

// The duty rosters keyed by (office code, queue kind).
using DutyRosters = std::map<std::pair<std::string, int>, std::vector<std::string>>;

class ReadModel final {
 public:
  ReadModel() = default;
  ReadModel(const ReadModel&) = delete;
  ReadModel& operator=(const ReadModel&) = delete;

  // Applies a change with the store's rules: a new id is inserted whole; a known registration only
  // learns its deregistration and a known application its decision; an amended delivery or
  // follow-up takes its corrected type and date (keeping its recorded day) or, withdrawn, is
  // removed.
  void Apply(const FactChange& change) ABSL_LOCKS_EXCLUDED(mu_);
  void AddRegistration(const RegistrationFact& fact) ABSL_LOCKS_EXCLUDED(mu_);
  void AddApplication(const ApplicationFact& fact) ABSL_LOCKS_EXCLUDED(mu_);

  int64_t registration_count() const ABSL_LOCKS_EXCLUDED(mu_);

  StockCounts CountOn(const OfficeFilter& offices, PackedDay day) const ABSL_LOCKS_EXCLUDED(mu_);
  BreakdownCounts BreakdownOn(const OfficeFilter& offices, PackedDay day) const
      ABSL_LOCKS_EXCLUDED(mu_);
  FlowCounts Flows(const OfficeFilter& offices, PackedDay start, PackedDay end) const
      ABSL_LOCKS_EXCLUDED(mu_);
  DecisionCounts Decisions(const OfficeFilter& offices, PackedDay start, PackedDay end) const
      ABSL_LOCKS_EXCLUDED(mu_);

  // Follow-up coverage per month: contacts count when dated in [first, evaluated] and recorded on
  // or before `evaluated`.
  std::vector<CoverageCounts> Coverage(const OfficeFilter& offices,
                                       const std::vector<CoverageMonth>& months) const
      ABSL_LOCKS_EXCLUDED(mu_);
  // Service-plan fulfilment over [start, end] (rules in read_model.cc, PlanOf), from the
  // registrations active on some day of the period and the deliveries recorded by `end`.
  PlanCounts Plan(const OfficeFilter& offices, PackedDay start, PackedDay end) const
      ABSL_LOCKS_EXCLUDED(mu_);
  // Fraud cases opened in [start, end] and concluded as confirmed in it (recorded by `end`), by the
  // office that opened them.
  FraudCounts Fraud(const OfficeFilter& offices, PackedDay start, PackedDay end) const
      ABSL_LOCKS_EXCLUDED(mu_);
  // Per office queue with applications waiting at the start of `day` or decided on it: the
  // waiting count and the decisions of the day (decision days are the server's days of recording).
  std::vector<QueueDay> QueueActivity(const OfficeFilter& offices, PackedDay day) const
      ABSL_LOCKS_EXCLUDED(mu_);
  // The latest duty roster of every office queue that ever published one.
  DutyRosters DutyRosterSnapshot() const ABSL_LOCKS_EXCLUDED(mu_);
  // The regions that reported their contacts (附件3) -> time of the last report (micros).
  std::map<std::string, int64_t> ContactReports() const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  // A registration in 56 bytes.
  struct Row {
    PackedDay registered;
    // The level days of `registered` (LevelDaysOf), computed once when the row is made.
    LevelDays levels;
    PackedDay recorded;
    // max(registered, recorded): the first day it counts.
    PackedDay start;
    PackedDay end_effective;
    PackedDay end_recorded;
    // max(end_effective, end_recorded): the first day it no longer counts (kNoDay while active).
    PackedDay stop;
    PackedDay birth;
    uint8_t sex;
    uint8_t education;
    uint8_t channel;
    uint8_t end_reason;
    bool urban;
    bool household_local;
    // What tiering told about the type, cached so that the breakdown rarely leaves the row: the
    // number of type changes known (saturating at 255) and, when there is exactly one, its type
    // and the first day it counts (max(effective, recorded)).
    uint8_t type_count;
    uint8_t type;
    PackedDay type_from;
    // Index into services_ (type history, deliveries, follow-ups), kNoService when none known.
    uint32_t service;
  };
  static constexpr uint32_t kNoService = 0xFFFFFFFFu;
  // One fact of tiering's or follow-up's feed about a registration, in 12 bytes: a type change
  // (day = effective, type = UnemploymentType), a delivery (day = delivered, type = ServiceType)
  // or a follow-up contact (day = contact date). A delivery or contact also keeps a 16-bit tag of
  // its id (IdTag, in what was padding): an amendment finds its entry by the tag and the values
  // before the amendment, so that applying it twice changes or removes nothing more (two
  // identical deliveries of one registration differ in their tags).
  enum ServiceKind : uint8_t { kTypeChange = 0, kDelivery = 1, kContact = 2 };
  struct ServiceEntry {
    PackedDay day;
    PackedDay recorded;
    ServiceKind kind;
    uint8_t type;
    uint16_t tag;
  };
  static_assert(sizeof(ServiceEntry) == 12, "a service entry stays 12 bytes");
  static uint16_t IdTag(absl::string_view id);
  // Every such fact of one registration in arrival order. It may arrive before the registration
  // itself, which comes from another feed: it then waits under its id in pending_services_.
  using ServiceData = std::vector<ServiceEntry>;
  struct FraudRow {
    PackedDay opened;
    PackedDay opened_recorded;
    PackedDay concluded;
    PackedDay concluded_recorded;
    bool confirmed;
  };
  struct AppRow {
    PackedDay received;
    PackedDay due;
    PackedDay decided_on;
    PackedDay decision_recorded;
    uint8_t channel;
    uint8_t outcome;
    uint8_t rejection_reason;
  };
  struct Office {
    std::string code;
    std::vector<Row> registrations;
    std::vector<AppRow> applications;
    std::vector<FraudRow> fraud_cases;
  };
  struct Location {
    uint32_t office;
    uint32_t index;
  };

  Office& OfficeOf(const std::string& code) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void AddRegistrationLocked(const RegistrationFact& fact) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void AddApplicationLocked(const ApplicationFact& fact) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void ApplyLocked(const FactChange& change) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Adds a fact about `registration_id` (and updates its row's type cache).
  void AddServiceEntry(const std::string& registration_id, ServiceEntry entry)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void CacheType(Row& row, const ServiceEntry& entry) const;
  // Applies a correction or withdrawal to the entry of `registration_id` of that kind, tag and
  // previous type and day; nothing when there is none (applied before, or never known).
  void AmendServiceEntry(const std::string& registration_id, ServiceKind kind, uint16_t tag,
                         int previous_type, PackedDay previous_day, bool withdrawn, int type,
                         PackedDay day) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void PutFraudLocked(const FraudFact& fact) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The type number on `day` (0 when none known).
  int TypeOn(const Row& row, PackedDay day) const ABSL_SHARED_LOCKS_REQUIRED(mu_);
  void PlanOf(const Row& row, PackedDay start, PackedDay end, PlanCounts& counts) const
      ABSL_SHARED_LOCKS_REQUIRED(mu_);
  // Calls `fn` with every office the filter selects.
  template <typename Fn>
  void ForOffices(const OfficeFilter& offices, Fn fn) const ABSL_SHARED_LOCKS_REQUIRED(mu_);

  mutable absl::Mutex mu_;
  std::vector<std::unique_ptr<Office>> offices_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, uint32_t> office_index_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, Location> registrations_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, Location> applications_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, Location> fraud_cases_ ABSL_GUARDED_BY(mu_);
  std::vector<ServiceData> services_ ABSL_GUARDED_BY(mu_);
  // Ids whose registration is not known yet -> index into services_.
  absl::flat_hash_map<std::string, uint32_t> pending_services_ ABSL_GUARDED_BY(mu_);
  DutyRosters duty_rosters_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, int64_t> contact_reports_ ABSL_GUARDED_BY(mu_);
};

// Fills `model` with every fact of `store`, registration feeds' and the others' (start-up).
absl::Status LoadReadModel(StatisticsStore& store, ReadModel& model);

}  // namespace unemployment::statistics
