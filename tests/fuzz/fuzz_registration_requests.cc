// Fuzzes services/registration/request_validation: the first byte picks an RPC, the rest is decoded as its
// request message and validated. Validation must never crash, whatever the bytes.
#include <cstddef>
#include <cstdint>
#include <string>

#include "common/time/clock.h"
#include "common/time/time_zone.h"
#include "services/registration/request_validation.h"
#include "tests/fuzz/fuzz_util.h"

using namespace unemployment::registration;  // NOLINT: the validators and v1

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  unemployment::fuzz::Input in = unemployment::fuzz::Split(data, size);
  const absl::CivilDay today = unemployment::fuzz::Today();
  static const unemployment::time::FakeClock* clock = new unemployment::time::FakeClock(
      unemployment::time::ChinaTime(absl::CivilSecond(2025, 9, 26, 9, 0, 0)));
  static const unemployment::forms::FormValidator* form_validator =
      new unemployment::forms::FormValidator(unemployment::fuzz::Regions(), *clock, "230000");
  RequestRules rules;
  rules.regions = &unemployment::fuzz::Regions();
  rules.form_validator = form_validator;
  rules.today = today;
  switch (in.selector % 9) {
    UE_FUZZ_REQUEST(0, v1::CreateApplicationRequest, ValidateCreateApplication(request, rules))
    UE_FUZZ_REQUEST(1, v1::GetApplicationRequest, ValidateGetApplication(request))
    UE_FUZZ_REQUEST(2, v1::ListReviewQueueRequest, ValidateListReviewQueue(request, rules))
    UE_FUZZ_REQUEST(3, v1::ReviewApplicationRequest, ValidateReviewApplication(request, rules))
    UE_FUZZ_REQUEST(4, v1::GetRegistrationRequest, ValidateGetRegistration(request))
    UE_FUZZ_REQUEST(5, v1::GetActiveRegistrationByPersonRequest, ValidateGetActiveRegistrationByPerson(request, rules))
    UE_FUZZ_REQUEST(6, v1::DeregisterRequest, ValidateDeregister(request, rules))
    UE_FUZZ_REQUEST(7, v1::StreamEventsRequest, ValidateStreamEvents(request))
    UE_FUZZ_REQUEST(8, v1::ListNotificationsRequest, ValidateListNotifications(request))
  }
  return 0;
}
