// The level rule on exact dates, counted as the Civil Code counts periods: every boundary, the
// month-end rule (registered on the 28th to 31st), leap years and year ends.
#include "common/notice/level.h"

#include <catch2/catch.hpp>
#include <string>

#include "common/time/date.h"

namespace unemployment::notice {
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

TEST_CASE("LevelOn: the Civil Code reading on every boundary", "[level]") {
  const LevelCase cases[] = {
      // Mid-month. One month from 15 January ends on 15 February, which is still short-term
      // (以内 includes the number); three months end on 15 April, still medium-short; six
      // months end on 15 July, already long-term (以上 includes the number).
      {"2025-01-15", "2025-01-15", ST, "2025-01-15", "2025-02-16"},
      {"2025-01-15", "2025-02-15", ST, "2025-01-15", "2025-02-16"},
      {"2025-01-15", "2025-02-16", MS, "2025-02-16", "2025-04-16"},
      {"2025-01-15", "2025-04-15", MS, "2025-02-16", "2025-04-16"},
      {"2025-01-15", "2025-04-16", ML, "2025-04-16", "2025-07-15"},
      {"2025-01-15", "2025-07-14", ML, "2025-04-16", "2025-07-15"},
      {"2025-01-15", "2025-07-15", LT, "2025-07-15", ""},
      {"2025-01-15", "2030-01-01", LT, "2025-07-15", ""},
      // Registered 31 January, common year: February has no 31st, so one month ends on its last
      // day (art. 202).
      {"2026-01-31", "2026-01-31", ST, "2026-01-31", "2026-03-01"},
      {"2026-01-31", "2026-02-28", ST, "2026-01-31", "2026-03-01"},
      {"2026-01-31", "2026-03-01", MS, "2026-03-01", "2026-05-01"},
      {"2026-01-31", "2026-04-30", MS, "2026-03-01", "2026-05-01"},
      {"2026-01-31", "2026-05-01", ML, "2026-05-01", "2026-07-31"},
      {"2026-01-31", "2026-07-30", ML, "2026-05-01", "2026-07-31"},
      {"2026-01-31", "2026-07-31", LT, "2026-07-31", ""},
      // Registered 31 January, leap year: one month ends on 29 February.
      {"2024-01-31", "2024-02-29", ST, "2024-01-31", "2024-03-01"},
      {"2024-01-31", "2024-03-01", MS, "2024-03-01", "2024-05-01"},
      {"2024-01-31", "2024-07-30", ML, "2024-05-01", "2024-07-31"},
      {"2024-01-31", "2024-07-31", LT, "2024-07-31", ""},
      // Registered on 29 February: one month ends on 29 March; the clamp is never chained.
      {"2024-02-29", "2024-03-29", ST, "2024-02-29", "2024-03-30"},
      {"2024-02-29", "2024-03-30", MS, "2024-03-30", "2024-05-30"},
      {"2024-02-29", "2024-05-29", MS, "2024-03-30", "2024-05-30"},
      {"2024-02-29", "2024-05-30", ML, "2024-05-30", "2024-08-29"},
      {"2024-02-29", "2024-08-28", ML, "2024-05-30", "2024-08-29"},
      {"2024-02-29", "2024-08-29", LT, "2024-08-29", ""},
      // Registered on 28 February of a common year.
      {"2025-02-28", "2025-03-28", ST, "2025-02-28", "2025-03-29"},
      {"2025-02-28", "2025-03-29", MS, "2025-03-29", "2025-05-29"},
      {"2025-02-28", "2025-08-27", ML, "2025-05-29", "2025-08-28"},
      {"2025-02-28", "2025-08-28", LT, "2025-08-28", ""},
      // Registered 30 April: May has a 30th, July too.
      {"2026-04-30", "2026-05-30", ST, "2026-04-30", "2026-05-31"},
      {"2026-04-30", "2026-05-31", MS, "2026-05-31", "2026-07-31"},
      {"2026-04-30", "2026-07-30", MS, "2026-05-31", "2026-07-31"},
      {"2026-04-30", "2026-07-31", ML, "2026-07-31", "2026-10-30"},
      {"2026-04-30", "2026-10-29", ML, "2026-07-31", "2026-10-30"},
      {"2026-04-30", "2026-10-30", LT, "2026-10-30", ""},
      // Registered 31 July: September and November have 30 days, the sixth month is January.
      {"2026-07-31", "2026-08-31", ST, "2026-07-31", "2026-09-01"},
      {"2026-07-31", "2026-09-01", MS, "2026-09-01", "2026-11-01"},
      {"2026-07-31", "2026-10-31", MS, "2026-09-01", "2026-11-01"},
      {"2026-07-31", "2026-11-01", ML, "2026-11-01", "2027-01-31"},
      {"2026-07-31", "2027-01-30", ML, "2026-11-01", "2027-01-31"},
      {"2026-07-31", "2027-01-31", LT, "2027-01-31", ""},
      // 31 March: April, June and September have 30 days.
      {"2025-03-31", "2025-04-30", ST, "2025-03-31", "2025-05-01"},
      {"2025-03-31", "2025-05-01", MS, "2025-05-01", "2025-07-01"},
      {"2025-03-31", "2025-06-30", MS, "2025-05-01", "2025-07-01"},
      {"2025-03-31", "2025-07-01", ML, "2025-07-01", "2025-09-30"},
      {"2025-03-31", "2025-09-29", ML, "2025-07-01", "2025-09-30"},
      {"2025-03-31", "2025-09-30", LT, "2025-09-30", ""},
      // Six months ending in a leap and in a common February.
      {"2023-08-31", "2023-11-30", MS, "2023-10-01", "2023-12-01"},
      {"2023-08-31", "2023-12-01", ML, "2023-12-01", "2024-02-29"},
      {"2023-08-31", "2024-02-28", ML, "2023-12-01", "2024-02-29"},
      {"2023-08-31", "2024-02-29", LT, "2024-02-29", ""},
      {"2025-08-31", "2026-02-27", ML, "2025-12-01", "2026-02-28"},
      {"2025-08-31", "2026-02-28", LT, "2026-02-28", ""},
      // Across the year end, and 30 November reaching February.
      {"2025-12-31", "2026-01-31", ST, "2025-12-31", "2026-02-01"},
      {"2025-12-31", "2026-02-01", MS, "2026-02-01", "2026-04-01"},
      {"2025-12-31", "2026-06-29", ML, "2026-04-01", "2026-06-30"},
      {"2025-12-31", "2026-06-30", LT, "2026-06-30", ""},
      {"2025-11-30", "2026-02-28", MS, "2025-12-31", "2026-03-01"},
      {"2025-11-30", "2026-03-01", ML, "2026-03-01", "2026-05-30"},
  };
  for (const LevelCase& c : cases) {
    INFO("registered " << c.registered << " as of " << c.as_of);
    std::optional<LevelSpan> span = LevelOn(D(c.registered), D(c.as_of));
    REQUIRE(span.has_value());
    CHECK(span->level == c.level);
    CHECK(time::FormatDate(span->since) == c.since);
    CHECK((span->next_level_on.has_value() ? time::FormatDate(*span->next_level_on)
                                           : std::string()) == c.next);
    CHECK(LevelOnCalendar(LevelCalendarFor(D(c.registered)), D(c.as_of)) == c.level);
  }
}

TEST_CASE("LevelOn: no level before the registered date", "[level]") {
  CHECK_FALSE(LevelOn(D("2025-01-15"), D("2025-01-14")).has_value());
}

TEST_CASE("LevelStart and LevelEnd tile the days without gap or overlap", "[level]") {
  const absl::CivilDay registered = D("2026-01-31");
  CHECK(time::FormatDate(LevelStart(registered, ST)) == "2026-01-31");
  CHECK(time::FormatDate(*LevelEnd(registered, ST)) == "2026-02-28");
  CHECK(time::FormatDate(LevelStart(registered, MS)) == "2026-03-01");
  CHECK(time::FormatDate(*LevelEnd(registered, MS)) == "2026-04-30");
  CHECK(time::FormatDate(LevelStart(registered, ML)) == "2026-05-01");
  CHECK(time::FormatDate(*LevelEnd(registered, ML)) == "2026-07-30");
  CHECK(time::FormatDate(LevelStart(registered, LT)) == "2026-07-31");
  CHECK_FALSE(LevelEnd(registered, LT).has_value());
}

TEST_CASE("Every registered day of 2024-2026: the period ends of 1, 3 and 6 months", "[level]") {
  int failures = 0;
  for (absl::CivilDay registered = D("2024-01-01"); registered <= D("2026-12-31"); ++registered) {
    const absl::CivilDay one = time::AddMonths(registered, 1);
    const absl::CivilDay three = time::AddMonths(registered, 3);
    const absl::CivilDay six = time::AddMonths(registered, 6);
    auto level = [&](absl::CivilDay as_of) { return LevelOn(registered, as_of)->level; };
    // 以内 and 以上 include the number, 不满 excludes it; each level is one unbroken run of days.
    const bool ok = level(registered) == ST && level(one) == ST && level(one + 1) == MS &&
                    level(three) == MS && level(three + 1) == ML && level(six - 1) == ML &&
                    level(six) == LT;
    if (!ok) {
      ++failures;
      INFO("registered " << time::FormatDate(registered));
      CHECK(ok);
    }
  }
  CHECK(failures == 0);
}

}  // namespace
}  // namespace unemployment::notice
