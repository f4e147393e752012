#include "services/registration/page_token.h"

#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/status/macros.h"

namespace unemployment::registration {
namespace {

constexpr absl::string_view kVersion = "r1";
constexpr size_t kMaxIdLength = 64;

}  // namespace

std::string EncodePageToken(uint64_t query_fingerprint, const ListPosition& position) {
  return paging::EncodePageToken(kVersion, query_fingerprint,
                                 {absl::StrCat(position.time_micros), position.id});
}

absl::StatusOr<ListPosition> DecodePageToken(absl::string_view token, uint64_t query_fingerprint,
                                             absl::string_view field_name) {
  ASSIGN_OR_RETURN(std::vector<std::string> parts,
                   paging::DecodePageToken(token, kVersion, query_fingerprint, 2, field_name));
  ListPosition position;
  if (!absl::SimpleAtoi(parts[0], &position.time_micros) || parts[1].empty() ||
      parts[1].size() > kMaxIdLength) {
    return paging::InvalidPageToken(field_name);
  }
  position.id = parts[1];
  return position;
}

}  // namespace unemployment::registration
