// Checks for free-text fields (names, addresses, notes): UTF-8, required, length in characters.
//
// Limits are counted in Unicode characters (code points), not bytes: a Chinese name of 4
// characters is 12 bytes of UTF-8, and applicants and staff think in characters.
#pragma once

#include <cstddef>
#include <optional>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace unemployment::validation {

// `text` without leading and trailing ASCII whitespace and U+3000 IDEOGRAPHIC SPACE (全角空格),
// which Chinese input methods produce and which is just as invisible to the applicant.
absl::string_view TrimText(absl::string_view text);

// True when `text` is well-formed UTF-8 (no overlong forms, no surrogates, at most U+10FFFF).
bool IsValidUtf8(absl::string_view text);

// Number of characters (code points) in `text`, or nullopt when it is not valid UTF-8.
std::optional<std::size_t> Utf8CharacterCount(absl::string_view text);

// INVALID_UTF8 when `text` is not valid UTF-8.
absl::Status ValidateUtf8(absl::string_view text);

// REQUIRED when `text` is empty after TrimText().
absl::Status ValidateRequired(absl::string_view text);

// INVALID_UTF8, or TOO_LONG when TrimText(text) has more than `max_characters` characters.
absl::Status ValidateMaxCharacters(absl::string_view text, std::size_t max_characters);

// What a free-text field allows; see ValidateText().
struct TextRules {
  // Empty (after trimming) is refused with REQUIRED.
  bool required = false;
  // Maximum characters after trimming; 0 means no limit.
  std::size_t max_characters = 0;
  // Line breaks and tabs allowed (notes); single-line fields (names) refuse them.
  bool multiline = false;
};

// All checks of a free-text field, first failure wins, in this order: INVALID_UTF8,
// CONTROL_CHARACTER (C0/C1 controls and DEL; in single-line fields also tab and line breaks),
// REQUIRED, TOO_LONG. Counting is done on TrimText(text), so services should store the trimmed
// text.
absl::Status ValidateText(absl::string_view text, const TextRules& rules);

}  // namespace unemployment::validation
