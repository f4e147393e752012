#include "common/time/time_zone.h"

#include <string>

namespace unemployment::time {
namespace {

struct LoadedChinaZone {
  absl::TimeZone zone;
  bool fallback = false;
};

const LoadedChinaZone& China() {
  // Function-local static: initialised once, thread-safe, immutable afterwards.
  static const LoadedChinaZone* const kLoaded = [] {
    auto* loaded = new LoadedChinaZone;
    loaded->zone = LoadTimeZoneOrFixed("Asia/Shanghai", kChinaUtcOffsetSeconds, &loaded->fallback);
    return loaded;
  }();
  return *kLoaded;
}

}  // namespace

absl::TimeZone LoadTimeZoneOrFixed(absl::string_view name, int fallback_utc_offset_seconds,
                                   bool* used_fallback) {
  absl::TimeZone zone;
  const bool loaded = absl::LoadTimeZone(std::string(name), &zone);
  if (used_fallback != nullptr) *used_fallback = !loaded;
  if (loaded) return zone;
  return absl::FixedTimeZone(fallback_utc_offset_seconds);
}

absl::TimeZone ChinaTimeZone() { return China().zone; }

bool ChinaTimeZoneIsFixedFallback() { return China().fallback; }

absl::Time ChinaTime(absl::CivilSecond wall_clock) {
  return absl::FromCivil(wall_clock, ChinaTimeZone());
}

absl::CivilDay ChinaDay(absl::Time instant) { return absl::ToCivilDay(instant, ChinaTimeZone()); }

}  // namespace unemployment::time
