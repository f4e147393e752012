#pragma once

// UE_REQUIRE_OK(expr): fails the Catch2 test, showing the status, unless `expr` (an absl::Status
// or an absl::StatusOr) is OK. One definition for every test suite.

#include <catch2/catch.hpp>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace unemployment::test_support {

inline const absl::Status& StatusOf(const absl::Status& status) { return status; }

template <typename T>
const absl::Status& StatusOf(const absl::StatusOr<T>& status_or) {
  return status_or.status();
}

}  // namespace unemployment::test_support

#define UE_REQUIRE_OK(expr)                                                         \
  do {                                                                              \
    const ::absl::Status ue_status_ = ::unemployment::test_support::StatusOf(expr); \
    INFO(ue_status_.ToString());                                                    \
    REQUIRE(ue_status_.ok());                                                       \
  } while (false)
