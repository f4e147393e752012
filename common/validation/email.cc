#include "common/validation/email.h"

#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "common/validation/rules.h"
#include "common/validation/validation_error.h"

namespace unemployment::validation {
namespace {

constexpr std::size_t kMaxLocalPartLength = 64;
constexpr std::size_t kMaxLabelLength = 63;
constexpr absl::string_view kLocalPartSymbols = "!#$%&'*+/=?^_`{|}~.-";

bool IsLocalPartCharacter(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) ||
         kLocalPartSymbols.find(c) != absl::string_view::npos;
}

bool IsValidLocalPart(absl::string_view local) {
  if (local.empty() || local.size() > kMaxLocalPartLength) return false;
  if (local.front() == '.' || local.back() == '.' || absl::StrContains(local, "..")) return false;
  for (char c : local) {
    if (!IsLocalPartCharacter(c)) return false;
  }
  return true;
}

bool IsValidLabel(absl::string_view label) {
  if (label.empty() || label.size() > kMaxLabelLength) return false;
  if (label.front() == '-' || label.back() == '-') return false;
  for (char c : label) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '-') return false;
  }
  return true;
}

bool IsValidTopLevelLabel(absl::string_view label) {
  if (absl::StartsWithIgnoreCase(label, "xn--")) return label.size() > 4;
  if (label.size() < 2) return false;
  for (char c : label) {
    if (!absl::ascii_isalpha(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

bool IsValidDomain(absl::string_view domain) {
  const std::vector<absl::string_view> labels = absl::StrSplit(domain, '.');
  if (labels.size() < 2) return false;
  for (absl::string_view label : labels) {
    if (!IsValidLabel(label)) return false;
  }
  return IsValidTopLevelLabel(labels.back());
}

}  // namespace

absl::Status ValidateEmail(absl::string_view email) {
  if (email.size() > kMaxEmailLength) {
    return ValidationError(rule::kTooLong, "e-mail address must have at most 254 characters");
  }
  const std::size_t at = email.find('@');
  if (at == absl::string_view::npos || email.find('@', at + 1) != absl::string_view::npos ||
      !IsValidLocalPart(email.substr(0, at)) || !IsValidDomain(email.substr(at + 1))) {
    return ValidationError(rule::kFormat, "e-mail address must look like name@example.com");
  }
  return absl::OkStatus();
}

}  // namespace unemployment::validation
