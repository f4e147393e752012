#pragma once

// Facts the services derive from a registration form once it is valid.

#include <string>

#include "absl/time/civil_time.h"
#include "unemployment/common/v1/form.pb.h"

namespace unemployment::forms {

// The county code of the address chosen as registration location, which is the application's
// office region code (form.proto: Address.county_code); "" when no known location is chosen or the
// chosen address is missing.
std::string OfficeRegionCode(const common::v1::RegistrationForm& form);

// The person's birth date as "YYYY-MM-DD": the one the ID number encodes when it is a valid number
// of a type that encodes one (resident ID card, residence permits, 18-character foreign permanent
// resident ID), otherwise the form's birth_date, which may be "" (unknown). `today` is the day the
// number is judged on (birth dates after it are invalid).
std::string DerivedBirthDate(const common::v1::RegistrationForm& form, absl::CivilDay today);

// The idempotency fingerprint of a normalised form: hex SHA-256 (64 lower-case digits) of its
// deterministic serialisation. The gateway compares resubmissions with it; the person index
// recomputes it from the forms in registration's events.
std::string FormFingerprint(const common::v1::RegistrationForm& form);

}  // namespace unemployment::forms
