// A failed validation as an absl::Status that remembers which rule failed.
//
// Every single-value validator in this library returns absl::Status / absl::StatusOr. On failure
// the code is INVALID_ARGUMENT, the message is a human sentence, and the stable rule name (see
// rules.h) rides along as a status payload. Keeping the rule out of the message lets the message be
// reworded freely while clients keep matching on the rule; Violations::AddIfError() reads it back.
//
// Messages never repeat the checked value: ID and phone numbers are personal data, and statuses end
// up in logs.
#pragma once

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace unemployment::validation {

// Payload key under which ValidationError() stores the rule name.
inline constexpr absl::string_view kRulePayloadUrl = "unemployment.validation/rule";

// Returns INVALID_ARGUMENT with `description` as message and `rule` attached as payload.
absl::Status ValidationError(absl::string_view rule, absl::string_view description);

// The rule name attached by ValidationError(), or "" when `status` carries none (including OK).
std::string RuleOf(const absl::Status& status);

}  // namespace unemployment::validation
