#include "services/followup/followup_rules.h"

#include <algorithm>

#include "common/time/date.h"

namespace unemployment::followup {

std::optional<OfficeRange> RegionRange(const validation::RegionDirectory& regions,
                                       absl::string_view region_code) {
  if (region_code.size() != 6) return std::nullopt;
  std::optional<validation::RegionLevel> level = regions.LevelOf(region_code);
  if (!level.has_value()) return std::nullopt;
  size_t digits = 0;
  switch (*level) {
    case validation::RegionLevel::kProvince:
      digits = 2;
      break;
    case validation::RegionLevel::kCity:
      digits = 4;
      break;
    case validation::RegionLevel::kCounty:
      digits = 6;
      break;
    case validation::RegionLevel::kTownship:
      return std::nullopt;
  }
  // ':' is the character after '9', so every code with the prefix sorts below prefix + ":".
  std::string prefix(region_code.substr(0, digits));
  return OfficeRange{prefix, prefix + ":"};
}

OfficeRange AllOffices() { return OfficeRange{"", ":"}; }

absl::CivilDay FraudReportDueDay(absl::CivilMonth month) {
  const int last = time::DaysInMonth(month);
  return absl::CivilDay(month.year(), month.month(), std::min(30, last));
}

absl::CivilDay NoContactDeadline(absl::CivilDay base) { return time::AddMonths(base, 6); }

bool IsActiveOn(const RegistrationRecord& registration, absl::string_view day) {
  if (registration.registered_date > day) return false;
  return registration.end_date.empty() || day < registration.end_date;
}

bool IsContact(v1::FollowUpMethod method, v1::FollowUpOutcome outcome) {
  switch (method) {
    case v1::FOLLOW_UP_METHOD_SELF_REPORT:
      return true;
    case v1::FOLLOW_UP_METHOD_FIELD_VISIT:
    case v1::FOLLOW_UP_METHOD_PHONE_SURVEY:
      return outcome != v1::FOLLOW_UP_OUTCOME_UNREACHABLE;
    default:
      return false;
  }
}

unemployment::common::v1::DeregistrationReason ProposedReason(v1::FollowUpOutcome outcome) {
  switch (outcome) {
    case v1::FOLLOW_UP_OUTCOME_EMPLOYED:
      return unemployment::common::v1::DEREGISTRATION_REASON_HIRED;
    case v1::FOLLOW_UP_OUTCOME_STARTED_BUSINESS:
      return unemployment::common::v1::DEREGISTRATION_REASON_SELF_EMPLOYED;
    default:
      return unemployment::common::v1::DEREGISTRATION_REASON_UNSPECIFIED;
  }
}

absl::CivilDay EvaluationDay(absl::CivilMonth month, std::optional<absl::CivilDay> as_of,
                             absl::CivilDay today) {
  if (as_of.has_value()) return *as_of;
  return std::min(time::LastDayOfMonth(month), today);
}

}  // namespace unemployment::followup
