// Masking of personal data for logs (and for any other place that shows personal data to someone
// who does not need all of it). Every function works on UTF-8 text character by character (a
// Chinese character counts as one; invalid bytes count as one character each) and never throws.
//
// Rules:
//   MaskIdNumber  keeps the first 6 and the last 2 characters of an 18-character ID number
//                 ("230102**********1X"); shorter numbers keep floor(n/3) leading and floor(n/9)
//                 trailing characters (at most 6 and 2), so never more than 4/9 of the number
//                 is visible; one '*' per hidden character.
//   MaskPhone     mobile numbers keep the first 3 and the last 4 digits ("138****5678");
//                 landlines keep the area code and the last 4 digits ("0451-****4321");
//                 numbers without an area code keep the last 4 digits; a "+86"/"0086" prefix is
//                 kept. At least 4 characters are always hidden (fewer stay visible for short
//                 input). Separators (space + - ( ) .) stay in place; every other character is
//                 treated as a digit position, so a malformed value is still masked.
//   MaskAddress   keeps the administrative region at the start of a Chinese address, up to the
//                 county level (省 / 自治区 / 市 / 州 / 盟 / 地区 / 区 / 县 / 旗, at most 3 levels;
//                 a 小区 / 社区 / 校区 / 园区 / 街区 is detail, not region), and replaces the rest
//                 with "****" whatever its length. Without a recognisable region, keeps the first
//                 min(6, n/3) characters. "黑龙江省哈尔滨市南岗区西大直街92号" ->
//                 "黑龙江省哈尔滨市南岗区****".
//   MaskName      keeps the first character and hides the others: "张三丰" -> "张**";
//                 a one-character name is hidden entirely ("*").
//   MaskEmail     keeps the first character of the local part and the domain: "z***@example.com".
//   ScrubText     for free text that may contain personal data by accident (error messages,
//                 notes): masks every 18-character resident ID number (17 digits + digit or X),
//                 15-digit old ID number and 11-digit mobile number (1 + 10 digits, optionally
//                 prefixed by 86) that stands alone between non-alphanumeric characters.
//
// Empty input gives empty output for all of them.
#pragma once

#include <string>

#include "absl/strings/string_view.h"
#include "absl/types/optional.h"

namespace unemployment::log {

std::string MaskIdNumber(absl::string_view id_number);
std::string MaskPhone(absl::string_view phone);
std::string MaskAddress(absl::string_view address);
std::string MaskName(absl::string_view name);
std::string MaskEmail(absl::string_view email);
std::string ScrubText(absl::string_view text);

// The kinds of personal data the logger masks by field key.
enum class PersonalDataKind { kIdNumber, kPhone, kAddress, kName, kEmail };

// The kind of personal data a log field key names, if any. Matching ignores ASCII case and
// treats '-' and '.' like '_'. A key is personal data when it is one of these words, or ends in
// "_" + one of the words marked (suffix):
//   ID number: id_number (suffix), id_no (suffix), id_card (suffix), idcard, identity_number,
//              national_id, certificate_number (suffix), passport_number (suffix)
//   phone:     mobile (suffix), phone (suffix), phone_number (suffix), landline (suffix),
//              telephone (suffix), tel, mobile_phone (suffix)
//   address:   address (suffix), habitual_residence, residence, address_detail
//   name:      name, full_name, applicant_name, person_name, contact_name, staff_name
//   email:     email (suffix), e_mail (suffix)
// So "household_address", "contact_mobile" and "applicant_id_number" are masked; "name" is
// masked but "file_name" is not (use a specific key such as "holiday" or "service" for names
// that are not personal).
absl::optional<PersonalDataKind> PersonalDataKindForKey(absl::string_view key);

// Masks `value` as `kind`.
std::string MaskAs(PersonalDataKind kind, absl::string_view value);

}  // namespace unemployment::log
