#pragma once

// Shared fixtures of the gateway tests: the shipped region data, a fixed "today", valid forms (the
// form fixtures of tests/common/forms).

#include "tests/common/forms/test_util.h"

namespace unemployment::gateway::testing {

using forms::testing::FieldRules;
using forms::testing::Regions;
using forms::testing::TestNow;
using forms::testing::ValidForm;

}  // namespace unemployment::gateway::testing
