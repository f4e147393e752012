// A small national code list (代码表) with Chinese names, held as a table in code.
//
// The lists of the registration form are short national standards that change once a decade, so
// they live in code rather than in data files: no file to ship, no load failure at start-up, and
// every service agrees on them at compile time. Each list is a CodeList built on a constexpr table;
// see the headers sex.h, ethnic_group.h, political_status.h, education.h, health.h,
// unemployment_cause.h and deregistration_reason.h.
#pragma once

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace unemployment::validation {

// One code of a list.
struct CodeEntry {
  // Numeric value; proto enums and integer columns use it (ethnic group "01" -> 1).
  int number;
  // The code exactly as the standard writes it, leading zeros included ("01").
  absl::string_view code;
  // Chinese name from the standard, for display and reports.
  absl::string_view name;
  // False for codes the standard defines but the registration form refuses (sex 0 and 9, ethnic
  // groups 97 and 98): they still have a name, so old records display, but they fail validation
  // with CODE_NOT_ACCEPTED instead of CODE_UNKNOWN.
  bool accepted = true;
};

// Lookup and validation over a static table of CodeEntry. Cheap to copy; refers to static storage.
class CodeList final {
 public:
  // `title` names the list in messages, e.g. "ethnic group (GB 3304)". `entries` must outlive the
  // list (in practice: a constexpr array).
  constexpr CodeList(absl::string_view title, absl::Span<const CodeEntry> entries)
      : title_(title), entries_(entries) {}

  // The entry with exactly this code string ("01", not "1"), or nullptr.
  const CodeEntry* Find(absl::string_view code) const;
  // The entry with this numeric value, or nullptr.
  const CodeEntry* FindNumber(int number) const;

  // Name of the code, or "" when unknown.
  absl::string_view NameOf(absl::string_view code) const;
  absl::string_view NameOfNumber(int number) const;

  // OK for an accepted code; CODE_NOT_ACCEPTED for a known but refused one. For an unknown code:
  // FORMAT when every code of the list has the same number of digits and `code` does not ("1" for
  // ethnic group "01"), CODE_UNKNOWN otherwise. ValidateNumber() never reports FORMAT.
  absl::Status Validate(absl::string_view code) const;
  absl::Status ValidateNumber(int number) const;

  absl::string_view title() const { return title_; }
  absl::Span<const CodeEntry> entries() const { return entries_; }

 private:
  absl::Status Check(const CodeEntry* entry) const;

  absl::string_view title_;
  absl::Span<const CodeEntry> entries_;
};

}  // namespace unemployment::validation
