#include "services/registration/form_validation.h"

#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
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

namespace unemployment::registration {
namespace {

namespace v1c = ::unemployment::common::v1;
namespace rule = ::unemployment::validation::rule;
using validation::TextRules;
using validation::Violations;

constexpr size_t kMaxName = 100;
constexpr size_t kMaxAddressDetail = 200;
constexpr size_t kMaxQualificationName = 100;
constexpr size_t kMaxQualificationLevel = 50;
constexpr size_t kMaxContactOther = 100;
constexpr size_t kMaxCauseText = 200;
constexpr size_t kMaxJobIntention = 100;
constexpr size_t kMaxNotes = 1000;
constexpr size_t kMaxSignature = 100;
constexpr int kMaxRepeated = 3;

void Trim(std::string* value) {
  absl::string_view trimmed = validation::TrimText(*value);
  if (trimmed.size() != value->size()) *value = std::string(trimmed);
}

void NormalizeAddress(v1c::Address* address) {
  Trim(address->mutable_province_code());
  Trim(address->mutable_city_code());
  Trim(address->mutable_county_code());
  Trim(address->mutable_detail());
  Trim(address->mutable_street_code());
  Trim(address->mutable_village_code());
  Trim(address->mutable_urban_rural_class());
}

bool AllDigits(absl::string_view text, size_t length) {
  if (text.size() != length) return false;
  for (char c : text) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

// Adds `rule` on `field` unless `field` already has a violation.
void AddOnce(Violations& out, const std::string& field, absl::string_view rule,
             absl::string_view description) {
  if (!out.HasField(field)) out.Add(field, std::string(rule), std::string(description));
}

void CheckText(Violations& out, const std::string& field, absl::string_view text,
               TextRules rules) {
  out.AddIfError(field, validation::ValidateText(text, rules));
}

void CheckAddress(const v1c::Address& address, const FormRules& rules, const std::string& path,
                  bool urban_rural_required, Violations& out) {
  validation::AddressFieldNames names;
  names.province = path + ".province_code";
  names.city = path + ".city_code";
  names.county = path + ".county_code";
  rules.regions->CheckAddress({address.province_code(), address.city_code(), address.county_code()},
                              names, out);
  CheckText(out, path + ".detail", address.detail(), {true, kMaxAddressDetail, false});

  const std::string street_field = path + ".street_code";
  if (!address.street_code().empty()) {
    if (!AllDigits(address.street_code(), 9)) {
      out.Add(street_field, std::string(rule::kFormat), "a street code has 9 digits");
    } else if (!address.county_code().empty() &&
               address.street_code().compare(0, 6, address.county_code()) != 0) {
      out.Add(street_field, std::string(rule::kRegionMismatch),
              "the street code does not lie in the county");
    } else {
      out.AddIfError(street_field, rules.regions->ValidateTownshipCode(address.street_code()));
    }
  }
  const std::string village_field = path + ".village_code";
  if (!address.village_code().empty()) {
    if (!AllDigits(address.village_code(), 12)) {
      out.Add(village_field, std::string(rule::kFormat), "a village code has 12 digits");
    } else if (address.street_code().empty()) {
      AddOnce(out, street_field, rule::kRequired, "a village code needs the street code");
    } else if (address.village_code().compare(0, 9, address.street_code()) != 0) {
      out.Add(village_field, std::string(rule::kRegionMismatch),
              "the village code does not lie in the street");
    }
  }
  const std::string class_field = path + ".urban_rural_class";
  if (address.urban_rural_class().empty()) {
    if (urban_rural_required) {
      out.Add(class_field, std::string(rule::kRequired),
              "the urban-rural class of the habitual residence is required");
    }
  } else {
    out.AddIfError(class_field,
                   validation::ParseUrbanRuralClass(address.urban_rural_class()).status());
  }
}

std::optional<validation::IdDocument> ParsedId(const v1c::PersonId& person_id,
                                               absl::CivilDay today) {
  std::optional<validation::IdType> type = validation::IdTypeFromNumber(person_id.id_type());
  if (!type.has_value()) return std::nullopt;
  absl::StatusOr<validation::IdDocument> document =
      validation::ParseIdDocument(*type, person_id.id_number(), today);
  if (!document.ok()) return std::nullopt;
  return *std::move(document);
}

}  // namespace

void NormalizeForm(v1c::RegistrationForm& form) {
  Trim(form.mutable_name());
  Trim(form.mutable_ethnic_group());
  Trim(form.mutable_political_status());
  Trim(form.mutable_unemployed_date());
  if (form.has_person_id()) {
    form.mutable_person_id()->set_id_number(
        validation::NormalizeIdNumber(validation::TrimText(form.person_id().id_number())));
  }
  if (form.has_household_address()) NormalizeAddress(form.mutable_household_address());
  if (form.has_residence_address()) NormalizeAddress(form.mutable_residence_address());
  for (v1c::Qualification& q : *form.mutable_qualifications()) {
    Trim(q.mutable_name());
    Trim(q.mutable_level());
  }
  if (form.has_contact()) {
    v1c::ContactInfo* contact = form.mutable_contact();
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

void ValidatePersonId(const v1c::PersonId& person_id, absl::CivilDay today,
                      absl::string_view prefix, Violations& out) {
  const std::string type_field = absl::StrCat(prefix, ".id_type");
  const std::string number_field = absl::StrCat(prefix, ".id_number");
  std::optional<validation::IdType> type;
  if (person_id.id_type() == v1c::ID_TYPE_UNSPECIFIED) {
    out.Add(type_field, std::string(rule::kRequired), "the ID type is required");
  } else {
    type = validation::IdTypeFromNumber(person_id.id_type());
    if (!type.has_value()) {
      out.Add(type_field, std::string(rule::kIdTypeUnknown), "the ID type is none of the seven types");
    }
  }
  if (validation::TrimText(person_id.id_number()).empty()) {
    out.Add(number_field, std::string(rule::kRequired), "the ID number is required");
  } else if (type.has_value()) {
    absl::CivilDay today_day = today;
    out.AddIfError(number_field,
                   validation::ValidateIdDocument(*type, person_id.id_number(), today_day));
  }
}

void ValidateForm(const v1c::RegistrationForm& form, const FormRules& rules,
                  absl::string_view prefix, Violations& out) {
  auto path = [&](absl::string_view field) { return absl::StrCat(prefix, field); };

  CheckText(out, path("name"), form.name(), {true, kMaxName, false});

  // Identity first: sex and birth date are compared with it.
  std::optional<validation::IdDocument> id;
  if (!form.has_person_id()) {
    out.Add(path("person_id"), std::string(rule::kRequired), "the identity document is required");
  } else {
    ValidatePersonId(form.person_id(), rules.today, path("person_id"), out);
    id = ParsedId(form.person_id(), rules.today);
  }

  if (form.sex() == v1c::SEX_UNSPECIFIED) {
    out.Add(path("sex"), std::string(rule::kRequired), "sex is required");
  } else if (!out.AddIfError(path("sex"), validation::SexCodes().ValidateNumber(form.sex()))) {
    if (id.has_value() && id->sex.has_value() && static_cast<int>(*id->sex) != form.sex()) {
      out.Add(path("sex"), std::string(form_rule::kMismatch),
              "sex does not agree with the ID number");
    }
  }

  if (form.ethnic_group().empty()) {
    out.Add(path("ethnic_group"), std::string(rule::kRequired), "the ethnic group is required");
  } else if (!AllDigits(form.ethnic_group(), 2)) {
    out.Add(path("ethnic_group"), std::string(rule::kFormat), "the ethnic group is a 2-digit code");
  } else {
    out.AddIfError(path("ethnic_group"), validation::EthnicGroupCodes().Validate(form.ethnic_group()));
  }

  if (!form.political_status().empty()) {
    if (!AllDigits(form.political_status(), 2)) {
      out.Add(path("political_status"), std::string(rule::kFormat),
              "the political status is a 2-digit code");
    } else {
      out.AddIfError(path("political_status"),
                     validation::PoliticalStatusCodes().Validate(form.political_status()));
    }
  }

  if (form.education() == v1c::EDUCATION_UNSPECIFIED) {
    out.Add(path("education"), std::string(rule::kRequired), "the education level is required");
  } else {
    out.AddIfError(path("education"), validation::EducationCodes().ValidateNumber(form.education()));
  }

  if (form.health_status() == v1c::HEALTH_STATUS_UNSPECIFIED) {
    out.Add(path("health_status"), std::string(rule::kRequired), "the health status is required");
    if (form.disability_grade() != 0) {
      out.Add(path("disability_grade"), std::string(rule::kDisabilityGradeNotApplicable),
              "a disability grade needs the health status disabled");
    }
  } else if (!out.AddIfError(path("health_status"),
                             validation::HealthStatusCodes().ValidateNumber(form.health_status()))) {
    std::optional<validation::HealthStatus> status =
        validation::HealthStatusFromNumber(form.health_status());
    if (status.has_value()) {
      std::optional<int> grade;
      if (form.disability_grade() != 0) grade = form.disability_grade();
      out.AddIfError(path("disability_grade"), validation::ValidateDisabilityGrade(*status, grade));
    }
  }

  std::optional<absl::CivilDay> birth_date;
  if (id.has_value() && id->birth_date.has_value()) birth_date = id->birth_date;
  if (!form.birth_date().empty()) {
    absl::StatusOr<absl::CivilDay> given =
        validation::ParseDateNotAfter(form.birth_date(), rules.today);
    if (!out.AddIfError(path("birth_date"), given.status())) {
      if (birth_date.has_value() && *birth_date != *given) {
        out.Add(path("birth_date"), std::string(form_rule::kMismatch),
                "the birth date does not agree with the ID number");
      } else {
        birth_date = *given;
      }
    }
  }

  if (form.unemployed_date().empty()) {
    out.Add(path("unemployed_date"), std::string(rule::kRequired),
            "the date of unemployment is required");
  } else {
    absl::StatusOr<absl::CivilDay> unemployed =
        validation::ParseDateNotAfter(form.unemployed_date(), rules.today);
    if (!out.AddIfError(path("unemployed_date"), unemployed.status()) && birth_date.has_value() &&
        *unemployed < *birth_date) {
      out.Add(path("unemployed_date"), std::string(form_rule::kDateOrder),
              "the date of unemployment lies before the birth date");
    }
  }

  if (!form.has_household_address()) {
    out.Add(path("household_address"), std::string(rule::kRequired),
            "the household address is required");
  } else {
    CheckAddress(form.household_address(), rules, path("household_address"), false, out);
  }
  if (!form.has_residence_address()) {
    out.Add(path("residence_address"), std::string(rule::kRequired),
            "the habitual-residence address is required");
  } else {
    CheckAddress(form.residence_address(), rules, path("residence_address"),
                 rules.require_residence_urban_rural_class, out);
  }

  if (form.qualifications_size() > kMaxRepeated) {
    out.Add(path("qualifications"), std::string(form_rule::kTooMany),
            "at most 3 qualifications are accepted");
  }
  for (int i = 0; i < form.qualifications_size(); ++i) {
    const std::string base = absl::StrCat(prefix, "qualifications[", i, "]");
    CheckText(out, base + ".name", form.qualifications(i).name(),
              {true, kMaxQualificationName, false});
    CheckText(out, base + ".level", form.qualifications(i).level(),
              {false, kMaxQualificationLevel, false});
  }

  if (!form.has_contact()) {
    out.Add(path("contact"), std::string(rule::kRequired), "contact details are required");
  } else {
    const v1c::ContactInfo& contact = form.contact();
    if (contact.mobile().empty()) {
      out.Add(path("contact.mobile"), std::string(rule::kRequired), "the mobile number is required");
    } else {
      out.AddIfError(path("contact.mobile"), validation::ValidateMobileNumber(contact.mobile()));
    }
    if (!contact.landline().empty()) {
      out.AddIfError(path("contact.landline"), validation::ValidateLandlineNumber(contact.landline()));
    }
    if (!contact.email().empty()) {
      out.AddIfError(path("contact.email"), validation::ValidateEmail(contact.email()));
    }
    CheckText(out, path("contact.other"), contact.other(), {false, kMaxContactOther, false});
  }

  switch (form.registration_location()) {
    case v1c::REGISTRATION_LOCATION_UNSPECIFIED:
      out.Add(path("registration_location"), std::string(rule::kRequired),
              "the registration location is required");
      break;
    case v1c::REGISTRATION_LOCATION_HOUSEHOLD:
    case v1c::REGISTRATION_LOCATION_RESIDENCE: {
      const bool household = form.registration_location() == v1c::REGISTRATION_LOCATION_HOUSEHOLD;
      const bool present = household ? form.has_household_address() : form.has_residence_address();
      const v1c::Address& chosen = household ? form.household_address() : form.residence_address();
      const std::string county_field =
          path(household ? "household_address.county_code" : "residence_address.county_code");
      if (present && !out.HasField(county_field) && !chosen.county_code().empty() &&
          !rules.regions->IsWithin(chosen.county_code(), rules.province_code)) {
        out.Add(path("registration_location"), std::string(form_rule::kOutsideProvince),
                absl::StrCat("the chosen address lies outside the province ", rules.province_code,
                             " this deployment serves"));
      }
      break;
    }
    default:
      out.Add(path("registration_location"), std::string(rule::kCodeUnknown),
              "the registration location is neither household nor residence");
  }

  if (form.unemployment_cause() == v1c::UNEMPLOYMENT_CAUSE_UNSPECIFIED) {
    out.Add(path("unemployment_cause"), std::string(rule::kRequired),
            "the cause of unemployment is required");
  } else {
    out.AddIfError(path("unemployment_cause"),
                   validation::UnemploymentCauseCodes().ValidateNumber(form.unemployment_cause()));
  }
  if (form.unemployment_cause() == v1c::UNEMPLOYMENT_CAUSE_OTHER) {
    if (form.cause_other_text().empty()) {
      out.Add(path("cause_other_text"), std::string(rule::kOtherTextRequired),
              "the cause \"other\" needs its text");
    } else {
      CheckText(out, path("cause_other_text"), form.cause_other_text(),
                {true, kMaxCauseText, false});
    }
  } else if (!form.cause_other_text().empty()) {
    out.Add(path("cause_other_text"), std::string(form_rule::kOtherTextNotApplicable),
            "a cause text is only given with the cause \"other\"");
  }

  if (!form.has_applying_for_insurance_benefit()) {
    out.Add(path("applying_for_insurance_benefit"), std::string(rule::kRequired),
            "whether unemployment insurance benefit is applied for is required");
  }

  if (form.job_intentions_size() > kMaxRepeated) {
    out.Add(path("job_intentions"), std::string(form_rule::kTooMany),
            "at most 3 job intentions are accepted");
  }
  for (int i = 0; i < form.job_intentions_size(); ++i) {
    CheckText(out, absl::StrCat(prefix, "job_intentions[", i, "]"), form.job_intentions(i),
              {true, kMaxJobIntention, false});
  }
  CheckText(out, path("notes"), form.notes(), {false, kMaxNotes, true});

  if (!form.has_commitment()) {
    out.Add(path("commitment"), std::string(rule::kRequired), "the written commitment is required");
  } else {
    const v1c::Commitment& commitment = form.commitment();
    if (!commitment.agreed()) {
      out.Add(path("commitment.agreed"), std::string(form_rule::kNotAgreed),
              "the applicant did not agree to the written commitment");
    }
    CheckText(out, path("commitment.signature"), commitment.signature(),
              {true, kMaxSignature, false});
    if (commitment.signed_date().empty()) {
      out.Add(path("commitment.signed_date"), std::string(rule::kRequired),
              "the date of signing is required");
    } else {
      out.AddIfError(path("commitment.signed_date"),
                     validation::ParseDateNotAfter(commitment.signed_date(), rules.today).status());
    }
  }
}

std::string ChosenCountyCode(const v1c::RegistrationForm& form) {
  switch (form.registration_location()) {
    case v1c::REGISTRATION_LOCATION_HOUSEHOLD:
      return form.has_household_address() ? form.household_address().county_code() : "";
    case v1c::REGISTRATION_LOCATION_RESIDENCE:
      return form.has_residence_address() ? form.residence_address().county_code() : "";
    default:
      return "";
  }
}

std::string DerivedBirthDate(const v1c::RegistrationForm& form, absl::CivilDay today) {
  if (form.has_person_id()) {
    std::optional<validation::IdDocument> id = ParsedId(form.person_id(), today);
    if (id.has_value() && id->birth_date.has_value()) return validation::FormatDate(*id->birth_date);
  }
  return form.birth_date();
}

}  // namespace unemployment::registration
