#pragma once

// Opaque page tokens (AIP-158) of the tiering list RPCs: web-safe base64 of a version tag, a
// fingerprint of the query's other fields and the position after the last row returned. A token
// is accepted only for the query it was made for; anything else is INVALID_ARGUMENT with reason
// INVALID_PAGE_TOKEN on field "page_token". Positions hold dates and system ids, no personal data.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace unemployment::tiering {

// FNV-1a of the text that identifies a query (its fields other than page_size and page_token).
uint64_t QueryFingerprint(absl::string_view query_text);

std::string EncodePageToken(uint64_t fingerprint, const std::vector<std::string>& position);

// The position of a token made for `fingerprint` with exactly `fields` parts.
absl::StatusOr<std::vector<std::string>> DecodePageToken(absl::string_view token,
                                                         uint64_t fingerprint, size_t fields);

// The INVALID_ARGUMENT (reason INVALID_PAGE_TOKEN) every bad token gets.
absl::Status InvalidPageTokenError();

// 0 -> 50, above 500 -> 500 (negative sizes are rejected by request validation).
int EffectivePageSize(int32_t requested);

}  // namespace unemployment::tiering
