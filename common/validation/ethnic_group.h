// Ethnic group (民族), GB 3304-1991: codes "01".."56".
#pragma once

#include "common/validation/code_list.h"

namespace unemployment::validation {

// The 56 ethnic groups "01" 汉族 .. "56" 基诺族, all accepted. GB 3304 also has "97" 其他 (groups
// not yet identified) and "98" 外国血统中国籍人士 (naturalised citizens of foreign origin); the
// form (附件1) asks for 01-56, so those two are listed for display but refused with
// CODE_NOT_ACCEPTED. Accepting them later is a one-word change of the table, not of any caller.
const CodeList& EthnicGroupCodes();

}  // namespace unemployment::validation
