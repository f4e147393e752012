#include "common/validation/region_directory.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/validation/csv.h"
#include "common/validation/resident_id.h"
#include "common/validation/rules.h"
#include "common/validation/text.h"
#include "common/validation/validation_error.h"

namespace unemployment::validation {
namespace {

constexpr std::size_t kRegionCodeLength = 6;
constexpr std::size_t kTownshipCodeLength = 9;
constexpr std::size_t kVillageCodeLength = 12;
constexpr absl::string_view kHeader[] = {"code", "name", "level", "parent"};

bool IsDigits(absl::string_view text, std::size_t length) {
  if (text.size() != length) return false;
  for (char c : text) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

// A row read from a file, before it is linked to its parent.
struct PendingRow {
  Region region;
  // "file:line", for error messages.
  std::string where;
  // A county row whose parent is its own code: the second row of a city without counties.
  bool self_county = false;
};

absl::Status RowError(absl::string_view where, absl::string_view message) {
  return absl::InvalidArgumentError(absl::StrCat(where, ": ", message));
}

// Checks one data row on its own (shape of code, level, name, parent) and converts it.
absl::StatusOr<PendingRow> ParseRow(const CsvRow& row, absl::string_view source) {
  PendingRow pending;
  pending.where = absl::StrCat(source, ":", row.line_number);
  const std::string& where = pending.where;
  if (row.fields.size() != 4) {
    return RowError(where, absl::StrCat("expected 4 fields (code,name,level,parent), found ",
                                        row.fields.size()));
  }
  const std::string& code = row.fields[0];
  const std::string& parent = row.fields[3];
  const std::optional<RegionLevel> level = ParseRegionLevel(row.fields[2]);
  if (!level.has_value()) {
    return RowError(where, absl::StrCat("unknown level '", row.fields[2],
                                        "' (expected province, city, county or township)"));
  }
  if (!IsValidUtf8(row.fields[1]) || TrimText(row.fields[1]).empty()) {
    return RowError(where, "name must be non-empty UTF-8 text");
  }

  const bool is_township = *level == RegionLevel::kTownship;
  if (!IsDigits(code, is_township ? kTownshipCodeLength : kRegionCodeLength)) {
    return RowError(where, absl::StrCat("code '", code, "' must be ",
                                        is_township ? kTownshipCodeLength : kRegionCodeLength,
                                        " digits for level ", RegionLevelName(*level)));
  }
  if (*level == RegionLevel::kProvince) {
    if (!absl::EndsWith(code, "0000") || !IsProvincePrefix(code.substr(0, 2))) {
      return RowError(where, absl::StrCat("province code '", code,
                                          "' must be a GB/T 2260 province part followed by 0000"));
    }
    if (!parent.empty()) return RowError(where, "a province has no parent");
  } else {
    if (!IsDigits(parent, kRegionCodeLength)) {
      return RowError(where, absl::StrCat("parent '", parent, "' must be a 6-digit code"));
    }
    if (parent.compare(0, 2, code, 0, 2) != 0) {
      return RowError(where, absl::StrCat("code '", code,
                                          "' lies in another province than its "
                                          "parent '",
                                          parent, "'"));
    }
  }
  if (*level == RegionLevel::kCity &&
      (!absl::EndsWith(code, "00") || absl::EndsWith(code, "0000"))) {
    return RowError(where, absl::StrCat("city code '", code, "' must end in 00 but not 0000"));
  }
  if (*level == RegionLevel::kCounty && code == parent) {
    pending.self_county = true;
  } else if (*level == RegionLevel::kCounty && absl::EndsWith(code, "00")) {
    return RowError(where, absl::StrCat("county code '", code,
                                        "' must not end in 00 unless it "
                                        "names itself as parent (a city without counties)"));
  }
  if (is_township) {
    if (code.compare(0, kRegionCodeLength, parent) != 0) {
      return RowError(where, absl::StrCat("township code '", code,
                                          "' must start with its parent county's code"));
    }
    if (absl::EndsWith(code, "000")) {
      return RowError(where, absl::StrCat("township code '", code, "' must not end in 000"));
    }
  }

  pending.region.code = code;
  pending.region.name = std::string(TrimText(row.fields[1]));
  pending.region.level = *level;
  pending.region.parent_code = parent;
  return pending;
}

bool SameDescription(const Region& a, const Region& b) {
  return a.name == b.name && a.level == b.level && a.parent_code == b.parent_code;
}

// True when a county-level unit is administered by its province directly: it hangs below a
// placeholder city xx90xx (省直辖县级行政区划) or, in data sets without that row, below the
// province.
bool IsProvinceAdministered(const Region& county, const Region* parent) {
  if (county.level != RegionLevel::kCounty || parent == nullptr) return false;
  if (parent->level == RegionLevel::kProvince) return true;
  return parent->level == RegionLevel::kCity && parent->code.compare(2, 2, "90") == 0;
}

absl::Status ReadFile(const std::string& path, std::string& contents) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot open region data file"));
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) return absl::DataLossError(absl::StrCat(path, ": read error"));
  contents = std::move(buffer).str();
  return absl::OkStatus();
}

}  // namespace

absl::string_view RegionLevelName(RegionLevel level) {
  switch (level) {
    case RegionLevel::kProvince:
      return "province";
    case RegionLevel::kCity:
      return "city";
    case RegionLevel::kCounty:
      return "county";
    case RegionLevel::kTownship:
      return "township";
  }
  return "";
}

std::optional<RegionLevel> ParseRegionLevel(absl::string_view name) {
  for (RegionLevel level :
       {RegionLevel::kProvince, RegionLevel::kCity, RegionLevel::kCounty, RegionLevel::kTownship}) {
    if (name == RegionLevelName(level)) return level;
  }
  return std::nullopt;
}

absl::StatusOr<RegionDirectory> RegionDirectory::FromCsv(const std::vector<RegionCsv>& documents) {
  // Pass 1: every row on its own.
  std::vector<PendingRow> rows;
  for (const RegionCsv& document : documents) {
    absl::StatusOr<std::vector<CsvRow>> csv = ParseCsv(document.text, document.name);
    if (!csv.ok()) return csv.status();
    if (csv->empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(document.name, ": empty file, expected header code,name,level,parent"));
    }
    const CsvRow& header = csv->front();
    if (!std::equal(header.fields.begin(), header.fields.end(), std::begin(kHeader),
                    std::end(kHeader))) {
      return RowError(absl::StrCat(document.name, ":", header.line_number),
                      "header must be code,name,level,parent");
    }
    for (std::size_t i = 1; i < csv->size(); ++i) {
      absl::StatusOr<PendingRow> row = ParseRow((*csv)[i], document.name);
      if (!row.ok()) return row.status();
      rows.push_back(*std::move(row));
    }
  }

  // Pass 2: one Region per code. The same description twice (files overlap) is fine.
  RegionDirectory directory;
  absl::flat_hash_map<std::string, std::string> first_seen;  // code -> "file:line"
  for (const PendingRow& row : rows) {
    if (row.self_county) continue;
    const auto [it, inserted] = directory.regions_.try_emplace(row.region.code, row.region);
    if (inserted) {
      first_seen[row.region.code] = row.where;
    } else if (!SameDescription(it->second, row.region)) {
      return RowError(row.where,
                      absl::StrCat("code '", row.region.code, "' is described differently at ",
                                   first_seen[row.region.code]));
    }
  }

  // Pass 3: the county rows of cities without counties become a flag on the city.
  for (const PendingRow& row : rows) {
    if (!row.self_county) continue;
    auto it = directory.regions_.find(row.region.code);
    if (it == directory.regions_.end() || it->second.level != RegionLevel::kCity) {
      return RowError(row.where, absl::StrCat("county '", row.region.code,
                                              "' names itself as parent, but no city row has "
                                              "that code"));
    }
    it->second.is_also_county = true;
  }

  // Pass 4: every parent exists one level up.
  for (const PendingRow& row : rows) {
    if (row.self_county || row.region.level == RegionLevel::kProvince) continue;
    const Region* parent = directory.Find(row.region.parent_code);
    if (parent == nullptr) {
      return RowError(row.where, absl::StrCat("parent '", row.region.parent_code, "' of '",
                                              row.region.code, "' is in none of the loaded files"));
    }
    bool level_ok = false;
    switch (row.region.level) {
      case RegionLevel::kProvince:
        break;
      case RegionLevel::kCity:
        level_ok = parent->level == RegionLevel::kProvince;
        break;
      case RegionLevel::kCounty:
        level_ok = parent->level == RegionLevel::kCity || parent->level == RegionLevel::kProvince;
        break;
      case RegionLevel::kTownship:
        level_ok = parent->level == RegionLevel::kCounty || parent->is_also_county;
        break;
    }
    if (!level_ok) {
      return RowError(row.where, absl::StrCat("parent '", parent->code, "' is a ",
                                              RegionLevelName(parent->level),
                                              ", which cannot "
                                              "contain a ",
                                              RegionLevelName(row.region.level)));
    }
  }

  for (const auto& [code, region] : directory.regions_) {
    if (!region.parent_code.empty()) directory.children_[region.parent_code].push_back(code);
    if (region.level == RegionLevel::kTownship) {
      directory.provinces_with_townships_.insert(code.substr(0, 2));
    }
  }
  for (auto& [parent, children] : directory.children_) std::sort(children.begin(), children.end());
  return directory;
}

absl::StatusOr<RegionDirectory> RegionDirectory::LoadFiles(const std::vector<std::string>& paths) {
  std::vector<RegionCsv> documents;
  for (const std::string& path : paths) {
    RegionCsv document;
    document.name = path;
    if (absl::Status status = ReadFile(path, document.text); !status.ok()) return status;
    documents.push_back(std::move(document));
  }
  return FromCsv(documents);
}

absl::StatusOr<RegionDirectory> RegionDirectory::LoadDirectory(const std::string& directory) {
  std::error_code error;
  std::filesystem::directory_iterator it(directory, error);
  if (error) {
    return absl::NotFoundError(
        absl::StrCat(directory, ": cannot read region data folder: ", error.message()));
  }
  std::vector<std::string> paths;
  for (const std::filesystem::directory_entry& entry : it) {
    if (entry.is_regular_file(error) && entry.path().extension() == ".csv") {
      paths.push_back(entry.path().string());
    }
  }
  if (paths.empty()) {
    return absl::NotFoundError(absl::StrCat(directory, ": no *.csv region data files"));
  }
  std::sort(paths.begin(), paths.end());
  return LoadFiles(paths);
}

const Region* RegionDirectory::Find(absl::string_view code) const {
  auto it = regions_.find(code);
  return it == regions_.end() ? nullptr : &it->second;
}

std::optional<RegionLevel> RegionDirectory::LevelOf(absl::string_view code) const {
  const Region* region = Find(code);
  if (region == nullptr) return std::nullopt;
  return region->level;
}

const Region* RegionDirectory::Parent(absl::string_view code) const {
  const Region* region = Find(code);
  if (region == nullptr || region->parent_code.empty()) return nullptr;
  return Find(region->parent_code);
}

std::vector<const Region*> RegionDirectory::Chain(absl::string_view code) const {
  std::vector<const Region*> chain;
  // Levels strictly decrease going up (checked at load), so this ends after at most 4 steps.
  for (const Region* region = Find(code); region != nullptr; region = Parent(region->code)) {
    chain.push_back(region);
  }
  std::reverse(chain.begin(), chain.end());
  return chain;
}

std::vector<const Region*> RegionDirectory::Children(absl::string_view code) const {
  std::vector<const Region*> result;
  auto it = children_.find(code);
  if (it == children_.end()) return result;
  result.reserve(it->second.size());
  for (const std::string& child : it->second) result.push_back(Find(child));
  return result;
}

std::size_t RegionDirectory::CountAt(RegionLevel level) const {
  std::size_t count = 0;
  for (const auto& [code, region] : regions_) {
    if (region.level == level || (level == RegionLevel::kCounty && region.is_also_county)) ++count;
  }
  return count;
}

bool RegionDirectory::IsCountyLevel(absl::string_view code) const {
  const Region* region = Find(code);
  return region != nullptr && (region->level == RegionLevel::kCounty || region->is_also_county);
}

bool RegionDirectory::IsCityOfProvince(absl::string_view city, absl::string_view province) const {
  const Region* region = Find(city);
  return region != nullptr && region->level == RegionLevel::kCity &&
         region->parent_code == province;
}

bool RegionDirectory::IsCountyOfCity(absl::string_view county, absl::string_view city) const {
  const Region* region = Find(county);
  if (region == nullptr) return false;
  if (region->is_also_county) return region->code == city;
  return region->level == RegionLevel::kCounty && region->parent_code == city;
}

bool RegionDirectory::IsWithin(absl::string_view code, absl::string_view ancestor) const {
  absl::string_view known = code;
  // Statistical codes not in the files are placed by their known prefix (township, then county).
  if (Find(known) == nullptr && known.size() == kVillageCodeLength) {
    known = known.substr(0, kTownshipCodeLength);
  }
  if (Find(known) == nullptr && known.size() == kTownshipCodeLength) {
    known = known.substr(0, kRegionCodeLength);
  }
  for (const Region* region : Chain(known)) {
    if (region->code == ancestor) return true;
  }
  return false;
}

bool RegionDirectory::IsMunicipality(absl::string_view province_code) {
  return province_code == "110000" || province_code == "120000" || province_code == "310000" ||
         province_code == "500000";
}

bool RegionDirectory::HasTownshipData(absl::string_view code) const {
  return code.size() >= 2 && provinces_with_townships_.contains(code.substr(0, 2));
}

const Region* RegionDirectory::ProvinceOfCode(absl::string_view code) const {
  if (code.size() < 2) return nullptr;
  const Region* province = Find(absl::StrCat(code.substr(0, 2), "0000"));
  if (province == nullptr || province->level != RegionLevel::kProvince) return nullptr;
  return province;
}

void RegionDirectory::CheckAddress(const AddressCodes& codes, const AddressFieldNames& fields,
                                   Violations& out) const {
  // Step 1: each code on its own. Returns the region, or nullptr after adding a violation.
  const auto lookup = [&](absl::string_view code, const std::string& field,
                          absl::string_view what) -> const Region* {
    if (code.empty()) {
      out.Add(field, std::string(rule::kRequired), absl::StrCat(what, " code is required"));
      return nullptr;
    }
    if (!IsDigits(code, kRegionCodeLength)) {
      out.Add(field, std::string(rule::kFormat), absl::StrCat(what, " code must be 6 digits"));
      return nullptr;
    }
    const Region* region = Find(code);
    if (region == nullptr) {
      out.Add(field, std::string(rule::kRegionUnknown),
              absl::StrCat(what, " code is not a current GB/T 2260 region"));
    }
    return region;
  };
  const auto wrong_level = [&](const std::string& field, const Region& region,
                               absl::string_view expected) {
    out.Add(field, std::string(rule::kRegionLevel),
            absl::StrCat("code ", region.code, " (", region.name, ") is a ",
                         RegionLevelName(region.level), ", not a ", expected));
  };

  const Region* province = lookup(codes.province_code, fields.province, "province");
  if (province != nullptr && province->level != RegionLevel::kProvince) {
    wrong_level(fields.province, *province, "province");
    province = nullptr;
  }

  // How the city field is filled in, see the file comment of region_directory.h.
  enum class CityForm { kCity, kMunicipality, kProvinceAdministeredUnit };
  CityForm city_form = CityForm::kCity;
  const Region* city = lookup(codes.city_code, fields.city, "city");
  if (city != nullptr) {
    if (city->level == RegionLevel::kCity) {
      city_form = CityForm::kCity;
    } else if (city->level == RegionLevel::kProvince && IsMunicipality(city->code)) {
      city_form = CityForm::kMunicipality;
    } else if (IsProvinceAdministered(*city, Parent(city->code))) {
      city_form = CityForm::kProvinceAdministeredUnit;
    } else {
      wrong_level(fields.city, *city, "city");
      city = nullptr;
    }
  }

  const Region* county = lookup(codes.county_code, fields.county, "county");
  if (county != nullptr && !IsCountyLevel(county->code)) {
    wrong_level(fields.county, *county, "county");
    county = nullptr;
  }

  // Step 2: do the codes that passed belong together?
  if (city != nullptr && province != nullptr && ProvinceOfCode(city->code) != province) {
    out.Add(fields.city, std::string(rule::kRegionMismatch),
            absl::StrCat("city ", city->code, " (", city->name, ") is not in province ",
                         province->code, " (", province->name, ")"));
    // The county is still compared with the city below, not with the province: when city and
    // county agree, the one field to correct is the city (or the province), not the county too.
  }
  if (county == nullptr) return;
  if (city != nullptr) {
    bool consistent = false;
    switch (city_form) {
      case CityForm::kCity:
        consistent = IsCountyOfCity(county->code, city->code);
        break;
      case CityForm::kMunicipality:
        consistent = ProvinceOfCode(county->code) == city;
        break;
      case CityForm::kProvinceAdministeredUnit:
        consistent = county == city;
        break;
    }
    if (!consistent) {
      out.Add(fields.county, std::string(rule::kRegionMismatch),
              absl::StrCat("county ", county->code, " (", county->name, ") is not in city ",
                           city->code, " (", city->name, ")"));
    }
  } else if (province != nullptr && ProvinceOfCode(county->code) != province) {
    out.Add(fields.county, std::string(rule::kRegionMismatch),
            absl::StrCat("county ", county->code, " (", county->name, ") is not in province ",
                         province->code, " (", province->name, ")"));
  }
}

absl::Status RegionDirectory::ValidateAddress(const AddressCodes& codes) const {
  Violations violations;
  CheckAddress(codes, AddressFieldNames(), violations);
  return violations.ToStatus();
}

absl::Status RegionDirectory::ValidateTownshipCode(absl::string_view code) const {
  if (!IsDigits(code, kTownshipCodeLength) || absl::EndsWith(code, "000")) {
    return ValidationError(rule::kFormat,
                           "township code must be 9 digits: a county code and a 3-digit township "
                           "number other than 000");
  }
  if (!IsCountyLevel(code.substr(0, kRegionCodeLength))) {
    return ValidationError(rule::kRegionUnknown,
                           "digits 1-6 of the township code are not a current county-level region");
  }
  if (HasTownshipData(code)) {
    const Region* township = Find(code);
    if (township == nullptr || township->level != RegionLevel::kTownship) {
      return ValidationError(rule::kRegionUnknown,
                             "township code is not in the province's township list");
    }
  }
  return absl::OkStatus();
}

absl::Status RegionDirectory::ValidateVillageCode(absl::string_view code) const {
  if (!IsDigits(code, kVillageCodeLength) || absl::EndsWith(code, "000")) {
    return ValidationError(rule::kFormat,
                           "village code must be 12 digits: a township code and a 3-digit village "
                           "number other than 000");
  }
  return ValidateTownshipCode(code.substr(0, kTownshipCodeLength));
}

}  // namespace unemployment::validation
