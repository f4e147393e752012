#include "common/server/registration_shards.h"

#include <algorithm>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace unemployment::server {

bool IsShardId(absl::string_view id) {
  if (id.empty() || id.size() > 32) return false;
  for (char c : id) {
    if (!absl::ascii_islower(static_cast<unsigned char>(c)) &&
        !absl::ascii_isdigit(static_cast<unsigned char>(c))) {
      return false;
    }
  }
  return true;
}

absl::StatusOr<std::vector<RegistrationShard>> ParseRegistrationShards(
    absl::string_view shards, absl::string_view default_address) {
  std::vector<RegistrationShard> out;
  if (absl::StripAsciiWhitespace(shards).empty()) {
    if (default_address.empty()) {
      return absl::InvalidArgumentError(
          "setting --registration_addr or --registration_shards is required");
    }
    out.push_back({std::string(kDefaultShardId), std::string(default_address)});
    return out;
  }
  std::set<std::string> ids;
  for (absl::string_view item : absl::StrSplit(shards, ',')) {
    item = absl::StripAsciiWhitespace(item);
    const size_t equals = item.find('=');
    if (equals == absl::string_view::npos) {
      return absl::InvalidArgumentError(absl::StrCat(
          "setting --registration_shards: \"", item, "\" is not shard_id=host:port"));
    }
    const absl::string_view id = absl::StripAsciiWhitespace(item.substr(0, equals));
    const absl::string_view address = absl::StripAsciiWhitespace(item.substr(equals + 1));
    if (!IsShardId(id)) {
      return absl::InvalidArgumentError(
          absl::StrCat("setting --registration_shards: shard id \"", id,
                       "\" must be 1 to 32 lower-case letters and digits"));
    }
    if (address.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("setting --registration_shards: shard \"", id, "\" has no address"));
    }
    if (!ids.insert(std::string(id)).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("setting --registration_shards: shard \"", id, "\" is given twice"));
    }
    out.push_back({std::string(id), std::string(address)});
  }
  std::sort(out.begin(), out.end(),
            [](const RegistrationShard& a, const RegistrationShard& b) { return a.id < b.id; });
  return out;
}

}  // namespace unemployment::server
