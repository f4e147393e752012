#include "common/validation/code_list.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/validation/rules.h"
#include "common/validation/validation_error.h"

namespace unemployment::validation {
namespace {

bool AllDigits(absl::string_view text) {
  for (char c : text) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

}  // namespace

// Linear scans: the longest list has 58 entries, smaller than any hash table's overhead.
const CodeEntry* CodeList::Find(absl::string_view code) const {
  for (const CodeEntry& entry : entries_) {
    if (entry.code == code) return &entry;
  }
  return nullptr;
}

const CodeEntry* CodeList::FindNumber(int number) const {
  for (const CodeEntry& entry : entries_) {
    if (entry.number == number) return &entry;
  }
  return nullptr;
}

absl::string_view CodeList::NameOf(absl::string_view code) const {
  const CodeEntry* entry = Find(code);
  return entry == nullptr ? absl::string_view() : entry->name;
}

absl::string_view CodeList::NameOfNumber(int number) const {
  const CodeEntry* entry = FindNumber(number);
  return entry == nullptr ? absl::string_view() : entry->name;
}

absl::Status CodeList::Validate(absl::string_view code) const {
  const CodeEntry* entry = Find(code);
  if (entry == nullptr) {
    // A list whose codes are all N digits ("01".."56") can tell a malformed value from an unknown
    // code; lists of mixed widths ("1".."13") cannot.
    std::size_t width = 0;
    bool fixed_width = !entries_.empty();
    for (const CodeEntry& e : entries_) {
      if (width == 0) width = e.code.size();
      fixed_width = fixed_width && e.code.size() == width && AllDigits(e.code);
    }
    if (fixed_width && !(code.size() == width && AllDigits(code))) {
      return ValidationError(
          rule::kFormat, absl::StrCat("a code of the ", title_, " list has ", width, " digits"));
    }
  }
  return Check(entry);
}

absl::Status CodeList::ValidateNumber(int number) const { return Check(FindNumber(number)); }

absl::Status CodeList::Check(const CodeEntry* entry) const {
  if (entry == nullptr) {
    return ValidationError(rule::kCodeUnknown, absl::StrCat("not a code of the ", title_, " list"));
  }
  if (!entry->accepted) {
    return ValidationError(rule::kCodeNotAccepted,
                           absl::StrCat("code ", entry->code, " of the ", title_,
                                        " list is not accepted on the registration form"));
  }
  return absl::OkStatus();
}

}  // namespace unemployment::validation
