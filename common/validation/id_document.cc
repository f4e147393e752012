#include "common/validation/id_document.h"

#include <cstddef>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/validation/resident_id.h"
#include "common/validation/rules.h"
#include "common/validation/text.h"
#include "common/validation/validation_error.h"

namespace unemployment::validation {
namespace {

constexpr CodeEntry kIdTypeEntries[] = {
    {1, "1", "居民身份证"},
    {2, "2", "港澳居民居住证"},
    {3, "3", "台湾居民居住证"},
    {4, "4", "港澳居民来往内地通行证"},
    {5, "5", "台湾居民来往大陆通行证"},
    {6, "6", "外国人永久居留身份证"},
    {7, "7", "护照"},
};
constexpr CodeList kIdTypeCodes("ID type", kIdTypeEntries);

constexpr std::size_t kOldForeignPermanentResidentIdLength = 15;
constexpr std::size_t kMinPassportLength = 5;
// form.proto allows 20: some countries' numbers (and numbers with a check digit) are longer than
// the 9 characters of ICAO Doc 9303's machine-readable zone.
constexpr std::size_t kMaxPassportLength = 20;

bool AllDigits(absl::string_view text) {
  for (char c : text) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

bool AllUpperLetters(absl::string_view text) {
  for (char c : text) {
    if (!absl::ascii_isupper(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

// Digits and upper-case ASCII letters; input is normalised, so lower case is already upper.
bool AllUpperAlphanumeric(absl::string_view text) {
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (!absl::ascii_isdigit(u) && !absl::ascii_isupper(u)) return false;
  }
  return true;
}

// Length in characters, so full-width input is reported as wrong characters, not wrong length.
std::size_t Length(absl::string_view number) {
  return Utf8CharacterCount(number).value_or(number.size());
}

absl::Status LengthError(absl::string_view expected) {
  return ValidationError(rule::kLength, absl::StrCat("number must have ", expected, " characters"));
}

// Copies what the 18-character structure encodes into the document.
IdDocument FromGb11643(IdType type, Gb11643Number parsed) {
  IdDocument document;
  document.type = type;
  document.number = std::move(parsed.number);
  document.birth_date = parsed.birth_date;
  document.sex = parsed.sex;
  return document;
}

// Types 2 and 3: a fixed prefix in place of the region, otherwise a GB 11643 number.
absl::StatusOr<IdDocument> ParseResidencePermit(IdType type, const std::string& number,
                                                absl::CivilDay today) {
  if (Length(number) != kGb11643Length) return LengthError("18");
  const bool hong_kong_macao = type == IdType::kHongKongMacaoResidencePermit;
  const bool prefix_ok =
      hong_kong_macao ? absl::StartsWith(number, "810000") || absl::StartsWith(number, "820000")
                      : absl::StartsWith(number, "830000");
  if (!prefix_ok) {
    // Report characters first when the prefix is not even digits, so the rule names the real fault.
    if (!AllDigits(absl::string_view(number).substr(0, 6))) {
      return ValidationError(rule::kCharacters,
                             "number must be 17 digits followed by a digit or X");
    }
    return ValidationError(
        rule::kPrefix, hong_kong_macao
                           ? "a Hong Kong or Macao residence permit starts with 810000 or 820000"
                           : "a Taiwan residence permit starts with 830000");
  }
  absl::StatusOr<Gb11643Number> parsed = ParseGb11643Number(number, today);
  if (!parsed.ok()) return parsed.status();
  return FromGb11643(type, *std::move(parsed));
}

absl::StatusOr<IdDocument> ParseHongKongMacaoTravelPermit(const std::string& number) {
  const std::size_t length = Length(number);
  if (length != 9 && length != 11) return LengthError("9 or 11");
  if (number[0] != 'H' && number[0] != 'M') {
    return ValidationError(rule::kPrefix, "number must start with H (Hong Kong) or M (Macao)");
  }
  if (!AllDigits(absl::string_view(number).substr(1))) {
    return ValidationError(rule::kCharacters, "H or M must be followed by digits only");
  }
  return IdDocument{IdType::kHongKongMacaoTravelPermit, number, std::nullopt, std::nullopt};
}

absl::StatusOr<IdDocument> ParseTaiwanTravelPermit(const std::string& number) {
  const std::size_t length = Length(number);
  if (length == 8) {
    if (!AllDigits(number)) {
      return ValidationError(rule::kCharacters, "an 8-character permit number is digits only");
    }
  } else if (length == 10) {
    // Older permits mix digits and letters (a letter marks re-issues).
    if (!AllUpperAlphanumeric(number)) {
      return ValidationError(rule::kCharacters,
                             "a 10-character permit number is digits and letters only");
    }
  } else {
    return LengthError("8 or 10");
  }
  return IdDocument{IdType::kTaiwanTravelPermit, number, std::nullopt, std::nullopt};
}

absl::StatusOr<IdDocument> ParseForeignPermanentResidentId(const std::string& number,
                                                           absl::CivilDay today) {
  const std::size_t length = Length(number);
  if (length == kGb11643Length) {
    if (number[0] != '9') {
      return ValidationError(rule::kPrefix,
                             "an 18-character foreign permanent resident ID starts with 9");
    }
    absl::StatusOr<Gb11643Number> parsed = ParseGb11643Number(number, today);
    if (!parsed.ok()) return parsed.status();
    return FromGb11643(IdType::kForeignPermanentResidentId, *std::move(parsed));
  }
  if (length == kOldForeignPermanentResidentIdLength) {
    const absl::string_view view = number;
    if (!AllUpperLetters(view.substr(0, 3)) || !AllDigits(view.substr(3))) {
      return ValidationError(rule::kCharacters,
                             "a 15-character foreign permanent resident ID is 3 letters and 12 "
                             "digits");
    }
    return IdDocument{IdType::kForeignPermanentResidentId, number, std::nullopt, std::nullopt};
  }
  return LengthError("18 (or 15 for the old card)");
}

absl::StatusOr<IdDocument> ParsePassport(const std::string& number) {
  const std::size_t length = Length(number);
  if (length < kMinPassportLength || length > kMaxPassportLength) {
    return LengthError(absl::StrCat(kMinPassportLength, " to ", kMaxPassportLength));
  }
  if (!AllUpperAlphanumeric(number)) {
    return ValidationError(rule::kCharacters, "passport number must be letters and digits only");
  }
  return IdDocument{IdType::kPassport, number, std::nullopt, std::nullopt};
}

}  // namespace

const CodeList& IdTypeCodes() { return kIdTypeCodes; }

std::optional<IdType> IdTypeFromNumber(int number) {
  if (number < 1 || number > 7) return std::nullopt;
  return static_cast<IdType>(number);
}

absl::StatusOr<IdDocument> ParseIdDocument(IdType type, absl::string_view number,
                                           absl::CivilDay today) {
  const std::string normalized = NormalizeIdNumber(number);
  if (normalized.empty()) return ValidationError(rule::kRequired, "an ID number is required");
  switch (type) {
    case IdType::kResidentIdCard: {
      absl::StatusOr<Gb11643Number> parsed = ParseResidentIdNumber(normalized, today);
      if (!parsed.ok()) return parsed.status();
      return FromGb11643(type, *std::move(parsed));
    }
    case IdType::kHongKongMacaoResidencePermit:
    case IdType::kTaiwanResidencePermit:
      return ParseResidencePermit(type, normalized, today);
    case IdType::kHongKongMacaoTravelPermit:
      return ParseHongKongMacaoTravelPermit(normalized);
    case IdType::kTaiwanTravelPermit:
      return ParseTaiwanTravelPermit(normalized);
    case IdType::kForeignPermanentResidentId:
      return ParseForeignPermanentResidentId(normalized, today);
    case IdType::kPassport:
      return ParsePassport(normalized);
  }
  return ValidationError(rule::kIdTypeUnknown, "ID type must be 1 to 7");
}

absl::Status ValidateIdDocument(IdType type, absl::string_view number, absl::CivilDay today) {
  return ParseIdDocument(type, number, today).status();
}

}  // namespace unemployment::validation
