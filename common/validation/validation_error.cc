#include "common/validation/validation_error.h"

#include "absl/strings/cord.h"

namespace unemployment::validation {

absl::Status ValidationError(absl::string_view rule, absl::string_view description) {
  absl::Status status = absl::InvalidArgumentError(description);
  status.SetPayload(kRulePayloadUrl, absl::Cord(rule));
  return status;
}

std::string RuleOf(const absl::Status& status) {
  if (status.ok()) return "";
  absl::optional<absl::Cord> rule = status.GetPayload(kRulePayloadUrl);
  if (!rule.has_value()) return "";
  return std::string(*rule);
}

}  // namespace unemployment::validation
