#pragma once

// The one validator of the registration form (common.v1.RegistrationForm). The gateway runs it
// before routing an application; registration runs it again because it is the system of record and
// trusts no caller. Both therefore answer the same form with the same violations.
//
// The rules are those of proto/unemployment/common/v1/form.proto: every violation of the form is
// reported at once, at most one per field (the first rule it breaks, in the order form.proto lists
// for that field), under the path of the field made of proto field names and zero-based indexes
// ("form." + "person_id.id_number", "form." + "job_intentions[3]"). Where form.proto leaves a
// choice open, the choice is written down next to the code that makes it (form_validator.cc) and in
// README.md.
//
// Only protobuf messages, ue::validation and the clock are used, no gRPC types: callers turn the
// collected violations into INVALID_ARGUMENT with a google.rpc.BadRequest.

#include <string>

#include "absl/strings/string_view.h"
#include "common/time/clock.h"
#include "common/validation/region_directory.h"
#include "common/validation/violations.h"
#include "unemployment/common/v1/form.pb.h"

namespace unemployment::forms {

// Limits of the form's free-text fields, in characters (form.proto).
inline constexpr int kMaxNameCharacters = 100;
inline constexpr int kMaxAddressDetailCharacters = 200;
inline constexpr int kMaxQualificationNameCharacters = 100;
inline constexpr int kMaxQualificationLevelCharacters = 50;
inline constexpr int kMaxOtherContactCharacters = 100;
inline constexpr int kMaxSignatureCharacters = 100;
inline constexpr int kMaxCauseTextCharacters = 200;
inline constexpr int kMaxJobIntentionCharacters = 100;
inline constexpr int kMaxNotesCharacters = 1000;
// Most entries of the repeated fields.
inline constexpr int kMaxQualifications = 3;
inline constexpr int kMaxJobIntentions = 3;

// What differs between the channels.
struct FormOptions {
  // The province portal must give the habitual residence's urban-rural class; the ministry's
  // national form has no such field (Address.urban_rural_class).
  bool require_residence_urban_rural_class = true;
};

class FormValidator final {
 public:
  // `regions` and `clock` are not owned and must outlive the validator. `province_code` is the
  // 6-digit code of the province this deployment serves ("230000"): the registration location
  // must lie in it.
  FormValidator(const validation::RegionDirectory& regions, const time::Clock& clock,
                std::string province_code);

  // Adds every broken rule of `form` to `out`, under `prefix` + the path inside the form (prefix
  // "form." gives "form.person_id.id_number"). Expects a form passed through NormalizeForm()
  // (form_normalizer.h). "Today" is the clock's current day in China Standard Time.
  void Validate(const common::v1::RegistrationForm& form, const FormOptions& options,
                absl::string_view prefix, validation::Violations& out) const;

  // The rules of a PersonId on their own, for requests that name a person without a form.
  // `path` is the PersonId's own path ("person_id" gives "person_id.id_type" and
  // "person_id.id_number"). Expects NormalizePersonId() to have run.
  void ValidatePersonId(const common::v1::PersonId& person_id, absl::string_view path,
                        validation::Violations& out) const;

  const validation::RegionDirectory& regions() const { return regions_; }
  const std::string& province_code() const { return province_code_; }

 private:
  // household_address (anywhere in China) and residence_address.
  void CheckAddresses(const common::v1::RegistrationForm& form, const FormOptions& options,
                      absl::string_view prefix, validation::Violations& out) const;
  // registration_location, and the chosen address's county inside the province.
  void CheckRegistrationLocation(const common::v1::RegistrationForm& form, absl::string_view prefix,
                                 validation::Violations& out) const;
  void ValidateAddress(const common::v1::Address& address, bool require_urban_rural_class,
                       const std::string& path, validation::Violations& out) const;

  const validation::RegionDirectory& regions_;
  const time::Clock& clock_;
  std::string province_code_;
};

}  // namespace unemployment::forms
