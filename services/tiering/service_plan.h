#pragma once

// The service plan's obligations (rules in the Obligation comment of tiering_service.proto),
// computed from the registered date, the intentions, the difficulty data and the deliveries, as of
// one date. Pure: no store, no clock. The rules themselves (which service, how many, from when, by
// when) are the one table in common/notice/service_plan.h, which statistics counts too.
//
// Windows (first and last day deliveries count):
//   everyone (first interview, the three lists) and short-term (3 job recommendations):
//     registered .. the day before medium-short begins;
//   medium-short (career guidance, job fair): medium-short start .. the day before medium-long;
//   medium-long (vocational training): medium-long start .. the day before long-term;
//   long-term, no deadline: difficulty identification from the registered date (an earlier
//     identification also meets it), employment assistance from the approval date;
//   intentions, no deadline: from the registered date.
// An obligation is listed once its level is reached on as_of (everyone's and the intentions' at
// once). It is MET when enough deliveries fall in its window up to as_of (met_on = the date of the
// delivery that completed it), MISSED when its due_on lies before as_of without that, else OPEN.

#include <optional>
#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "unemployment/tiering/v1/tiering_service.pb.h"

namespace unemployment::tiering {

struct DeliveryRef {
  v1::ServiceType type = v1::SERVICE_TYPE_UNSPECIFIED;
  absl::CivilDay delivered_on;
  std::string delivery_id;
};

struct PlanInput {
  absl::CivilDay registered;
  bool training_intention = false;
  bool entrepreneurship_intention = false;
  // The person meets at least one difficulty criterion on the data held (as of the plan's date).
  bool meets_difficulty_criteria = false;
  // The decision date of an approved identification, if any.
  std::optional<absl::CivilDay> difficulty_approved_on;
  // Every delivery of the registration, oldest delivered_on first (ties in recording order).
  std::vector<DeliveryRef> deliveries;
};

// One obligation's status in domain types: what v1::Obligation carries, without the dates as text
// or the delivery ids, for passes that only count (GetPlanFulfilment over a million plans).
struct ObligationStatus {
  v1::ServiceType service_type = v1::SERVICE_TYPE_UNSPECIFIED;
  // UNSPECIFIED: everyone's or an intention's.
  ::unemployment::common::v1::UnemploymentLevel level =
      ::unemployment::common::v1::UNEMPLOYMENT_LEVEL_UNSPECIFIED;
  int required_count = 0;
  absl::CivilDay window_start;
  std::optional<absl::CivilDay> due_on;  // none: no deadline
  int delivered_count = 0;
  std::optional<absl::CivilDay> met_on;
  v1::ObligationState state = v1::OBLIGATION_STATE_UNSPECIFIED;
};

// The obligations that apply on `as_of` (which must not lie before `input.registered`), in a fixed
// order: everyone's, then by level, then the intentions'. Appended to `out` (cleared first), so a
// pass can reuse one vector.
void EvaluateObligations(const PlanInput& input, absl::CivilDay as_of,
                         std::vector<ObligationStatus>& out);

// The same obligations as messages, with their dates and the ids of the deliveries counted.
std::vector<v1::Obligation> ComputeObligations(const PlanInput& input, absl::CivilDay as_of);

// "YYYY-MM-DD", as time::FormatDate, without its formatting machinery (plans format a few dates
// per obligation, a million plans at a time).
std::string PlanDate(absl::CivilDay day);

// True when some obligation is OPEN or MISSED (filtered by `state` unless UNSPECIFIED).
bool HasGap(const std::vector<v1::Obligation>& obligations, v1::ObligationState state);

}  // namespace unemployment::tiering
