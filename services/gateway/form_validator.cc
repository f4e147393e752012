#include "services/gateway/form_validator.h"

#include <optional>
#include <string>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/validation/code_list.h"
#include "common/validation/date.h"
#include "common/validation/education.h"
#include "common/validation/email.h"
#include "common/validation/ethnic_group.h"
#include "common/validation/health.h"
#include "common/validation/id_document.h"
#include "common/validation/phone.h"
#include "common/validation/political_status.h"
#include "common/validation/resident_id.h"
#include "common/validation/rules.h"
#include "common/validation/sex.h"
#include "common/validation/text.h"
#include "common/validation/unemployment_cause.h"
#include "common/validation/urban_rural.h"

namespace unemployment::gateway {
namespace {

namespace rule = validation::rule;
using common::v1::Address;
using common::v1::RegistrationForm;
using validation::Violations;

void Trim(std::string* value) {
  const absl::string_view trimmed = validation::TrimText(*value);
  if (trimmed.size() != value->size()) *value = std::string(trimmed);
}

void TrimAddress(Address* address) {
  Trim(address->mutable_province_code());
  Trim(address->mutable_city_code());
  Trim(address->mutable_county_code());
  Trim(address->mutable_detail());
  Trim(address->mutable_street_code());
  Trim(address->mutable_village_code());
  Trim(address->mutable_urban_rural_class());
}

std::string Path(absl::string_view prefix, absl::string_view field) {
  return absl::StrCat(prefix, field);
}

// A free-text field: INVALID_UTF8, CONTROL_CHARACTER, REQUIRED, TOO_LONG (first failure wins).
bool CheckText(absl::string_view value, bool required, int max_characters, bool multiline,
               const std::string& field, Violations& out) {
  validation::TextRules rules;
  rules.required = required;
  rules.max_characters = static_cast<std::size_t>(max_characters);
  rules.multiline = multiline;
  return out.AddIfError(field, validation::ValidateText(value, rules));
}

bool IsDigits(absl::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

// A date field "YYYY-MM-DD" not after `today`; nullopt (with a violation) when it fails.
std::optional<absl::CivilDay> CheckDateNotAfter(absl::string_view value, absl::CivilDay today,
                                                const std::string& field, Violations& out) {
  absl::StatusOr<absl::CivilDay> day = validation::ParseDateNotAfter(value, today);
  if (!day.ok()) {
    out.AddIfError(field, day.status());
    return std::nullopt;
  }
  return *day;
}

}  // namespace

FormValidator::FormValidator(const validation::RegionDirectory& regions, const time::Clock& clock,
                             std::string province_code)
    : regions_(regions), clock_(clock), province_code_(std::move(province_code)) {}

void FormValidator::Normalize(RegistrationForm& form) {
  Trim(form.mutable_name());
  Trim(form.mutable_ethnic_group());
  Trim(form.mutable_political_status());
  Trim(form.mutable_unemployed_date());
  if (form.has_person_id()) {
    form.mutable_person_id()->set_id_number(
        validation::NormalizeIdNumber(form.person_id().id_number()));
  }
  if (form.has_household_address()) TrimAddress(form.mutable_household_address());
  if (form.has_residence_address()) TrimAddress(form.mutable_residence_address());
  for (common::v1::Qualification& q : *form.mutable_qualifications()) {
    Trim(q.mutable_name());
    Trim(q.mutable_level());
  }
  if (form.has_contact()) {
    common::v1::ContactInfo* contact = form.mutable_contact();
    Trim(contact->mutable_mobile());
    Trim(contact->mutable_landline());
    Trim(contact->mutable_email());
    Trim(contact->mutable_other());
  }
  Trim(form.mutable_cause_other_text());
  for (std::string& intention : *form.mutable_job_intentions()) Trim(&intention);
  Trim(form.mutable_notes());
  if (form.has_commitment()) {
    Trim(form.mutable_commitment()->mutable_signature());
    Trim(form.mutable_commitment()->mutable_signed_date());
  }
  Trim(form.mutable_birth_date());
}

std::string FormValidator::OfficeRegionCode(const RegistrationForm& form) {
  switch (form.registration_location()) {
    case common::v1::REGISTRATION_LOCATION_HOUSEHOLD:
      return form.has_household_address() ? form.household_address().county_code() : "";
    case common::v1::REGISTRATION_LOCATION_RESIDENCE:
      return form.has_residence_address() ? form.residence_address().county_code() : "";
    default:
      return "";
  }
}

void FormValidator::ValidateAddress(const Address& address, bool require_urban_rural_class,
                                    const std::string& path, Violations& out) const {
  validation::AddressFieldNames names;
  names.province = Path(path, "province_code");
  names.city = Path(path, "city_code");
  names.county = Path(path, "county_code");
  regions_.CheckAddress(
      validation::AddressCodes{address.province_code(), address.city_code(), address.county_code()},
      names, out);
  CheckText(address.detail(), /*required=*/true, kMaxAddressDetailCharacters,
            /*multiline=*/false, Path(path, "detail"), out);

  const std::string street_field = Path(path, "street_code");
  bool street_ok = false;
  if (!address.street_code().empty()) {
    if (!out.AddIfError(street_field, regions_.ValidateTownshipCode(address.street_code()))) {
      if (!out.HasField(names.county) &&
          !absl::StartsWith(address.street_code(), address.county_code())) {
        out.Add(street_field, std::string(rule::kRegionMismatch),
                "the street code does not lie in the county of the address");
      } else {
        street_ok = true;
      }
    }
  }
  if (!address.village_code().empty()) {
    const std::string village_field = Path(path, "village_code");
    if (address.street_code().empty()) {
      out.Add(street_field, std::string(rule::kRequired),
              "the street code is required when a village code is given");
    } else if (!out.AddIfError(village_field,
                               regions_.ValidateVillageCode(address.village_code())) &&
               street_ok && !absl::StartsWith(address.village_code(), address.street_code())) {
      out.Add(village_field, std::string(rule::kRegionMismatch),
              "the village code does not lie in the street of the address");
    }
  }

  const std::string class_field = Path(path, "urban_rural_class");
  if (address.urban_rural_class().empty()) {
    if (require_urban_rural_class) {
      out.Add(class_field, std::string(rule::kRequired),
              "the urban-rural class of the habitual residence is required");
    }
  } else {
    out.AddIfError(class_field,
                   validation::ParseUrbanRuralClass(address.urban_rural_class()).status());
  }
}

void FormValidator::Validate(const RegistrationForm& form, const FormOptions& options,
                             absl::string_view prefix, Violations& out) const {
  const absl::CivilDay today = clock_.Today();

  // name
  CheckText(form.name(), /*required=*/true, kMaxNameCharacters, /*multiline=*/false,
            Path(prefix, "name"), out);

  // person_id first: sex and birth date are compared with what the number encodes.
  std::optional<validation::IdDocument> document;
  const std::string person_field = Path(prefix, "person_id");
  if (!form.has_person_id()) {
    out.Add(person_field, std::string(rule::kRequired), "the identity document is required");
  } else {
    const std::string type_field = Path(prefix, "person_id.id_type");
    const std::string number_field = Path(prefix, "person_id.id_number");
    const int type_number = static_cast<int>(form.person_id().id_type());
    std::optional<validation::IdType> type;
    if (type_number == 0) {
      out.Add(type_field, std::string(rule::kRequired), "the ID type is required");
    } else {
      type = validation::IdTypeFromNumber(type_number);
      if (!type.has_value()) {
        out.Add(type_field, std::string(rule::kIdTypeUnknown), "the ID type is none of the seven types");
      }
    }
    if (type.has_value()) {
      absl::StatusOr<validation::IdDocument> parsed =
          validation::ParseIdDocument(*type, form.person_id().id_number(), today);
      if (parsed.ok()) {
        document = *std::move(parsed);
      } else {
        out.AddIfError(number_field, parsed.status());
      }
    } else if (form.person_id().id_number().empty()) {
      out.Add(number_field, std::string(rule::kRequired), "the ID number is required");
    }
  }

  // sex
  const std::string sex_field = Path(prefix, "sex");
  if (form.sex() == common::v1::SEX_UNSPECIFIED) {
    out.Add(sex_field, std::string(rule::kRequired), "the sex is required");
  } else if (!out.AddIfError(sex_field,
                             validation::SexCodes().ValidateNumber(static_cast<int>(form.sex())))) {
    if (document.has_value() && document->sex.has_value() &&
        static_cast<int>(*document->sex) != static_cast<int>(form.sex())) {
      out.Add(sex_field, std::string(rule::kMismatch),
              "the sex does not agree with the sex the ID number encodes");
    }
  }

  // ethnic_group, political_status
  const std::string ethnic_field = Path(prefix, "ethnic_group");
  if (form.ethnic_group().empty()) {
    out.Add(ethnic_field, std::string(rule::kRequired), "the ethnic group is required");
  } else {
    out.AddIfError(ethnic_field, validation::EthnicGroupCodes().Validate(form.ethnic_group()));
  }
  if (!form.political_status().empty()) {
    out.AddIfError(Path(prefix, "political_status"),
                   validation::PoliticalStatusCodes().Validate(form.political_status()));
  }

  // education
  const std::string education_field = Path(prefix, "education");
  if (form.education() == common::v1::EDUCATION_UNSPECIFIED) {
    out.Add(education_field, std::string(rule::kRequired), "the education level is required");
  } else {
    out.AddIfError(education_field, validation::EducationCodes().ValidateNumber(
                                        static_cast<int>(form.education())));
  }

  // health_status and disability_grade
  const std::string health_field = Path(prefix, "health_status");
  const std::string grade_field = Path(prefix, "disability_grade");
  const std::optional<int> grade =
      form.disability_grade() == 0 ? std::nullopt : std::optional<int>(form.disability_grade());
  if (form.health_status() == common::v1::HEALTH_STATUS_UNSPECIFIED) {
    out.Add(health_field, std::string(rule::kRequired), "the health status is required");
  } else if (!out.AddIfError(health_field, validation::HealthStatusCodes().ValidateNumber(
                                               static_cast<int>(form.health_status())))) {
    std::optional<validation::HealthStatus> health =
        validation::HealthStatusFromNumber(static_cast<int>(form.health_status()));
    if (health.has_value()) {
      out.AddIfError(grade_field, validation::ValidateDisabilityGrade(*health, grade));
    }
  }
  if (!out.HasField(grade_field) && grade.has_value() &&
      (*grade < validation::kMinDisabilityGrade || *grade > validation::kMaxDisabilityGrade)) {
    out.Add(grade_field, std::string(rule::kDisabilityGradeRange),
            "the disability grade must lie between 1 and 10");
  }

  // birth_date (optional) and the birth date the document encodes
  std::optional<absl::CivilDay> birth_date;
  if (document.has_value()) birth_date = document->birth_date;
  if (!form.birth_date().empty()) {
    const std::string birth_field = Path(prefix, "birth_date");
    std::optional<absl::CivilDay> given =
        CheckDateNotAfter(form.birth_date(), today, birth_field, out);
    if (given.has_value()) {
      if (birth_date.has_value() && *birth_date != *given) {
        out.Add(birth_field, std::string(rule::kMismatch),
                "the birth date does not agree with the birth date the ID number encodes");
      } else if (!birth_date.has_value()) {
        birth_date = given;
      }
    }
  }

  // unemployed_date
  const std::string unemployed_field = Path(prefix, "unemployed_date");
  if (form.unemployed_date().empty()) {
    out.Add(unemployed_field, std::string(rule::kRequired), "the date of unemployment is required");
  } else {
    std::optional<absl::CivilDay> unemployed =
        CheckDateNotAfter(form.unemployed_date(), today, unemployed_field, out);
    if (unemployed.has_value() && birth_date.has_value() && *unemployed < *birth_date) {
      out.Add(unemployed_field, std::string(rule::kDateOrder),
              "the date of unemployment lies before the birth date");
    }
  }

  // addresses
  const std::string household_path = Path(prefix, "household_address");
  if (!form.has_household_address()) {
    out.Add(household_path, std::string(rule::kRequired), "the household address is required");
  } else {
    ValidateAddress(form.household_address(), /*require_urban_rural_class=*/false,
                    household_path + ".", out);
  }
  const std::string residence_path = Path(prefix, "residence_address");
  if (!form.has_residence_address()) {
    out.Add(residence_path, std::string(rule::kRequired), "the habitual residence is required");
  } else {
    ValidateAddress(form.residence_address(), options.require_residence_urban_rural_class,
                    residence_path + ".", out);
  }

  // qualifications
  if (form.qualifications_size() > kMaxQualifications) {
    out.Add(Path(prefix, "qualifications"), std::string(rule::kTooMany),
            absl::StrCat("at most ", kMaxQualifications, " qualifications are allowed"));
  }
  for (int i = 0; i < form.qualifications_size(); ++i) {
    const std::string entry = absl::StrCat(prefix, "qualifications[", i, "].");
    CheckText(form.qualifications(i).name(), /*required=*/true, kMaxQualificationNameCharacters,
              /*multiline=*/false, entry + "name", out);
    CheckText(form.qualifications(i).level(), /*required=*/false,
              kMaxQualificationLevelCharacters, /*multiline=*/false, entry + "level", out);
  }

  // contact
  const std::string contact_path = Path(prefix, "contact");
  if (!form.has_contact()) {
    out.Add(contact_path, std::string(rule::kRequired), "the contact details are required");
  } else {
    const common::v1::ContactInfo& contact = form.contact();
    const std::string mobile_field = contact_path + ".mobile";
    if (contact.mobile().empty()) {
      out.Add(mobile_field, std::string(rule::kRequired), "the mobile number is required");
    } else {
      out.AddIfError(mobile_field, validation::ValidateMobileNumber(contact.mobile()));
    }
    if (!contact.landline().empty()) {
      out.AddIfError(contact_path + ".landline",
                     validation::ValidateLandlineNumber(contact.landline()));
    }
    if (!contact.email().empty()) {
      out.AddIfError(contact_path + ".email", validation::ValidateEmail(contact.email()));
    }
    CheckText(contact.other(), /*required=*/false, kMaxOtherContactCharacters,
              /*multiline=*/false, contact_path + ".other", out);
  }

  // registration_location: the chosen address gives the office, which must lie in the province.
  const std::string location_field = Path(prefix, "registration_location");
  const int location = static_cast<int>(form.registration_location());
  if (location == 0) {
    out.Add(location_field, std::string(rule::kRequired), "the registration location is required");
  } else if (location != common::v1::REGISTRATION_LOCATION_HOUSEHOLD &&
             location != common::v1::REGISTRATION_LOCATION_RESIDENCE) {
    out.Add(location_field, std::string(rule::kCodeUnknown),
            "the registration location is neither household nor residence");
  } else {
    const bool household = location == common::v1::REGISTRATION_LOCATION_HOUSEHOLD;
    const std::string& chosen_path = household ? household_path : residence_path;
    const std::string county = OfficeRegionCode(form);
    // Judged only when the chosen address's codes are themselves valid (else they are reported).
    const bool chosen_valid = (household ? form.has_household_address()
                                         : form.has_residence_address()) &&
                              !out.HasField(chosen_path + ".province_code") &&
                              !out.HasField(chosen_path + ".city_code") &&
                              !out.HasField(chosen_path + ".county_code");
    if (chosen_valid && !regions_.IsWithin(county, province_code_)) {
      out.Add(location_field, std::string(rule::kOutsideProvince),
              absl::StrCat("the chosen registration location lies outside the province ",
                           province_code_, " this service serves"));
    }
  }

  // unemployment_cause and cause_other_text
  const std::string cause_field = Path(prefix, "unemployment_cause");
  const std::string cause_text_field = Path(prefix, "cause_other_text");
  const int cause_number = static_cast<int>(form.unemployment_cause());
  if (cause_number == 0) {
    out.Add(cause_field, std::string(rule::kRequired), "the cause of unemployment is required");
  } else if (!out.AddIfError(cause_field,
                             validation::UnemploymentCauseCodes().ValidateNumber(cause_number))) {
    std::optional<validation::UnemploymentCause> cause =
        validation::UnemploymentCauseFromNumber(cause_number);
    if (cause.has_value()) {
      out.AddIfError(cause_text_field,
                     validation::ValidateUnemploymentCauseText(*cause, form.cause_other_text()));
    }
  }
  if (!out.HasField(cause_text_field)) {
    CheckText(form.cause_other_text(), /*required=*/false, kMaxCauseTextCharacters,
              /*multiline=*/false, cause_text_field, out);
  }

  // applying_for_insurance_benefit
  if (!form.has_applying_for_insurance_benefit()) {
    out.Add(Path(prefix, "applying_for_insurance_benefit"), std::string(rule::kRequired),
            "whether the person applies for unemployment insurance benefit is required");
  }

  // job_intentions
  if (form.job_intentions_size() > kMaxJobIntentions) {
    out.Add(Path(prefix, "job_intentions"), std::string(rule::kTooMany),
            absl::StrCat("at most ", kMaxJobIntentions, " job intentions are allowed"));
  }
  for (int i = 0; i < form.job_intentions_size(); ++i) {
    CheckText(form.job_intentions(i), /*required=*/true, kMaxJobIntentionCharacters,
              /*multiline=*/false, absl::StrCat(prefix, "job_intentions[", i, "]"), out);
  }

  // notes
  CheckText(form.notes(), /*required=*/false, kMaxNotesCharacters, /*multiline=*/true,
            Path(prefix, "notes"), out);

  // commitment
  const std::string commitment_path = Path(prefix, "commitment");
  if (!form.has_commitment()) {
    out.Add(commitment_path, std::string(rule::kRequired), "the written commitment is required");
  } else {
    const common::v1::Commitment& commitment = form.commitment();
    if (!commitment.agreed()) {
      out.Add(commitment_path + ".agreed", std::string(rule::kNotAgreed),
              "the applicant has not agreed to the written commitment");
    }
    CheckText(commitment.signature(), /*required=*/true, kMaxSignatureCharacters,
              /*multiline=*/false, commitment_path + ".signature", out);
    const std::string signed_field = commitment_path + ".signed_date";
    if (commitment.signed_date().empty()) {
      out.Add(signed_field, std::string(rule::kRequired), "the date of signing is required");
    } else {
      CheckDateNotAfter(commitment.signed_date(), today, signed_field, out);
    }
  }
}

void FormValidator::ValidatePortalApplicationId(absl::string_view id, absl::string_view field,
                                                Violations& out) const {
  const std::string name(field);
  if (id.empty()) {
    out.Add(name, std::string(rule::kRequired), "the portal application id is required");
    return;
  }
  bool shape = id.size() >= 7 && id.size() <= 32 && IsDigits(id.substr(0, 6));
  for (char c : id.substr(std::min<std::size_t>(6, id.size()))) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c)) &&
        !absl::ascii_isupper(static_cast<unsigned char>(c))) {
      shape = false;
    }
  }
  if (!shape) {
    out.Add(name, std::string(rule::kFormat),
            "the portal application id must be a 6-digit region code followed by 1 to 26 digits "
            "or upper-case letters");
    return;
  }
  const absl::string_view region = id.substr(0, 6);
  const std::optional<validation::RegionLevel> level = regions_.LevelOf(region);
  if (!level.has_value() || *level == validation::RegionLevel::kTownship) {
    out.Add(name, std::string(rule::kRegionUnknown),
            "the region code of the portal application id is not in the reference list");
    return;
  }
  if (!regions_.IsWithin(region, province_code_)) {
    out.Add(name, std::string(rule::kOutsideProvince),
            absl::StrCat("the region of the portal application id lies outside the province ",
                         province_code_));
  }
}

void FormValidator::ValidateMinistryApplicationId(absl::string_view id, absl::string_view field,
                                                  Violations& out) {
  const std::string name(field);
  if (id.empty()) {
    out.Add(name, std::string(rule::kRequired), "the ministry application id is required");
    return;
  }
  bool shape = id.size() <= 40;
  for (char c : id) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '-') shape = false;
  }
  if (!shape) {
    out.Add(name, std::string(rule::kFormat),
            "the ministry application id must be 1 to 40 letters, digits or \"-\"");
  }
}

}  // namespace unemployment::gateway
