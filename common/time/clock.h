// The clock interface. Services and domain code take a `const Clock&` in their constructor instead
// of calling absl::Now(), so that date rules (7 working days, levels by months registered, monthly
// follow-up) are tested on exact dates with a FakeClock, never by sleeping.
#pragma once

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "common/time/time_zone.h"

namespace unemployment::time {

class Clock {
 public:
  virtual ~Clock() = default;

  // The current instant. Implementations are thread-safe.
  virtual absl::Time Now() const = 0;

  // Today's calendar day in `zone`; business dates use the default, China Standard Time.
  absl::CivilDay Today(absl::TimeZone zone = ChinaTimeZone()) const {
    return absl::ToCivilDay(Now(), zone);
  }
};

// The real clock (absl::Now()). Stateless: create one in main.cc and pass it down.
class SystemClock final : public Clock {
 public:
  absl::Time Now() const override;
};

// A clock that only moves when told to. Thread-safe: a test may Set/Advance it while server
// threads read it.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(absl::Time now = absl::UnixEpoch()) : now_(now) {}

  absl::Time Now() const override;

  // Moves the clock to `now` (backwards too: tests of clock skew may need it).
  void Set(absl::Time now);

  // Moves the clock by `delta` (may be negative).
  void Advance(absl::Duration delta);

 private:
  mutable absl::Mutex mu_;
  absl::Time now_ ABSL_GUARDED_BY(mu_);
};

// The real clock shifted by a fixed offset: it starts at `start` when constructed and then runs at
// the real pace. Acceptance and end-to-end tests use it (through a service's --clock_start setting)
// to run real processes on a chosen business date, e.g. the Friday before a holiday week, without
// sleeping; production never sets it.
class OffsetClock final : public Clock {
 public:
  explicit OffsetClock(absl::Time start) : offset_(start - absl::Now()) {}

  absl::Time Now() const override { return absl::Now() + offset_; }

 private:
  const absl::Duration offset_;
};

}  // namespace unemployment::time
