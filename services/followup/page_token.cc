#include "services/followup/page_token.h"

#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/status/status_util.h"
#include "common/validation/rules.h"

namespace unemployment::followup {
namespace {

constexpr absl::string_view kVersion = "f1";

absl::Status InvalidToken() {
  return status::InvalidArgumentError(
      "page_token is not a token of this query",
      {{"page_token", "FORMAT", "the page_token does not belong to this query"}},
      "INVALID_PAGE_TOKEN");
}

}  // namespace

uint64_t QueryFingerprint(absl::string_view query_text) {
  uint64_t hash = 14695981039346656037ULL;
  for (unsigned char c : query_text) {
    hash ^= c;
    hash *= 1099511628211ULL;
  }
  return hash;
}

std::string EncodePageToken(uint64_t query_fingerprint, const ListPosition& position) {
  // Newlines separate the parts: no key or id of this service contains one.
  return absl::WebSafeBase64Escape(absl::StrCat(kVersion, "\n", query_fingerprint, "\n",
                                                position.key, "\n", position.micros, "\n",
                                                position.id));
}

absl::StatusOr<ListPosition> DecodePageToken(absl::string_view token, uint64_t query_fingerprint) {
  std::string raw;
  if (!absl::WebSafeBase64Unescape(token, &raw)) return InvalidToken();
  std::vector<std::string> parts = absl::StrSplit(raw, '\n');
  uint64_t fingerprint = 0;
  ListPosition position;
  if (parts.size() != 5 || parts[0] != kVersion || !absl::SimpleAtoi(parts[1], &fingerprint) ||
      fingerprint != query_fingerprint || !absl::SimpleAtoi(parts[3], &position.micros) ||
      parts[4].empty()) {
    return InvalidToken();
  }
  position.key = parts[2];
  position.id = parts[4];
  return position;
}

int EffectivePageSize(int32_t requested) {
  if (requested <= 0) return 50;
  return requested > 500 ? 500 : requested;
}

}  // namespace unemployment::followup
