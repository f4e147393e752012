#include "common/time/clock.h"

#include <catch2/catch.hpp>
#include <thread>
#include <vector>

namespace unemployment::time {
namespace {

TEST_CASE("FakeClock starts where it is told and moves only on Set/Advance", "[clock]") {
  const absl::Time start = ChinaTime(absl::CivilSecond(2025, 9, 26, 9, 30, 0));
  FakeClock clock(start);
  CHECK(clock.Now() == start);
  CHECK(clock.Now() == start);

  clock.Advance(absl::Hours(24));
  CHECK(clock.Now() == start + absl::Hours(24));
  CHECK(clock.Today() == absl::CivilDay(2025, 9, 27));

  clock.Advance(-absl::Hours(48));
  CHECK(clock.Today() == absl::CivilDay(2025, 9, 25));

  clock.Set(ChinaTime(absl::CivilSecond(2026, 2, 14, 8, 0, 0)));
  CHECK(clock.Today() == absl::CivilDay(2026, 2, 14));
}

TEST_CASE("FakeClock defaults to the Unix epoch", "[clock]") {
  FakeClock clock;
  CHECK(clock.Now() == absl::UnixEpoch());
}

TEST_CASE("Today is the China calendar day by default, not the UTC one", "[clock]") {
  // 2025-09-30 16:30 UTC is 2025-10-01 00:30 in China.
  FakeClock clock(absl::FromCivil(absl::CivilSecond(2025, 9, 30, 16, 30, 0), absl::UTCTimeZone()));
  CHECK(clock.Today() == absl::CivilDay(2025, 10, 1));
  CHECK(clock.Today(absl::UTCTimeZone()) == absl::CivilDay(2025, 9, 30));

  // 15:59:59 UTC is still the same day in China (23:59:59).
  clock.Set(absl::FromCivil(absl::CivilSecond(2025, 9, 30, 15, 59, 59), absl::UTCTimeZone()));
  CHECK(clock.Today() == absl::CivilDay(2025, 9, 30));
}

TEST_CASE("FakeClock is safe to advance from many threads", "[clock]") {
  FakeClock clock;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&clock] {
      for (int i = 0; i < 1000; ++i) {
        clock.Advance(absl::Seconds(1));
        (void)clock.Now();
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  CHECK(clock.Now() == absl::UnixEpoch() + absl::Seconds(4000));
}

TEST_CASE("SystemClock reads the real time through the interface", "[clock]") {
  SystemClock system_clock;
  const Clock& clock = system_clock;
  const absl::Time before = absl::Now();
  const absl::Time now = clock.Now();
  const absl::Time after = absl::Now();
  CHECK(before <= now);
  CHECK(now <= after);
}

TEST_CASE("OffsetClock starts at the given instant and runs at the real pace", "[clock]") {
  const absl::Time start = absl::FromUnixSeconds(1758848400);  // 2025-09-26 09:00 China time
  const absl::Time before = absl::Now();
  OffsetClock clock(start);
  const absl::Time first = clock.Now();
  const absl::Duration real_elapsed = absl::Now() - before;
  CHECK(first >= start);
  CHECK(first - start <= real_elapsed);
  CHECK(clock.Today() == absl::CivilDay(2025, 9, 26));
  CHECK(clock.Now() >= first);
}

}  // namespace
}  // namespace unemployment::time
