#pragma once

// Opaque page tokens of every list RPC (AIP-158), one codec for the suite: web-safe base64 of
//   <version> US <fingerprint of the query, hex> US <position part> US <position part> ...
// (US = the ASCII unit separator, which no id, key or number of the suite contains). The version
// names the list ("r1" registration's queues, "t1" tiering's, ...), so a token of one list is
// refused by another; the fingerprint (FNV-1a 64 of every request field but page_size and
// page_token) binds it to the query it was made for. Anything that does not decode exactly is
// INVALID_ARGUMENT with reason INVALID_PAGE_TOKEN and a FORMAT violation on the token's field.
// Positions hold times, dates and system ids: no personal data.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace unemployment::paging {

// Longest token accepted; longer ones are refused before decoding.
inline constexpr size_t kMaxPageTokenLength = 1024;
// The page size rule of every list RPC: 0 -> 50, above 500 -> 500 (negative sizes are refused by
// request validation before).
inline constexpr int kDefaultPageSize = 50;
inline constexpr int kMaxPageSize = 500;

// FNV-1a 64 of the text that identifies a query.
uint64_t QueryFingerprint(absl::string_view query_text);

std::string EncodePageToken(absl::string_view version, uint64_t query_fingerprint,
                            absl::Span<const std::string> position);

// The position parts of a token made by EncodePageToken with the same version and fingerprint and
// exactly `parts` parts; otherwise InvalidPageToken(field_name).
absl::StatusOr<std::vector<std::string>> DecodePageToken(absl::string_view token,
                                                         absl::string_view version,
                                                         uint64_t query_fingerprint, size_t parts,
                                                         absl::string_view field_name = "page_token");

// The INVALID_ARGUMENT every bad token gets (reason INVALID_PAGE_TOKEN, rule FORMAT on the field).
absl::Status InvalidPageToken(absl::string_view field_name = "page_token");

int EffectivePageSize(int32_t requested);

}  // namespace unemployment::paging
