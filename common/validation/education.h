// Education (学历), GB/T 4658.
#pragma once

#include "common/validation/code_list.h"

namespace unemployment::validation {

// The codes HR systems use on the unemployment form: the top-level classes of GB/T 4658
// (10 研究生 .. 90 其他) plus the two postgraduate degrees 11 博士研究生 and 14 硕士研究生 from its
// second level, because tiering and statistics distinguish doctors and masters. 10 stays valid for
// a postgraduate whose degree level was not recorded. Other second-level codes (21, 31, ...) are
// not accepted: callers map them to their class (21 -> 20) before validating.
const CodeList& EducationCodes();

}  // namespace unemployment::validation
