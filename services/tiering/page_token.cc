#include "services/tiering/page_token.h"

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/status/status_util.h"

namespace unemployment::tiering {
namespace {

constexpr absl::string_view kVersion = "t1";
constexpr char kSeparator = '\x1f';
constexpr int kDefaultPageSize = 50;
constexpr int kMaxPageSize = 500;

}  // namespace

absl::Status InvalidPageTokenError() {
  return status::InvalidArgumentError(
      "invalid page_token",
      {{"page_token", "FORMAT", "the page_token is not one returned for this query"}},
      "INVALID_PAGE_TOKEN");
}

uint64_t QueryFingerprint(absl::string_view query_text) {
  uint64_t hash = 14695981039346656037ULL;
  for (char c : query_text) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 1099511628211ULL;
  }
  return hash;
}

std::string EncodePageToken(uint64_t fingerprint, const std::vector<std::string>& position) {
  std::string plain = absl::StrCat(kVersion, std::string(1, kSeparator), absl::Hex(fingerprint));
  for (const std::string& part : position)
    absl::StrAppend(&plain, std::string(1, kSeparator), part);
  return absl::WebSafeBase64Escape(plain);
}

absl::StatusOr<std::vector<std::string>> DecodePageToken(absl::string_view token,
                                                         uint64_t fingerprint, size_t fields) {
  std::string plain;
  if (!absl::WebSafeBase64Unescape(token, &plain)) return InvalidPageTokenError();
  std::vector<std::string> parts = absl::StrSplit(plain, kSeparator);
  if (parts.size() != fields + 2 || parts[0] != kVersion ||
      parts[1] != absl::StrCat(absl::Hex(fingerprint))) {
    return InvalidPageTokenError();
  }
  return std::vector<std::string>(parts.begin() + 2, parts.end());
}

int EffectivePageSize(int32_t requested) {
  if (requested <= 0) return kDefaultPageSize;
  return requested > kMaxPageSize ? kMaxPageSize : requested;
}

}  // namespace unemployment::tiering
