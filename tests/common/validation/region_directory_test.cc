#include "common/validation/region_directory.h"

#include <catch2/catch.hpp>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/validation/rules.h"
#include "tests/common/validation/test_util.h"

namespace unemployment::validation {
namespace {

std::string DataPath(absl::string_view file) {
  return absl::StrCat(UE_SOURCE_DIR, "/data/regions/", file);
}

// Loading the shipped files costs ~5,000 rows; share one directory across test cases.
const RegionDirectory& Shipped() {
  static const RegionDirectory* const directory = [] {
    absl::StatusOr<RegionDirectory> loaded = RegionDirectory::LoadFiles(
        {DataPath(RegionDirectory::kCountiesFile), DataPath(RegionDirectory::kHeilongjiangFile)});
    if (!loaded.ok()) FAIL(loaded.status().ToString());
    return new RegionDirectory(*std::move(loaded));
  }();
  return *directory;
}

// Collects CheckAddress() violations with the default field names.
Violations Check(absl::string_view province, absl::string_view city, absl::string_view county) {
  Violations out;
  Shipped().CheckAddress(AddressCodes{province, city, county}, AddressFieldNames(), out);
  return out;
}

TEST_CASE("shipped files load with the expected counts", "[region]") {
  const RegionDirectory& regions = Shipped();
  CHECK(regions.CountAt(RegionLevel::kProvince) == 31);
  CHECK(regions.CountAt(RegionLevel::kCity) == 342);
  // 2,978 county-level rows in the data, 东莞, 中山 and 儋州 (cities without counties) included.
  CHECK(regions.CountAt(RegionLevel::kCounty) == 2978);
  CHECK(regions.CountAt(RegionLevel::kTownship) == 1703);
  // The Heilongjiang file repeats its 140 six-digit rows; they merge into the national ones.
  CHECK(regions.size() == 31 + 342 + 2975 + 1703);
  CHECK(regions.Children("230000").size() == 13);
  CHECK(regions.HasTownshipData("230000"));
  CHECK(regions.HasTownshipData("230104024"));
  CHECK_FALSE(regions.HasTownshipData("110000"));
}

TEST_CASE("the loaded folder gives the same directory", "[region]") {
  absl::StatusOr<RegionDirectory> loaded =
      RegionDirectory::LoadDirectory(absl::StrCat(UE_SOURCE_DIR, "/data/regions"));
  REQUIRE(loaded.ok());
  CHECK(loaded->size() == Shipped().size());
  CHECK(RegionDirectory::LoadDirectory("/nonexistent/regions").status().code() ==
        absl::StatusCode::kNotFound);
  CHECK(RegionDirectory::LoadFiles({"/nonexistent/x.csv"}).status().code() ==
        absl::StatusCode::kNotFound);
}

TEST_CASE("lookups: find, level, parent chain, children", "[region]") {
  const RegionDirectory& regions = Shipped();
  const Region* harbin = regions.Find("230100");
  REQUIRE(harbin != nullptr);
  CHECK(harbin->name == "哈尔滨市");
  CHECK(harbin->level == RegionLevel::kCity);
  CHECK(harbin->parent_code == "230000");
  CHECK(regions.IsKnown("230000"));
  CHECK_FALSE(regions.IsKnown("239900"));
  CHECK_FALSE(regions.IsKnown(""));
  CHECK(regions.LevelOf("230000") == RegionLevel::kProvince);
  CHECK(regions.LevelOf("230102") == RegionLevel::kCounty);
  CHECK(regions.LevelOf("230104024") == RegionLevel::kTownship);
  CHECK_FALSE(regions.LevelOf("999999").has_value());
  REQUIRE(regions.Parent("230102") != nullptr);
  CHECK(regions.Parent("230102")->code == "230100");
  CHECK(regions.Parent("230000") == nullptr);

  const std::vector<const Region*> chain = regions.Chain("230104024");
  REQUIRE(chain.size() == 4);
  CHECK(chain[0]->code == "230000");
  CHECK(chain[1]->code == "230100");
  CHECK(chain[2]->code == "230104");
  CHECK(chain[3]->code == "230104024");
  CHECK(chain[3]->name == "化工街道");
  CHECK(regions.Chain("999999").empty());

  const std::vector<const Region*> cities = regions.Children("230000");
  CHECK(cities.front()->code == "230100");
  CHECK(cities.back()->code == "232700");
  CHECK(RegionLevelName(RegionLevel::kTownship) == "township");
  CHECK(ParseRegionLevel("county") == RegionLevel::kCounty);
  CHECK_FALSE(ParseRegionLevel("town").has_value());
}

TEST_CASE("relations between levels", "[region]") {
  const RegionDirectory& regions = Shipped();
  CHECK(regions.IsCityOfProvince("230100", "230000"));
  CHECK_FALSE(regions.IsCityOfProvince("230100", "220000"));
  CHECK_FALSE(regions.IsCityOfProvince("230102", "230000"));  // a county, not a city
  CHECK(regions.IsCountyOfCity("230102", "230100"));
  CHECK_FALSE(regions.IsCountyOfCity("230202", "230100"));  // a Qiqihar district
  CHECK(regions.IsCountyOfCity("441900", "441900"));        // 东莞 is its own county
  CHECK_FALSE(regions.IsCountyOfCity("441900", "440000"));
  CHECK(regions.IsCountyLevel("441900"));
  CHECK_FALSE(regions.IsCountyLevel("230100"));
  CHECK(regions.IsWithin("230104024", "230000"));
  CHECK(regions.IsWithin("230104", "230100"));
  CHECK(regions.IsWithin("230100", "230100"));
  CHECK_FALSE(regions.IsWithin("230104", "230200"));
  // Codes below the data's depth are placed by their known prefix.
  CHECK(regions.IsWithin("230104024001", "230104"));
  CHECK(regions.IsWithin("110101001", "110000"));
  CHECK(RegionDirectory::IsMunicipality("110000"));
  CHECK(RegionDirectory::IsMunicipality("500000"));
  CHECK_FALSE(RegionDirectory::IsMunicipality("230000"));
}

TEST_CASE("address codes must be consistent", "[region]") {
  SECTION("a regular province / city / county") {
    CHECK(Check("230000", "230100", "230102").empty());
    CHECK(Shipped().ValidateAddress(AddressCodes{"230000", "230100", "230102"}).ok());
  }
  SECTION("county of another city") {
    const Violations v = Check("230000", "230100", "230202");
    REQUIRE(v.size() == 1);
    CHECK(v.list()[0].field == "county_code");
    CHECK(v.list()[0].rule == rule::kRegionMismatch);
  }
  SECTION("city of another province") {
    const Violations v = Check("230000", "210100", "210102");
    REQUIRE(v.size() == 1);
    CHECK(v.list()[0].field == "city_code");
    CHECK(v.list()[0].rule == rule::kRegionMismatch);
  }
  SECTION("county of another province when the city is unusable") {
    const Violations v = Check("230000", "", "210102");
    REQUIRE(v.size() == 2);
    CHECK(v.list()[0] == Violation{"city_code", "REQUIRED", "city code is required"});
    CHECK(v.list()[1].field == "county_code");
    CHECK(v.list()[1].rule == rule::kRegionMismatch);
  }
  SECTION("codes at the wrong level") {
    const Violations v = Check("230100", "230102", "230100");
    REQUIRE(v.size() == 3);
    CHECK(v.list()[0].field == "province_code");
    CHECK(v.list()[0].rule == rule::kRegionLevel);
    CHECK(v.list()[1].field == "city_code");
    CHECK(v.list()[1].rule == rule::kRegionLevel);
    CHECK(v.list()[2].field == "county_code");
    CHECK(v.list()[2].rule == rule::kRegionLevel);
  }
  SECTION("shape and unknown codes, every field reported") {
    const Violations v = Check("23000", "239900", "23010A");
    REQUIRE(v.size() == 3);
    CHECK(v.list()[0].rule == rule::kFormat);
    CHECK(v.list()[1].rule == rule::kRegionUnknown);
    CHECK(v.list()[2].rule == rule::kFormat);
  }
  SECTION("municipalities: placeholder city or the municipality itself") {
    CHECK(Check("110000", "110100", "110101").empty());
    CHECK(Check("110000", "110000", "110101").empty());
    CHECK(Check("500000", "500200", "500229").empty());
    CHECK(Check("500000", "500000", "500229").empty());
    CHECK(Check("500000", "500100", "500229").size() == 1);  // 城口县 is under 500200 "县"
    const Violations v = Check("110000", "110000", "120101");
    REQUIRE(v.size() == 1);
    CHECK(v.list()[0].field == "county_code");
    CHECK(v.list()[0].rule == rule::kRegionMismatch);
    // Only municipalities may repeat the province as city.
    CHECK(Check("230000", "230000", "230102").list().at(0).rule == rule::kRegionLevel);
  }
  SECTION("province-administered county-level units") {
    CHECK(Check("410000", "419000", "419001").empty());  // 济源市 under the placeholder
    CHECK(Check("410000", "419001", "419001").empty());  // 济源市 / 济源市
    CHECK(Check("460000", "469000", "469001").empty());  // 五指山市
    CHECK(Check("410000", "419001", "410102").list().at(0).rule == rule::kRegionMismatch);
    CHECK(Check("420000", "419001", "419001").list().at(0).field == "city_code");
  }
  SECTION("cities without counties") {
    CHECK(Check("440000", "441900", "441900").empty());  // 东莞
    CHECK(Check("440000", "442000", "442000").empty());  // 中山
    CHECK(Check("460000", "460400", "460400").empty());  // 儋州
    CHECK(Check("620000", "620200", "620201").empty());  // 嘉峪关 has one county row
    CHECK(Check("440000", "441900", "442000").list().at(0).rule == rule::kRegionMismatch);
  }
  SECTION("custom field names and the status form") {
    Violations out;
    Shipped().CheckAddress(
        AddressCodes{"230000", "230100", "230202"},
        AddressFieldNames{"household_address.province_code", "household_address.city_code",
                          "household_address.county_code"},
        out);
    REQUIRE(out.size() == 1);
    CHECK(out.list()[0].field == "household_address.county_code");
    const absl::Status status =
        Shipped().ValidateAddress(AddressCodes{"230000", "230100", "230202"});
    CHECK(status.code() == absl::StatusCode::kInvalidArgument);
    CHECK(ViolationsFromStatus(status).at(0).field == "county_code");
  }
}

TEST_CASE("township (9-digit) and village (12-digit) statistical codes", "[region]") {
  const RegionDirectory& regions = Shipped();
  CHECK_VALID(regions.ValidateTownshipCode("230104024"));
  // Heilongjiang has township data: the code must be listed.
  CHECK_RULE(regions.ValidateTownshipCode("230104999"), rule::kRegionUnknown);
  // Other provinces: only the county part is checked.
  CHECK_VALID(regions.ValidateTownshipCode("110101001"));
  CHECK_VALID(regions.ValidateTownshipCode("441900003"));  // 东莞's towns lie right below it
  CHECK_RULE(regions.ValidateTownshipCode("110199001"), rule::kRegionUnknown);
  CHECK_RULE(regions.ValidateTownshipCode("230100001"), rule::kRegionUnknown);  // a city part
  CHECK_RULE(regions.ValidateTownshipCode("23010402"), rule::kFormat);
  CHECK_RULE(regions.ValidateTownshipCode("23010402A"), rule::kFormat);
  CHECK_RULE(regions.ValidateTownshipCode("230104000"), rule::kFormat);

  CHECK_VALID(regions.ValidateVillageCode("230104024001"));
  CHECK_VALID(regions.ValidateVillageCode("110101001001"));
  CHECK_RULE(regions.ValidateVillageCode("230104999001"), rule::kRegionUnknown);
  CHECK_RULE(regions.ValidateVillageCode("230104024000"), rule::kFormat);
  CHECK_RULE(regions.ValidateVillageCode("230104024"), rule::kFormat);
}

// Small documents for the loader's error handling.
absl::StatusOr<RegionDirectory> Parse(absl::string_view text) {
  return RegionDirectory::FromCsv({RegionCsv{"test.csv", std::string(text)}});
}

constexpr absl::string_view kHeader = "code,name,level,parent\n";

TEST_CASE("loader accepts LF, CRLF, a BOM, quotes and agreeing duplicates", "[region]") {
  absl::StatusOr<RegionDirectory> regions = RegionDirectory::FromCsv(
      {RegionCsv{"a.csv",
                 "\xEF\xBB\xBF"
                 "code,name,level,parent\r\n230000,黑龙江省,province,\r\n"
                 "230100,\"哈尔滨市\",city,230000\r\n\r\n230102,道里区,county,230100\r\n"},
       RegionCsv{"b.csv", "code,name,level,parent\n230100,哈尔滨市,city,230000\n"}});
  REQUIRE(regions.ok());
  CHECK(regions->size() == 3);
  CHECK(regions->Find("230100")->name == "哈尔滨市");
}

TEST_CASE("loader reports bad rows with file and line number", "[region]") {
  const auto error_of = [](absl::string_view text) {
    absl::StatusOr<RegionDirectory> result = Parse(text);
    REQUIRE_FALSE(result.ok());
    CHECK(result.status().code() == absl::StatusCode::kInvalidArgument);
    return std::string(result.status().message());
  };
  CHECK(error_of("") == "test.csv: empty file, expected header code,name,level,parent");
  CHECK(error_of("id,name,level,parent\n") == "test.csv:1: header must be code,name,level,parent");
  CHECK(error_of(absl::StrCat(kHeader, "230000,黑龙江省,province\n")) ==
        "test.csv:2: expected 4 fields (code,name,level,parent), found 3");
  CHECK(
      error_of(absl::StrCat(kHeader, "230000,黑龙江省,province,\n230100,哈尔滨市,town,230000\n")) ==
      "test.csv:3: unknown level 'town' (expected province, city, county or township)");
  CHECK(error_of(absl::StrCat(kHeader, "23000,黑龙江省,province,\n")) ==
        "test.csv:2: code '23000' must be 6 digits for level province");
  CHECK(error_of(absl::StrCat(kHeader, "990000,X,province,\n")) ==
        "test.csv:2: province code '990000' must be a GB/T 2260 province part followed by 0000");
  CHECK(error_of(absl::StrCat(kHeader, "230000, ,province,\n")) ==
        "test.csv:2: name must be non-empty UTF-8 text");
  CHECK(
      error_of(absl::StrCat(kHeader, "230000,黑龙江省,province,\n230100,哈尔滨市,city,220000\n")) ==
      "test.csv:3: code '230100' lies in another province than its parent '220000'");
  CHECK(
      error_of(absl::StrCat(kHeader, "230000,黑龙江省,province,\n230100,哈尔滨市,city,230200\n")) ==
      "test.csv:3: parent '230200' of '230100' is in none of the loaded files");
  CHECK(error_of(absl::StrCat(kHeader,
                              "230000,黑龙江省,province,\n230100,哈尔滨市,city,230000\n"
                              "230102,道里区,county,230100\n230103,南岗区,county,230102\n")) ==
        "test.csv:5: parent '230102' is a county, which cannot contain a county");
  CHECK(error_of(absl::StrCat(kHeader,
                              "230000,黑龙江省,province,\n230100,哈尔滨市,city,230000\n"
                              "230100,冰城,city,230000\n")) ==
        "test.csv:4: code '230100' is described differently at test.csv:3");
  CHECK(error_of(absl::StrCat(kHeader, "230000,黑龙江省,province,\n230101,X,city,230000\n")) ==
        "test.csv:3: city code '230101' must end in 00 but not 0000");
  CHECK(error_of(absl::StrCat(kHeader, "230000,黑龙江省,province,\n230199,X,county,230199\n")) ==
        "test.csv:3: county '230199' names itself as parent, but no city row has that code");
  CHECK(
      error_of(absl::StrCat(kHeader, "230000,黑龙江省,province,\n230102001,X,township,230103\n")) ==
      "test.csv:3: township code '230102001' must start with its parent county's code");
  CHECK(error_of(absl::StrCat(kHeader, "230000,\"黑龙江省,province,\n")) ==
        "test.csv:2: unterminated quoted field");
}

}  // namespace
}  // namespace unemployment::validation
