// Helpers shared by the ue::validation tests.
#pragma once

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/validation/validation_error.h"

namespace unemployment::validation::testing {

inline absl::Status StatusOf(const absl::Status& status) { return status; }

template <typename T>
absl::Status StatusOf(const absl::StatusOr<T>& status_or) {
  return status_or.status();
}

}  // namespace unemployment::validation::testing

// Asserts the exact failure: INVALID_ARGUMENT and the given rule name (STYLE.md 17: never just
// "not ok"). Works on absl::Status and absl::StatusOr.
#define CHECK_RULE(expr, expected_rule)                                                          \
  do {                                                                                           \
    const absl::Status check_rule_status_ = ::unemployment::validation::testing::StatusOf(expr); \
    INFO("status: " << check_rule_status_.ToString());                                           \
    CHECK(check_rule_status_.code() == absl::StatusCode::kInvalidArgument);                      \
    CHECK(::unemployment::validation::RuleOf(check_rule_status_) == (expected_rule));            \
  } while (false)

// Asserts success and shows the status when it fails.
#define CHECK_VALID(expr)                                                                         \
  do {                                                                                            \
    const absl::Status check_valid_status_ = ::unemployment::validation::testing::StatusOf(expr); \
    INFO("status: " << check_valid_status_.ToString());                                           \
    CHECK(check_valid_status_.ok());                                                              \
  } while (false)
