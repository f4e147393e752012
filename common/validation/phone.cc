#include "common/validation/phone.h"

#include <cstddef>

#include "absl/strings/ascii.h"
#include "absl/strings/strip.h"
#include "common/validation/rules.h"
#include "common/validation/validation_error.h"

namespace unemployment::validation {
namespace {

constexpr std::size_t kMobileLength = 11;
constexpr std::size_t kMaxExtensionLength = 6;

bool IsDigit(char c) { return absl::ascii_isdigit(static_cast<unsigned char>(c)); }

// Number of consecutive digits at the start of `text`.
std::size_t LeadingDigits(absl::string_view text) {
  std::size_t n = 0;
  while (n < text.size() && IsDigit(text[n])) ++n;
  return n;
}

absl::Status LandlineFormatError() {
  return ValidationError(rule::kFormat,
                         "landline must be an area code (0 and 2 or 3 digits), an optional '-', 7 "
                         "or 8 digits, and optionally '-' and an extension of 1 to 6 digits");
}

}  // namespace

std::string NormalizeMobileNumber(absl::string_view raw) {
  std::string compact;
  for (char c : absl::StripAsciiWhitespace(raw)) {
    if (c != ' ' && c != '-') compact.push_back(c);
  }
  absl::string_view view = compact;
  for (absl::string_view country : {"+86", "0086", "86"}) {
    absl::string_view rest = view;
    if (absl::ConsumePrefix(&rest, country) && rest.size() == kMobileLength) {
      return std::string(rest);
    }
  }
  return compact;
}

absl::Status ValidateMobileNumber(absl::string_view number) {
  if (number.size() != kMobileLength) {
    return ValidationError(rule::kLength, "mobile number must have 11 digits");
  }
  if (LeadingDigits(number) != kMobileLength) {
    return ValidationError(rule::kCharacters, "mobile number must be digits only");
  }
  if (number[0] != '1' || number[1] < '3') {
    return ValidationError(rule::kMobilePrefix, "mobile number must start with 13 to 19");
  }
  return absl::OkStatus();
}

absl::StatusOr<LandlineNumber> ParseLandlineNumber(absl::string_view number) {
  absl::string_view rest = absl::StripAsciiWhitespace(number);
  // "00" starts an international call, never a domestic area code.
  if (rest.size() < 2 || rest[0] != '0' || !IsDigit(rest[1]) || rest[1] == '0') {
    return LandlineFormatError();
  }
  const std::size_t run = LeadingDigits(rest);
  std::size_t area_length = 0;
  std::size_t subscriber_length = 0;
  if (run <= 4 && run < rest.size() && rest[run] == '-') {
    // "0451-86661234": the hyphen says where the area code ends.
    area_length = run;
    subscriber_length = LeadingDigits(rest.substr(run + 1));
  } else if (run >= 10 && run <= 12) {
    // No hyphen: 10 digits are 3 + 7 and 12 are 4 + 8. 11 digits could be 3 + 8 or 4 + 7; the
    // numbering plan decides: only 010 and 020-029 have 3 digits, so 0 followed by 1 or 2 means 3.
    area_length = run == 10 ? 3 : run == 12 ? 4 : (rest[1] == '1' || rest[1] == '2') ? 3 : 4;
    subscriber_length = run - area_length;
  }
  if (area_length < 3 || area_length > 4 || subscriber_length < 7 || subscriber_length > 8) {
    return LandlineFormatError();
  }
  LandlineNumber result;
  result.area_code = std::string(rest.substr(0, area_length));
  rest.remove_prefix(area_length);
  absl::ConsumePrefix(&rest, "-");
  result.subscriber = std::string(rest.substr(0, subscriber_length));
  rest.remove_prefix(subscriber_length);

  if (!rest.empty()) {
    const bool separated = absl::ConsumePrefix(&rest, "-");
    const std::size_t extension_length = LeadingDigits(rest);
    if (!separated || extension_length == 0 || extension_length > kMaxExtensionLength ||
        extension_length != rest.size()) {
      return LandlineFormatError();
    }
    result.extension = std::string(rest);
  }
  return result;
}

absl::Status ValidateLandlineNumber(absl::string_view number) {
  return ParseLandlineNumber(number).status();
}

}  // namespace unemployment::validation
