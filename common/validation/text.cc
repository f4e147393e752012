#include "common/validation/text.h"

#include <cstdint>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/validation/rules.h"
#include "common/validation/validation_error.h"

namespace unemployment::validation {
namespace {

// U+3000 IDEOGRAPHIC SPACE in UTF-8.
constexpr absl::string_view kIdeographicSpaceUtf8 = "\xE3\x80\x80";

// Decodes the code point starting at text[pos]. Returns its byte length, or 0 when the bytes there
// are not well-formed UTF-8 (RFC 3629 table: rejects overlongs, surrogates and > U+10FFFF).
std::size_t DecodeUtf8(absl::string_view text, std::size_t pos, char32_t& code_point) {
  const auto byte = [&](std::size_t i) { return static_cast<std::uint8_t>(text[pos + i]); };
  const std::size_t left = text.size() - pos;
  const std::uint8_t b0 = byte(0);
  if (b0 < 0x80) {
    code_point = b0;
    return 1;
  }
  std::size_t length = 0;
  std::uint8_t min1 = 0x80;
  std::uint8_t max1 = 0xBF;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    length = 2;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    length = 3;
    if (b0 == 0xE0) min1 = 0xA0;  // overlong
    if (b0 == 0xED) max1 = 0x9F;  // UTF-16 surrogates
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    length = 4;
    if (b0 == 0xF0) min1 = 0x90;  // overlong
    if (b0 == 0xF4) max1 = 0x8F;  // above U+10FFFF
  } else {
    return 0;
  }
  if (left < length) return 0;
  if (byte(1) < min1 || byte(1) > max1) return 0;
  for (std::size_t i = 2; i < length; ++i) {
    if (byte(i) < 0x80 || byte(i) > 0xBF) return 0;
  }
  char32_t value = b0 & (0xFF >> (length + 1));
  for (std::size_t i = 1; i < length; ++i) value = (value << 6) | (byte(i) & 0x3F);
  code_point = value;
  return length;
}

bool IsControl(char32_t c) { return c < 0x20 || (c >= 0x7F && c <= 0x9F); }

}  // namespace

absl::string_view TrimText(absl::string_view text) {
  // Alternate until stable: "　 name 　" mixes both kinds of space.
  while (true) {
    const std::size_t before = text.size();
    text = absl::StripAsciiWhitespace(text);
    while (absl::ConsumePrefix(&text, kIdeographicSpaceUtf8)) {
    }
    while (absl::ConsumeSuffix(&text, kIdeographicSpaceUtf8)) {
    }
    if (text.size() == before) return text;
  }
}

bool IsValidUtf8(absl::string_view text) { return Utf8CharacterCount(text).has_value(); }

std::optional<std::size_t> Utf8CharacterCount(absl::string_view text) {
  std::size_t count = 0;
  for (std::size_t pos = 0; pos < text.size();) {
    char32_t c = 0;
    const std::size_t length = DecodeUtf8(text, pos, c);
    if (length == 0) return std::nullopt;
    pos += length;
    ++count;
  }
  return count;
}

absl::Status ValidateUtf8(absl::string_view text) {
  if (IsValidUtf8(text)) return absl::OkStatus();
  return ValidationError(rule::kInvalidUtf8, "text is not valid UTF-8");
}

absl::Status ValidateRequired(absl::string_view text) {
  if (!TrimText(text).empty()) return absl::OkStatus();
  return ValidationError(rule::kRequired, "a value is required");
}

absl::Status ValidateMaxCharacters(absl::string_view text, std::size_t max_characters) {
  const std::optional<std::size_t> count = Utf8CharacterCount(TrimText(text));
  if (!count.has_value()) return ValidateUtf8(text);
  if (*count <= max_characters) return absl::OkStatus();
  return ValidationError(rule::kTooLong, absl::StrCat("text has ", *count, " characters; at most ",
                                                      max_characters, " are allowed"));
}

absl::Status ValidateText(absl::string_view text, const TextRules& rules) {
  for (std::size_t pos = 0; pos < text.size();) {
    char32_t c = 0;
    const std::size_t length = DecodeUtf8(text, pos, c);
    if (length == 0) return ValidateUtf8(text);
    pos += length;
    if (!IsControl(c)) continue;
    if (rules.multiline && (c == '\n' || c == '\r' || c == '\t')) continue;
    return ValidationError(rule::kControlCharacter,
                           rules.multiline ? "text contains a control character"
                                           : "text contains a control character or line break");
  }
  if (rules.required) {
    if (absl::Status status = ValidateRequired(text); !status.ok()) return status;
  }
  if (rules.max_characters > 0) return ValidateMaxCharacters(text, rules.max_characters);
  return absl::OkStatus();
}

}  // namespace unemployment::validation
