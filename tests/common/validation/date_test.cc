#include "common/validation/date.h"

#include <catch2/catch.hpp>

#include "common/validation/rules.h"
#include "tests/common/validation/test_util.h"

namespace unemployment::validation {
namespace {

TEST_CASE("dates parse from YYYY-MM-DD into civil days", "[date]") {
  absl::StatusOr<absl::CivilDay> day = ParseDate("2025-06-01");
  REQUIRE(day.ok());
  CHECK(*day == absl::CivilDay(2025, 6, 1));
  CHECK(*ParseDate("2000-02-29") == absl::CivilDay(2000, 2, 29));
  CHECK(*ParseDate("2024-12-31") == absl::CivilDay(2024, 12, 31));
  CHECK(FormatDate(absl::CivilDay(2025, 1, 2)) == "2025-01-02");
  CHECK(FormatDate(*ParseDate("0999-09-09")) == "0999-09-09");
}

TEST_CASE("date shape is strict", "[date]") {
  for (const char* bad :
       {"", "2025-6-1", "2025/06/01", "20250601", "2025-06-01 ", " 2025-06-01", "2025-06-01T00:00",
        "25-06-01", "2025-06-0a", "+025-06-01", "2025-0６-01"}) {
    INFO(bad);
    CHECK_RULE(ParseDate(bad), rule::kDateFormat);
  }
}

TEST_CASE("dates must exist in the calendar", "[date]") {
  for (const char* bad : {"1999-02-29", "1900-02-29", "2023-02-29", "2025-04-31", "2025-13-01",
                          "2025-00-10", "2025-01-00", "2025-01-32", "0000-01-01"}) {
    INFO(bad);
    CHECK_RULE(ParseDate(bad), rule::kDateInvalid);
  }
  CHECK(MakeDate(2024, 2, 29).has_value());
  CHECK_FALSE(MakeDate(2100, 2, 29).has_value());
  CHECK_FALSE(MakeDate(10000, 1, 1).has_value());
}

TEST_CASE("dates not after a given day", "[date]") {
  const absl::CivilDay today(2025, 6, 1);
  CHECK_VALID(ParseDateNotAfter("2025-06-01", today));
  CHECK_VALID(ParseDateNotAfter("2025-05-31", today));
  CHECK_RULE(ParseDateNotAfter("2025-06-02", today), rule::kDateInFuture);
  CHECK_RULE(ParseDateNotAfter("2025-06-31", today), rule::kDateInvalid);
}

}  // namespace
}  // namespace unemployment::validation
