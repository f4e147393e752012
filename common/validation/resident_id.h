// Resident identity card numbers (公民身份号码), GB 11643-1999, and the 18-character structure that
// residence permits and the new foreign permanent resident ID card share with them.
//
// Layout: digits 1-6 region where the number was first issued (GB/T 2260), 7-14 birth date
// YYYYMMDD, 15-17 sequence number (17th odd = male, even = female), 18 ISO 7064 MOD 11-2 check
// character (0-9 or X).
//
// Only the province part of the region is checked. Region codes are renamed, merged and retired
// over the years, and a number keeps the code it was issued with for life: checking digits 1-6
// against today's GB/T 2260 list would refuse real people (see data/regions/README.md).
#pragma once

#include <cstddef>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "common/validation/sex.h"

namespace unemployment::validation {

inline constexpr std::size_t kGb11643Length = 18;

// No applicant alive was born earlier; an earlier date in an ID number is a typing error.
inline constexpr absl::CivilDay kEarliestBirthDate = absl::CivilDay(1900, 1, 1);

// The canonical form of an ID number of any type, to store and to compare identities with:
// surrounding ASCII whitespace removed and ASCII letters upper-cased. So a lower-case check
// character 'x' is ACCEPTED and becomes 'X' (people type it either way and it is the same number;
// refusing it would only push them to retry). Inner spaces and full-width characters are kept and
// then fail validation, since guessing at them could merge two different people's numbers.
std::string NormalizeIdNumber(absl::string_view raw);

// True when `two_digits` is a mainland province part of GB/T 2260: 11-15, 21-23, 31-37, 41-46,
// 50-54, 61-65. Resident ID cards (type 1) must start with one of these.
bool IsMainlandProvincePrefix(absl::string_view two_digits);

// IsMainlandProvincePrefix() or 71 Taiwan, 81 Hong Kong, 82 Macao: every province part of GB/T
// 2260.
bool IsProvincePrefix(absl::string_view two_digits);

// The ISO 7064 MOD 11-2 check character ('0'-'9' or 'X') of 17 ASCII digits, or nullopt when
// `first17` is not exactly 17 digits. Weights 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2; the weighted
// sum's remainder mod 11, 0..10, maps to 1 0 X 9 8 7 6 5 4 3 2.
std::optional<char> Gb11643CheckCharacter(absl::string_view first17);

// What an 18-character GB 11643-style number tells about its holder.
struct Gb11643Number {
  // Normalised number (upper-case 'X'): store and compare this, not the input.
  std::string number;
  // Digits 1-6 as issued. May be a retired code; never validate it against today's directory.
  std::string region_code;
  absl::CivilDay birth_date;
  Sex sex = Sex::kMale;
};

// The structure checks shared by every 18-character document, on NormalizeIdNumber(number), first
// failure wins: REQUIRED (empty), LENGTH (not 18 characters), CHARACTERS (first 17 not all digits,
// or the 18th not a digit or X), BIRTH_DATE_INVALID (digits 7-14 no calendar day),
// BIRTH_DATE_TOO_EARLY (before kEarliestBirthDate), BIRTH_DATE_IN_FUTURE (after `today`),
// CHECK_CHARACTER. Does not look at the prefix; the callers below and ValidateIdDocument() check
// the prefix of their document type.
absl::StatusOr<Gb11643Number> ParseGb11643Number(absl::string_view number, absl::CivilDay today);

// A resident ID card number (ID type 1). Normalises `number` first (lower-case x accepted), then
// checks like ParseGb11643Number() with, after LENGTH and CHARACTERS, PROVINCE_PREFIX: the first
// two digits must pass IsMainlandProvincePrefix() (form.proto's contract). 71/81/82 are GB/T 2260
// provinces too, but mainland resident ID cards are not issued under them, and numbers starting
// 810000/820000/830000 are residence permits: the message then points at ID types 2 and 3
// (identity is ID type + number, so one permit entered under two types would look like two
// people). `today` is the caller's current civil day in China; there is no hidden clock.
absl::StatusOr<Gb11643Number> ParseResidentIdNumber(absl::string_view number, absl::CivilDay today);

// ParseResidentIdNumber() when only the verdict is needed.
absl::Status ValidateResidentIdNumber(absl::string_view number, absl::CivilDay today);

}  // namespace unemployment::validation
