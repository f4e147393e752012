#pragma once

// Opaque page tokens (AIP-158): base64url of a version, a fingerprint of the query and the position
// of the last row returned. A token is only accepted for the query it was made for; anything that
// does not decode exactly is INVALID_ARGUMENT with reason INVALID_PAGE_TOKEN. Tokens carry no
// personal data (positions are times and system ids).

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/registration/registration_store.h"

namespace unemployment::registration {

// A stable 64-bit fingerprint (FNV-1a) of the text that identifies a query.
uint64_t QueryFingerprint(absl::string_view query_text);

std::string EncodePageToken(uint64_t query_fingerprint, const ListPosition& position);

// The position a token encodes; INVALID_ARGUMENT (reason INVALID_PAGE_TOKEN, field
// `field_name`) when the token is malformed or belongs to another query.
absl::StatusOr<ListPosition> DecodePageToken(absl::string_view token, uint64_t query_fingerprint,
                                             absl::string_view field_name = "page_token");

// The page size rule of every list RPC: 0 -> 50, above 500 -> 500; negative is rejected by the
// request validation before.
int EffectivePageSize(int32_t requested);

}  // namespace unemployment::registration
