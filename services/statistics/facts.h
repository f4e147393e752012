#pragma once

// The facts the statistics read model keeps, as plain values without gRPC or storage types.
//
// Dates are packed calendar days (yyyymmdd as an int32, e.g. 20250630): they order like the days
// they stand for, compare in one instruction and take four bytes, which matters with a million
// registrations in memory (see read_model.h). kNoDay marks "never" (an active registration's end,
// an undecided application's decision).
//
// Every fact carries the day it was RECORDED next to the day it took effect: a figure for day D
// uses only facts recorded on or before D, so it never changes when later events arrive (a
// deregistration entered on 10 July with effective date 30 June does not change the figure of
// 30 June that was published on 1 July).

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/civil_time.h"

namespace unemployment::statistics {

// A calendar day packed as yyyymmdd.
using PackedDay = int32_t;
inline constexpr PackedDay kNoDay = std::numeric_limits<int32_t>::max();

inline PackedDay PackDay(absl::CivilDay day) {
  return static_cast<PackedDay>(day.year() * 10000 + day.month() * 100 + day.day());
}
inline absl::CivilDay UnpackDay(PackedDay day) {
  return absl::CivilDay(day / 10000, (day / 100) % 100, day % 100);
}

// A registration (失业登记) as the read model knows it.
struct RegistrationFact {
  std::string id;
  // The 6-digit county code of the office that keeps it; the region it is counted in.
  std::string office_region_code;
  // The registered date (登记日期); levels count from it.
  PackedDay registered = kNoDay;
  // The day (China time) the registration was created in the registration service.
  PackedDay recorded = kNoDay;
  // The 3-digit statistical urban-rural class of the habitual residence ("111".."220").
  std::string urban_rural_class;
  // urban_rural_class starts with '1'.
  bool urban = false;
  // unemployment.common.v1.Sex / Education / Channel numbers.
  int sex = 0;
  int education = 0;
  int channel = 0;
  // Household registration in the same prefecture-level city as the office.
  bool household_local = false;
  // kNoDay when the ID type carries no birth date.
  PackedDay birth = kNoDay;
  // The deregistration: its effective date (the first day no longer registered), the day it was
  // recorded, and the reason number; kNoDay / 0 while active.
  PackedDay end_effective = kNoDay;
  PackedDay end_recorded = kNoDay;
  int end_reason = 0;
};

// An application for registration with its decision, for flows and the 7-day indicator.
struct ApplicationFact {
  std::string id;
  std::string office_region_code;
  int channel = 0;
  PackedDay received = kNoDay;
  // The 7th working day after receipt (computed by the registration service).
  PackedDay due = kNoDay;
  // unemployment.common.v1.ReviewOutcome number; 0 while undecided.
  int outcome = 0;
  PackedDay decided_on = kNoDay;
  PackedDay decision_recorded = kNoDay;
  // unemployment.common.v1.RejectionReason number of a rejection; 0 otherwise and for rejections
  // recorded before codes existed.
  int rejection_reason = 0;
};

// The recomputed due date of an undecided application (ApplicationDeadlineRecomputed).
struct DeadlineFact {
  std::string application_id;
  PackedDay due = kNoDay;
};

// A registration's type (三类) changed, from tiering's feed. Kept as a history per registration
// so that the type on any past day stays what it was.
struct TypeFact {
  std::string registration_id;
  std::string office_region_code;
  // unemployment.common.v1.UnemploymentType number.
  int type = 0;
  // The first day the new type holds.
  PackedDay effective = kNoDay;
  // The day (China time) tiering recorded the change (the event's occurred_at).
  PackedDay recorded = kNoDay;
};

// A service delivery of the plan, from tiering's feed.
struct DeliveryFact {
  std::string id;
  std::string registration_id;
  std::string office_region_code;
  // unemployment.tiering.v1.ServiceType number.
  int type = 0;
  PackedDay delivered = kNoDay;
  PackedDay recorded = kNoDay;
};

// A follow-up contact (回访), from follow-up's feed.
struct FollowUpFact {
  std::string id;
  std::string registration_id;
  std::string office_region_code;
  PackedDay contact = kNoDay;
  PackedDay recorded = kNoDay;
};

// A delivery corrected or withdrawn (ServiceDeliveryAmended), from tiering's feed. The delivery
// keeps its id and the day it was first recorded: a correction replaces its type and date, a
// withdrawal removes it. The values before the amendment find the entry in the read model.
struct DeliveryAmendment {
  std::string id;
  std::string registration_id;
  bool withdrawn = false;
  // As amended (unused when withdrawn).
  int type = 0;
  PackedDay delivered = kNoDay;
  // Before the amendment.
  int previous_type = 0;
  PackedDay previous_delivered = kNoDay;
};

// A follow-up corrected or withdrawn (FollowUpAmended), from follow-up's feed; as above, with the
// contact date.
struct FollowUpAmendment {
  std::string id;
  std::string registration_id;
  bool withdrawn = false;
  // As amended (unused when withdrawn).
  PackedDay contact = kNoDay;
  // Before the amendment.
  PackedDay previous_contact = kNoDay;
};

// A fraud case (骗取案件), from follow-up's feed: opened, or concluded (then only the conclusion's
// fields are set and `opened` is kNoDay).
struct FraudFact {
  std::string case_id;
  // The office that opened it.
  std::string office_region_code;
  PackedDay opened = kNoDay;
  PackedDay opened_recorded = kNoDay;
  PackedDay concluded = kNoDay;
  PackedDay concluded_recorded = kNoDay;
  // Concluded as CONFIRMED.
  bool confirmed = false;
};

// The duty reviewers an office named for one review queue (指定专人每日登录), from a registration
// shard's feed (DutyRosterChanged). The latest roster of (office, queue) replaces earlier ones.
struct DutyRosterFact {
  std::string office_region_code;
  // unemployment.registration.v1.ReviewQueueKind number (1 ministry-forwarded, 2 province).
  int queue_kind = 0;
  // Staff ids; empty when the roster was cleared.
  std::vector<std::string> reviewer_ids;
  // When it was set, microseconds since the Unix epoch.
  int64_t update_micros = 0;
};

// A region reported its contacts (附件3), from a registration shard's feed.
struct ContactReportFact {
  std::string region_code;
  // When, microseconds since the Unix epoch.
  int64_t reported_micros = 0;
};

// What one feed event changes in the read model: at most one fact of each kind (a registration or
// application inserted, or for a known id given its deregistration or decision; a type change,
// delivery or follow-up added, corrected or withdrawn; a fraud case opened or concluded).
struct FactChange {
  std::optional<RegistrationFact> registration;
  std::optional<ApplicationFact> application;
  std::optional<TypeFact> type_change;
  std::optional<DeliveryFact> delivery;
  std::optional<FollowUpFact> follow_up;
  std::optional<DeliveryAmendment> delivery_amendment;
  std::optional<FollowUpAmendment> follow_up_amendment;
  std::optional<FraudFact> fraud_case;
  std::optional<DeadlineFact> deadline;
  std::optional<DutyRosterFact> duty_roster;
  std::optional<ContactReportFact> contact_report;
};

// One event of a feed, ready to apply.
struct FeedEvent {
  int64_t sequence = 0;
  // The event's occurred_at, microseconds since the Unix epoch (0 when unset).
  int64_t occurred_micros = 0;
  FactChange change;
};

// The stored position of the read model in one feed.
struct StoredCursor {
  // "registration/<shard_id>", "tiering" or "followup".
  std::string feed;
  int64_t sequence = 0;
  int64_t last_event_micros = 0;
  int64_t last_applied_micros = 0;
};

}  // namespace unemployment::statistics
