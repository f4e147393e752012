#pragma once

// Validation of the registration form (common.v1.RegistrationForm) and of the channel application
// ids at the gateway, with the rules documented in proto/unemployment/common/v1/form.proto and
// proto/unemployment/gateway/v1/gateway_service.proto. Every violation of a request is collected
// (at most one per field: the first rule it breaks), so the applicant sees all mistakes at once.
//
// Only protobuf messages and ue::validation are used here, no gRPC types: the handler turns the
// collected violations into INVALID_ARGUMENT with a google.rpc.BadRequest.

#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "common/time/clock.h"
#include "common/validation/region_directory.h"
#include "common/validation/violations.h"
#include "unemployment/common/v1/form.pb.h"

namespace unemployment::gateway {

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
  // The province portal must give the residence's urban-rural class; the ministry's national form
  // has no such field.
  bool require_residence_urban_rural_class = true;
};

class FormValidator final {
 public:
  // `regions` and `clock` are not owned and must outlive the validator. `province_code` is the
  // 6-digit code of the province this deployment serves ("230000").
  FormValidator(const validation::RegionDirectory& regions, const time::Clock& clock,
                std::string province_code);

  // Trims every string of the form (ASCII white space and U+3000) and upper-cases the ID number,
  // so that validation, the idempotency hash and storage all see the same canonical form.
  static void Normalize(common::v1::RegistrationForm& form);

  // Adds every broken rule of `form` to `out`, with field paths `prefix` + the proto path
  // ("form." + "person_id.id_number"). Expects a normalised form. "Today" is the clock's day in
  // China Standard Time.
  void Validate(const common::v1::RegistrationForm& form, const FormOptions& options,
                absl::string_view prefix, validation::Violations& out) const;

  // The province portal's application id (region code + local serial, 7-32 characters). Rules:
  // REQUIRED, FORMAT, REGION_UNKNOWN, OUTSIDE_PROVINCE. Expects a trimmed value.
  void ValidatePortalApplicationId(absl::string_view id, absl::string_view field,
                                   validation::Violations& out) const;

  // The ministry's application number (1-40 letters, digits and "-"). Rules: REQUIRED, FORMAT.
  static void ValidateMinistryApplicationId(absl::string_view id, absl::string_view field,
                                            validation::Violations& out);

  // The county code of the address chosen as registration location, or "" when none is chosen or
  // the address is missing.
  static std::string OfficeRegionCode(const common::v1::RegistrationForm& form);

  const std::string& province_code() const { return province_code_; }

 private:
  void ValidateAddress(const common::v1::Address& address, bool require_urban_rural_class,
                       const std::string& path, validation::Violations& out) const;

  const validation::RegionDirectory& regions_;
  const time::Clock& clock_;
  std::string province_code_;
};

}  // namespace unemployment::gateway
