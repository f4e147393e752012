// The seven ID types of the registration form (证件类型) and the shape of each type's number.
//
// Identity in the suite is (ID type, normalised number): one person has at most one active
// registration. Every Parse* here therefore returns the normalised number (NormalizeIdNumber) that
// services must store and compare.
#pragma once

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "common/validation/code_list.h"
#include "common/validation/sex.h"

namespace unemployment::validation {

// Numbered like common.v1.IdType (0 is the proto's UNSPECIFIED and no ID type).
enum class IdType {
  // 居民身份证: GB 11643, 18 characters.
  kResidentIdCard = 1,
  // 港澳居民居住证: 18 characters, 810000 or 820000 + the GB 11643 structure.
  kHongKongMacaoResidencePermit = 2,
  // 台湾居民居住证: 18 characters, 830000 + the GB 11643 structure.
  kTaiwanResidencePermit = 3,
  // 港澳居民来往内地通行证: H or M + 8 digits (older permits: + 10 digits).
  kHongKongMacaoTravelPermit = 4,
  // 台湾居民来往大陆通行证: 8 digits (older permits: 10 digits and letters).
  kTaiwanTravelPermit = 5,
  // 外国人永久居留身份证: 9 + the GB 11643 structure, or the old card's 3 letters + 12 digits.
  kForeignPermanentResidentId = 6,
  // 护照: 5-20 letters and digits.
  kPassport = 7,
};

// Codes "1".."7" with the Chinese names above.
const CodeList& IdTypeCodes();

// The enum value for 1..7, or nullopt.
std::optional<IdType> IdTypeFromNumber(int number);

// A validated identity document.
struct IdDocument {
  IdType type = IdType::kResidentIdCard;
  // NormalizeIdNumber() of the input: trimmed, ASCII letters upper-case.
  std::string number;
  // Known for the 18-character types (1, 2, 3 and the new form of 6), which encode them.
  std::optional<absl::CivilDay> birth_date;
  std::optional<Sex> sex;
};

// Validates `number` as a document of `type` after NormalizeIdNumber(); first failure wins. An
// empty number is REQUIRED for every type. Then, as documented on common.v1.PersonId:
//  1: see ParseResidentIdNumber() (LENGTH, CHARACTERS, PROVINCE_PREFIX, BIRTH_DATE_*,
//     CHECK_CHARACTER).
//  2, 3: LENGTH, CHARACTERS, PREFIX (810000 or 820000 / 830000), then the GB 11643 checks.
//  4: LENGTH (9 or 11), PREFIX (H or M), CHARACTERS (digits after the letter).
//  5: LENGTH (8 or 10), CHARACTERS (8: digits only; 10: digits and letters).
//  6: 18 characters: PREFIX (starts with 9), then the GB 11643 checks (digits 7-14 are the birth
//     date there too; digits 2-3, the issuing province, are not checked). 15 characters: CHARACTERS
//     unless 3 letters + 12 digits. Other lengths: LENGTH.
//  7: LENGTH (5-20), CHARACTERS (ASCII letters and digits only).
// `today` bounds birth dates (BIRTH_DATE_IN_FUTURE); pass the caller's current day in China.
absl::StatusOr<IdDocument> ParseIdDocument(IdType type, absl::string_view number,
                                           absl::CivilDay today);

// ParseIdDocument() when only the verdict is needed.
absl::Status ValidateIdDocument(IdType type, absl::string_view number, absl::CivilDay today);

}  // namespace unemployment::validation
