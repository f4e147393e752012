// Mainland China telephone numbers: mobile (手机, required on the form) and landline (固定电话).
#pragma once

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace unemployment::validation {

// The canonical mobile number: `raw` without surrounding whitespace, without inner spaces and
// hyphens ("138 0451 1234", "138-0451-1234"), and without a leading country code "+86", "0086" or
// "86" when 11 characters remain. Anything else is kept for ValidateMobileNumber() to refuse.
std::string NormalizeMobileNumber(absl::string_view raw);

// Exactly 11 ASCII digits beginning 13..19 (all mainland mobile ranges). Validates the string as
// given: normalise first. LENGTH, CHARACTERS, MOBILE_PREFIX.
absl::Status ValidateMobileNumber(absl::string_view number);

// The parts of a landline number.
struct LandlineNumber {
  std::string area_code;   // with the leading 0: "010", "0451"
  std::string subscriber;  // 7 or 8 digits
  std::string extension;   // digits, "" when none
};

// Landline as documented on common.v1.ContactInfo: an area code of 3 or 4 digits starting with "0"
// (not "00", the international prefix), an optional "-", 7 or 8 digits, and optionally "-" and an
// extension of 1 to 6 digits: "0451-87130563", "01062345678", "0451-87130563-801". Without the
// hyphen, 11 digits are split by the numbering plan (010 and 020-029 are the only 3-digit area
// codes). Surrounding whitespace is ignored; anything else fails with FORMAT.
absl::StatusOr<LandlineNumber> ParseLandlineNumber(absl::string_view number);

// ParseLandlineNumber() when only the verdict is needed.
absl::Status ValidateLandlineNumber(absl::string_view number);

}  // namespace unemployment::validation
