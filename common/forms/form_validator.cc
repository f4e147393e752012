#include "common/forms/form_validator.h"

#include <cstddef>
#include <optional>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "common/validation/code_list.h"
#include "common/validation/date.h"
#include "common/validation/education.h"
#include "common/validation/email.h"
#include "common/validation/ethnic_group.h"
#include "common/validation/health.h"
#include "common/validation/id_document.h"
#include "common/validation/phone.h"
#include "common/validation/political_status.h"
#include "common/validation/rules.h"
#include "common/validation/sex.h"
#include "common/validation/text.h"
#include "common/validation/unemployment_cause.h"
#include "common/validation/urban_rural.h"
#include "common/validation/validation_error.h"

namespace unemployment::forms {
namespace {

namespace rule = validation::rule;
using common::v1::Address;
using common::v1::RegistrationForm;
using validation::Violations;

void AddRule(Violations& out, const std::string& field, absl::string_view rule_name,
             std::string description) {
  out.Add(field, std::string(rule_name), std::move(description));
}

// A free-text field. form.proto lists the rules of every free-text field as REQUIRED, TOO_LONG,
// INVALID_UTF8, CONTROL_CHARACTER, and the first one broken is reported, while
// validation::ValidateText() looks at INVALID_UTF8 and CONTROL_CHARACTER first. So REQUIRED and
// TOO_LONG are asked here before ValidateText(): a name of 101 characters that also holds a tab is
// TOO_LONG. Text that is not UTF-8 has no length in characters, so it can only be INVALID_UTF8.
bool CheckText(absl::string_view value, bool required, int max_characters, bool multiline,
               const std::string& field, Violations& out) {
  if (required && out.AddIfError(field, validation::ValidateRequired(value))) return true;
  const std::size_t max = static_cast<std::size_t>(max_characters);
  if (validation::IsValidUtf8(value) &&
      out.AddIfError(field, validation::ValidateMaxCharacters(value, max))) {
    return true;
  }
  validation::TextRules rules;
  rules.required = required;
  rules.max_characters = max;
  rules.multiline = multiline;
  return out.AddIfError(field, validation::ValidateText(value, rules));
}

// A date "YYYY-MM-DD" not after `today` (DATE_FORMAT, DATE_INVALID, DATE_IN_FUTURE); nullopt,
// with the violation added, when it breaks one.
std::optional<absl::CivilDay> CheckDateNotAfter(absl::string_view value, absl::CivilDay today,
                                                const std::string& field, Violations& out) {
  absl::StatusOr<absl::CivilDay> day = validation::ParseDateNotAfter(value, today);
  if (out.AddIfError(field, day.status())) return std::nullopt;
  return *day;
}

// PersonId: REQUIRED and ID_TYPE_UNKNOWN on the type, then the rules of the type on the number.
// Returns the document when the number is valid, for the comparisons with sex and birth date.
std::optional<validation::IdDocument> CheckPersonId(const common::v1::PersonId& person_id,
                                                    absl::CivilDay today, absl::string_view path,
                                                    Violations& out) {
  const std::string type_field = absl::StrCat(path, ".id_type");
  const std::string number_field = absl::StrCat(path, ".id_number");
  const int type_number = static_cast<int>(person_id.id_type());
  std::optional<validation::IdType> type;
  if (type_number == 0) {
    AddRule(out, type_field, rule::kRequired, "the ID type is required");
  } else {
    type = validation::IdTypeFromNumber(type_number);
    if (!type.has_value()) {
      AddRule(out, type_field, rule::kIdTypeUnknown, "the ID type is none of the seven types");
    }
  }
  if (validation::TrimText(person_id.id_number()).empty()) {
    AddRule(out, number_field, rule::kRequired, "the ID number is required");
    return std::nullopt;
  }
  // The format of a number depends on its type: without a known type it cannot be judged.
  if (!type.has_value()) return std::nullopt;
  absl::StatusOr<validation::IdDocument> document =
      validation::ParseIdDocument(*type, person_id.id_number(), today);
  if (out.AddIfError(number_field, document.status())) return std::nullopt;
  return *std::move(document);
}

// A required enum field whose values come from a code list: REQUIRED (0), CODE_UNKNOWN,
// CODE_NOT_ACCEPTED. Returns true when the value passed.
bool CheckRequiredCode(int number, const validation::CodeList& codes, const std::string& field,
                       absl::string_view what, Violations& out) {
  if (number == 0) {
    AddRule(out, field, rule::kRequired, absl::StrCat(what, " is required"));
    return false;
  }
  return !out.AddIfError(field, codes.ValidateNumber(number));
}

// One form being checked: the form, the day it is judged on, where its violations go and under
// which prefix.
struct FormCheck {
  const RegistrationForm& form;
  absl::CivilDay today;
  absl::string_view prefix;
  Violations& out;

  std::string Path(absl::string_view field) const { return absl::StrCat(prefix, field); }
};

// name, person_id, sex, ethnic_group, political_status, education. Returns what the ID number
// encodes (sex and birth date are compared with it), when it is valid.
std::optional<validation::IdDocument> CheckPersonalDetails(const FormCheck& c) {
  // name
  CheckText(c.form.name(), /*required=*/true, kMaxNameCharacters, /*multiline=*/false,
            c.Path("name"), c.out);

  // person_id first: sex and birth date are compared with what the number encodes.
  std::optional<validation::IdDocument> document;
  if (!c.form.has_person_id()) {
    AddRule(c.out, c.Path("person_id"), rule::kRequired, "the identity document is required");
  } else {
    document = CheckPersonId(c.form.person_id(), c.today, c.Path("person_id"), c.out);
  }

  // sex: REQUIRED, CODE_UNKNOWN, CODE_NOT_ACCEPTED, MISMATCH.
  const std::string sex_field = c.Path("sex");
  if (CheckRequiredCode(static_cast<int>(c.form.sex()), validation::SexCodes(), sex_field,
                        "the sex", c.out) &&
      document.has_value() && document->sex.has_value() &&
      static_cast<int>(*document->sex) != static_cast<int>(c.form.sex())) {
    AddRule(c.out, sex_field, rule::kMismatch,
            "the sex does not agree with the sex the ID number encodes");
  }

  // ethnic_group: REQUIRED, FORMAT, CODE_UNKNOWN, CODE_NOT_ACCEPTED; political_status: FORMAT,
  // CODE_UNKNOWN. The code lists tell FORMAT from CODE_UNKNOWN themselves.
  const std::string ethnic_field = c.Path("ethnic_group");
  if (c.form.ethnic_group().empty()) {
    AddRule(c.out, ethnic_field, rule::kRequired, "the ethnic group is required");
  } else {
    c.out.AddIfError(ethnic_field, validation::EthnicGroupCodes().Validate(c.form.ethnic_group()));
  }
  if (!c.form.political_status().empty()) {
    c.out.AddIfError(c.Path("political_status"),
                     validation::PoliticalStatusCodes().Validate(c.form.political_status()));
  }

  // education
  CheckRequiredCode(static_cast<int>(c.form.education()), validation::EducationCodes(),
                    c.Path("education"), "the education level", c.out);
  return document;
}

// health_status and disability_grade.
void CheckHealth(const FormCheck& c) {
  // health_status, then disability_grade: DISABILITY_GRADE_REQUIRED, DISABILITY_GRADE_RANGE,
  // DISABILITY_GRADE_NOT_APPLICABLE. A grade outside 1..10 is RANGE whatever the health status
  // (form.proto's order puts RANGE before NOT_APPLICABLE). Whether a grade is required or not
  // applicable is judged only against a valid health status: when the status is missing or
  // unknown, the applicant's fix may well be "disabled", so the grade is not flagged as well.
  // (The gateway did so; registration reported NOT_APPLICABLE next to a missing health status.)
  const std::string grade_field = c.Path("disability_grade");
  const int grade = c.form.disability_grade();
  const bool health_ok =
      CheckRequiredCode(static_cast<int>(c.form.health_status()), validation::HealthStatusCodes(),
                        c.Path("health_status"), "the health status", c.out);
  if (grade != 0 &&
      (grade < validation::kMinDisabilityGrade || grade > validation::kMaxDisabilityGrade)) {
    AddRule(c.out, grade_field, rule::kDisabilityGradeRange,
            absl::StrCat("the disability grade must lie between ", validation::kMinDisabilityGrade,
                         " and ", validation::kMaxDisabilityGrade));
  } else if (health_ok) {
    const std::optional<validation::HealthStatus> health =
        validation::HealthStatusFromNumber(static_cast<int>(c.form.health_status()));
    if (health.has_value()) {
      c.out.AddIfError(grade_field,
                       validation::ValidateDisabilityGrade(
                           *health, grade == 0 ? std::nullopt : std::optional<int>(grade)));
    }
  }
}

// birth_date and unemployed_date, against what the ID number encodes (`document`).
void CheckDates(const FormCheck& c, const std::optional<validation::IdDocument>& document) {
  // birth_date (optional): DATE_FORMAT, DATE_INVALID, DATE_IN_FUTURE, MISMATCH. The birth date
  // that bounds the unemployment date is the one the number encodes, else the one given here.
  std::optional<absl::CivilDay> birth_date;
  if (document.has_value()) birth_date = document->birth_date;
  if (!c.form.birth_date().empty()) {
    const std::string birth_field = c.Path("birth_date");
    const std::optional<absl::CivilDay> given =
        CheckDateNotAfter(c.form.birth_date(), c.today, birth_field, c.out);
    if (given.has_value() && birth_date.has_value() && *birth_date != *given) {
      AddRule(c.out, birth_field, rule::kMismatch,
              "the birth date does not agree with the birth date the ID number encodes");
    } else if (given.has_value()) {
      birth_date = given;
    }
  }

  // unemployed_date: REQUIRED, DATE_FORMAT, DATE_INVALID, DATE_IN_FUTURE, DATE_ORDER.
  const std::string unemployed_field = c.Path("unemployed_date");
  if (c.form.unemployed_date().empty()) {
    AddRule(c.out, unemployed_field, rule::kRequired, "the date of unemployment is required");
  } else {
    const std::optional<absl::CivilDay> unemployed =
        CheckDateNotAfter(c.form.unemployed_date(), c.today, unemployed_field, c.out);
    if (unemployed.has_value() && birth_date.has_value() && *unemployed < *birth_date) {
      AddRule(c.out, unemployed_field, rule::kDateOrder,
              "the date of unemployment lies before the birth date");
    }
  }
}

void CheckQualifications(const FormCheck& c) {
  // qualifications
  if (c.form.qualifications_size() > kMaxQualifications) {
    AddRule(c.out, c.Path("qualifications"), rule::kTooMany,
            absl::StrCat("at most ", kMaxQualifications, " qualifications are allowed"));
  }
  for (int i = 0; i < c.form.qualifications_size(); ++i) {
    const std::string entry = absl::StrCat(c.prefix, "qualifications[", i, "].");
    CheckText(c.form.qualifications(i).name(), /*required=*/true, kMaxQualificationNameCharacters,
              /*multiline=*/false, entry + "name", c.out);
    CheckText(c.form.qualifications(i).level(), /*required=*/false,
              kMaxQualificationLevelCharacters,
              /*multiline=*/false, entry + "level", c.out);
  }
}

void CheckContact(const FormCheck& c) {
  // contact: only the mobile number is required.
  if (!c.form.has_contact()) {
    AddRule(c.out, c.Path("contact"), rule::kRequired, "the contact details are required");
  } else {
    const common::v1::ContactInfo& contact = c.form.contact();
    const std::string mobile_field = c.Path("contact.mobile");
    if (contact.mobile().empty()) {
      AddRule(c.out, mobile_field, rule::kRequired, "the mobile number is required");
    } else {
      c.out.AddIfError(mobile_field, validation::ValidateMobileNumber(contact.mobile()));
    }
    if (!contact.landline().empty()) {
      c.out.AddIfError(c.Path("contact.landline"),
                       validation::ValidateLandlineNumber(contact.landline()));
    }
    if (!contact.email().empty()) {
      c.out.AddIfError(c.Path("contact.email"), validation::ValidateEmail(contact.email()));
    }
    CheckText(contact.other(), /*required=*/false, kMaxOtherContactCharacters,
              /*multiline=*/false, c.Path("contact.other"), c.out);
  }
}

// unemployment_cause, cause_other_text and applying_for_insurance_benefit.
void CheckUnemploymentCause(const FormCheck& c) {
  // unemployment_cause: REQUIRED, CODE_UNKNOWN. cause_other_text: OTHER_TEXT_REQUIRED,
  // OTHER_TEXT_NOT_APPLICABLE, TOO_LONG, INVALID_UTF8, CONTROL_CHARACTER. Whether a text is
  // required or not applicable is judged only against a valid cause, for the reason given at
  // disability_grade. (The gateway did so; registration reported OTHER_TEXT_NOT_APPLICABLE next to
  // a missing or unknown cause.)
  const std::string cause_text_field = c.Path("cause_other_text");
  const int cause_number = static_cast<int>(c.form.unemployment_cause());
  if (CheckRequiredCode(cause_number, validation::UnemploymentCauseCodes(),
                        c.Path("unemployment_cause"), "the cause of unemployment", c.out)) {
    const std::optional<validation::UnemploymentCause> cause =
        validation::UnemploymentCauseFromNumber(cause_number);
    if (cause.has_value()) {
      c.out.AddIfError(cause_text_field, validation::ValidateUnemploymentCauseText(
                                             *cause, c.form.cause_other_text()));
    }
  }
  if (!c.out.HasField(cause_text_field)) {
    CheckText(c.form.cause_other_text(), /*required=*/false, kMaxCauseTextCharacters,
              /*multiline=*/false, cause_text_field, c.out);
  }

  // applying_for_insurance_benefit: unset is refused.
  if (!c.form.has_applying_for_insurance_benefit()) {
    AddRule(c.out, c.Path("applying_for_insurance_benefit"), rule::kRequired,
            "whether the person applies for unemployment insurance benefit is required");
  }
}

// job_intentions and notes.
void CheckIntentionsAndNotes(const FormCheck& c) {
  // job_intentions
  if (c.form.job_intentions_size() > kMaxJobIntentions) {
    AddRule(c.out, c.Path("job_intentions"), rule::kTooMany,
            absl::StrCat("at most ", kMaxJobIntentions, " job intentions are allowed"));
  }
  for (int i = 0; i < c.form.job_intentions_size(); ++i) {
    CheckText(c.form.job_intentions(i), /*required=*/true, kMaxJobIntentionCharacters,
              /*multiline=*/false, absl::StrCat(c.prefix, "job_intentions[", i, "]"), c.out);
  }

  // notes: line breaks allowed.
  CheckText(c.form.notes(), /*required=*/false, kMaxNotesCharacters, /*multiline=*/true,
            c.Path("notes"), c.out);
}

void CheckCommitment(const FormCheck& c) {
  // commitment
  if (!c.form.has_commitment()) {
    AddRule(c.out, c.Path("commitment"), rule::kRequired, "the written commitment is required");
  } else {
    const common::v1::Commitment& commitment = c.form.commitment();
    if (!commitment.agreed()) {
      AddRule(c.out, c.Path("commitment.agreed"), rule::kNotAgreed,
              "the applicant has not agreed to the written commitment");
    }
    CheckText(commitment.signature(), /*required=*/true, kMaxSignatureCharacters,
              /*multiline=*/false, c.Path("commitment.signature"), c.out);
    const std::string signed_field = c.Path("commitment.signed_date");
    if (commitment.signed_date().empty()) {
      AddRule(c.out, signed_field, rule::kRequired, "the date of signing is required");
    } else {
      CheckDateNotAfter(commitment.signed_date(), c.today, signed_field, c.out);
    }
  }
}

}  // namespace

FormValidator::FormValidator(const validation::RegionDirectory& regions, const time::Clock& clock,
                             std::string province_code)
    : regions_(regions), clock_(clock), province_code_(std::move(province_code)) {}

void FormValidator::ValidatePersonId(const common::v1::PersonId& person_id, absl::string_view path,
                                     Violations& out) const {
  CheckPersonId(person_id, clock_.Today(), path, out);
}

void FormValidator::ValidateAddress(const Address& address, bool require_urban_rural_class,
                                    const std::string& path, Violations& out) const {
  validation::AddressFieldNames names;
  names.province = path + "province_code";
  names.city = path + "city_code";
  names.county = path + "county_code";
  regions_.CheckAddress(
      validation::AddressCodes{address.province_code(), address.city_code(), address.county_code()},
      names, out);
  CheckText(address.detail(), /*required=*/true, kMaxAddressDetailCharacters,
            /*multiline=*/false, path + "detail", out);

  // street_code: FORMAT, REGION_UNKNOWN, REGION_MISMATCH, in this order (form.proto), so the code
  // is checked on its own before it is compared with the county. It is compared only with a county
  // code that passed its own checks: when the county is flagged, the county is the field to fix
  // and flagging the street as well would send the applicant to a field that may be right. (The
  // gateway did this; registration compared before looking the code up, and with any county.)
  const std::string street_field = path + "street_code";
  const std::string& street = address.street_code();
  bool street_ok = false;
  if (!street.empty() && !out.AddIfError(street_field, regions_.ValidateTownshipCode(street))) {
    if (!out.HasField(names.county) && !absl::StartsWith(street, address.county_code())) {
      AddRule(out, street_field, rule::kRegionMismatch,
              "the street code does not lie in the county of the address");
    } else {
      street_ok = true;
    }
  }

  // village_code: FORMAT, REGION_MISMATCH (form.proto), and "when given, street_code is
  // required". A village code without a street code is reported as street_code REQUIRED: the
  // street code is the value that is missing and the field the applicant has to fill in (both
  // services did so). Its own shape is still checked, so a malformed village code is reported
  // in the same answer. (The gateway skipped the village code's checks without a street code;
  // registration skipped street_code REQUIRED when the village code was malformed.)
  const std::string& village = address.village_code();
  if (!village.empty()) {
    const std::string village_field = path + "village_code";
    if (street.empty()) {
      AddRule(out, street_field, rule::kRequired,
              "the street code is required when a village code is given");
    }
    // ValidateVillageCode() also looks the village's township part up (REGION_UNKNOWN), which
    // form.proto does not list for village_code: a village code that starts with a valid street
    // code has a known township part, and one that does not is REGION_MISMATCH below. Only its
    // FORMAT verdict is used.
    const absl::Status shape = regions_.ValidateVillageCode(village);
    if (validation::RuleOf(shape) == rule::kFormat) {
      out.AddIfError(village_field, shape);
    } else if (street_ok && !absl::StartsWith(village, street)) {
      AddRule(out, village_field, rule::kRegionMismatch,
              "the village code does not lie in the street of the address");
    }
  }

  const std::string class_field = path + "urban_rural_class";
  if (address.urban_rural_class().empty()) {
    if (require_urban_rural_class) {
      AddRule(out, class_field, rule::kRequired,
              "the urban-rural class of the habitual residence is required");
    }
  } else {
    out.AddIfError(class_field,
                   validation::ParseUrbanRuralClass(address.urban_rural_class()).status());
  }
}

void FormValidator::CheckAddresses(const RegistrationForm& form, const FormOptions& options,
                                   absl::string_view prefix, Violations& out) const {
  const auto path = [prefix](absl::string_view field) { return absl::StrCat(prefix, field); };
  // household_address (anywhere in China) and residence_address.
  if (!form.has_household_address()) {
    AddRule(out, path("household_address"), rule::kRequired, "the household address is required");
  } else {
    ValidateAddress(form.household_address(), /*require_urban_rural_class=*/false,
                    path("household_address."), out);
  }
  if (!form.has_residence_address()) {
    AddRule(out, path("residence_address"), rule::kRequired,
            "the habitual-residence address is required");
  } else {
    ValidateAddress(form.residence_address(), options.require_residence_urban_rural_class,
                    path("residence_address."), out);
  }
}

void FormValidator::CheckRegistrationLocation(const RegistrationForm& form,
                                              absl::string_view prefix, Violations& out) const {
  const auto path = [prefix](absl::string_view field) { return absl::StrCat(prefix, field); };
  // registration_location: REQUIRED, CODE_UNKNOWN, OUTSIDE_PROVINCE. The office is the county code
  // of the chosen address and nothing else (form.proto), so OUTSIDE_PROVINCE is judged as soon as
  // that county code passed its own checks, even when the address's province or city code is
  // flagged: where the office would be is then already certain, and the applicant learns it in the
  // same answer instead of after fixing the other codes. With the county code itself flagged the
  // office is unknown and nothing is said. (Registration did this; the gateway judged only when
  // the province, city and county codes were all valid.)
  const std::string location_field = path("registration_location");
  const int location = static_cast<int>(form.registration_location());
  if (location == common::v1::REGISTRATION_LOCATION_UNSPECIFIED) {
    AddRule(out, location_field, rule::kRequired, "the registration location is required");
  } else if (location != common::v1::REGISTRATION_LOCATION_HOUSEHOLD &&
             location != common::v1::REGISTRATION_LOCATION_RESIDENCE) {
    AddRule(out, location_field, rule::kCodeUnknown,
            "the registration location is neither household nor residence");
  } else {
    const bool household = location == common::v1::REGISTRATION_LOCATION_HOUSEHOLD;
    const bool present = household ? form.has_household_address() : form.has_residence_address();
    const std::string county_field =
        path(household ? "household_address.county_code" : "residence_address.county_code");
    const std::string& county =
        household ? form.household_address().county_code() : form.residence_address().county_code();
    if (present && !out.HasField(county_field) && !regions_.IsWithin(county, province_code_)) {
      AddRule(out, location_field, rule::kOutsideProvince,
              absl::StrCat("the chosen registration location lies outside the province ",
                           province_code_, " this service serves"));
    }
  }
}

// Every section in the order form.proto lists the fields, so the violations come in that order.
void FormValidator::Validate(const RegistrationForm& form, const FormOptions& options,
                             absl::string_view prefix, Violations& out) const {
  const FormCheck check{form, clock_.Today(), prefix, out};
  const std::optional<validation::IdDocument> document = CheckPersonalDetails(check);
  CheckHealth(check);
  CheckDates(check, document);
  CheckAddresses(form, options, prefix, out);
  CheckQualifications(check);
  CheckContact(check);
  CheckRegistrationLocation(form, prefix, out);
  CheckUnemploymentCause(check);
  CheckIntentionsAndNotes(check);
  CheckCommitment(check);
}

}  // namespace unemployment::forms
