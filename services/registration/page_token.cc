#include "services/registration/page_token.h"

#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/status/status_util.h"

namespace unemployment::registration {
namespace {

constexpr absl::string_view kVersion = "p1";
constexpr size_t kMaxTokenLength = 512;
constexpr size_t kMaxIdLength = 64;

absl::Status BadToken(absl::string_view field_name, absl::string_view why) {
  return status::InvalidArgumentError(
      "the page token is not valid for this query",
      {{std::string(field_name), "INVALID_PAGE_TOKEN", std::string(why)}}, "INVALID_PAGE_TOKEN");
}

}  // namespace

uint64_t QueryFingerprint(absl::string_view query_text) {
  uint64_t hash = 1469598103934665603ULL;
  for (unsigned char c : query_text) {
    hash ^= c;
    hash *= 1099511628211ULL;
  }
  return hash;
}

std::string EncodePageToken(uint64_t query_fingerprint, const ListPosition& position) {
  return absl::WebSafeBase64Escape(absl::StrCat(kVersion, ".", absl::Hex(query_fingerprint), ".",
                                                position.time_micros, ".", position.id));
}

absl::StatusOr<ListPosition> DecodePageToken(absl::string_view token, uint64_t query_fingerprint,
                                             absl::string_view field_name) {
  if (token.size() > kMaxTokenLength) return BadToken(field_name, "the token is too long");
  std::string text;
  if (!absl::WebSafeBase64Unescape(token, &text)) {
    return BadToken(field_name, "the token is not one this service issued");
  }
  std::vector<std::string> parts = absl::StrSplit(text, absl::MaxSplits('.', 3));
  if (parts.size() != 4 || parts[0] != kVersion) {
    return BadToken(field_name, "the token is not one this service issued");
  }
  uint64_t fingerprint = 0;
  if (!absl::SimpleHexAtoi(parts[1], &fingerprint) || fingerprint != query_fingerprint) {
    return BadToken(field_name, "the token belongs to another query");
  }
  ListPosition position;
  if (!absl::SimpleAtoi(parts[2], &position.time_micros) || parts[3].empty() ||
      parts[3].size() > kMaxIdLength) {
    return BadToken(field_name, "the token is not one this service issued");
  }
  position.id = parts[3];
  return position;
}

int EffectivePageSize(int32_t requested) {
  if (requested <= 0) return 50;
  if (requested > 500) return 500;
  return requested;
}

}  // namespace unemployment::registration
