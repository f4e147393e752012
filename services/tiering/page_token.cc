#include "services/tiering/page_token.h"

namespace unemployment::tiering {
namespace {

constexpr absl::string_view kVersion = "t1";

}  // namespace

absl::Status InvalidPageTokenError() { return paging::InvalidPageToken(); }

std::string EncodePageToken(uint64_t fingerprint, const std::vector<std::string>& position) {
  return paging::EncodePageToken(kVersion, fingerprint, position);
}

absl::StatusOr<std::vector<std::string>> DecodePageToken(absl::string_view token,
                                                         uint64_t fingerprint, size_t fields) {
  return paging::DecodePageToken(token, kVersion, fingerprint, fields);
}

}  // namespace unemployment::tiering
