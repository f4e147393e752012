#include "common/paging/page_token.h"

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/status/status_util.h"

namespace unemployment::paging {
namespace {

constexpr char kSeparator = '\x1f';

}  // namespace

uint64_t QueryFingerprint(absl::string_view query_text) {
  uint64_t hash = 14695981039346656037ULL;  // FNV-1a 64 offset basis
  for (unsigned char c : query_text) {
    hash ^= c;
    hash *= 1099511628211ULL;  // FNV-1a 64 prime
  }
  return hash;
}

std::string EncodePageToken(absl::string_view version, uint64_t query_fingerprint,
                            absl::Span<const std::string> position) {
  std::string plain = absl::StrCat(version, absl::string_view(&kSeparator, 1),
                                   absl::Hex(query_fingerprint));
  for (const std::string& part : position) {
    absl::StrAppend(&plain, absl::string_view(&kSeparator, 1), part);
  }
  return absl::WebSafeBase64Escape(plain);
}

absl::Status InvalidPageToken(absl::string_view field_name) {
  return status::InvalidArgumentError(
      absl::StrCat("the ", field_name, " is not one returned for this query"),
      {{std::string(field_name), "FORMAT",
        "the token is not one this service returned for this query"}},
      "INVALID_PAGE_TOKEN");
}

absl::StatusOr<std::vector<std::string>> DecodePageToken(absl::string_view token,
                                                         absl::string_view version,
                                                         uint64_t query_fingerprint, size_t parts,
                                                         absl::string_view field_name) {
  std::string plain;
  if (token.size() > kMaxPageTokenLength || !absl::WebSafeBase64Unescape(token, &plain)) {
    return InvalidPageToken(field_name);
  }
  std::vector<std::string> fields = absl::StrSplit(plain, kSeparator);
  if (fields.size() != parts + 2 || fields[0] != version ||
      fields[1] != absl::StrCat(absl::Hex(query_fingerprint))) {
    return InvalidPageToken(field_name);
  }
  return std::vector<std::string>(fields.begin() + 2, fields.end());
}

int EffectivePageSize(int32_t requested) {
  if (requested <= 0) return kDefaultPageSize;
  return requested > kMaxPageSize ? kMaxPageSize : requested;
}

}  // namespace unemployment::paging
