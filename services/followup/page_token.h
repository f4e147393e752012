#pragma once

// Opaque page tokens (AIP-158): web-safe base64 of a version, a fingerprint of the query (every
// request field but page_size and page_token) and the position of the last row returned. A token is
// accepted only for the query it was made for; anything else is INVALID_ARGUMENT with reason
// INVALID_PAGE_TOKEN on field "page_token".

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/followup/followup_store.h"

namespace unemployment::followup {

// A stable 64-bit fingerprint (FNV-1a) of the text that identifies a query.
uint64_t QueryFingerprint(absl::string_view query_text);

std::string EncodePageToken(uint64_t query_fingerprint, const ListPosition& position);

absl::StatusOr<ListPosition> DecodePageToken(absl::string_view token, uint64_t query_fingerprint);

// 0 -> 50, above 500 -> 500 (negative values are rejected by request validation).
int EffectivePageSize(int32_t requested);

}  // namespace unemployment::followup
