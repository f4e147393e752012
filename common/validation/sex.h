// Sex (性别), GB/T 2261.1-2003.
#pragma once

#include <optional>

#include "common/validation/code_list.h"

namespace unemployment::validation {

// The two values the registration form accepts. GB/T 2261.1 also defines 0 未知的性别 and
// 9 未说明的性别; those describe records, not applicants who state their sex on a form, and the
// resident ID number always encodes 1 or 2, so the form refuses them (CODE_NOT_ACCEPTED).
enum class Sex {
  kMale = 1,    // 男
  kFemale = 2,  // 女
};

// Codes "0", "1", "2", "9" with names; only "1" and "2" accepted.
const CodeList& SexCodes();

// kMale for 1, kFemale for 2, nullopt for anything else.
std::optional<Sex> SexFromNumber(int number);

}  // namespace unemployment::validation
