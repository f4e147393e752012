#pragma once

// Page tokens of the registration list RPCs: the suite's one codec (common/paging/page_token.h)
// with registration's version tag and its list position (a time and an id). A token is accepted
// only for the query it was made for; anything else is INVALID_ARGUMENT with reason
// INVALID_PAGE_TOKEN. Tokens carry no personal data (positions are times and system ids).

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/paging/page_token.h"
#include "services/registration/registration_store.h"

namespace unemployment::registration {

using paging::EffectivePageSize;
using paging::QueryFingerprint;

std::string EncodePageToken(uint64_t query_fingerprint, const ListPosition& position);

// The position a token encodes; INVALID_ARGUMENT (reason INVALID_PAGE_TOKEN, field
// `field_name`) when the token is malformed or belongs to another query.
absl::StatusOr<ListPosition> DecodePageToken(absl::string_view token, uint64_t query_fingerprint,
                                             absl::string_view field_name = "page_token");

}  // namespace unemployment::registration
