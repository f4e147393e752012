#include "common/validation/violations.h"

#include <utility>

#include "absl/strings/cord.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/types/optional.h"
#include "common/validation/validation_error.h"

namespace unemployment::validation {
namespace {

// Rule used when a failed status carries no rule payload (e.g. it came from another library).
constexpr absl::string_view kUnspecifiedRule = "INVALID";

// The payload is a sequence of length-prefixed strings "<decimal length>:<bytes>", three per
// violation. Length prefixes make any byte (commas, newlines, UTF-8) safe without escaping rules.
void AppendField(absl::string_view value, std::string& out) {
  absl::StrAppend(&out, value.size(), ":", value);
}

bool ReadField(absl::string_view& in, std::string& value) {
  const std::size_t colon = in.find(':');
  if (colon == absl::string_view::npos) return false;
  std::size_t length = 0;
  if (!absl::SimpleAtoi(in.substr(0, colon), &length)) return false;
  in.remove_prefix(colon + 1);
  if (length > in.size()) return false;
  value = std::string(in.substr(0, length));
  in.remove_prefix(length);
  return true;
}

}  // namespace

void Violations::Add(std::string field, std::string rule, std::string description) {
  list_.push_back(Violation{std::move(field), std::move(rule), std::move(description)});
}

bool Violations::AddIfError(absl::string_view field, const absl::Status& status) {
  if (status.ok()) return false;
  std::string rule = RuleOf(status);
  if (rule.empty()) rule = std::string(kUnspecifiedRule);
  Add(std::string(field), std::move(rule), std::string(status.message()));
  return true;
}

void Violations::Merge(const Violations& other, absl::string_view field_prefix) {
  // Copy first: `other` may be *this.
  const std::vector<Violation> incoming = other.list_;
  for (const Violation& v : incoming) {
    Add(absl::StrCat(field_prefix, v.field), v.rule, v.description);
  }
}

bool Violations::HasField(absl::string_view field) const {
  for (const Violation& v : list_) {
    if (v.field == field) return true;
  }
  return false;
}

absl::Status Violations::ToStatus() const {
  if (list_.empty()) return absl::OkStatus();
  std::string message =
      list_.size() == 1 ? std::string("invalid request: 1 field violation: ")
                        : absl::StrCat("invalid request: ", list_.size(), " field violations: ");
  std::string payload;
  for (std::size_t i = 0; i < list_.size(); ++i) {
    const Violation& v = list_[i];
    absl::StrAppend(&message, i == 0 ? "" : "; ", v.field, ": ", v.description);
    AppendField(v.field, payload);
    AppendField(v.rule, payload);
    AppendField(v.description, payload);
  }
  absl::Status status = absl::InvalidArgumentError(message);
  status.SetPayload(kViolationsPayloadUrl, absl::Cord(payload));
  return status;
}

std::vector<Violation> ViolationsFromStatus(const absl::Status& status) {
  std::vector<Violation> result;
  if (status.ok()) return result;
  absl::optional<absl::Cord> payload = status.GetPayload(kViolationsPayloadUrl);
  if (payload.has_value()) {
    const std::string flat(*payload);
    absl::string_view in = flat;
    while (!in.empty()) {
      Violation v;
      if (!ReadField(in, v.field) || !ReadField(in, v.rule) || !ReadField(in, v.description)) {
        // A damaged payload yields what was readable; the status message still says it all.
        break;
      }
      result.push_back(std::move(v));
    }
    return result;
  }
  std::string rule = RuleOf(status);
  if (!rule.empty()) {
    result.push_back(Violation{"", std::move(rule), std::string(status.message())});
  }
  return result;
}

}  // namespace unemployment::validation
