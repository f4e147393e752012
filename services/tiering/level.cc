#include "services/tiering/level.h"

#include "common/time/date.h"

namespace unemployment::tiering {
namespace {

namespace v1c = ::unemployment::common::v1;

int StartMonths(v1c::UnemploymentLevel level) {
  switch (level) {
    case v1c::UNEMPLOYMENT_LEVEL_MEDIUM_SHORT:
      return kMediumShortMonths;
    case v1c::UNEMPLOYMENT_LEVEL_MEDIUM_LONG:
      return kMediumLongMonths;
    case v1c::UNEMPLOYMENT_LEVEL_LONG_TERM:
      return kLongTermMonths;
    default:
      return 0;
  }
}

}  // namespace

absl::CivilDay LevelStart(absl::CivilDay registered, v1c::UnemploymentLevel level) {
  return time::AddMonths(registered, StartMonths(level));
}

std::optional<absl::CivilDay> LevelEnd(absl::CivilDay registered, v1c::UnemploymentLevel level) {
  switch (level) {
    case v1c::UNEMPLOYMENT_LEVEL_UNSPECIFIED:
    case v1c::UNEMPLOYMENT_LEVEL_SHORT_TERM:
      return time::AddMonths(registered, kMediumShortMonths) - 1;
    case v1c::UNEMPLOYMENT_LEVEL_MEDIUM_SHORT:
      return time::AddMonths(registered, kMediumLongMonths) - 1;
    case v1c::UNEMPLOYMENT_LEVEL_MEDIUM_LONG:
      return time::AddMonths(registered, kLongTermMonths) - 1;
    default:
      return std::nullopt;
  }
}

std::optional<LevelSpan> LevelOn(absl::CivilDay registered, absl::CivilDay as_of) {
  if (as_of < registered) return std::nullopt;
  const int months = time::WholeMonthsElapsed(registered, as_of);
  LevelSpan span;
  if (months < kMediumShortMonths) {
    span.level = v1c::UNEMPLOYMENT_LEVEL_SHORT_TERM;
  } else if (months < kMediumLongMonths) {
    span.level = v1c::UNEMPLOYMENT_LEVEL_MEDIUM_SHORT;
  } else if (months < kLongTermMonths) {
    span.level = v1c::UNEMPLOYMENT_LEVEL_MEDIUM_LONG;
  } else {
    span.level = v1c::UNEMPLOYMENT_LEVEL_LONG_TERM;
  }
  span.since = LevelStart(registered, span.level);
  std::optional<absl::CivilDay> end = LevelEnd(registered, span.level);
  if (end.has_value()) span.next_level_on = *end + 1;
  return span;
}

}  // namespace unemployment::tiering
