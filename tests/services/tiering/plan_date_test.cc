// PlanDate, the plan's date formatter (the level rule itself is tested in
// tests/common/notice/level_test.cc).
#include <catch2/catch.hpp>

#include "common/time/date.h"
#include "services/tiering/service_plan.h"

namespace unemployment::tiering {
namespace {

TEST_CASE("PlanDate formats as time::FormatDate", "[level]") {
  for (const absl::CivilDay day :
       {absl::CivilDay(2025, 1, 31), absl::CivilDay(2024, 2, 29), absl::CivilDay(1999, 12, 1),
        absl::CivilDay(7, 3, 4), absl::CivilDay(0, 1, 1), absl::CivilDay(9999, 12, 31),
        absl::CivilDay(10000, 1, 1), absl::CivilDay(-1, 6, 15)}) {
    CHECK(PlanDate(day) == time::FormatDate(day));
  }
  CHECK(PlanDate(absl::CivilDay(2025, 3, 9)) == "2025-03-09");
}

}  // namespace
}  // namespace unemployment::tiering
