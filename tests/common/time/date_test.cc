#include "common/time/date.h"

#include <catch2/catch.hpp>
#include <string>

#include "absl/status/status.h"

namespace unemployment::time {
namespace {

using absl::CivilDay;

TEST_CASE("ParseDate accepts real YYYY-MM-DD dates", "[date]") {
  CHECK(ParseDate("2025-01-31").value() == CivilDay(2025, 1, 31));
  CHECK(ParseDate("2024-02-29").value() == CivilDay(2024, 2, 29));
  CHECK(ParseDate("2000-02-29").value() == CivilDay(2000, 2, 29));
  CHECK(ParseDate("0001-01-01").value() == CivilDay(1, 1, 1));
  CHECK(ParseDate("9999-12-31").value() == CivilDay(9999, 12, 31));
}

TEST_CASE("ParseDate rejects anything but a real date in the exact format", "[date]") {
  const std::string bad =
      GENERATE(as<std::string>{}, "2025-02-29", "1900-02-29", "2025-04-31", "2025-13-01",
               "2025-00-10", "2025-01-00", "2025-01-32", "0000-01-01", "2025-1-05", "2025-01-5",
               " 2025-01-05", "2025-01-05 ", "2025/01/05", "20250105", "", "2025-01-05T00:00",
               "+025-01-05", "2025-+1-05", "2025-01--5", "２０２５-01-05");
  CAPTURE(bad);
  const absl::StatusOr<CivilDay> day = ParseDate(bad);
  REQUIRE_FALSE(day.ok());
  CHECK(day.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(day.status().message() ==
        "invalid date \"" + bad + "\": expected a real calendar date as YYYY-MM-DD");
}

TEST_CASE("FormatDate zero-pads every field", "[date]") {
  CHECK(FormatDate(CivilDay(2025, 1, 5)) == "2025-01-05");
  CHECK(FormatDate(CivilDay(987, 12, 31)) == "0987-12-31");
  CHECK(ParseDate(FormatDate(CivilDay(2026, 2, 28))).value() == CivilDay(2026, 2, 28));
}

TEST_CASE("ParseMonth and FormatMonth handle YYYY-MM", "[date]") {
  CHECK(ParseMonth("2025-02").value() == absl::CivilMonth(2025, 2));
  CHECK(ParseMonth("2026-12").value() == absl::CivilMonth(2026, 12));
  CHECK(FormatMonth(absl::CivilMonth(2025, 3)) == "2025-03");
  for (const char* bad : {"2025-2", "2025-13", "2025-00", "2025-02-01", "202502", "", "2025-0a"}) {
    CAPTURE(bad);
    const absl::StatusOr<absl::CivilMonth> month = ParseMonth(bad);
    REQUIRE_FALSE(month.ok());
    CHECK(month.status().code() == absl::StatusCode::kInvalidArgument);
    CHECK(month.status().message() ==
          std::string("invalid month \"") + bad + "\": expected YYYY-MM with month 01-12");
  }
}

TEST_CASE("Leap years and month lengths", "[date]") {
  CHECK(IsLeapYear(2024));
  CHECK(IsLeapYear(2000));
  CHECK_FALSE(IsLeapYear(1900));
  CHECK_FALSE(IsLeapYear(2025));
  CHECK(DaysInMonth(absl::CivilMonth(2024, 2)) == 29);
  CHECK(DaysInMonth(absl::CivilMonth(2025, 2)) == 28);
  CHECK(DaysInMonth(absl::CivilMonth(2100, 2)) == 28);
  CHECK(DaysInMonth(absl::CivilMonth(2025, 4)) == 30);
  CHECK(DaysInMonth(absl::CivilMonth(2025, 12)) == 31);
  CHECK(FirstDayOfMonth(CivilDay(2025, 2, 17)) == CivilDay(2025, 2, 1));
  CHECK(LastDayOfMonth(CivilDay(2024, 2, 3)) == CivilDay(2024, 2, 29));
  CHECK(LastDayOfMonth(CivilDay(2025, 12, 31)) == CivilDay(2025, 12, 31));
  CHECK(LastDayOfMonth(absl::CivilMonth(2025, 2)) == CivilDay(2025, 2, 28));
}

TEST_CASE("AddMonths clamps to the last day of the target month", "[date]") {
  struct Case {
    CivilDay start;
    int months;
    CivilDay expected;
  };
  const Case cases[] = {
      {CivilDay(2025, 1, 31), 1, CivilDay(2025, 2, 28)},
      {CivilDay(2024, 1, 31), 1, CivilDay(2024, 2, 29)},
      {CivilDay(2025, 1, 29), 1, CivilDay(2025, 2, 28)},
      {CivilDay(2025, 3, 31), 1, CivilDay(2025, 4, 30)},
      {CivilDay(2025, 1, 31), 2, CivilDay(2025, 3, 31)},  // from the start, not chained
      {CivilDay(2025, 8, 31), 6, CivilDay(2026, 2, 28)},
      {CivilDay(2024, 2, 29), 12, CivilDay(2025, 2, 28)},
      {CivilDay(2024, 2, 29), 48, CivilDay(2028, 2, 29)},
      {CivilDay(2025, 12, 15), 1, CivilDay(2026, 1, 15)},
      {CivilDay(2025, 5, 31), 0, CivilDay(2025, 5, 31)},
      {CivilDay(2025, 3, 31), -1, CivilDay(2025, 2, 28)},
      {CivilDay(2025, 1, 15), -1, CivilDay(2024, 12, 15)},
      {CivilDay(2025, 2, 28), 1, CivilDay(2025, 3, 28)},  // not "month end to month end"
  };
  for (const Case& c : cases) {
    CAPTURE(FormatDate(c.start), c.months);
    CHECK(AddMonths(c.start, c.months) == c.expected);
  }
}

TEST_CASE("WholeMonthsElapsed: a month is complete on AddMonths(start, 1)", "[date]") {
  struct Case {
    CivilDay start;
    CivilDay as_of;
    int expected;
  };
  const Case cases[] = {
      // Registered on 31 January of a common year.
      {CivilDay(2025, 1, 31), CivilDay(2025, 1, 31), 0},
      {CivilDay(2025, 1, 31), CivilDay(2025, 2, 27), 0},
      {CivilDay(2025, 1, 31), CivilDay(2025, 2, 28), 1},
      {CivilDay(2025, 1, 31), CivilDay(2025, 3, 30), 1},
      {CivilDay(2025, 1, 31), CivilDay(2025, 3, 31), 2},
      {CivilDay(2025, 1, 31), CivilDay(2025, 4, 29), 2},
      {CivilDay(2025, 1, 31), CivilDay(2025, 4, 30), 3},
      {CivilDay(2025, 1, 31), CivilDay(2025, 7, 30), 5},
      {CivilDay(2025, 1, 31), CivilDay(2025, 7, 31), 6},
      // ... and of a leap year.
      {CivilDay(2024, 1, 31), CivilDay(2024, 2, 28), 0},
      {CivilDay(2024, 1, 31), CivilDay(2024, 2, 29), 1},
      {CivilDay(2024, 1, 30), CivilDay(2024, 2, 29), 1},
      // Registered on 29 February.
      {CivilDay(2024, 2, 29), CivilDay(2024, 3, 28), 0},
      {CivilDay(2024, 2, 29), CivilDay(2024, 3, 29), 1},
      {CivilDay(2024, 2, 29), CivilDay(2025, 2, 27), 11},
      {CivilDay(2024, 2, 29), CivilDay(2025, 2, 28), 12},
      // Mid-month: the same day number of a later month completes it.
      {CivilDay(2025, 1, 15), CivilDay(2025, 2, 14), 0},
      {CivilDay(2025, 1, 15), CivilDay(2025, 2, 15), 1},
      {CivilDay(2025, 1, 15), CivilDay(2025, 7, 14), 5},
      {CivilDay(2025, 1, 15), CivilDay(2025, 7, 15), 6},
      // 28 February to 28 March is one month; 30 November to 28 February three.
      {CivilDay(2025, 2, 28), CivilDay(2025, 3, 27), 0},
      {CivilDay(2025, 2, 28), CivilDay(2025, 3, 28), 1},
      {CivilDay(2025, 11, 30), CivilDay(2026, 2, 27), 2},
      {CivilDay(2025, 11, 30), CivilDay(2026, 2, 28), 3},
      // Across a year end.
      {CivilDay(2025, 12, 31), CivilDay(2026, 1, 30), 0},
      {CivilDay(2025, 12, 31), CivilDay(2026, 1, 31), 1},
      // Before the start: negative.
      {CivilDay(2025, 1, 31), CivilDay(2025, 1, 30), -1},
      {CivilDay(2025, 3, 31), CivilDay(2025, 2, 28), -1},
      {CivilDay(2025, 3, 31), CivilDay(2025, 2, 27), -2},
  };
  for (const Case& c : cases) {
    CAPTURE(FormatDate(c.start), FormatDate(c.as_of));
    CHECK(WholeMonthsElapsed(c.start, c.as_of) == c.expected);
  }
}

TEST_CASE("WholeMonthsElapsed agrees with AddMonths on every start day of 2024-2025", "[date]") {
  for (CivilDay start(2024, 1, 1); start <= CivilDay(2025, 12, 31); ++start) {
    for (int k = -3; k <= 30; ++k) {
      const CivilDay anniversary = AddMonths(start, k);
      if (WholeMonthsElapsed(start, anniversary) != k ||
          WholeMonthsElapsed(start, anniversary - 1) != k - 1) {
        FAIL("start " << FormatDate(start) << " k " << k);
      }
    }
  }
  SUCCEED();
}

}  // namespace
}  // namespace unemployment::time
