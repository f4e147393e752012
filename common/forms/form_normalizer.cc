#include "common/forms/form_normalizer.h"

#include <string>

#include "absl/strings/string_view.h"
#include "common/validation/resident_id.h"
#include "common/validation/text.h"

namespace unemployment::forms {
namespace {

void Trim(std::string* value) {
  const absl::string_view trimmed = validation::TrimText(*value);
  if (trimmed.size() != value->size()) *value = std::string(trimmed);
}

void NormalizeAddress(common::v1::Address& address) {
  Trim(address.mutable_province_code());
  Trim(address.mutable_city_code());
  Trim(address.mutable_county_code());
  Trim(address.mutable_detail());
  Trim(address.mutable_street_code());
  Trim(address.mutable_village_code());
  Trim(address.mutable_urban_rural_class());
}

}  // namespace

void NormalizePersonId(common::v1::PersonId& person_id) {
  // NormalizeIdNumber() strips ASCII white space only. The ID number is trimmed with TrimText()
  // first, like every other string of the form, so that a full-width space typed by a Chinese input
  // method around the number is dropped too. (The gateway used to strip ASCII white space only and
  // then refused such a number with LENGTH; registration trimmed U+3000 as well.)
  person_id.set_id_number(
      validation::NormalizeIdNumber(validation::TrimText(person_id.id_number())));
}

void NormalizeForm(common::v1::RegistrationForm& form) {
  Trim(form.mutable_name());
  Trim(form.mutable_ethnic_group());
  Trim(form.mutable_political_status());
  Trim(form.mutable_unemployed_date());
  if (form.has_person_id()) NormalizePersonId(*form.mutable_person_id());
  if (form.has_household_address()) NormalizeAddress(*form.mutable_household_address());
  if (form.has_residence_address()) NormalizeAddress(*form.mutable_residence_address());
  for (common::v1::Qualification& qualification : *form.mutable_qualifications()) {
    Trim(qualification.mutable_name());
    Trim(qualification.mutable_level());
  }
  if (form.has_contact()) {
    common::v1::ContactInfo& contact = *form.mutable_contact();
    Trim(contact.mutable_mobile());
    Trim(contact.mutable_landline());
    Trim(contact.mutable_email());
    Trim(contact.mutable_other());
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

}  // namespace unemployment::forms
