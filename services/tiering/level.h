#pragma once

// The four levels (四级) by calendar months since the registered date. Pure date arithmetic on
// common/time/date.h (AddMonths with the month-end clamp, WholeMonthsElapsed); no clock, no store.
//
// A level boundary lies k whole calendar months after the registered date (k = 1, 3, 6), on the
// same day of the month or on the month's last day when that month is shorter; the boundary day
// belongs to the higher level. Registered 2025-01-31: medium-short from 2025-02-28, medium-long
// from 2025-04-30, long-term from 2025-07-31.

#include <optional>

#include "absl/time/civil_time.h"
#include "unemployment/common/v1/codes.pb.h"

namespace unemployment::tiering {

// Whole months at which each level begins.
inline constexpr int kMediumShortMonths = 1;
inline constexpr int kMediumLongMonths = 3;
inline constexpr int kLongTermMonths = 6;

struct LevelSpan {
  common::v1::UnemploymentLevel level = common::v1::UNEMPLOYMENT_LEVEL_UNSPECIFIED;
  // The first day of the level.
  absl::CivilDay since;
  // The first day of the next level; nullopt for long-term.
  std::optional<absl::CivilDay> next_level_on;
};

// The level on `as_of` of a registration registered on `registered`; nullopt when `as_of` lies
// before `registered`.
std::optional<LevelSpan> LevelOn(absl::CivilDay registered, absl::CivilDay as_of);

// The first day of `level` for a registration registered on `registered` (UNSPECIFIED and
// SHORT_TERM give `registered`).
absl::CivilDay LevelStart(absl::CivilDay registered, common::v1::UnemploymentLevel level);

// The last day of `level` (the day before the next level begins); nullopt for long-term.
std::optional<absl::CivilDay> LevelEnd(absl::CivilDay registered,
                                       common::v1::UnemploymentLevel level);

}  // namespace unemployment::tiering
