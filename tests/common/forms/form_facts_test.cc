#include "common/forms/form_facts.h"

#include <catch2/catch.hpp>

#include "tests/common/forms/test_util.h"

namespace unemployment::forms {
namespace {

TEST_CASE("the office region code follows the chosen registration location", "[forms]") {
  common::v1::RegistrationForm form = testing::ValidForm();
  CHECK(OfficeRegionCode(form) == "230103");
  form.set_registration_location(common::v1::REGISTRATION_LOCATION_HOUSEHOLD);
  CHECK(OfficeRegionCode(form) == "230102");
  form.clear_registration_location();
  CHECK(OfficeRegionCode(form).empty());
  form.set_registration_location(static_cast<common::v1::RegistrationLocation>(5));
  CHECK(OfficeRegionCode(form).empty());
  form.set_registration_location(common::v1::REGISTRATION_LOCATION_HOUSEHOLD);
  form.clear_household_address();
  CHECK(OfficeRegionCode(form).empty());
}

TEST_CASE("the birth date comes from the ID number, else from the form", "[forms]") {
  const absl::CivilDay today(2025, 6, 15);
  common::v1::RegistrationForm form = testing::ValidForm();
  CHECK(DerivedBirthDate(form, today) == "1980-01-01");
  // The number wins over a birth date given on the form.
  form.set_birth_date("1981-02-03");
  CHECK(DerivedBirthDate(form, today) == "1980-01-01");
  // A passport encodes none.
  form.mutable_person_id()->set_id_type(common::v1::ID_TYPE_PASSPORT);
  form.mutable_person_id()->set_id_number("E12345678");
  CHECK(DerivedBirthDate(form, today) == "1981-02-03");
  form.clear_birth_date();
  CHECK(DerivedBirthDate(form, today).empty());
  // An invalid number gives nothing either.
  form = testing::ValidForm("340524198001010013");
  CHECK(DerivedBirthDate(form, today).empty());
  // Judged on `today`: a number born after it is invalid.
  form = testing::ValidForm();
  CHECK(DerivedBirthDate(form, absl::CivilDay(1979, 12, 31)).empty());
}

}  // namespace
}  // namespace unemployment::forms
