#pragma once

// The four levels of unemployment (四级: 短期, 中短期, 中长期, 长期) by time since the registered
// date, counted as Chinese law counts periods. This is the one place the rule lives: tiering
// (levels, service-plan windows) and statistics (level breakdown, plan fulfilment) both call it.
//
// The notice names the levels "1个月以内", "1个月以上3个月以内" (over one month, up to three),
// "3个月以上不满6个月" (over three, under six) and "6个月以上". Read with the Civil Code:
//   - a period counts from the day after the registered date (民法典 art. 201);
//   - a period of k months ends on the same day number of the k-th month after, or on that month's
//     last day where it has none (art. 202): End(k) = time::AddMonths(registered, k);
//   - "以内" and "以上" include the number, "不满" excludes it (art. 1259).
// So the day End(1) is still short-term and End(3) still medium-short, while End(6) is already
// long-term. Registered 2026-01-31: short-term up to and including 2026-02-28, medium-short
// 2026-03-01 .. 2026-04-30, medium-long 2026-05-01 .. 2026-07-30, long-term from 2026-07-31.
//
// Pure date arithmetic on common/time/date.h; no clock, no store, no gRPC.

#include <optional>

#include "absl/time/civil_time.h"
#include "unemployment/common/v1/codes.pb.h"

namespace unemployment::notice {

// The first day of each level for one registered date.
struct LevelCalendar {
  absl::CivilDay short_term_from;  // the registered date
  absl::CivilDay medium_short_from;
  absl::CivilDay medium_long_from;
  absl::CivilDay long_term_from;
};

// The calendar of levels of a registration registered on `registered`.
LevelCalendar LevelCalendarFor(absl::CivilDay registered);

struct LevelSpan {
  common::v1::UnemploymentLevel level = common::v1::UNEMPLOYMENT_LEVEL_UNSPECIFIED;
  // The first day of the level.
  absl::CivilDay since;
  // The first day of the next level; nullopt for long-term.
  std::optional<absl::CivilDay> next_level_on;
};

// The level on `as_of` by a calendar made by LevelCalendarFor (`as_of` must not lie before the
// registered date): for passes over many dates or registrations that make the calendar once.
common::v1::UnemploymentLevel LevelOnCalendar(const LevelCalendar& calendar, absl::CivilDay as_of);

// The level on `as_of` of a registration registered on `registered`; nullopt when `as_of` lies
// before `registered`.
std::optional<LevelSpan> LevelOn(absl::CivilDay registered, absl::CivilDay as_of);

// The first day of `level` (UNSPECIFIED and SHORT_TERM give `registered`).
absl::CivilDay LevelStart(absl::CivilDay registered, common::v1::UnemploymentLevel level);

// The last day of `level` (the day before the next level begins); nullopt for long-term.
std::optional<absl::CivilDay> LevelEnd(absl::CivilDay registered,
                                       common::v1::UnemploymentLevel level);

}  // namespace unemployment::notice
