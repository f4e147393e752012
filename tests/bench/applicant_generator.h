#pragma once

// Synthetic applicants for the intake benchmark: every index gives a different person with a valid
// resident ID number, and a complete, valid province-portal application for that person.
//
// The check character is computed here on purpose instead of calling common/validation: the
// benchmark is a client of the suite and must not trust the code it drives.

#include <cstddef>
#include <string>

#include "absl/strings/string_view.h"
#include "unemployment/common/v1/form.pb.h"
#include "unemployment/gateway/v1/gateway_service.pb.h"

namespace unemployment::bench {

// The office every generated application goes to: Harbin 道里区, residence chosen as the
// registration location. The portal application ids start with it.
inline constexpr char kOfficeRegionCode[] = "230102";

// Indexes below this give distinct people (birth dates 1970-01-01 onwards, 1,000 serials a day,
// all born before 2000).
inline constexpr size_t kMaxApplicants = size_t{10'000} * 1000;

// The ISO 7064 MOD 11-2 check character ('0'-'9' or 'X') of 17 ASCII digits (GB 11643):
// weights 2^(17-i) mod 11, remainder of the weighted sum mapped through "10X98765432".
char Mod11_2CheckCharacter(absl::string_view first17);

struct Applicant {
  // 18 characters: issuing region 230102, birth date, 3-digit serial, check character.
  std::string id_number;
  // "YYYY-MM-DD", the birth date inside the number.
  std::string birth_date;
  // The 17th digit is odd for men and even for women; the form's sex must agree.
  bool male = true;
};

// The person of `index` (< kMaxApplicants); distinct indexes give distinct ID numbers.
Applicant MakeApplicant(size_t index);

// A complete, valid registration form for `applicant`, shaped like the known-valid form of
// tests/python/test_intake_e2e.py (residence in 230102 chosen as registration location).
common::v1::RegistrationForm MakeForm(const Applicant& applicant);

// SubmitApplication for the person of `index`: portal_application_id = "230102" + 10-digit serial.
gateway::v1::SubmitApplicationRequest MakeSubmitRequest(size_t index);

}  // namespace unemployment::bench
