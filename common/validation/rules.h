// Machine-readable names of the rules a validator can report as broken.
//
// Services copy these strings into google.rpc.BadRequest field violations (and the portal maps them
// to its own wording), so they are part of the public contract: never rename one, only add new
// ones. Each rule name is UPPER_SNAKE_CASE and says which rule failed, not which field: the field
// name travels separately in Violation::field.
#pragma once

#include "absl/strings/string_view.h"

namespace unemployment::validation::rule {

// --- Generic shape rules, shared by many fields. ---
// A required value is missing or only whitespace.
inline constexpr absl::string_view kRequired = "REQUIRED";
// The value has the wrong number of characters for its kind (e.g. a resident ID that is not 18).
inline constexpr absl::string_view kLength = "LENGTH";
// The value contains a character its kind does not allow (e.g. a letter inside an ID number).
inline constexpr absl::string_view kCharacters = "CHARACTERS";
// The value does not have the layout its kind requires (e-mail, landline, region code shape...).
inline constexpr absl::string_view kFormat = "FORMAT";
// A free-text value is longer than its maximum number of characters.
inline constexpr absl::string_view kTooLong = "TOO_LONG";
// Text bytes are not valid UTF-8.
inline constexpr absl::string_view kInvalidUtf8 = "INVALID_UTF8";
// Text contains a control character (NUL, ESC, or a line break where one line is expected).
inline constexpr absl::string_view kControlCharacter = "CONTROL_CHARACTER";
// A repeated field has more entries than its documented maximum (3 job intentions).
inline constexpr absl::string_view kTooMany = "TOO_MANY";
inline constexpr absl::string_view kDuplicate = "DUPLICATE";
// A number outside its allowed range (a negative page_size, a negative amount).
inline constexpr absl::string_view kOutOfRange = "OUT_OF_RANGE";

// --- Identity documents. ---
// The ID type number is none of the seven types of the form.
inline constexpr absl::string_view kIdTypeUnknown = "ID_TYPE_UNKNOWN";
// The first two digits of a GB 11643-style number are no province part of GB/T 2260.
inline constexpr absl::string_view kProvincePrefix = "PROVINCE_PREFIX";
// A document's fixed prefix is wrong (e.g. a Taiwan residence permit not starting 830000).
inline constexpr absl::string_view kPrefix = "PREFIX";
// The ISO 7064 MOD 11-2 check character does not match the first 17 digits.
inline constexpr absl::string_view kCheckCharacter = "CHECK_CHARACTER";
// Digits 7-14 are no calendar date (e.g. 19990230).
inline constexpr absl::string_view kBirthDateInvalid = "BIRTH_DATE_INVALID";
// The birth date lies after the reference day the caller passed as "today".
inline constexpr absl::string_view kBirthDateInFuture = "BIRTH_DATE_IN_FUTURE";
// The birth date lies before 1900-01-01, which no living applicant has.
inline constexpr absl::string_view kBirthDateTooEarly = "BIRTH_DATE_TOO_EARLY";

// --- Dates. ---
// Not in the form YYYY-MM-DD.
inline constexpr absl::string_view kDateFormat = "DATE_FORMAT";
// Shaped like a date but no calendar day (2023-02-29, 2024-13-01).
inline constexpr absl::string_view kDateInvalid = "DATE_INVALID";
// After the latest day allowed (usually the caller's "today").
inline constexpr absl::string_view kDateInFuture = "DATE_IN_FUTURE";
// Before a date it must not precede (unemployed before born, decided before received).
inline constexpr absl::string_view kDateOrder = "DATE_ORDER";
// A date the server sets from its own clock (a decision's date) given as another day.
inline constexpr absl::string_view kDateNotServerDay = "DATE_NOT_SERVER_DAY";

// --- Contact details. ---
// A mainland mobile number does not start with 13-19.
inline constexpr absl::string_view kMobilePrefix = "MOBILE_PREFIX";

// --- Region codes. ---
// A well-formed region code that the region directory does not know.
inline constexpr absl::string_view kRegionUnknown = "REGION_UNKNOWN";
// A known region code at the wrong level (e.g. a county code given as the province).
inline constexpr absl::string_view kRegionLevel = "REGION_LEVEL";
// Codes that exist but do not belong together (the city is not in the province, ...).
inline constexpr absl::string_view kRegionMismatch = "REGION_MISMATCH";
// The chosen registration location lies outside the province the deployment serves.
inline constexpr absl::string_view kOutsideProvince = "OUTSIDE_PROVINCE";

// --- Code lists. ---
// The code is in no version of the list's standard.
inline constexpr absl::string_view kCodeUnknown = "CODE_UNKNOWN";
// The code exists in the standard but the form does not accept it (sex 0/9, ethnic group 97/98).
inline constexpr absl::string_view kCodeNotAccepted = "CODE_NOT_ACCEPTED";
// Health status "disabled" (6) without a disability grade.
inline constexpr absl::string_view kDisabilityGradeRequired = "DISABILITY_GRADE_REQUIRED";
// A disability grade outside 1..10.
inline constexpr absl::string_view kDisabilityGradeRange = "DISABILITY_GRADE_RANGE";
// A disability grade given although the health status is not "disabled".
inline constexpr absl::string_view kDisabilityGradeNotApplicable =
    "DISABILITY_GRADE_NOT_APPLICABLE";
// The cause of unemployment "other" (13) without the text that explains it.
inline constexpr absl::string_view kOtherTextRequired = "OTHER_TEXT_REQUIRED";
// A cause text given although the cause is not "other".
inline constexpr absl::string_view kOtherTextNotApplicable = "OTHER_TEXT_NOT_APPLICABLE";

// --- Cross-field rules and the commitment (checked by request validators, not in this library).
// --- A value disagrees with another value of the same request (sex against the ID number).
inline constexpr absl::string_view kMismatch = "MISMATCH";
// The written commitment was not given.
inline constexpr absl::string_view kNotAgreed = "NOT_AGREED";
// A value is given that the rest of the request makes meaningless (moved abroad with reason 11).
inline constexpr absl::string_view kNotApplicable = "NOT_APPLICABLE";

}  // namespace unemployment::validation::rule
