// Time zones for business dates. Every business date in the suite (receipt day, deadline, level,
// monthly follow-up, report period) is a calendar day in China Standard Time, whatever zone the
// host runs in.
#pragma once

#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"

namespace unemployment::time {

// UTC offset of China Standard Time (UTC+8, no daylight saving since 1991).
inline constexpr int kChinaUtcOffsetSeconds = 8 * 60 * 60;

// Loads the IANA zone `name`. If the zone cannot be loaded (no tzdata in a slim container, or an
// unknown name) returns a fixed zone of `fallback_utc_offset_seconds` instead and, when
// `used_fallback` is not null, sets it to true. Never fails, because a missing tzdata package must
// not stop a service whose dates are all in one fixed-offset zone.
absl::TimeZone LoadTimeZoneOrFixed(absl::string_view name, int fallback_utc_offset_seconds,
                                   bool* used_fallback = nullptr);

// The zone of all business dates: "Asia/Shanghai" from the system tzdata, or, where tzdata is
// missing, a fixed UTC+8 zone. The two agree for every instant since 1991-09-15 (China used
// daylight saving in 1986–1991 and local mean time before 1901), so the fallback changes nothing
// for dates this suite handles. Loaded once; safe to call from any thread.
absl::TimeZone ChinaTimeZone();

// True when ChinaTimeZone() is the fixed UTC+8 fallback (services log this once at start-up).
bool ChinaTimeZoneIsFixedFallback();

// The instant of a wall-clock time in China, e.g. ChinaTime(absl::CivilSecond(2025, 9, 26, 9, 30,
// 0)).
absl::Time ChinaTime(absl::CivilSecond wall_clock);

// The calendar day in China at `instant`.
absl::CivilDay ChinaDay(absl::Time instant);

}  // namespace unemployment::time
