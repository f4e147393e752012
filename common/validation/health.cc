#include "common/validation/health.h"

#include "absl/strings/str_cat.h"
#include "common/validation/rules.h"
#include "common/validation/validation_error.h"

namespace unemployment::validation {
namespace {

constexpr CodeEntry kHealthStatusEntries[] = {
    {1, "1", "健康或良好"},
    {2, "2", "一般或较弱"},
    {3, "3", "有慢性病"},
    {6, "6", "残疾"},
};
constexpr CodeList kHealthStatusCodes("health status", kHealthStatusEntries);

}  // namespace

const CodeList& HealthStatusCodes() { return kHealthStatusCodes; }

std::optional<HealthStatus> HealthStatusFromNumber(int number) {
  switch (number) {
    case 1:
      return HealthStatus::kHealthyOrGood;
    case 2:
      return HealthStatus::kFairOrWeak;
    case 3:
      return HealthStatus::kChronicIllness;
    case 6:
      return HealthStatus::kDisabled;
    default:
      return std::nullopt;
  }
}

absl::Status ValidateDisabilityGrade(HealthStatus status, std::optional<int> grade) {
  if (status != HealthStatus::kDisabled) {
    if (!grade.has_value()) return absl::OkStatus();
    return ValidationError(rule::kDisabilityGradeNotApplicable,
                           "a disability grade is only given when the health status is disabled");
  }
  if (!grade.has_value()) {
    return ValidationError(rule::kDisabilityGradeRequired,
                           "health status disabled requires a disability grade");
  }
  if (*grade < kMinDisabilityGrade || *grade > kMaxDisabilityGrade) {
    return ValidationError(rule::kDisabilityGradeRange,
                           absl::StrCat("disability grade must be ", kMinDisabilityGrade, " to ",
                                        kMaxDisabilityGrade));
  }
  return absl::OkStatus();
}

}  // namespace unemployment::validation
