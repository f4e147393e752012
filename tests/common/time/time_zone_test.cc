#include "common/time/time_zone.h"

#include <catch2/catch.hpp>

namespace unemployment::time {
namespace {

TEST_CASE("ChinaTimeZone is UTC+8 whether or not tzdata is installed", "[time_zone]") {
  const absl::TimeZone zone = ChinaTimeZone();
  for (const absl::CivilSecond wall :
       {absl::CivilSecond(1992, 1, 1, 0, 0, 0), absl::CivilSecond(2025, 7, 1, 12, 0, 0),
        absl::CivilSecond(2026, 12, 31, 23, 59, 59)}) {
    CHECK(zone.At(absl::FromCivil(wall, zone)).offset == kChinaUtcOffsetSeconds);
  }
  if (ChinaTimeZoneIsFixedFallback()) {
    WARN("tzdata missing: using the fixed UTC+8 fallback");
  } else {
    CHECK(zone.name() == "Asia/Shanghai");
  }
}

TEST_CASE("LoadTimeZoneOrFixed falls back to a fixed offset for an unknown zone", "[time_zone]") {
  bool used_fallback = false;
  const absl::TimeZone zone =
      LoadTimeZoneOrFixed("No/Such_Zone", kChinaUtcOffsetSeconds, &used_fallback);
  CHECK(used_fallback);
  CHECK(zone.At(absl::UnixEpoch()).offset == kChinaUtcOffsetSeconds);

  const absl::TimeZone utc = LoadTimeZoneOrFixed("UTC", kChinaUtcOffsetSeconds, &used_fallback);
  CHECK_FALSE(used_fallback);
  CHECK(utc.At(absl::UnixEpoch()).offset == 0);

  // The out-parameter is optional.
  CHECK(LoadTimeZoneOrFixed("No/Such_Zone", 3600).At(absl::UnixEpoch()).offset == 3600);
}

TEST_CASE("ChinaTime and ChinaDay convert between instants and China wall-clock time",
          "[time_zone]") {
  const absl::Time instant = ChinaTime(absl::CivilSecond(2025, 10, 1, 0, 30, 0));
  CHECK(instant == absl::FromCivil(absl::CivilSecond(2025, 9, 30, 16, 30, 0), absl::UTCTimeZone()));
  CHECK(ChinaDay(instant) == absl::CivilDay(2025, 10, 1));
  CHECK(ChinaDay(instant - absl::Minutes(31)) == absl::CivilDay(2025, 9, 30));
}

}  // namespace
}  // namespace unemployment::time
