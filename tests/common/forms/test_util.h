#pragma once

// Fixtures for tests of the registration form: the shipped region data, a fixed "today", a valid
// form. The gateway's tests use them too.

#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "common/time/clock.h"
#include "common/time/time_zone.h"
#include "common/validation/region_directory.h"
#include "common/validation/violations.h"
#include "unemployment/common/v1/form.pb.h"
#include "tests/testing/regions.h"

namespace unemployment::forms::testing {

// The region directory of data/regions, loaded once for the whole test binary.
inline const validation::RegionDirectory& Regions() {
  return ::unemployment::testing::ShippedRegions();
}

// 2025-06-15 10:00 in China.
inline absl::Time TestNow() { return time::ChinaTime(absl::CivilSecond(2025, 6, 15, 10, 0, 0)); }

// A complete, valid form: a man born 1980-01-01 (34052419800101001X), household in Harbin 道里区,
// residence in Harbin 南岗区 chosen as registration location.
inline common::v1::RegistrationForm ValidForm(const std::string& id_number = "34052419800101001X") {
  common::v1::RegistrationForm form;
  form.set_name("张三");
  form.set_sex(common::v1::SEX_MALE);
  form.set_ethnic_group("01");
  form.set_political_status("13");
  form.set_education(common::v1::EDUCATION_BACHELOR);
  form.set_health_status(common::v1::HEALTH_STATUS_HEALTHY);
  form.set_unemployed_date("2025-05-01");
  form.mutable_person_id()->set_id_type(common::v1::ID_TYPE_RESIDENT_ID_CARD);
  form.mutable_person_id()->set_id_number(id_number);
  common::v1::Address* household = form.mutable_household_address();
  household->set_province_code("230000");
  household->set_city_code("230100");
  household->set_county_code("230102");
  household->set_detail("兆麟街1号");
  common::v1::Address* residence = form.mutable_residence_address();
  residence->set_province_code("230000");
  residence->set_city_code("230100");
  residence->set_county_code("230103");
  residence->set_detail("西大直街92号");
  residence->set_urban_rural_class("111");
  form.add_qualifications()->set_name("电工");
  form.mutable_contact()->set_mobile("13912345678");
  form.mutable_contact()->set_landline("0451-87130563");
  form.mutable_contact()->set_email("zhangsan@example.com");
  form.set_registration_location(common::v1::REGISTRATION_LOCATION_RESIDENCE);
  form.set_unemployment_cause(common::v1::UNEMPLOYMENT_CAUSE_RESIGNED);
  form.set_applying_for_insurance_benefit(false);
  form.add_job_intentions("电工");
  form.mutable_commitment()->set_agreed(true);
  form.mutable_commitment()->set_signature("张三");
  form.mutable_commitment()->set_signed_date("2025-06-01");
  return form;
}

// "field rule" strings of a violation list, in order, for exact comparisons.
inline std::vector<std::string> FieldRules(const validation::Violations& violations) {
  std::vector<std::string> out;
  for (const validation::Violation& v : violations.list()) out.push_back(v.field + " " + v.rule);
  return out;
}

}  // namespace unemployment::forms::testing
