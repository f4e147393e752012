#pragma once

// Page tokens of the tiering list RPCs: the suite's one codec (common/paging/page_token.h) with
// tiering's version tag. Positions hold dates and system ids, no personal data.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/paging/page_token.h"

namespace unemployment::tiering {

using paging::EffectivePageSize;
using paging::QueryFingerprint;

std::string EncodePageToken(uint64_t fingerprint, const std::vector<std::string>& position);

// The position of a token made for `fingerprint` with exactly `fields` parts.
absl::StatusOr<std::vector<std::string>> DecodePageToken(absl::string_view token,
                                                         uint64_t fingerprint, size_t fields);

// The INVALID_ARGUMENT (reason INVALID_PAGE_TOKEN) every bad token gets.
absl::Status InvalidPageTokenError();

}  // namespace unemployment::tiering
