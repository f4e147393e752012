// Health status (健康状况) with the disability grade (伤残等级) the form requires for "disabled".
#pragma once

#include <optional>

#include "absl/status/status.h"
#include "common/validation/code_list.h"

namespace unemployment::validation {

// The four values of the form, numbered as common.v1.HealthStatus (the numbers HR systems use:
// 1, 2, 3, and 6 for disabled).
enum class HealthStatus {
  kHealthyOrGood = 1,   // 健康或良好
  kFairOrWeak = 2,      // 一般或较弱
  kChronicIllness = 3,  // 有慢性病
  kDisabled = 6,        // 残疾
};

// Codes "1", "2", "3", "6" with names.
const CodeList& HealthStatusCodes();

// The enum value for an accepted number, or nullopt.
std::optional<HealthStatus> HealthStatusFromNumber(int number);

// Disability grades run from 1 (most severe) to 10 (GB/T 16180 伤残等级).
inline constexpr int kMinDisabilityGrade = 1;
inline constexpr int kMaxDisabilityGrade = 10;

// The grade rule of the form's note 2 ("如健康状况为残疾，需注明伤残等级"), reported on the grade
// field: disabled without a grade -> DISABILITY_GRADE_REQUIRED; a grade outside 1..10 ->
// DISABILITY_GRADE_RANGE; a grade with any other status -> DISABILITY_GRADE_NOT_APPLICABLE (a stray
// grade is a sign the status was picked wrongly, so it is refused rather than silently dropped).
// Pass nullopt for "no grade given" (proto3: map an unset field or 0 to nullopt).
absl::Status ValidateDisabilityGrade(HealthStatus status, std::optional<int> grade);

}  // namespace unemployment::validation
