#include "common/time/date.h"

#include <algorithm>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace unemployment::time {
namespace {

// Reads `count` ASCII digits at `pos`; false if any is not a digit.
bool ReadDigits(absl::string_view text, size_t pos, size_t count, int* value) {
  int result = 0;
  for (size_t i = pos; i < pos + count; ++i) {
    const char c = text[i];
    if (c < '0' || c > '9') return false;
    result = result * 10 + (c - '0');
  }
  *value = result;
  return true;
}

// Parses "YYYY-MM" at the start of `text` (which the caller has length-checked).
bool ReadYearMonth(absl::string_view text, int* year, int* month) {
  return ReadDigits(text, 0, 4, year) && text[4] == '-' && ReadDigits(text, 5, 2, month) &&
         *year >= 1 && *month >= 1 && *month <= 12;
}

}  // namespace

absl::StatusOr<absl::CivilDay> ParseDate(absl::string_view text) {
  int year = 0;
  int month = 0;
  int day = 0;
  if (text.size() != 10 || !ReadYearMonth(text, &year, &month) || text[7] != '-' ||
      !ReadDigits(text, 8, 2, &day) || day < 1 ||
      day > DaysInMonth(absl::CivilMonth(year, month))) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid date \"", text, "\": expected a real calendar date as YYYY-MM-DD"));
  }
  return absl::CivilDay(year, month, day);
}

std::string FormatDate(absl::CivilDay day) {
  return absl::StrFormat("%04d-%02d-%02d", day.year(), day.month(), day.day());
}

absl::StatusOr<absl::CivilMonth> ParseMonth(absl::string_view text) {
  int year = 0;
  int month = 0;
  if (text.size() != 7 || !ReadYearMonth(text, &year, &month)) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid month \"", text, "\": expected YYYY-MM with month 01-12"));
  }
  return absl::CivilMonth(year, month);
}

std::string FormatMonth(absl::CivilMonth month) {
  return absl::StrFormat("%04d-%02d", month.year(), month.month());
}

bool IsLeapYear(int year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

int DaysInMonth(absl::CivilMonth month) {
  // Day 0 of the next month normalises to the last day of this one.
  return absl::CivilDay(month.year(), month.month() + 1, 0).day();
}

absl::CivilDay FirstDayOfMonth(absl::CivilDay day) { return absl::CivilDay(absl::CivilMonth(day)); }

absl::CivilDay LastDayOfMonth(absl::CivilDay day) { return LastDayOfMonth(absl::CivilMonth(day)); }

absl::CivilDay LastDayOfMonth(absl::CivilMonth month) {
  return absl::CivilDay(month.year(), month.month(), DaysInMonth(month));
}

absl::CivilDay AddMonths(absl::CivilDay day, int months) {
  const absl::CivilMonth target = absl::CivilMonth(day) + months;
  return absl::CivilDay(target.year(), target.month(), std::min(day.day(), DaysInMonth(target)));
}

int WholeMonthsElapsed(absl::CivilDay start, absl::CivilDay as_of) {
  // AddMonths(start, k) is strictly increasing in k and lands in the month start + k, so the
  // answer is the month difference, or one less if that month's anniversary is after as_of.
  const int month_difference = static_cast<int>(absl::CivilMonth(as_of) - absl::CivilMonth(start));
  return AddMonths(start, month_difference) <= as_of ? month_difference : month_difference - 1;
}

}  // namespace unemployment::time
