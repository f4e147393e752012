#include "common/forms/form_validator.h"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "common/forms/form_normalizer.h"
#include "common/time/clock.h"
#include "common/validation/resident_id.h"
#include "tests/common/forms/test_util.h"

namespace unemployment::forms {
namespace {

using testing::FieldRules;
using testing::Regions;
using testing::ValidForm;
using Strings = std::vector<std::string>;

struct Fixture {
  time::FakeClock clock{testing::TestNow()};
  FormValidator validator{Regions(), clock, "230000"};

  Strings Check(common::v1::RegistrationForm form, bool portal = true) {
    NormalizeForm(form);
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

TEST_CASE_METHOD(Fixture, "a complete form is valid on both channels", "[forms]") {
  CHECK(Check(ValidForm()).empty());
  CHECK(Check(ValidForm("410326199507103197"), false).empty());
}

TEST_CASE_METHOD(Fixture, "an empty form lists every missing required field at once", "[forms]") {
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

TEST_CASE_METHOD(Fixture, "required fields inside the form's messages", "[forms]") {
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

TEST_CASE_METHOD(Fixture, "identity document rules", "[forms]") {
  common::v1::RegistrationForm form = ValidForm("340524198001010013");
  CHECK(Check(form) == Strings{"form.person_id.id_number CHECK_CHARACTER"});

  form = ValidForm(WithCheck("34052419990230001"));  // 1999-02-30
  CHECK(Check(form) == Strings{"form.person_id.id_number BIRTH_DATE_INVALID"});

  form = ValidForm(WithCheck("34052420250616001"));  // born tomorrow
  CHECK(Check(form) == Strings{"form.person_id.id_number BIRTH_DATE_IN_FUTURE"});

  form = ValidForm();
  form.mutable_person_id()->set_id_type(static_cast<common::v1::IdType>(9));
  CHECK(Check(form) == Strings{"form.person_id.id_type ID_TYPE_UNKNOWN"});
  // Without a known type the number cannot be judged, unless it is missing.
  form.mutable_person_id()->set_id_number(" ");
  CHECK(Check(form) ==
        Strings{"form.person_id.id_type ID_TYPE_UNKNOWN", "form.person_id.id_number REQUIRED"});

  // A lower-case check character is accepted after normalisation, and so are full-width spaces
  // around the number.
  form = ValidForm(" 34052419800101001x ");
  CHECK(Check(form).empty());
  form = ValidForm("\xE3\x80\x80" "34052419800101001x" "\xE3\x80\x80");
  CHECK(Check(form).empty());

  // Sex and birth date must agree with the number.
  form = ValidForm();
  form.set_sex(common::v1::SEX_FEMALE);
  form.set_birth_date("1980-01-02");
  CHECK(Check(form) == Strings{"form.sex MISMATCH", "form.birth_date MISMATCH"});
  form.set_birth_date("1980-01-01");
  CHECK(Check(form) == Strings{"form.sex MISMATCH"});
}

TEST_CASE_METHOD(Fixture, "a person id on its own", "[forms]") {
  auto check = [&](const std::string& type_and_number) {
    common::v1::PersonId id;
    id.set_id_type(type_and_number.empty() ? common::v1::ID_TYPE_UNSPECIFIED
                                           : common::v1::ID_TYPE_RESIDENT_ID_CARD);
    id.set_id_number(type_and_number);
    NormalizePersonId(id);
    validation::Violations out;
    validator.ValidatePersonId(id, "person_id", out);
    return FieldRules(out);
  };
  CHECK(check("34052419800101001x").empty());
  CHECK(check("340524198001010013") == Strings{"person_id.id_number CHECK_CHARACTER"});
  CHECK(check("") == Strings{"person_id.id_type REQUIRED", "person_id.id_number REQUIRED"});
}

TEST_CASE_METHOD(Fixture, "date rules with today from the clock in China time", "[forms]") {
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
  form.set_birth_date("2030-01-01");
  CHECK(Check(form) == Strings{"form.birth_date DATE_IN_FUTURE"});
}

TEST_CASE_METHOD(Fixture, "region codes of the addresses", "[forms]") {
  common::v1::RegistrationForm form = ValidForm();
  form.mutable_household_address()->set_county_code("239999");
  form.mutable_residence_address()->set_city_code("230200");  // 南岗区 is not in 齐齐哈尔
  form.mutable_residence_address()->set_urban_rural_class("100");
  const Strings got = Check(form);
  CHECK(got == Strings{"form.household_address.county_code REGION_UNKNOWN",
                       "form.residence_address.county_code REGION_MISMATCH",
                       "form.residence_address.urban_rural_class CODE_UNKNOWN"});
}

TEST_CASE_METHOD(Fixture, "street codes: FORMAT, REGION_UNKNOWN, REGION_MISMATCH in this order",
                 "[forms]") {
  common::v1::RegistrationForm form = ValidForm();
  common::v1::Address* household = form.mutable_household_address();  // 道里区 230102
  household->set_street_code("230102001");                             // 兆麟街道
  CHECK(Check(form).empty());

  household->set_street_code("23010200");
  CHECK(Check(form) == Strings{"form.household_address.street_code FORMAT"});
  household->set_street_code("230102000");
  CHECK(Check(form) == Strings{"form.household_address.street_code FORMAT"});
  // Heilongjiang has the township list: a code not on it is unknown.
  household->set_street_code("230102999");
  CHECK(Check(form) == Strings{"form.household_address.street_code REGION_UNKNOWN"});
  // An unknown code of another county is REGION_UNKNOWN first, not REGION_MISMATCH
  // (registration used to say REGION_MISMATCH here).
  household->set_street_code("230103999");
  CHECK(Check(form) == Strings{"form.household_address.street_code REGION_UNKNOWN"});
  // A valid street of another county.
  household->set_street_code("230102001");
  household->set_county_code("230104");
  CHECK(Check(form) == Strings{"form.household_address.street_code REGION_MISMATCH"});
  // Compared only with a county that passed its own checks: here the county is the field to fix
  // (registration used to flag the street code too).
  household->set_county_code("230199");
  CHECK(Check(form) == Strings{"form.household_address.county_code REGION_UNKNOWN"});
}

TEST_CASE_METHOD(Fixture, "village codes need the street code and lie in it", "[forms]") {
  common::v1::RegistrationForm form = ValidForm();
  common::v1::Address* household = form.mutable_household_address();
  household->set_street_code("230102001");
  household->set_village_code("230102001001");
  CHECK(Check(form).empty());

  household->set_village_code("230102001000");
  CHECK(Check(form) == Strings{"form.household_address.village_code FORMAT"});
  household->set_village_code("2301020010");
  CHECK(Check(form) == Strings{"form.household_address.village_code FORMAT"});
  household->set_village_code("230102002001");
  CHECK(Check(form) == Strings{"form.household_address.village_code REGION_MISMATCH"});
  // Not compared with a street code that is itself flagged.
  household->set_street_code("230102999");
  CHECK(Check(form) == Strings{"form.household_address.street_code REGION_UNKNOWN"});

  // Without a street code the street code is what is missing; the village code's own shape is
  // still checked in the same answer (the gateway used to skip it, registration used to report
  // only the village code's FORMAT).
  household->clear_street_code();
  household->set_village_code("230102001001");
  CHECK(Check(form) == Strings{"form.household_address.street_code REQUIRED"});
  household->set_village_code("23010200100x");
  CHECK(Check(form) == Strings{"form.household_address.street_code REQUIRED",
                               "form.household_address.village_code FORMAT"});
}

TEST_CASE_METHOD(Fixture, "household elsewhere is never refused, office outside the province is",
                 "[forms]") {
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

TEST_CASE_METHOD(Fixture, "the office is judged by the chosen county code alone", "[forms]") {
  common::v1::RegistrationForm form = ValidForm();
  form.set_registration_location(common::v1::REGISTRATION_LOCATION_HOUSEHOLD);
  common::v1::Address* household = form.mutable_household_address();
  household->set_province_code("230000");
  household->set_city_code("110100");
  household->set_county_code("110105");
  // The county code is valid and lies in Beijing: the office would be outside the province,
  // whatever the flagged city code (the gateway used to wait for the city code to be fixed).
  CHECK(Check(form) == Strings{"form.household_address.city_code REGION_MISMATCH",
                               "form.registration_location OUTSIDE_PROVINCE"});
  household->set_province_code("990000");
  CHECK(Check(form) == Strings{"form.household_address.province_code REGION_UNKNOWN",
                               "form.registration_location OUTSIDE_PROVINCE"});
  // A county code that is flagged itself gives no office to judge.
  household->set_province_code("230000");
  household->set_city_code("230100");
  CHECK(Check(form) == Strings{"form.household_address.county_code REGION_MISMATCH"});
  household->set_county_code("1101");
  CHECK(Check(form) == Strings{"form.household_address.county_code FORMAT"});
  // A flagged province code with a county code in Heilongjiang: nothing about the location.
  household->set_province_code("990000");
  household->set_county_code("230102");
  CHECK(Check(form) == Strings{"form.household_address.province_code REGION_UNKNOWN"});
  // The chosen address missing altogether.
  form.clear_household_address();
  CHECK(Check(form) == Strings{"form.household_address REQUIRED"});
}

TEST_CASE_METHOD(Fixture, "more than 3 job intentions or qualifications", "[forms]") {
  common::v1::RegistrationForm form = ValidForm();
  for (int i = 0; i < 3; ++i) {
    form.add_job_intentions("司机");
    form.add_qualifications()->set_name("焊工");
  }
  form.add_job_intentions("");
  CHECK(Check(form) == Strings{"form.qualifications TOO_MANY", "form.job_intentions TOO_MANY",
                               "form.job_intentions[4] REQUIRED"});

  form = ValidForm();
  form.add_qualifications()->set_level("中级");
  CHECK(Check(form) == Strings{"form.qualifications[1].name REQUIRED"});
}

TEST_CASE_METHOD(Fixture, "unknown codes in every code list", "[forms]") {
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
  CHECK(Check(form) == Strings{"form.sex CODE_NOT_ACCEPTED"});
  form.set_sex(common::v1::SEX_MALE);
  form.set_ethnic_group("97");
  CHECK(Check(form).empty());

  form = ValidForm();
  form.set_ethnic_group("1");
  CHECK(Check(form) == Strings{"form.ethnic_group FORMAT"});
  form.set_ethnic_group("99");
  CHECK(Check(form) == Strings{"form.ethnic_group CODE_UNKNOWN"});
  form.set_ethnic_group("0a");
  form.set_political_status("1");
  CHECK(Check(form) == Strings{"form.ethnic_group FORMAT", "form.political_status FORMAT"});
}

TEST_CASE_METHOD(Fixture, "disability grade", "[forms]") {
  common::v1::RegistrationForm form = ValidForm();
  form.set_health_status(common::v1::HEALTH_STATUS_DISABLED);
  CHECK(Check(form) == Strings{"form.disability_grade DISABILITY_GRADE_REQUIRED"});
  form.set_disability_grade(11);
  CHECK(Check(form) == Strings{"form.disability_grade DISABILITY_GRADE_RANGE"});
  form.set_disability_grade(4);
  CHECK(Check(form).empty());
  form.set_health_status(common::v1::HEALTH_STATUS_HEALTHY);
  CHECK(Check(form) == Strings{"form.disability_grade DISABILITY_GRADE_NOT_APPLICABLE"});
  // form.proto lists RANGE before NOT_APPLICABLE (both services used to say NOT_APPLICABLE).
  form.set_disability_grade(11);
  CHECK(Check(form) == Strings{"form.disability_grade DISABILITY_GRADE_RANGE"});
  form.set_disability_grade(-1);
  CHECK(Check(form) == Strings{"form.disability_grade DISABILITY_GRADE_RANGE"});
}

TEST_CASE_METHOD(Fixture, "a grade is not judged against a missing or unknown health status",
                 "[forms]") {
  common::v1::RegistrationForm form = ValidForm();
  form.clear_health_status();
  form.set_disability_grade(4);
  // Registration used to add disability_grade DISABILITY_GRADE_NOT_APPLICABLE here.
  CHECK(Check(form) == Strings{"form.health_status REQUIRED"});
  form.set_health_status(static_cast<common::v1::HealthStatus>(4));
  CHECK(Check(form) == Strings{"form.health_status CODE_UNKNOWN"});
  form.set_disability_grade(12);
  CHECK(Check(form) ==
        Strings{"form.health_status CODE_UNKNOWN", "form.disability_grade DISABILITY_GRADE_RANGE"});
}

TEST_CASE_METHOD(Fixture, "cause other needs its text", "[forms]") {
  common::v1::RegistrationForm form = ValidForm();
  form.set_unemployment_cause(common::v1::UNEMPLOYMENT_CAUSE_OTHER);
  CHECK(Check(form) == Strings{"form.cause_other_text OTHER_TEXT_REQUIRED"});
  form.set_cause_other_text("家庭原因");
  CHECK(Check(form).empty());
  form.set_cause_other_text(std::string(201, 'c'));
  CHECK(Check(form) == Strings{"form.cause_other_text TOO_LONG"});
  form.set_cause_other_text("家庭\n原因");
  CHECK(Check(form) == Strings{"form.cause_other_text CONTROL_CHARACTER"});
  form.set_cause_other_text("家庭原因");
  form.set_unemployment_cause(common::v1::UNEMPLOYMENT_CAUSE_RESIGNED);
  CHECK(Check(form) == Strings{"form.cause_other_text OTHER_TEXT_NOT_APPLICABLE"});
  // Not judged against a missing or unknown cause (registration used to say NOT_APPLICABLE).
  form.clear_unemployment_cause();
  CHECK(Check(form) == Strings{"form.unemployment_cause REQUIRED"});
  form.set_unemployment_cause(static_cast<common::v1::UnemploymentCause>(99));
  CHECK(Check(form) == Strings{"form.unemployment_cause CODE_UNKNOWN"});
}

TEST_CASE_METHOD(Fixture, "commitment not given", "[forms]") {
  common::v1::RegistrationForm form = ValidForm();
  form.mutable_commitment()->set_agreed(false);
  CHECK(Check(form) == Strings{"form.commitment.agreed NOT_AGREED"});
  form.mutable_commitment()->set_signed_date("2025-06-16");
  CHECK(Check(form) == Strings{"form.commitment.agreed NOT_AGREED",
                               "form.commitment.signed_date DATE_IN_FUTURE"});
}

TEST_CASE_METHOD(Fixture, "oversize strings, invalid UTF-8 and control characters", "[forms]") {
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

TEST_CASE_METHOD(Fixture, "a free text breaks the first rule in form.proto's order", "[forms]") {
  // REQUIRED, TOO_LONG, INVALID_UTF8, CONTROL_CHARACTER: too long and with a tab is TOO_LONG
  // (both services used to say CONTROL_CHARACTER).
  common::v1::RegistrationForm form = ValidForm();
  form.set_name(std::string(50, 'a') + "\t" + std::string(50, 'b'));
  form.mutable_contact()->set_other(std::string(100, 'o') + "\x01");
  form.set_notes("line\x1b");
  CHECK(Check(form) ==
        Strings{"form.name TOO_LONG", "form.contact.other TOO_LONG", "form.notes CONTROL_CHARACTER"});
  // Invalid UTF-8 has no length in characters.
  form = ValidForm();
  form.set_name(std::string(200, 'a') + "\xff");
  CHECK(Check(form) == Strings{"form.name INVALID_UTF8"});
}

TEST_CASE_METHOD(Fixture, "contact details", "[forms]") {
  common::v1::RegistrationForm form = ValidForm();
  form.mutable_contact()->set_mobile("12912345678");
  form.mutable_contact()->set_landline("87130563");
  form.mutable_contact()->set_email("not-an-email");
  CHECK(Check(form) == Strings{"form.contact.mobile MOBILE_PREFIX", "form.contact.landline FORMAT",
                               "form.contact.email FORMAT"});
  form = ValidForm();
  form.mutable_contact()->set_mobile("1391234567");
  CHECK(Check(form) == Strings{"form.contact.mobile LENGTH"});
  form.mutable_contact()->set_mobile("1391234567a");
  CHECK(Check(form) == Strings{"form.contact.mobile CHARACTERS"});
}

TEST_CASE_METHOD(Fixture, "many mistakes are all reported in one answer", "[forms]") {
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

TEST_CASE_METHOD(Fixture, "the mistakes of registration's CreateApplication test", "[forms]") {
  // The form part of tests/services/registration/service_test.cc, on the validator directly.
  common::v1::RegistrationForm form = ValidForm();
  form.clear_name();
  form.mutable_person_id()->set_id_number("340524198001010013");
  form.set_unemployed_date("2099-01-01");
  form.mutable_residence_address()->set_county_code("239999");
  for (int i = 0; i < 4; ++i) form.add_job_intentions("电工");
  form.set_health_status(common::v1::HEALTH_STATUS_DISABLED);
  form.set_unemployment_cause(common::v1::UNEMPLOYMENT_CAUSE_OTHER);
  form.mutable_commitment()->set_agreed(false);
  form.set_notes(std::string(1001, 'a'));
  form.set_ethnic_group("99");
  CHECK(Check(form) == Strings{"form.name REQUIRED",
                               "form.person_id.id_number CHECK_CHARACTER",
                               "form.ethnic_group CODE_UNKNOWN",
                               "form.disability_grade DISABILITY_GRADE_REQUIRED",
                               "form.unemployed_date DATE_IN_FUTURE",
                               "form.residence_address.county_code REGION_UNKNOWN",
                               "form.cause_other_text OTHER_TEXT_REQUIRED",
                               "form.job_intentions TOO_MANY",
                               "form.notes TOO_LONG",
                               "form.commitment.agreed NOT_AGREED"});
}

TEST_CASE_METHOD(Fixture, "paths follow the caller's prefix", "[forms]") {
  common::v1::RegistrationForm form = ValidForm();
  form.clear_name();
  form.set_job_intentions(0, "");
  validation::Violations out;
  validator.Validate(form, FormOptions{}, "", out);
  CHECK(FieldRules(out) == Strings{"name REQUIRED", "job_intentions[0] REQUIRED"});
}

}  // namespace
}  // namespace unemployment::forms
