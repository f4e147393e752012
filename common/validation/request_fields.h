#pragma once

// The fields every service's requests share: the caller's request id (idempotency key), the page
// size of a list, free text trimmed in place. One rule for each, so the services answer the same
// input the same way (before these lived here, one service did not trim request ids).

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "common/validation/violations.h"

namespace unemployment::validation {

// The longest request id a caller may send.
inline constexpr size_t kMaxRequestIdLength = 64;

// Removes leading and trailing whitespace (TrimText) in place; no copy when there is none.
void TrimInPlace(std::string* value);

// Trims `value` in place, then checks it as a request id: REQUIRED when empty (if `required`),
// TOO_LONG above kMaxRequestIdLength, CHARACTERS unless only ASCII letters, digits, '.', '_', ':'
// and '-'. At most one violation, on `field`.
void CheckRequestId(Violations& out, absl::string_view field, std::string* value,
                    bool required = true);

// OUT_OF_RANGE on `field` when `page_size` is negative (0 means the service's default).
void CheckPageSize(Violations& out, int32_t page_size, absl::string_view field = "page_size");

// Trims `value` in place and checks it as required single-line (or multi-line) text of at most
// `max_characters` characters (ValidateText: REQUIRED, TOO_LONG, INVALID_UTF8, CONTROL_CHARACTER).
void RequireTrimmedText(Violations& out, absl::string_view field, std::string* value,
                        size_t max_characters, bool multiline = false);

}  // namespace unemployment::validation
