#pragma once

// The channels' own application ids at the gateway, with the rules of
// proto/unemployment/gateway/v1/gateway_service.proto. The form they come with is checked by the
// shared form validator (common/forms).

#include <string>

#include "absl/strings/string_view.h"
#include "common/validation/region_directory.h"
#include "common/validation/violations.h"

namespace unemployment::gateway {

// The province portal's application id: a 6-digit region code of the province followed by a local
// serial of digits and upper-case letters, 7-32 characters in all. Rules: REQUIRED, FORMAT,
// REGION_UNKNOWN, OUTSIDE_PROVINCE (the region must lie in `province_code`). Expects a trimmed
// value; adds at most one violation on `field`.
void ValidatePortalApplicationId(absl::string_view id, const validation::RegionDirectory& regions,
                                 absl::string_view province_code, absl::string_view field,
                                 validation::Violations& out);

// The ministry's application number: 1-40 letters, digits and "-". Rules: REQUIRED, FORMAT.
// Expects a trimmed value; adds at most one violation on `field`.
void ValidateMinistryApplicationId(absl::string_view id, absl::string_view field,
                                   validation::Violations& out);

}  // namespace unemployment::gateway
