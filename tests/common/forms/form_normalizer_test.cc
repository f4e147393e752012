#include "common/forms/form_normalizer.h"

#include <catch2/catch.hpp>

#include <string>

#include "tests/common/forms/test_util.h"

namespace unemployment::forms {
namespace {

// U+3000 IDEOGRAPHIC SPACE, as Chinese input methods type it.
const std::string kFullWidthSpace = "\xE3\x80\x80";

TEST_CASE("every string of the form is trimmed, inner text is kept", "[forms][normalize]") {
  common::v1::RegistrationForm form = testing::ValidForm(" 34052419800101001x\t");
  form.set_name(kFullWidthSpace + "张 三 ");
  form.set_ethnic_group(" 01");
  form.set_political_status("13 ");
  form.set_unemployed_date(" 2025-05-01 ");
  form.mutable_household_address()->set_province_code(" 230000");
  form.mutable_household_address()->set_city_code("230100 ");
  form.mutable_household_address()->set_county_code("\t230102");
  form.mutable_household_address()->set_detail(" 兆麟街1号" + kFullWidthSpace);
  form.mutable_household_address()->set_street_code(" 230102001 ");
  form.mutable_household_address()->set_village_code(" 230102001001 ");
  form.mutable_residence_address()->set_urban_rural_class(" 111 ");
  form.mutable_qualifications(0)->set_name(" 电工 ");
  form.mutable_qualifications(0)->set_level(" 四级 ");
  form.mutable_contact()->set_mobile(" 13912345678 ");
  form.mutable_contact()->set_landline(" 0451-87130563 ");
  form.mutable_contact()->set_email(" zhangsan@example.com ");
  form.mutable_contact()->set_other(" 微信 ");
  form.set_cause_other_text(" 家庭原因 ");
  form.set_job_intentions(0, " 电工 ");
  form.set_notes("\n第一行\n第二行\n");
  form.mutable_commitment()->set_signature(" 张三 ");
  form.mutable_commitment()->set_signed_date(" 2025-06-01 ");
  form.set_birth_date(" 1980-01-01 ");

  NormalizeForm(form);
  CHECK(form.person_id().id_number() == "34052419800101001X");
  CHECK(form.name() == "张 三");
  CHECK(form.ethnic_group() == "01");
  CHECK(form.political_status() == "13");
  CHECK(form.unemployed_date() == "2025-05-01");
  CHECK(form.household_address().province_code() == "230000");
  CHECK(form.household_address().city_code() == "230100");
  CHECK(form.household_address().county_code() == "230102");
  CHECK(form.household_address().detail() == "兆麟街1号");
  CHECK(form.household_address().street_code() == "230102001");
  CHECK(form.household_address().village_code() == "230102001001");
  CHECK(form.residence_address().urban_rural_class() == "111");
  CHECK(form.qualifications(0).name() == "电工");
  CHECK(form.qualifications(0).level() == "四级");
  CHECK(form.contact().mobile() == "13912345678");
  CHECK(form.contact().landline() == "0451-87130563");
  CHECK(form.contact().email() == "zhangsan@example.com");
  CHECK(form.contact().other() == "微信");
  CHECK(form.cause_other_text() == "家庭原因");
  CHECK(form.job_intentions(0) == "电工");
  CHECK(form.notes() == "第一行\n第二行");
  CHECK(form.commitment().signature() == "张三");
  CHECK(form.commitment().signed_date() == "2025-06-01");
  CHECK(form.birth_date() == "1980-01-01");
}

TEST_CASE("unset messages stay unset", "[forms][normalize]") {
  common::v1::RegistrationForm form;
  NormalizeForm(form);
  CHECK_FALSE(form.has_person_id());
  CHECK_FALSE(form.has_household_address());
  CHECK_FALSE(form.has_residence_address());
  CHECK_FALSE(form.has_contact());
  CHECK_FALSE(form.has_commitment());
}

TEST_CASE("an ID number is trimmed of full-width spaces and upper-cased", "[forms][normalize]") {
  common::v1::PersonId id;
  id.set_id_number(kFullWidthSpace + " 34052419800101001x" + kFullWidthSpace);
  NormalizePersonId(id);
  CHECK(id.id_number() == "34052419800101001X");
  id.set_id_number("e12345678");
  NormalizePersonId(id);
  CHECK(id.id_number() == "E12345678");
  // Inner spaces are not repaired: they would merge different people's numbers.
  id.set_id_number("340524 19800101001X");
  NormalizePersonId(id);
  CHECK(id.id_number() == "340524 19800101001X");
}

}  // namespace
}  // namespace unemployment::forms
