// Calendar-day helpers: strict "YYYY-MM-DD" / "YYYY-MM" text and calendar-month arithmetic.
//
// Month-end rule (used by tiering for levels and by anything "N months after a date"):
//   AddMonths(day, n) keeps the day of month and clamps it to the last day of the target month.
//     2025-01-31 + 1 month = 2025-02-28, 2024-01-31 + 1 month = 2024-02-29,
//     2025-03-31 + 1 month = 2025-04-30, 2024-02-29 + 12 months = 2025-02-28.
//   The clamp is always applied to the original start, never chained:
//     AddMonths(2025-01-31, 2) = 2025-03-31, not AddMonths(2025-02-28, 1) = 2025-03-28.
//
// Whole months elapsed: k months are complete on the day AddMonths(start, k) (that day included).
//   WholeMonthsElapsed(start, as_of) is the largest integer k with AddMonths(start, k) <= as_of.
//   Registered 2025-01-31: 0 months on 2025-02-27, 1 month on 2025-02-28, 2 months on 2025-03-31.
//   Registered 2024-01-31 (leap year): 0 months on 2024-02-28, 1 month on 2024-02-29.
//   Registered 2025-01-15: 0 months on 2025-02-14, 1 month on 2025-02-15.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"

namespace unemployment::time {

// Parses exactly "YYYY-MM-DD" (4-digit year 0001-9999, 2-digit month and day, a real calendar
// date: 2025-02-29 and 2025-13-01 are rejected, and so are "2025-1-5", " 2025-01-05" and
// "2025-01-05T00:00"). Errors: INVALID_ARGUMENT naming the text.
absl::StatusOr<absl::CivilDay> ParseDate(absl::string_view text);

// Formats as "YYYY-MM-DD" (year zero-padded to 4 digits).
std::string FormatDate(absl::CivilDay day);

// Parses exactly "YYYY-MM" (4-digit year 0001-9999, month 01-12). Errors: INVALID_ARGUMENT.
absl::StatusOr<absl::CivilMonth> ParseMonth(absl::string_view text);

// Formats as "YYYY-MM".
std::string FormatMonth(absl::CivilMonth month);

// True for leap years of the Gregorian calendar.
bool IsLeapYear(int year);

// Number of days in `month` (28..31).
int DaysInMonth(absl::CivilMonth month);

// The first and the last day of the month that contains `day` / of `month`.
absl::CivilDay FirstDayOfMonth(absl::CivilDay day);
absl::CivilDay LastDayOfMonth(absl::CivilDay day);
absl::CivilDay LastDayOfMonth(absl::CivilMonth month);

// `day` moved by `months` calendar months (negative moves back), with the month-end clamp above.
absl::CivilDay AddMonths(absl::CivilDay day, int months);

// The number of whole calendar months from `start` to `as_of` as defined above. Negative when
// `as_of` is before `start` (the largest k, possibly negative, with AddMonths(start, k) <= as_of).
int WholeMonthsElapsed(absl::CivilDay start, absl::CivilDay as_of);

}  // namespace unemployment::time
