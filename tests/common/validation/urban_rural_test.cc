#include "common/validation/urban_rural.h"

#include <catch2/catch.hpp>

#include "common/validation/rules.h"
#include "tests/common/validation/test_util.h"

namespace unemployment::validation {
namespace {

TEST_CASE("urban-rural classes: 1xx urban, 2xx rural", "[urban_rural]") {
  for (const char* urban : {"111", "112", "121", "122", "123"}) {
    INFO(urban);
    absl::StatusOr<UrbanRuralClass> parsed = ParseUrbanRuralClass(urban);
    REQUIRE(parsed.ok());
    CHECK(IsUrban(*parsed));
  }
  for (const char* rural : {"210", "220"}) {
    INFO(rural);
    absl::StatusOr<UrbanRuralClass> parsed = ParseUrbanRuralClass(rural);
    REQUIRE(parsed.ok());
    CHECK_FALSE(IsUrban(*parsed));
  }
  CHECK(*ParseUrbanRuralClass("220") == UrbanRuralClass::kVillage);
  CHECK(UrbanRuralClassCodes().NameOf("111") == "主城区");
  CHECK(UrbanRuralClassFromNumber(123) == UrbanRuralClass::kSpecialArea);
  CHECK_FALSE(UrbanRuralClassFromNumber(200).has_value());
  for (const char* bad : {"", "100", "113", "200", "221", "1", "11", "1111", "21O"}) {
    INFO(bad);
    CHECK_RULE(ParseUrbanRuralClass(bad), rule::kCodeUnknown);
  }
}

}  // namespace
}  // namespace unemployment::validation
