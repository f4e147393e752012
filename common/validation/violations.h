// Field violations collected over a whole request.
//
// A form has dozens of fields; telling the applicant one mistake per round trip is poor service, so
// validators of a request add every problem to a Violations collector instead of returning at the
// first one. The handler then turns the list into google.rpc.BadRequest field violations (one
// entry per Violation) via ToStatus() and the status helpers, which need no knowledge of the form.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace unemployment::validation {

// One broken rule on one field; maps 1:1 onto google.rpc.BadRequest.FieldViolation.
struct Violation {
  // Path of the offending field as the caller names it, e.g. "form.id_number" (proto field path).
  std::string field;
  // Stable machine-readable rule name from rules.h, e.g. "CHECK_CHARACTER".
  std::string rule;
  // Human sentence for developers and logs; never contains the offending value.
  std::string description;

  friend bool operator==(const Violation& a, const Violation& b) {
    return a.field == b.field && a.rule == b.rule && a.description == b.description;
  }
  friend bool operator!=(const Violation& a, const Violation& b) { return !(a == b); }
};

// Payload key under which Violations::ToStatus() stores the encoded list.
inline constexpr absl::string_view kViolationsPayloadUrl = "unemployment.validation/violations";

// Collects violations in the order they were found. Not thread-safe (one per request).
class Violations final {
 public:
  Violations() = default;

  // Records that `field` breaks `rule`.
  void Add(std::string field, std::string rule, std::string description);

  // Records a failed validator result for `field`: rule from the status payload (RuleOf), or
  // "INVALID" when the status has none, and the status message as description. Does nothing for
  // OK. Returns true when something was added, so callers can skip dependent checks.
  bool AddIfError(absl::string_view field, const absl::Status& status);

  // Appends all of `other`, with `field_prefix` put in front of each field name, so a sub-validator
  // (e.g. an address) can report "city_code" and the caller file it as
  // "household_address.city_code".
  void Merge(const Violations& other, absl::string_view field_prefix = "");

  bool empty() const { return list_.empty(); }
  std::size_t size() const { return list_.size(); }
  const std::vector<Violation>& list() const { return list_; }

  // True when some violation names `field` (handy in tests and for skipping dependent checks).
  bool HasField(absl::string_view field) const;

  // OK when empty. Otherwise INVALID_ARGUMENT whose message lists every "field: description" and
  // whose payload (kViolationsPayloadUrl) carries the full list for ViolationsFromStatus().
  absl::Status ToStatus() const;

 private:
  std::vector<Violation> list_;
};

// The violations a status carries: the list stored by Violations::ToStatus(), or for a single
// ValidationError() one entry with an empty field, or an empty list for OK or foreign statuses.
std::vector<Violation> ViolationsFromStatus(const absl::Status& status);

}  // namespace unemployment::validation
