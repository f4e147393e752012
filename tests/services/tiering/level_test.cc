// Level arithmetic on exact dates: every boundary of the four levels, the month-end rule
// (registered on the 29th, 30th, 31st), leap years and year ends.
#include "services/tiering/level.h"

#include <catch2/catch.hpp>
#include <string>

#include "common/time/date.h"
#include "services/tiering/service_plan.h"

namespace unemployment::tiering {
namespace {

namespace v1c = ::unemployment::common::v1;

absl::CivilDay D(const std::string& text) {
  absl::StatusOr<absl::CivilDay> day = time::ParseDate(text);
  REQUIRE(day.ok());
  return *day;
}

struct LevelCase {
  const char* registered;
  const char* as_of;
  v1c::UnemploymentLevel level;
  const char* since;
  const char* next;  // "" for long-term
};

constexpr auto ST = v1c::UNEMPLOYMENT_LEVEL_SHORT_TERM;
constexpr auto MS = v1c::UNEMPLOYMENT_LEVEL_MEDIUM_SHORT;
constexpr auto ML = v1c::UNEMPLOYMENT_LEVEL_MEDIUM_LONG;
constexpr auto LT = v1c::UNEMPLOYMENT_LEVEL_LONG_TERM;

TEST_CASE("LevelOn: every boundary, the month-end rule and leap years", "[level]") {
  const LevelCase cases[] = {
      // Mid-month: boundaries on the same day of the month, the boundary day is the higher level.
      {"2025-01-15", "2025-01-15", ST, "2025-01-15", "2025-02-15"},
      {"2025-01-15", "2025-02-14", ST, "2025-01-15", "2025-02-15"},
      {"2025-01-15", "2025-02-15", MS, "2025-02-15", "2025-04-15"},
      {"2025-01-15", "2025-04-14", MS, "2025-02-15", "2025-04-15"},
      {"2025-01-15", "2025-04-15", ML, "2025-04-15", "2025-07-15"},
      {"2025-01-15", "2025-07-14", ML, "2025-04-15", "2025-07-15"},
      {"2025-01-15", "2025-07-15", LT, "2025-07-15", ""},
      {"2025-01-15", "2030-01-01", LT, "2025-07-15", ""},
      // Registered 31 January, common year: one month is reached on 28 February.
      {"2025-01-31", "2025-02-27", ST, "2025-01-31", "2025-02-28"},
      {"2025-01-31", "2025-02-28", MS, "2025-02-28", "2025-04-30"},
      {"2025-01-31", "2025-03-30", MS, "2025-02-28", "2025-04-30"},
      {"2025-01-31", "2025-04-29", MS, "2025-02-28", "2025-04-30"},
      {"2025-01-31", "2025-04-30", ML, "2025-04-30", "2025-07-31"},
      {"2025-01-31", "2025-07-30", ML, "2025-04-30", "2025-07-31"},
      {"2025-01-31", "2025-07-31", LT, "2025-07-31", ""},
      // Registered 31 January, leap year: one month is reached on 29 February.
      {"2024-01-31", "2024-02-28", ST, "2024-01-31", "2024-02-29"},
      {"2024-01-31", "2024-02-29", MS, "2024-02-29", "2024-04-30"},
      // Registered 29/30 January: February clamps too.
      {"2025-01-29", "2025-02-28", MS, "2025-02-28", "2025-04-29"},
      {"2025-01-30", "2025-02-27", ST, "2025-01-30", "2025-02-28"},
      {"2024-01-30", "2024-02-29", MS, "2024-02-29", "2024-04-30"},
      // Registered on 29 February: one month on 29 March, the clamp is never chained.
      {"2024-02-29", "2024-03-28", ST, "2024-02-29", "2024-03-29"},
      {"2024-02-29", "2024-03-29", MS, "2024-03-29", "2024-05-29"},
      {"2024-02-29", "2024-08-29", LT, "2024-08-29", ""},
      // Six months ending in a leap February.
      {"2023-08-31", "2023-11-29", MS, "2023-09-30", "2023-11-30"},
      {"2023-08-31", "2023-11-30", ML, "2023-11-30", "2024-02-29"},
      {"2023-08-31", "2024-02-28", ML, "2023-11-30", "2024-02-29"},
      {"2023-08-31", "2024-02-29", LT, "2024-02-29", ""},
      // 31 March: April, June and September have 30 days.
      {"2025-03-31", "2025-04-29", ST, "2025-03-31", "2025-04-30"},
      {"2025-03-31", "2025-04-30", MS, "2025-04-30", "2025-06-30"},
      {"2025-03-31", "2025-06-30", ML, "2025-06-30", "2025-09-30"},
      {"2025-03-31", "2025-09-30", LT, "2025-09-30", ""},
      // Across the year end, and 30 November reaching February.
      {"2025-12-31", "2026-01-30", ST, "2025-12-31", "2026-01-31"},
      {"2025-12-31", "2026-01-31", MS, "2026-01-31", "2026-03-31"},
      {"2025-12-31", "2026-06-29", ML, "2026-03-31", "2026-06-30"},
      {"2025-12-31", "2026-06-30", LT, "2026-06-30", ""},
      {"2025-11-30", "2026-02-27", MS, "2025-12-30", "2026-02-28"},
      {"2025-11-30", "2026-02-28", ML, "2026-02-28", "2026-05-30"},
      // Both sides of every boundary for the month-end registrations too.
      {"2025-01-31", "2025-01-31", ST, "2025-01-31", "2025-02-28"},
      {"2024-01-31", "2024-04-29", MS, "2024-02-29", "2024-04-30"},
      {"2024-01-31", "2024-04-30", ML, "2024-04-30", "2024-07-31"},
      {"2024-01-31", "2024-07-30", ML, "2024-04-30", "2024-07-31"},
      {"2024-01-31", "2024-07-31", LT, "2024-07-31", ""},
      {"2025-01-30", "2025-02-28", MS, "2025-02-28", "2025-04-30"},
      {"2025-01-30", "2025-04-29", MS, "2025-02-28", "2025-04-30"},
      {"2025-01-30", "2025-04-30", ML, "2025-04-30", "2025-07-30"},
      {"2025-01-30", "2025-07-29", ML, "2025-04-30", "2025-07-30"},
      {"2025-01-30", "2025-07-30", LT, "2025-07-30", ""},
      {"2024-02-29", "2024-05-28", MS, "2024-03-29", "2024-05-29"},
      {"2024-02-29", "2024-05-29", ML, "2024-05-29", "2024-08-29"},
      {"2024-02-29", "2024-08-28", ML, "2024-05-29", "2024-08-29"},
      {"2025-03-31", "2025-06-29", MS, "2025-04-30", "2025-06-30"},
      {"2025-03-31", "2025-09-29", ML, "2025-06-30", "2025-09-30"},
      // Six months ending in a common-year February.
      {"2025-08-31", "2026-02-27", ML, "2025-11-30", "2026-02-28"},
      {"2025-08-31", "2026-02-28", LT, "2026-02-28", ""},
  };
  for (const LevelCase& c : cases) {
    INFO("registered " << c.registered << " as of " << c.as_of);
    std::optional<LevelSpan> span = LevelOn(D(c.registered), D(c.as_of));
    REQUIRE(span.has_value());
    CHECK(span->level == c.level);
    CHECK(time::FormatDate(span->since) == c.since);
    CHECK((span->next_level_on.has_value() ? time::FormatDate(*span->next_level_on)
                                           : std::string()) == c.next);
  }
}

TEST_CASE("LevelOn: no level before the registered date", "[level]") {
  CHECK_FALSE(LevelOn(D("2025-01-15"), D("2025-01-14")).has_value());
}

TEST_CASE("LevelEnd is the day before the next level begins", "[level]") {
  const absl::CivilDay registered = D("2025-01-31");
  CHECK(time::FormatDate(*LevelEnd(registered, v1c::UNEMPLOYMENT_LEVEL_SHORT_TERM)) ==
        "2025-02-27");
  CHECK(time::FormatDate(*LevelEnd(registered, v1c::UNEMPLOYMENT_LEVEL_MEDIUM_SHORT)) ==
        "2025-04-29");
  CHECK(time::FormatDate(*LevelEnd(registered, v1c::UNEMPLOYMENT_LEVEL_MEDIUM_LONG)) ==
        "2025-07-30");
  CHECK_FALSE(LevelEnd(registered, v1c::UNEMPLOYMENT_LEVEL_LONG_TERM).has_value());
}

}  // namespace
}  // namespace unemployment::tiering

namespace unemployment::tiering {
namespace {

TEST_CASE("PlanDate formats as time::FormatDate", "[level]") {
  for (const absl::CivilDay day :
       {absl::CivilDay(2025, 1, 31), absl::CivilDay(2024, 2, 29), absl::CivilDay(1999, 12, 1),
        absl::CivilDay(7, 3, 4), absl::CivilDay(0, 1, 1), absl::CivilDay(9999, 12, 31),
        absl::CivilDay(10000, 1, 1), absl::CivilDay(-1, 6, 15)}) {
    CHECK(PlanDate(day) == time::FormatDate(day));
  }
  CHECK(PlanDate(absl::CivilDay(2025, 3, 9)) == "2025-03-09");
}

}  // namespace
}  // namespace unemployment::tiering
