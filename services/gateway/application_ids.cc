#include "services/gateway/application_ids.h"

#include <algorithm>
#include <cstddef>
#include <optional>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/validation/rules.h"

namespace unemployment::gateway {
namespace {

namespace rule = validation::rule;

constexpr std::size_t kRegionPrefixLength = 6;
constexpr std::size_t kMinPortalIdLength = 7;
constexpr std::size_t kMaxPortalIdLength = 32;
constexpr std::size_t kMaxMinistryIdLength = 40;

bool IsDigit(char c) { return absl::ascii_isdigit(static_cast<unsigned char>(c)); }

// A region code followed by digits and upper-case letters, 7-32 characters.
bool HasPortalIdShape(absl::string_view id) {
  if (id.size() < kMinPortalIdLength || id.size() > kMaxPortalIdLength) return false;
  const absl::string_view region = id.substr(0, kRegionPrefixLength);
  if (!std::all_of(region.begin(), region.end(), IsDigit)) return false;
  const absl::string_view serial = id.substr(kRegionPrefixLength);
  return std::all_of(serial.begin(), serial.end(), [](char c) {
    return IsDigit(c) || absl::ascii_isupper(static_cast<unsigned char>(c));
  });
}

}  // namespace

void ValidatePortalApplicationId(absl::string_view id, const validation::RegionDirectory& regions,
                                 absl::string_view province_code, absl::string_view field,
                                 validation::Violations& out) {
  const std::string name(field);
  if (id.empty()) {
    out.Add(name, std::string(rule::kRequired), "the portal application id is required");
    return;
  }
  if (!HasPortalIdShape(id)) {
    out.Add(name, std::string(rule::kFormat),
            "the portal application id must be a 6-digit region code followed by 1 to 26 digits "
            "or upper-case letters");
    return;
  }
  const absl::string_view region = id.substr(0, kRegionPrefixLength);
  const std::optional<validation::RegionLevel> level = regions.LevelOf(region);
  if (!level.has_value() || *level == validation::RegionLevel::kTownship) {
    out.Add(name, std::string(rule::kRegionUnknown),
            "the region code of the portal application id is not in the reference list");
    return;
  }
  if (!regions.IsWithin(region, province_code)) {
    out.Add(name, std::string(rule::kOutsideProvince),
            absl::StrCat("the region of the portal application id lies outside the province ",
                         province_code));
  }
}

void ValidateMinistryApplicationId(absl::string_view id, absl::string_view field,
                                   validation::Violations& out) {
  const std::string name(field);
  if (id.empty()) {
    out.Add(name, std::string(rule::kRequired), "the ministry application id is required");
    return;
  }
  const bool shape =
      id.size() <= kMaxMinistryIdLength && std::all_of(id.begin(), id.end(), [](char c) {
        return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '-';
      });
  if (!shape) {
    out.Add(name, std::string(rule::kFormat),
            "the ministry application id must be 1 to 40 letters, digits or \"-\"");
  }
}

}  // namespace unemployment::gateway
