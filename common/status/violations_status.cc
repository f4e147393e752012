#include "common/status/violations_status.h"

#include "absl/strings/str_cat.h"

namespace unemployment::status {

std::vector<FieldViolation> ToFieldViolations(const validation::Violations& violations) {
  std::vector<FieldViolation> out;
  out.reserve(violations.size());
  for (const validation::Violation& v : violations.list()) {
    out.push_back(FieldViolation{v.field, v.rule, v.description});
  }
  return out;
}

absl::Status ViolationsToStatus(const validation::Violations& violations, absl::string_view what) {
  if (violations.empty()) return absl::OkStatus();
  std::vector<FieldViolation> list = ToFieldViolations(violations);
  return InvalidArgumentError(absl::StrCat("invalid ", what, ": ", list.size(),
                                           " violation(s), first ", list.front().field, " ",
                                           list.front().rule),
                              list);
}

}  // namespace unemployment::status
