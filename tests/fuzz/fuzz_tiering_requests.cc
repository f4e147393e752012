// Fuzzes services/tiering/request_validation: the first byte picks an RPC, the rest is decoded as its
// request message and validated. Validation must never crash, whatever the bytes.
#include <cstddef>
#include <cstdint>
#include <string>

#include "services/tiering/request_validation.h"
#include "tests/fuzz/fuzz_util.h"

using namespace unemployment::tiering;  // NOLINT: the validators and v1

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  unemployment::fuzz::Input in = unemployment::fuzz::Split(data, size);
  [[maybe_unused]] const absl::CivilDay today = unemployment::fuzz::Today();
  switch (in.selector % 15) {
    UE_FUZZ_REQUEST(0, v1::GetLevelRequest, ValidateGetLevel(request))
    UE_FUZZ_REQUEST(1, v1::GetServicePlanRequest, ValidateGetServicePlan(request))
    UE_FUZZ_REQUEST(2, v1::GetProfileRequest, ValidateGetProfile(request))
    UE_FUZZ_REQUEST(3, v1::UpdateProfileRequest, ValidateUpdateProfile(request))
    UE_FUZZ_REQUEST(4, v1::RecordServiceDeliveryRequest, ValidateRecordServiceDelivery(request, today))
    UE_FUZZ_REQUEST(5, v1::ListServiceDeliveriesRequest, ValidateListServiceDeliveries(request))
    UE_FUZZ_REQUEST(6, v1::ListPlanGapsRequest, ValidateListPlanGaps(request))
    UE_FUZZ_REQUEST(7, v1::GetPlanFulfilmentRequest, ValidateGetPlanFulfilment(request, today))
    UE_FUZZ_REQUEST(8, v1::GetCatalogRequest, ValidateGetCatalog(request))
    UE_FUZZ_REQUEST(9, v1::PublishCatalogVersionRequest, ValidatePublishCatalogVersion(request))
    UE_FUZZ_REQUEST(10, v1::ListDifficultyCriteriaRequest, ValidateListDifficultyCriteria(request))
    UE_FUZZ_REQUEST(11, v1::IdentifyEmploymentDifficultyRequest, ValidateIdentifyEmploymentDifficulty(request, today))
    UE_FUZZ_REQUEST(12, v1::DecideEmploymentDifficultyRequest, ValidateDecideEmploymentDifficulty(request, today))
    UE_FUZZ_REQUEST(13, v1::StreamEventsRequest, ValidateStreamEvents(request))
    UE_FUZZ_REQUEST(14, v1::AmendServiceDeliveryRequest, ValidateAmendServiceDelivery(request, today))
  }
  return 0;
}
