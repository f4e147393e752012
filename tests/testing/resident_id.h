#pragma once

// Valid resident ID numbers (GB 11643) for tests: the check character computed, never copied.

#include <string>

#include "absl/strings/string_view.h"

namespace unemployment::testing {

// The 18-character resident ID number of region `region` (6 digits), born on `birth`
// ("YYYYMMDD"), with sequence number `serial` (0..999; odd = male).
std::string ResidentId(absl::string_view region, absl::string_view birth, int serial);

}  // namespace unemployment::testing
