#include "tests/bench/applicant_generator.h"

#include <cstdint>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/civil_time.h"
#include "unemployment/common/v1/codes.pb.h"

namespace unemployment::bench {
namespace {

namespace v1c = common::v1;

constexpr size_t kSerialsPerDay = 1000;

}  // namespace

char Mod11_2CheckCharacter(absl::string_view first17) {
  static constexpr int kWeights[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
  static constexpr char kCheck[] = "10X98765432";
  int sum = 0;
  for (size_t i = 0; i < 17 && i < first17.size(); ++i) {
    sum += (first17[i] - '0') * kWeights[i];
  }
  return kCheck[sum % 11];
}

Applicant MakeApplicant(size_t index) {
  const absl::CivilDay birth =
      absl::CivilDay(1970, 1, 1) + static_cast<absl::civil_diff_t>(index / kSerialsPerDay);
  const int serial = static_cast<int>(index % kSerialsPerDay);
  Applicant applicant;
  const std::string first17 = absl::StrFormat("%s%04d%02d%02d%03d", kOfficeRegionCode, birth.year(),
                                              birth.month(), birth.day(), serial);
  applicant.id_number = absl::StrCat(first17, std::string(1, Mod11_2CheckCharacter(first17)));
  applicant.birth_date =
      absl::StrFormat("%04d-%02d-%02d", birth.year(), birth.month(), birth.day());
  applicant.male = serial % 2 == 1;
  return applicant;
}

common::v1::RegistrationForm MakeForm(const Applicant& applicant) {
  v1c::RegistrationForm form;
  form.set_name(applicant.male ? "张三" : "李梅");
  form.set_sex(applicant.male ? v1c::SEX_MALE : v1c::SEX_FEMALE);
  form.set_ethnic_group("01");
  form.set_political_status("13");
  form.set_education(v1c::EDUCATION_BACHELOR);
  form.set_health_status(v1c::HEALTH_STATUS_HEALTHY);
  form.set_unemployed_date("2025-06-30");
  form.set_birth_date(applicant.birth_date);
  form.mutable_person_id()->set_id_type(v1c::ID_TYPE_RESIDENT_ID_CARD);
  form.mutable_person_id()->set_id_number(applicant.id_number);

  v1c::Address* household = form.mutable_household_address();
  household->set_province_code("340000");
  household->set_city_code("340100");
  household->set_county_code("340104");
  household->set_detail("某村2组");

  v1c::Address* residence = form.mutable_residence_address();
  residence->set_province_code("230000");
  residence->set_city_code("230100");
  residence->set_county_code(kOfficeRegionCode);
  residence->set_detail("某街道1号");
  residence->set_urban_rural_class("111");

  form.mutable_contact()->set_mobile("13800138000");
  form.set_registration_location(v1c::REGISTRATION_LOCATION_RESIDENCE);
  form.set_unemployment_cause(v1c::UNEMPLOYMENT_CAUSE_RESIGNED);
  form.set_applying_for_insurance_benefit(false);
  form.add_job_intentions("软件开发");
  v1c::Commitment* commitment = form.mutable_commitment();
  commitment->set_agreed(true);
  commitment->set_signature(form.name());
  commitment->set_signed_date("2025-07-01");
  return form;
}

gateway::v1::SubmitApplicationRequest MakeSubmitRequest(size_t index) {
  gateway::v1::SubmitApplicationRequest request;
  request.set_portal_application_id(
      absl::StrFormat("%s%010d", kOfficeRegionCode, static_cast<int64_t>(index)));
  *request.mutable_form() = MakeForm(MakeApplicant(index));
  return request;
}

}  // namespace unemployment::bench
