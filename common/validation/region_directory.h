// GB/T 2260 administrative divisions and NBS statistical division codes, loaded from data files.
//
// Data (data/regions/, see its README.md): the whole country down to county level
// (china-counties.csv: 31 provinces, 342 prefecture-level units, 2,978 county-level units) and
// Heilongjiang down to townships and streets (heilongjiang.csv: 9-digit codes). Every file is a CSV
// table "code,name,level,parent"; several files may describe the same region if they agree.
//
// How the data models the irregular places, and what the directory makes of them:
//  - Municipalities (直辖市 北京 天津 上海 重庆) have placeholder city rows 110100 "市辖区" (and
//    500200 "县" for Chongqing's counties). Their counties hang below those. On an address the city
//    may be the placeholder or, as many forms write "北京市 / 北京市 / 东城区", the municipality's
//    own code 110000.
//  - Province-administered county-level units (省直辖县级行政区划, e.g. 济源市 419001, 仙桃市
//    429004, Hainan's counties 4690xx, Xinjiang's corps cities 6590xx) hang below placeholder city
//    rows xx9000. On an address the city may be that placeholder or the unit's own code (济源市 /
//    济源市).
//  - Prefecture-level cities without counties (不设区的地级市: 东莞 441900, 中山 442000,
//    儋州 460400) appear twice, as a city and as a county whose parent is itself. The directory
//    keeps one Region at city level with is_also_county set; on an address city and county are
//    both that code.
// Region codes of ID numbers are NOT looked up here: see resident_id.h for why.
//
// Immutable after loading, so one instance can be shared by all threads of a service.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/container/node_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/validation/violations.h"

namespace unemployment::validation {

enum class RegionLevel {
  kProvince = 1,  // 省级: province, autonomous region, municipality (6 digits, xx0000)
  kCity = 2,      // 地级: prefecture-level city, prefecture, league (6 digits, xxxx00)
  kCounty = 3,    // 县级: district, county, county-level city, banner (6 digits)
  kTownship = 4,  // 乡级: town, township, street (9-digit statistical code)
};

// "province", "city", "county", "township": the spelling of the data files' level column.
absl::string_view RegionLevelName(RegionLevel level);
std::optional<RegionLevel> ParseRegionLevel(absl::string_view name);

// One administrative division.
struct Region {
  std::string code;  // 6 digits (province, city, county) or 9 digits (township)
  std::string name;  // Chinese name as in the data
  RegionLevel level = RegionLevel::kProvince;
  std::string parent_code;  // "" for provinces
  // A prefecture-level city without counties (东莞): it is its own county-level unit too.
  bool is_also_county = false;
};

// The three codes of an address on the form (省 / 市 / 县).
struct AddressCodes {
  absl::string_view province_code;
  absl::string_view city_code;
  absl::string_view county_code;
};

// Field names CheckAddress() reports violations under; default to the proto's field names.
struct AddressFieldNames {
  std::string province = "province_code";
  std::string city = "city_code";
  std::string county = "county_code";
};

// One CSV document to load: `name` appears in error messages.
struct RegionCsv {
  std::string name;
  std::string text;
};

class RegionDirectory final {
 public:
  // File names of the shipped data in data/regions/.
  static constexpr absl::string_view kCountiesFile = "china-counties.csv";
  static constexpr absl::string_view kHeilongjiangFile = "heilongjiang.csv";

  // Builds a directory from CSV documents, in order. Errors are INVALID_ARGUMENT with
  // "name:line: what is wrong" for: a wrong header, a wrong field count, an unknown level, a code
  // of the wrong shape for its level, an empty or non-UTF-8 name, a missing parent or a parent of
  // the wrong level or province, and a code described differently twice.
  static absl::StatusOr<RegionDirectory> FromCsv(const std::vector<RegionCsv>& documents);

  // Reads the files and calls FromCsv(). NOT_FOUND when a file cannot be read.
  static absl::StatusOr<RegionDirectory> LoadFiles(const std::vector<std::string>& paths);

  // Loads every "*.csv" file in `directory` (normally <repo>/data/regions) in file-name order, so a
  // province's township file can be added without a rebuild. NOT_FOUND when the folder is missing
  // or holds no CSV file.
  static absl::StatusOr<RegionDirectory> LoadDirectory(const std::string& directory);

  RegionDirectory(RegionDirectory&&) = default;
  RegionDirectory& operator=(RegionDirectory&&) = default;
  // Not copyable: thousands of entries; share one instance (it is immutable) instead.
  RegionDirectory(const RegionDirectory&) = delete;
  RegionDirectory& operator=(const RegionDirectory&) = delete;

  // --- Lookups. Pointers stay valid as long as the directory lives. ---

  // The region with this exact code, or nullptr.
  const Region* Find(absl::string_view code) const;
  bool IsKnown(absl::string_view code) const { return Find(code) != nullptr; }
  std::optional<RegionLevel> LevelOf(absl::string_view code) const;
  // The parent region, or nullptr for provinces and unknown codes.
  const Region* Parent(absl::string_view code) const;
  // The region and its ancestors, province first ([230000, 230100, 230102]); empty when unknown.
  std::vector<const Region*> Chain(absl::string_view code) const;
  // Direct children ordered by code (a province's cities, a city's counties, ...).
  std::vector<const Region*> Children(absl::string_view code) const;
  // Number of regions that serve at `level`. kCounty counts the cities with is_also_county too, so
  // the figures match the data's (2,975 counties + 东莞, 中山, 儋州 = 2,978 county-level units).
  std::size_t CountAt(RegionLevel level) const;
  std::size_t size() const { return regions_.size(); }

  // --- Relations. ---

  // A county-level unit: a county row or a city with is_also_county.
  bool IsCountyLevel(absl::string_view code) const;
  // `city` is a city-level region whose parent is `province`.
  bool IsCityOfProvince(absl::string_view city, absl::string_view province) const;
  // `county` is county-level and belongs to `city` (parent, or the same code for 东莞-style
  // cities).
  bool IsCountyOfCity(absl::string_view county, absl::string_view city) const;
  // `code` equals `ancestor` or lies below it. Unknown 9- and 12-digit codes are placed by their
  // first 6 digits (a village code lies within its county).
  bool IsWithin(absl::string_view code, absl::string_view ancestor) const;
  // 北京 110000, 天津 120000, 上海 310000, 重庆 500000. A fixed list: it changes by constitution
  // only.
  static bool IsMunicipality(absl::string_view province_code);
  // True when the files had township rows for the province of `code` (today: Heilongjiang).
  bool HasTownshipData(absl::string_view code) const;

  // --- Validation. ---

  // Checks an address's province/city/county codes and adds a violation per problem to `out`:
  // REQUIRED (empty), FORMAT (not 6 digits), REGION_UNKNOWN, REGION_LEVEL (e.g. a city code as the
  // province), then, for codes that passed, REGION_MISMATCH on the city (not in the province) and
  // on the county (not in the city). Municipalities, province-administered units and 东莞-style
  // cities are accepted in the forms described at the top of this file.
  void CheckAddress(const AddressCodes& codes, const AddressFieldNames& fields,
                    Violations& out) const;
  // CheckAddress() with default field names, as a status (Violations::ToStatus()).
  absl::Status ValidateAddress(const AddressCodes& codes) const;

  // A 9-digit township/street code (乡级统计用区划代码): FORMAT unless 9 digits with a non-zero
  // township part (digits 7-9); REGION_UNKNOWN when digits 1-6 are no county-level unit, or when
  // the directory has township data for its province and does not list the code. For provinces
  // without township data only the county is checked.
  absl::Status ValidateTownshipCode(absl::string_view code) const;
  // A 12-digit village/community code (村级): FORMAT unless 12 digits with a non-zero village part
  // (digits 10-12); then ValidateTownshipCode() of digits 1-9. (No village data ships.)
  absl::Status ValidateVillageCode(absl::string_view code) const;

 private:
  RegionDirectory() = default;

  // The province of a 6-, 9- or 12-digit code (by its first two digits), or nullptr.
  const Region* ProvinceOfCode(absl::string_view code) const;

  // Keyed by code. node_hash_map keeps element addresses stable, which Find()'s pointers rely on.
  absl::node_hash_map<std::string, Region> regions_;
  // Parent code -> child codes in code order.
  absl::node_hash_map<std::string, std::vector<std::string>> children_;
  // Two-digit province parts that have township rows.
  absl::flat_hash_set<std::string> provinces_with_townships_;
};

}  // namespace unemployment::validation
