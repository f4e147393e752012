#include "common/notice/level.h"

#include "common/time/date.h"

namespace unemployment::notice {
namespace {

namespace v1c = ::unemployment::common::v1;

// The months named by the notice for each boundary.
constexpr int kShortTermMonths = 1;    // 1个月以内: End(1) is short-term
constexpr int kMediumShortMonths = 3;  // 1个月以上3个月以内: End(3) is medium-short
constexpr int kLongTermMonths = 6;     // 6个月以上: End(6) is long-term

absl::CivilDay FirstDay(const LevelCalendar& calendar, v1c::UnemploymentLevel level) {
  switch (level) {
    case v1c::UNEMPLOYMENT_LEVEL_MEDIUM_SHORT:
      return calendar.medium_short_from;
    case v1c::UNEMPLOYMENT_LEVEL_MEDIUM_LONG:
      return calendar.medium_long_from;
    case v1c::UNEMPLOYMENT_LEVEL_LONG_TERM:
      return calendar.long_term_from;
    default:
      return calendar.short_term_from;
  }
}

// The first day of the level after `level`; nullopt for long-term.
std::optional<absl::CivilDay> NextLevelOn(const LevelCalendar& calendar,
                                          v1c::UnemploymentLevel level) {
  switch (level) {
    case v1c::UNEMPLOYMENT_LEVEL_UNSPECIFIED:
    case v1c::UNEMPLOYMENT_LEVEL_SHORT_TERM:
      return calendar.medium_short_from;
    case v1c::UNEMPLOYMENT_LEVEL_MEDIUM_SHORT:
      return calendar.medium_long_from;
    case v1c::UNEMPLOYMENT_LEVEL_MEDIUM_LONG:
      return calendar.long_term_from;
    default:
      return std::nullopt;
  }
}

}  // namespace

LevelCalendar LevelCalendarFor(absl::CivilDay registered) {
  LevelCalendar calendar;
  calendar.short_term_from = registered;
  calendar.medium_short_from = time::AddMonths(registered, kShortTermMonths) + 1;
  calendar.medium_long_from = time::AddMonths(registered, kMediumShortMonths) + 1;
  calendar.long_term_from = time::AddMonths(registered, kLongTermMonths);
  return calendar;
}

v1c::UnemploymentLevel LevelOnCalendar(const LevelCalendar& calendar, absl::CivilDay as_of) {
  if (as_of >= calendar.long_term_from) return v1c::UNEMPLOYMENT_LEVEL_LONG_TERM;
  if (as_of >= calendar.medium_long_from) return v1c::UNEMPLOYMENT_LEVEL_MEDIUM_LONG;
  if (as_of >= calendar.medium_short_from) return v1c::UNEMPLOYMENT_LEVEL_MEDIUM_SHORT;
  return v1c::UNEMPLOYMENT_LEVEL_SHORT_TERM;
}

absl::CivilDay LevelStart(absl::CivilDay registered, v1c::UnemploymentLevel level) {
  return FirstDay(LevelCalendarFor(registered), level);
}

std::optional<absl::CivilDay> LevelEnd(absl::CivilDay registered, v1c::UnemploymentLevel level) {
  std::optional<absl::CivilDay> next = NextLevelOn(LevelCalendarFor(registered), level);
  if (!next.has_value()) return std::nullopt;
  return *next - 1;
}

std::optional<LevelSpan> LevelOn(absl::CivilDay registered, absl::CivilDay as_of) {
  if (as_of < registered) return std::nullopt;
  const LevelCalendar calendar = LevelCalendarFor(registered);
  LevelSpan span;
  span.level = LevelOnCalendar(calendar, as_of);
  span.since = FirstDay(calendar, span.level);
  span.next_level_on = NextLevelOn(calendar, span.level);
  return span;
}

}  // namespace unemployment::notice
