#include "services/gateway/public_service_info.h"

#include <catch2/catch.hpp>

#include <string>

#include "common/status/status_util.h"

namespace unemployment::gateway {
namespace {

std::string ReasonOf(const absl::Status& status) {
  auto info = status::GetErrorInfo(status);
  return info ? info->reason() : "";
}

constexpr char kHeader[] = "region_code,region_name,kind,name,detail,opening_hours,phone,sample\n";

absl::Status ParseError(const std::string& rows) {
  return PublicServiceDirectory::FromCsv({{"t.csv", kHeader + rows}}).status();
}

TEST_CASE("the shipped information has the notice's channels and a sample point per city",
          "[gateway][public_service]") {
  auto directory = PublicServiceDirectory::LoadDirectory(UE_SOURCE_DIR "/data/public_service");
  REQUIRE(directory.ok());
  CHECK(directory->size() == 14);  // the province and its 13 prefecture-level units

  auto province = directory->Get("230000");
  REQUIRE(province.ok());
  CHECK(province->region_name() == "黑龙江省");
  REQUIRE(province->online_channels_size() == 4);
  CHECK(province->online_channels(0).location() == "http://www.renshenet.org.cn");
  CHECK(province->online_channels(2).location() == "http://12333.gov.cn");
  CHECK(province->workflow_steps_size() == 6);
  CHECK(province->workflow_steps(0).number() == 1);
  CHECK(province->hotlines(0).number() == "12333");
  CHECK(province->service_points().empty());
  CHECK_FALSE(province->contains_sample());

  // A Harbin district: Harbin's (sample) service point, the province's channels, steps, 12333.
  auto district = directory->Get("230102");
  REQUIRE(district.ok());
  CHECK(district->region_code() == "230102");
  CHECK(district->region_name() == "哈尔滨市");
  REQUIRE(district->service_points_size() == 1);
  CHECK(district->service_points(0).region_code() == "230100");
  CHECK(district->service_points(0).sample());
  CHECK_FALSE(district->service_points(0).opening_hours().empty());
  CHECK(district->online_channels(0).region_code() == "230000");
  CHECK_FALSE(district->online_channels(0).sample());
  CHECK(district->hotlines(0).number() == "12333");
  CHECK(district->contains_sample());
}

TEST_CASE("a region's own items win over its city's and province's", "[gateway][public_service]") {
  auto directory = PublicServiceDirectory::FromCsv(
      {{"a.csv", std::string(kHeader) +
                     "230000,黑龙江省,online_channel,大厅,http://x,,,no\n"
                     "230000,黑龙江省,hotline,热线,,,12333,no\n"
                     "230100,哈尔滨市,service_point,中心,某路1号,周一至周五,0451-1,no\n"
                     "230102,道里区,service_point,道里窗口,某街2号,工作日,,no\n"
                     "230102,道里区,hotline,区热线,,,0451-2,no\n"}});
  REQUIRE(directory.ok());
  auto daoli = directory->Get("230102");
  REQUIRE(daoli.ok());
  CHECK(daoli->region_name() == "道里区");
  REQUIRE(daoli->service_points_size() == 1);
  CHECK(daoli->service_points(0).name() == "道里窗口");
  REQUIRE(daoli->hotlines_size() == 1);
  CHECK(daoli->hotlines(0).number() == "0451-2");
  CHECK(daoli->online_channels(0).region_code() == "230000");
  CHECK(daoli->workflow_steps().empty());
  CHECK(directory->Get("230103")->service_points(0).name() == "中心");
}

TEST_CASE("lookup and file errors", "[gateway][public_service]") {
  auto directory = PublicServiceDirectory::LoadDirectory(UE_SOURCE_DIR "/data/public_service");
  REQUIRE(directory.ok());
  CHECK(directory->Get("").status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(directory->Get("2301").status().code() == absl::StatusCode::kInvalidArgument);
  auto missing = directory->Get("110101");
  CHECK(missing.status().code() == absl::StatusCode::kNotFound);
  CHECK(ReasonOf(missing.status()) == "REGION_NOT_FOUND");

  CHECK(ParseError("230000,黑龙江省,service_point,中心,,周一,,no\n").code() ==
        absl::StatusCode::kInvalidArgument);  // no address
  CHECK(ParseError("230000,黑龙江省,hotline,热线,,,,no\n").code() ==
        absl::StatusCode::kInvalidArgument);  // no number
  CHECK(ParseError("230000,黑龙江省,brochure,x,y,,,no\n").code() ==
        absl::StatusCode::kInvalidArgument);  // unknown kind
  CHECK(ParseError("230000,黑龙江省,hotline,热线,,,12333,maybe\n").code() ==
        absl::StatusCode::kInvalidArgument);  // sample yes/no
  CHECK(ParseError("230000,黑龙江省,hotline,热线,,,12333,no\n230000,黑龙江,hotline,b,,,1,no\n")
            .message()
            .find("t.csv:3:") != std::string::npos);  // names disagree, with file and line
  CHECK(PublicServiceDirectory::LoadDirectory("/nonexistent").status().code() ==
        absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace unemployment::gateway
