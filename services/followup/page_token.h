#pragma once

// Page tokens of the follow-up list RPCs: the suite's one codec (common/paging/page_token.h) with
// follow-up's version tag and its list position (a sort key, a time, an id). A token is accepted
// only for the query it was made for; anything else is INVALID_ARGUMENT with reason
// INVALID_PAGE_TOKEN on field "page_token".

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/paging/page_token.h"
#include "services/followup/followup_store.h"

namespace unemployment::followup {

using paging::EffectivePageSize;
using paging::QueryFingerprint;

std::string EncodePageToken(uint64_t query_fingerprint, const ListPosition& position);

absl::StatusOr<ListPosition> DecodePageToken(absl::string_view token, uint64_t query_fingerprint);

}  // namespace unemployment::followup
