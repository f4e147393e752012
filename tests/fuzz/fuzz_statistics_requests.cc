// Fuzzes services/statistics/request_validation: the first byte picks an RPC, the rest is decoded as its
// request message and validated. Validation must never crash, whatever the bytes.
#include <cstddef>
#include <cstdint>
#include <string>

#include "services/statistics/request_validation.h"
#include "tests/fuzz/fuzz_util.h"

using namespace unemployment::statistics;  // NOLINT: the validators and v1

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  unemployment::fuzz::Input in = unemployment::fuzz::Split(data, size);
  [[maybe_unused]] const absl::CivilDay today = unemployment::fuzz::Today();
  switch (in.selector % 6) {
    UE_FUZZ_REQUEST(0, v1::GetUrbanRegisteredUnemployedRequest, ValidateGetUrbanRegisteredUnemployed(request, today))
    UE_FUZZ_REQUEST(1, v1::GetBreakdownRequest, ValidateGetBreakdown(request, today))
    UE_FUZZ_REQUEST(2, v1::GetFlowsRequest, ValidateGetFlows(request, today))
    UE_FUZZ_REQUEST(3, v1::GetServiceIndicatorsRequest, ValidateGetServiceIndicators(request, today))
    UE_FUZZ_REQUEST(4, v1::CheckReportConsistencyRequest, ValidateCheckReportConsistency(request, today))
    UE_FUZZ_REQUEST(5, v1::ExportReportRequest, ValidateExportReport(request, today))
  }
  return 0;
}
