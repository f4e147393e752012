#include "common/validation/resident_id.h"

#include <array>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/validation/date.h"
#include "common/validation/rules.h"
#include "common/validation/text.h"
#include "common/validation/validation_error.h"

namespace unemployment::validation {
namespace {

constexpr std::size_t kBodyLength = 17;
constexpr std::array<int, kBodyLength> kWeights = {7, 9, 10, 5,  8, 4, 2, 1, 6,
                                                   3, 7, 9,  10, 5, 8, 4, 2};
constexpr std::array<char, 11> kCheckCharacters = {'1', '0', 'X', '9', '8', '7',
                                                   '6', '5', '4', '3', '2'};

bool IsDigit(char c) { return absl::ascii_isdigit(static_cast<unsigned char>(c)); }

bool AllDigits(absl::string_view text) {
  for (char c : text) {
    if (!IsDigit(c)) return false;
  }
  return true;
}

int DigitsValue(absl::string_view digits) {
  int value = 0;
  for (char c : digits) value = value * 10 + (c - '0');
  return value;
}

// The prefixes GB 11643-style residence permits use instead of a region (港澳台居民居住证).
bool IsResidencePermitPrefix(absl::string_view number) {
  return absl::StartsWith(number, "810000") || absl::StartsWith(number, "820000") ||
         absl::StartsWith(number, "830000");
}

absl::Status CheckShape(absl::string_view number) {
  if (number.empty()) return ValidationError(rule::kRequired, "an ID number is required");
  // Length in characters, not bytes: a number typed with full-width digits (３４０…) has the right
  // length and wrong characters, and saying "LENGTH" would send the applicant looking in vain.
  const std::size_t count = Utf8CharacterCount(number).value_or(number.size());
  if (count != kGb11643Length) {
    return ValidationError(rule::kLength, absl::StrCat("number must have ", kGb11643Length,
                                                       " characters, not ", count));
  }
  if (number.size() != kGb11643Length || !AllDigits(number.substr(0, kBodyLength)) ||
      !(IsDigit(number[kBodyLength]) || number[kBodyLength] == 'X')) {
    return ValidationError(rule::kCharacters,
                           "number must be 17 digits (0-9) followed by a digit or X");
  }
  return absl::OkStatus();
}

}  // namespace

std::string NormalizeIdNumber(absl::string_view raw) {
  return absl::AsciiStrToUpper(absl::StripAsciiWhitespace(raw));
}

bool IsMainlandProvincePrefix(absl::string_view two_digits) {
  if (two_digits.size() != 2 || !AllDigits(two_digits)) return false;
  const int p = DigitsValue(two_digits);
  return (p >= 11 && p <= 15) || (p >= 21 && p <= 23) || (p >= 31 && p <= 37) ||
         (p >= 41 && p <= 46) || (p >= 50 && p <= 54) || (p >= 61 && p <= 65);
}

bool IsProvincePrefix(absl::string_view two_digits) {
  return IsMainlandProvincePrefix(two_digits) || two_digits == "71" || two_digits == "81" ||
         two_digits == "82";
}

std::optional<char> Gb11643CheckCharacter(absl::string_view first17) {
  if (first17.size() != kBodyLength || !AllDigits(first17)) return std::nullopt;
  int sum = 0;
  for (std::size_t i = 0; i < kBodyLength; ++i) sum += (first17[i] - '0') * kWeights[i];
  return kCheckCharacters[sum % 11];
}

absl::StatusOr<Gb11643Number> ParseGb11643Number(absl::string_view raw, absl::CivilDay today) {
  const std::string normalized = NormalizeIdNumber(raw);
  const absl::string_view number = normalized;
  if (absl::Status shape = CheckShape(number); !shape.ok()) return shape;

  const absl::string_view birth = number.substr(6, 8);
  const std::optional<absl::CivilDay> birth_date =
      MakeDate(DigitsValue(birth.substr(0, 4)), DigitsValue(birth.substr(4, 2)),
               DigitsValue(birth.substr(6, 2)));
  if (!birth_date.has_value()) {
    return ValidationError(rule::kBirthDateInvalid,
                           "digits 7-14 must be a calendar date YYYYMMDD (the birth date)");
  }
  if (*birth_date < kEarliestBirthDate) {
    return ValidationError(rule::kBirthDateTooEarly, absl::StrCat("birth date must not be before ",
                                                                  FormatDate(kEarliestBirthDate)));
  }
  if (*birth_date > today) {
    return ValidationError(rule::kBirthDateInFuture,
                           absl::StrCat("birth date must not be after ", FormatDate(today)));
  }

  // CheckShape() guaranteed 17 digits, so the optional is engaged.
  const char expected = *Gb11643CheckCharacter(number.substr(0, kBodyLength));
  if (number[kBodyLength] != expected) {
    return ValidationError(rule::kCheckCharacter,
                           "check character (18th) does not match the first 17 digits; a digit "
                           "was probably mistyped");
  }

  Gb11643Number result;
  result.number = std::string(number);
  result.region_code = std::string(number.substr(0, 6));
  result.birth_date = *birth_date;
  result.sex = (number[16] - '0') % 2 == 1 ? Sex::kMale : Sex::kFemale;
  return result;
}

absl::StatusOr<Gb11643Number> ParseResidentIdNumber(absl::string_view number,
                                                    absl::CivilDay today) {
  const std::string normalized = NormalizeIdNumber(number);
  if (absl::Status shape = CheckShape(normalized); !shape.ok()) return shape;
  if (IsResidencePermitPrefix(normalized)) {
    return ValidationError(rule::kProvincePrefix,
                           "numbers starting 810000, 820000 or 830000 are residence permits for "
                           "Hong Kong, Macao or Taiwan residents: use ID type 2 or 3");
  }
  if (!IsMainlandProvincePrefix(absl::string_view(normalized).substr(0, 2))) {
    return ValidationError(rule::kProvincePrefix,
                           "first two digits must be a mainland province code of GB/T 2260");
  }
  return ParseGb11643Number(normalized, today);
}

absl::Status ValidateResidentIdNumber(absl::string_view number, absl::CivilDay today) {
  return ParseResidentIdNumber(number, today).status();
}

}  // namespace unemployment::validation
