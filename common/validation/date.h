// Calendar dates as the form writes them: "YYYY-MM-DD" (ISO 8601 calendar date, no time zone).
//
// Dates on the form (date unemployed, date of the commitment) are civil days, not instants, so they
// are parsed into absl::CivilDay. Nothing here reads a clock: checks against "today" take the day
// as an argument, which keeps rules testable on exact dates.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"

namespace unemployment::validation {

// The day year-month-day if it exists in the proleptic Gregorian calendar and year is 1..9999,
// otherwise nullopt (absl::CivilDay itself would silently turn 1999-02-30 into 1999-03-02).
std::optional<absl::CivilDay> MakeDate(std::int64_t year, int month, int day);

// Parses exactly "YYYY-MM-DD" (four-digit year, two-digit month and day, ASCII digits, nothing
// around it). DATE_FORMAT when the shape is wrong, DATE_INVALID when no such day exists.
absl::StatusOr<absl::CivilDay> ParseDate(absl::string_view text);

// ParseDate() that also refuses days after `latest` with DATE_IN_FUTURE (pass the caller's today).
absl::StatusOr<absl::CivilDay> ParseDateNotAfter(absl::string_view text, absl::CivilDay latest);

// "YYYY-MM-DD", the inverse of ParseDate() for years 1..9999.
std::string FormatDate(absl::CivilDay day);

}  // namespace unemployment::validation
