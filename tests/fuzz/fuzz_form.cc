// Fuzzes the registration form rules (common/forms): arbitrary bytes decoded as a
// RegistrationForm, normalised, validated for each channel's options.
#include <cstddef>
#include <cstdint>

#include "common/forms/form_facts.h"
#include "common/forms/form_normalizer.h"
#include "common/forms/form_validator.h"
#include "common/time/clock.h"
#include "common/time/time_zone.h"
#include "common/validation/violations.h"
#include "tests/fuzz/fuzz_util.h"

namespace uf = unemployment::forms;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const unemployment::time::FakeClock* clock = new unemployment::time::FakeClock(
      unemployment::time::ChinaTime(absl::CivilSecond(2025, 9, 26, 9, 0, 0)));
  static const uf::FormValidator* validator =
      new uf::FormValidator(unemployment::fuzz::Regions(), *clock, "230000");
  unemployment::fuzz::Input in = unemployment::fuzz::Split(data, size);
  unemployment::common::v1::RegistrationForm form;
  if (!form.ParseFromArray(in.rest.data(), static_cast<int>(in.rest.size()))) return 0;
  uf::FormOptions options;
  options.require_residence_urban_rural_class = (in.selector & 1) != 0;
  if ((in.selector & 2) != 0) uf::NormalizeForm(form);
  unemployment::validation::Violations violations;
  validator->Validate(form, options, "form", violations);
  validator->ValidatePersonId(form.person_id(), "form.person_id", violations);
  (void)uf::OfficeRegionCode(form);
  (void)uf::DerivedBirthDate(form, unemployment::fuzz::Today());
  return 0;
}
