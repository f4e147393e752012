// Ethnic group (民族), GB/T 3304-1991: codes "01".."56", "97" and "98".
#pragma once

#include "common/validation/code_list.h"

namespace unemployment::validation {

// The 56 ethnic groups "01" 汉族 .. "56" 基诺族 and GB/T 3304's "97" 其他未识别民族 (groups not yet
// identified) and "98" 外国血统中国籍人士 (naturalised citizens of foreign origin), all accepted:
// people of those two codes are citizens like any other, and refusing the code would refuse the
// applicant.
const CodeList& EthnicGroupCodes();

}  // namespace unemployment::validation
