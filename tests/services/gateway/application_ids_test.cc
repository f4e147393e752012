#include "services/gateway/application_ids.h"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "tests/services/gateway/test_util.h"

namespace unemployment::gateway {
namespace {

using testing::FieldRules;
using Strings = std::vector<std::string>;

TEST_CASE("channel application ids", "[gateway][ids]") {
  auto portal = [](const std::string& id) {
    validation::Violations out;
    ValidatePortalApplicationId(id, testing::Regions(), "230000", "portal_application_id", out);
    return FieldRules(out);
  };
  CHECK(portal("230102202500012345").empty());
  CHECK(portal("2301001").empty());
  CHECK(portal("") == Strings{"portal_application_id REQUIRED"});
  CHECK(portal("230102") == Strings{"portal_application_id FORMAT"});
  CHECK(portal("230102abc") == Strings{"portal_application_id FORMAT"});
  CHECK(portal("230102" + std::string(27, '1')) == Strings{"portal_application_id FORMAT"});
  CHECK(portal("239999123") == Strings{"portal_application_id REGION_UNKNOWN"});
  CHECK(portal("110105123") == Strings{"portal_application_id OUTSIDE_PROVINCE"});

  auto ministry = [](const std::string& id) {
    validation::Violations out;
    ValidateMinistryApplicationId(id, "ministry_application_id", out);
    return FieldRules(out);
  };
  CHECK(ministry("MZ-2025-000001").empty());
  CHECK(ministry("") == Strings{"ministry_application_id REQUIRED"});
  CHECK(ministry("a b") == Strings{"ministry_application_id FORMAT"});
  CHECK(ministry(std::string(41, 'a')) == Strings{"ministry_application_id FORMAT"});
}

}  // namespace
}  // namespace unemployment::gateway
