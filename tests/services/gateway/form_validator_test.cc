#include "services/gateway/form_validator.h"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "common/validation/resident_id.h"
#include "tests/services/gateway/test_util.h"

namespace unemployment::gateway {
namespace {

using testing::FieldRules;
using testing::Regions;
using testing::ValidForm;
using Strings = std::vector<std::string>;

struct Fixture {
  time::FakeClock clock{testing::TestNow()};
  FormValidator validator{Regions(), clock, "230000"};

  Strings Check(common::v1::RegistrationForm form, bool portal = true) {
    FormValidator::Normalize(form);
    validation::Violations out;
    FormOptions options;
    options.require_residence_urban_rural_class = portal;
    validator.Validate(form, options, "form.", out);
    return FieldRules(out);
  }
};

// A resident ID number with a correct check character for the first 17 digits.
std::string WithCheck(const std::string& first17) {
  return first17 + *validation::Gb11643CheckCharacter(first17);
}

TEST_CASE_METHOD(Fixture, "a complete form is valid on both channels", "[gateway][form]") {
  CHECK(Check(ValidForm()).empty());
  CHECK(Check(ValidForm("410326199507103197"), false).empty());
}

TEST_CASE_METHOD(Fixture, "an empty form lists every missing required field at once",
                 "[gateway][form]") {
  CHECK(Check(common::v1::RegistrationForm()) ==
        Strings{"form.name REQUIRED",
                "form.person_id REQUIRED",
                "form.sex REQUIRED",
                "form.ethnic_group REQUIRED",
                "form.education REQUIRED",
                "form.health_status REQUIRED",
                "form.unemployed_date REQUIRED",
                "form.household_address REQUIRED",
                "form.residence_address REQUIRED",
                "form.contact REQUIRED",
                "form.registration_location REQUIRED",
                "form.unemployment_cause REQUIRED",
                "form.applying_for_insurance_benefit REQUIRED",
                "form.commitment REQUIRED"});
}

TEST_CASE_METHOD(Fixture, "required fields inside the form's messages", "[gateway][form]") {
  common::v1::RegistrationForm form = ValidForm();
  form.mutable_person_id()->Clear();
  form.mutable_household_address()->Clear();
  form.mutable_residence_address()->set_urban_rural_class("  ");
  form.mutable_contact()->set_mobile(" ");
  form.mutable_commitment()->set_signature("");
  form.mutable_commitment()->set_signed_date("");
  form.set_name("\xE3\x80\x80");  // only an ideographic space
  CHECK(Check(form) == Strings{"form.name REQUIRED",
                               "form.person_id.id_type REQUIRED",
                               "form.person_id.id_number REQUIRED",
                               "form.household_address.province_code REQUIRED",
                               "form.household_address.city_code REQUIRED",
                               "form.household_address.county_code REQUIRED",
                               "form.household_address.detail REQUIRED",
                               "form.residence_address.urban_rural_class REQUIRED",
                               "form.contact.mobile REQUIRED",
                               "form.commitment.signature REQUIRED",
                               "form.commitment.signed_date REQUIRED"});
  // The ministry's national form has no urban-rural class.
  CHECK(Check(form, /*portal=*/false).size() == 10);
}

TEST_CASE_METHOD(Fixture, "identity document rules", "[gateway][form]") {
  common::v1::RegistrationForm form = ValidForm("340524198001010013");
  CHECK(Check(form) == Strings{"form.person_id.id_number CHECK_CHARACTER"});

  form = ValidForm(WithCheck("34052419990230001"));  // 1999-02-30
  CHECK(Check(form) == Strings{"form.person_id.id_number BIRTH_DATE_INVALID"});

  form = ValidForm(WithCheck("34052420250616001"));  // born tomorrow
  CHECK(Check(form) == Strings{"form.person_id.id_number BIRTH_DATE_IN_FUTURE"});

  form = ValidForm();
  form.mutable_person_id()->set_id_type(static_cast<common::v1::IdType>(9));
  CHECK(Check(form) == Strings{"form.person_id.id_type ID_TYPE_UNKNOWN"});

  // A lower-case check character is accepted after normalisation.
  form = ValidForm(" 34052419800101001x ");
  CHECK(Check(form).empty());

  // Sex and birth date must agree with the number.
  form = ValidForm();
  form.set_sex(common::v1::SEX_FEMALE);
  form.set_birth_date("1980-01-02");
  CHECK(Check(form) == Strings{"form.sex MISMATCH", "form.birth_date MISMATCH"});
}

TEST_CASE_METHOD(Fixture, "date rules with today from the clock in China time",
                 "[gateway][form]") {
  common::v1::RegistrationForm form = ValidForm();
  form.set_unemployed_date("2025-06-16");
  CHECK(Check(form) == Strings{"form.unemployed_date DATE_IN_FUTURE"});
  form.set_unemployed_date("2025-06-15");
  CHECK(Check(form).empty());

  // 2025-06-15T17:00Z is already 2025-06-16 01:00 in China.
  clock.Set(absl::FromCivil(absl::CivilSecond(2025, 6, 15, 17, 0, 0), absl::UTCTimeZone()));
  form.set_unemployed_date("2025-06-16");
  CHECK(Check(form).empty());

  form = ValidForm();
  form.set_unemployed_date("1979-12-31");  // before the birth date in the ID number
  CHECK(Check(form) == Strings{"form.unemployed_date DATE_ORDER"});

  form = ValidForm();
  form.set_unemployed_date("2025-02-29");
  form.mutable_commitment()->set_signed_date("2025/06/01");
  CHECK(Check(form) ==
        Strings{"form.unemployed_date DATE_INVALID", "form.commitment.signed_date DATE_FORMAT"});

  // Passport holders give the birth date on the form; it bounds the unemployment date too.
  form = ValidForm();
  form.mutable_person_id()->set_id_type(common::v1::ID_TYPE_PASSPORT);
  form.mutable_person_id()->set_id_number("E12345678");
  form.set_birth_date("1990-02-30");
  CHECK(Check(form) == Strings{"form.birth_date DATE_INVALID"});
  form.set_birth_date("2025-05-02");
  CHECK(Check(form) == Strings{"form.unemployed_date DATE_ORDER"});
}

TEST_CASE_METHOD(Fixture, "region codes of the addresses", "[gateway][form]") {
  common::v1::RegistrationForm form = ValidForm();
  form.mutable_household_address()->set_county_code("239999");
  form.mutable_residence_address()->set_city_code("230200");  // 南岗区 is not in 齐齐哈尔
  form.mutable_residence_address()->set_urban_rural_class("100");
  const Strings got = Check(form);
  CHECK(got == Strings{"form.household_address.county_code REGION_UNKNOWN",
                       "form.residence_address.county_code REGION_MISMATCH",
                       "form.residence_address.urban_rural_class CODE_UNKNOWN"});
}

TEST_CASE_METHOD(Fixture, "household elsewhere is never refused, office outside the province is",
                 "[gateway][form]") {
  common::v1::RegistrationForm form = ValidForm();
  // 人户分离: household in Beijing, residence in Harbin, registering at the residence.
  form.mutable_household_address()->set_province_code("110000");
  form.mutable_household_address()->set_city_code("110100");
  form.mutable_household_address()->set_county_code("110105");
  CHECK(Check(form).empty());
  // Registering at the Beijing household address is outside Heilongjiang.
  form.set_registration_location(common::v1::REGISTRATION_LOCATION_HOUSEHOLD);
  CHECK(Check(form) == Strings{"form.registration_location OUTSIDE_PROVINCE"});
  form.set_registration_location(static_cast<common::v1::RegistrationLocation>(5));
  CHECK(Check(form) == Strings{"form.registration_location CODE_UNKNOWN"});
}

TEST_CASE_METHOD(Fixture, "more than 3 job intentions or qualifications", "[gateway][form]") {
  common::v1::RegistrationForm form = ValidForm();
  for (int i = 0; i < 3; ++i) {
    form.add_job_intentions("司机");
    form.add_qualifications()->set_name("焊工");
  }
  form.add_job_intentions("");
  CHECK(Check(form) == Strings{"form.qualifications TOO_MANY", "form.job_intentions TOO_MANY",
                               "form.job_intentions[4] REQUIRED"});
}

TEST_CASE_METHOD(Fixture, "unknown codes in every code list", "[gateway][form]") {
  common::v1::RegistrationForm form = ValidForm();
  form.set_sex(static_cast<common::v1::Sex>(7));
  form.set_ethnic_group("57");
  form.set_political_status("14");
  form.set_education(static_cast<common::v1::Education>(15));
  form.set_health_status(static_cast<common::v1::HealthStatus>(4));
  form.set_unemployment_cause(static_cast<common::v1::UnemploymentCause>(99));
  CHECK(Check(form) == Strings{"form.sex CODE_UNKNOWN", "form.ethnic_group CODE_UNKNOWN",
                               "form.political_status CODE_UNKNOWN",
                               "form.education CODE_UNKNOWN", "form.health_status CODE_UNKNOWN",
                               "form.unemployment_cause CODE_UNKNOWN"});

  form = ValidForm();
  form.set_sex(common::v1::SEX_NOT_STATED);
  form.set_ethnic_group("98");
  CHECK(Check(form) == Strings{"form.sex CODE_NOT_ACCEPTED", "form.ethnic_group CODE_NOT_ACCEPTED"});

  form = ValidForm();
  form.set_ethnic_group("1");
  CHECK(Check(form) == Strings{"form.ethnic_group FORMAT"});
}

TEST_CASE_METHOD(Fixture, "disability grade", "[gateway][form]") {
  common::v1::RegistrationForm form = ValidForm();
  form.set_health_status(common::v1::HEALTH_STATUS_DISABLED);
  CHECK(Check(form) == Strings{"form.disability_grade DISABILITY_GRADE_REQUIRED"});
  form.set_disability_grade(11);
  CHECK(Check(form) == Strings{"form.disability_grade DISABILITY_GRADE_RANGE"});
  form.set_disability_grade(4);
  CHECK(Check(form).empty());
  form.set_health_status(common::v1::HEALTH_STATUS_HEALTHY);
  CHECK(Check(form) == Strings{"form.disability_grade DISABILITY_GRADE_NOT_APPLICABLE"});
}

TEST_CASE_METHOD(Fixture, "cause other needs its text", "[gateway][form]") {
  common::v1::RegistrationForm form = ValidForm();
  form.set_unemployment_cause(common::v1::UNEMPLOYMENT_CAUSE_OTHER);
  CHECK(Check(form) == Strings{"form.cause_other_text OTHER_TEXT_REQUIRED"});
  form.set_cause_other_text("家庭原因");
  CHECK(Check(form).empty());
  form.set_unemployment_cause(common::v1::UNEMPLOYMENT_CAUSE_RESIGNED);
  CHECK(Check(form) == Strings{"form.cause_other_text OTHER_TEXT_NOT_APPLICABLE"});
}

TEST_CASE_METHOD(Fixture, "commitment not given", "[gateway][form]") {
  common::v1::RegistrationForm form = ValidForm();
  form.mutable_commitment()->set_agreed(false);
  CHECK(Check(form) == Strings{"form.commitment.agreed NOT_AGREED"});
}

TEST_CASE_METHOD(Fixture, "oversize strings, invalid UTF-8 and control characters",
                 "[gateway][form]") {
  common::v1::RegistrationForm form = ValidForm();
  std::string long_name;
  for (int i = 0; i < 101; ++i) long_name += "张";
  form.set_name(long_name);
  form.mutable_residence_address()->set_detail(std::string(201, 'a'));
  form.set_notes(std::string(1001, 'n'));
  form.set_job_intentions(0, std::string(101, 'j'));
  form.mutable_qualifications(0)->set_level(std::string(51, 'l'));
  form.mutable_contact()->set_other("\xff\xfe");
  form.mutable_commitment()->set_signature("张\n三");
  CHECK(Check(form) == Strings{"form.name TOO_LONG",
                               "form.residence_address.detail TOO_LONG",
                               "form.qualifications[0].level TOO_LONG",
                               "form.contact.other INVALID_UTF8",
                               "form.job_intentions[0] TOO_LONG",
                               "form.notes TOO_LONG",
                               "form.commitment.signature CONTROL_CHARACTER"});
  // 100 Chinese characters are 300 bytes and still fine; notes may have line breaks.
  form = ValidForm();
  form.set_name(long_name.substr(3));
  form.set_notes("第一行\n第二行");
  CHECK(Check(form).empty());
}

TEST_CASE_METHOD(Fixture, "contact details", "[gateway][form]") {
  common::v1::RegistrationForm form = ValidForm();
  form.mutable_contact()->set_mobile("12912345678");
  form.mutable_contact()->set_landline("87130563");
  form.mutable_contact()->set_email("not-an-email");
  CHECK(Check(form) == Strings{"form.contact.mobile MOBILE_PREFIX", "form.contact.landline FORMAT",
                               "form.contact.email FORMAT"});
}

TEST_CASE_METHOD(Fixture, "many mistakes are all reported in one answer", "[gateway][form]") {
  common::v1::RegistrationForm form = ValidForm("340524198001010013");
  form.set_unemployed_date("2030-01-01");
  form.mutable_household_address()->set_county_code("239999");
  form.set_ethnic_group("57");
  form.set_health_status(common::v1::HEALTH_STATUS_DISABLED);
  form.set_unemployment_cause(common::v1::UNEMPLOYMENT_CAUSE_OTHER);
  form.mutable_commitment()->set_agreed(false);
  for (int i = 0; i < 4; ++i) form.add_job_intentions("x");
  CHECK(Check(form) == Strings{"form.person_id.id_number CHECK_CHARACTER",
                               "form.ethnic_group CODE_UNKNOWN",
                               "form.disability_grade DISABILITY_GRADE_REQUIRED",
                               "form.unemployed_date DATE_IN_FUTURE",
                               "form.household_address.county_code REGION_UNKNOWN",
                               "form.cause_other_text OTHER_TEXT_REQUIRED",
                               "form.job_intentions TOO_MANY",
                               "form.commitment.agreed NOT_AGREED"});
}

TEST_CASE_METHOD(Fixture, "channel application ids", "[gateway][form]") {
  auto portal = [&](const std::string& id) {
    validation::Violations out;
    validator.ValidatePortalApplicationId(id, "portal_application_id", out);
    return FieldRules(out);
  };
  CHECK(portal("230102202500012345").empty());
  CHECK(portal("2301001").empty());
  CHECK(portal("") == Strings{"portal_application_id REQUIRED"});
  CHECK(portal("230102") == Strings{"portal_application_id FORMAT"});
  CHECK(portal("230102abc") == Strings{"portal_application_id FORMAT"});
  CHECK(portal("230102" + std::string(27, '1')) == Strings{"portal_application_id FORMAT"});
  CHECK(portal("239999123") == Strings{"portal_application_id REGION_UNKNOWN"});
  CHECK(portal("110105123") == Strings{"portal_application_id OUTSIDE_PROVINCE"});

  auto ministry = [](const std::string& id) {
    validation::Violations out;
    FormValidator::ValidateMinistryApplicationId(id, "ministry_application_id", out);
    return FieldRules(out);
  };
  CHECK(ministry("MZ-2025-000001").empty());
  CHECK(ministry("") == Strings{"ministry_application_id REQUIRED"});
  CHECK(ministry("a b") == Strings{"ministry_application_id FORMAT"});
  CHECK(ministry(std::string(41, 'a')) == Strings{"ministry_application_id FORMAT"});
}

TEST_CASE("the office region code follows the chosen registration location", "[gateway][form]") {
  common::v1::RegistrationForm form = ValidForm();
  CHECK(FormValidator::OfficeRegionCode(form) == "230103");
  form.set_registration_location(common::v1::REGISTRATION_LOCATION_HOUSEHOLD);
  CHECK(FormValidator::OfficeRegionCode(form) == "230102");
  form.clear_registration_location();
  CHECK(FormValidator::OfficeRegionCode(form).empty());
}

}  // namespace
}  // namespace unemployment::gateway
