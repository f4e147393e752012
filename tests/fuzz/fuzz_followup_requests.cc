// Fuzzes services/followup/request_validation: the first byte picks an RPC, the rest is decoded as its
// request message and validated. Validation must never crash, whatever the bytes.
#include <cstddef>
#include <cstdint>
#include <string>

#include "services/followup/request_validation.h"
#include "tests/fuzz/fuzz_util.h"

using namespace unemployment::followup;  // NOLINT: the validators and v1

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  unemployment::fuzz::Input in = unemployment::fuzz::Split(data, size);
  const absl::CivilDay today = unemployment::fuzz::Today();
  RequestRules rules;
  rules.today = today;
  rules.regions = &unemployment::fuzz::Regions();
  switch (in.selector % 20) {
    UE_FUZZ_REQUEST(0, v1::RecordFollowUpRequest, ValidateRecordFollowUp(request, rules))
    UE_FUZZ_REQUEST(1, v1::ListFollowUpsRequest, ValidateListFollowUps(request, rules))
    UE_FUZZ_REQUEST(2, v1::ListDueFollowUpsRequest, ValidateListDueFollowUps(request, rules))
    UE_FUZZ_REQUEST(3, v1::GetFollowUpCoverageRequest, ValidateGetFollowUpCoverage(request, rules))
    UE_FUZZ_REQUEST(4, v1::SubmitSelfReportRequest, ValidateSubmitSelfReport(request, rules))
    UE_FUZZ_REQUEST(5, v1::ListDeregistrationCandidatesRequest, ValidateListDeregistrationCandidates(request, rules))
    UE_FUZZ_REQUEST(6, v1::DeregisterRegistrationRequest, ValidateDeregisterRegistration(request, rules))
    UE_FUZZ_REQUEST(7, v1::RunNoContactSweepRequest, ValidateRunNoContactSweep(request, rules))
    UE_FUZZ_REQUEST(8, v1::RunMonthlyComparisonRequest, ValidateRunMonthlyComparison(request, rules))
    UE_FUZZ_REQUEST(9, v1::StreamEventsRequest, ValidateStreamEvents(request))
    UE_FUZZ_REQUEST(10, v1::OpenFraudCaseRequest, ValidateOpenFraudCase(request, rules))
    UE_FUZZ_REQUEST(11, v1::GetFraudCaseRequest, ValidateGetFraudCase(request))
    UE_FUZZ_REQUEST(12, v1::RecordFraudInvestigationRequest, ValidateRecordFraudInvestigation(request, rules))
    UE_FUZZ_REQUEST(13, v1::ConcludeFraudCaseRequest, ValidateConcludeFraudCase(request, rules))
    UE_FUZZ_REQUEST(14, v1::ListFraudCasesRequest, ValidateListFraudCases(request, rules))
    UE_FUZZ_REQUEST(15, v1::SubmitMonthlyFraudReportRequest, ValidateSubmitMonthlyFraudReport(request, rules))
    UE_FUZZ_REQUEST(16, v1::GetMonthlyFraudReportRequest, ValidateGetMonthlyFraudReport(request, rules))
    UE_FUZZ_REQUEST(17, v1::ExportCreditRecordsRequest, ValidateExportCreditRecords(request, rules))
    UE_FUZZ_REQUEST(18, v1::AmendFollowUpRequest, ValidateAmendFollowUp(request, rules))
    UE_FUZZ_REQUEST(19, v1::ListUndeliveredCreditRecordsRequest, ValidateListUndeliveredCreditRecords(request))
  }
  return 0;
}
