#pragma once

// The bridge from the validators' Violations list (common/validation) to the suite's error model:
// one INVALID_ARGUMENT status whose google.rpc.BadRequest lists every violation.

#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "common/status/status_util.h"
#include "common/validation/violations.h"

namespace unemployment::status {

// The violations as BadRequest field violations, in order.
std::vector<FieldViolation> ToFieldViolations(const validation::Violations& violations);

// OK when `violations` is empty; otherwise INVALID_ARGUMENT listing every violation, with the
// message "invalid <what>: N violation(s), first <field> <rule>".
absl::Status ViolationsToStatus(const validation::Violations& violations, absl::string_view what);

}  // namespace unemployment::status
