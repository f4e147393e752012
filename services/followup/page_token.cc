#include "services/followup/page_token.h"

#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/status/macros.h"

namespace unemployment::followup {
namespace {

constexpr absl::string_view kVersion = "f2";

}  // namespace

std::string EncodePageToken(uint64_t query_fingerprint, const ListPosition& position) {
  return paging::EncodePageToken(kVersion, query_fingerprint,
                                 {position.key, absl::StrCat(position.micros), position.id});
}

absl::StatusOr<ListPosition> DecodePageToken(absl::string_view token, uint64_t query_fingerprint) {
  ASSIGN_OR_RETURN(std::vector<std::string> parts,
                   paging::DecodePageToken(token, kVersion, query_fingerprint, 3));
  ListPosition position;
  position.key = parts[0];
  if (!absl::SimpleAtoi(parts[1], &position.micros) || parts[2].empty()) {
    return paging::InvalidPageToken();
  }
  position.id = parts[2];
  return position;
}

}  // namespace unemployment::followup
