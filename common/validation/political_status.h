// Political status (政治面貌), GB/T 4762-1984: codes "01".."13". Optional on the form.
#pragma once

#include "common/validation/code_list.h"

namespace unemployment::validation {

// "01" 中国共产党党员 .. "13" 群众, with the standard's full names.
const CodeList& PoliticalStatusCodes();

}  // namespace unemployment::validation
