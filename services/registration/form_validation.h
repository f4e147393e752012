#pragma once

// Normalisation and validation of the registration form (common.v1.RegistrationForm) with the rules
// documented in proto/unemployment/common/v1/form.proto, built on the shared validators of
// common/validation. Every violation is reported, at most one per field (the first rule it breaks).
//
// The gateway validates the same form before routing it; registration validates it again because
// it is the system of record and must not trust its callers. This module only depends on the
// common.v1 messages and ue::validation, so it can move to common/ when the gateway shares it.

#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "common/validation/region_directory.h"
#include "common/validation/violations.h"
#include "unemployment/common/v1/form.pb.h"

namespace unemployment::registration {

// Rule names of form.proto that common/validation/rules.h does not (yet) define.
namespace form_rule {
inline constexpr absl::string_view kTooMany = "TOO_MANY";
inline constexpr absl::string_view kDateOrder = "DATE_ORDER";
inline constexpr absl::string_view kOutsideProvince = "OUTSIDE_PROVINCE";
inline constexpr absl::string_view kOtherTextNotApplicable = "OTHER_TEXT_NOT_APPLICABLE";
inline constexpr absl::string_view kMismatch = "MISMATCH";
inline constexpr absl::string_view kNotAgreed = "NOT_AGREED";
inline constexpr absl::string_view kNotApplicable = "NOT_APPLICABLE";
}  // namespace form_rule

// What the rules need besides the form.
struct FormRules {
  // Reference list of region codes; not owned, must outlive the call.
  const validation::RegionDirectory* regions = nullptr;
  // The 6-digit province this deployment serves (registration location must lie in it).
  std::string province_code = "230000";
  // "Today" in China; dates after it are DATE_IN_FUTURE.
  absl::CivilDay today;
  // True when the residence's urban_rural_class is required (province-portal applications).
  bool require_residence_urban_rural_class = true;
};

// Trims every string of `form` (leading/trailing white space, U+3000 too), trims and upper-cases
// the ID number. Values are otherwise kept, so validation sees what will be stored.
void NormalizeForm(common::v1::RegistrationForm& form);

// Adds a violation per broken rule; field paths are `prefix` + the path inside the form
// (e.g. prefix "form." gives "form.person_id.id_number").
void ValidateForm(const common::v1::RegistrationForm& form, const FormRules& rules,
                  absl::string_view prefix, validation::Violations& out);

// Validates a PersonId (rules of form.proto) under `prefix` ("person_id" -> "person_id.id_type").
void ValidatePersonId(const common::v1::PersonId& person_id, absl::CivilDay today,
                      absl::string_view prefix, validation::Violations& out);

// The county code of the address the applicant chose as registration location; "" when no valid
// location is chosen or the address is missing.
std::string ChosenCountyCode(const common::v1::RegistrationForm& form);

// The birth date the ID number encodes, or the form's birth_date, as "YYYY-MM-DD"; "" if unknown.
std::string DerivedBirthDate(const common::v1::RegistrationForm& form, absl::CivilDay today);

}  // namespace unemployment::registration
