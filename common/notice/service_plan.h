#pragma once

// The minimum services of each level (分级分类服务: what a registered person must be offered, by
// when), as one table of rules. Tiering evaluates them into a person's service plan
// (services/tiering/service_plan.h); statistics counts them into the plan-fulfilment figures
// (services/statistics/read_model.cc). Both take the rules from here, so a change of the notice's
// minimum services is made once.
//
// Windows (first and last day deliveries count), on the level calendar of common/notice/level.h:
//   everyone (first interview, the policy, service and agency lists) and short-term
//     (3 job recommendations): the registered date .. the day before medium-short begins;
//   medium-short (career guidance, job fair): medium-short start .. the day before medium-long;
//   medium-long (vocational training): medium-long start .. the day before long-term;
//   long-term, no deadline: difficulty identification from the registered date (when the person
//     meets a criterion or is already identified), employment assistance from the approval date;
//   intentions, no deadline: training; entrepreneurship training and business-start guidance.
// A level's rules apply once the level is reached on the date asked about; everyone's and the
// intentions' apply at once.
//
// Pure: no clock, store or gRPC (the service types are the contract's enum values).

#include <optional>
#include <vector>

#include "absl/time/civil_time.h"
#include "common/notice/level.h"
#include "unemployment/common/v1/codes.pb.h"
#include "unemployment/tiering/v1/tiering_service.pb.h"

namespace unemployment::notice {

// What the rules depend on besides the registered date.
struct PlanFacts {
  bool training_intention = false;
  bool entrepreneurship_intention = false;
  // The person meets at least one difficulty criterion on the data held.
  bool meets_difficulty_criteria = false;
  // The decision date of an approved difficulty identification, if any.
  std::optional<absl::CivilDay> difficulty_approved_on;
};

// One minimum service: `required` deliveries of `type` from `window_start`, by `due_on` (none: no
// deadline). `level` is the level whose rule it is (UNSPECIFIED: everyone's or an intention's).
struct PlanRule {
  tiering::v1::ServiceType type = tiering::v1::SERVICE_TYPE_UNSPECIFIED;
  common::v1::UnemploymentLevel level = common::v1::UNEMPLOYMENT_LEVEL_UNSPECIFIED;
  int required = 0;
  absl::CivilDay window_start;
  std::optional<absl::CivilDay> due_on;
};

// The rules that apply on `as_of` to a registration whose level calendar is `calendar` (made by
// LevelCalendarFor), in a fixed order: everyone's, then by level, then the intentions'. `rules` is
// cleared first, so a pass over many registrations can reuse one vector. A date before the
// registered date is treated as short-term.
void PlanRulesOn(const LevelCalendar& calendar, const PlanFacts& facts, absl::CivilDay as_of,
                 std::vector<PlanRule>& rules);

}  // namespace unemployment::notice
