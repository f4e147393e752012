// Fuzzes services/verification/request_validation: the first byte picks an RPC, the rest is decoded as its
// request message and validated. Validation must never crash, whatever the bytes.
#include <cstddef>
#include <cstdint>
#include <string>

#include "services/verification/request_validation.h"
#include "tests/fuzz/fuzz_util.h"

using namespace unemployment::verification;  // NOLINT: the validators and v1

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  unemployment::fuzz::Input in = unemployment::fuzz::Split(data, size);
  [[maybe_unused]] const absl::CivilDay today = unemployment::fuzz::Today();
  switch (in.selector % 6) {
    UE_FUZZ_REQUEST(0, v1::VerifyApplicantRequest, ValidateVerifyApplicant(request, today))
    UE_FUZZ_REQUEST(1, v1::GetVerificationRequest, ValidateGetVerification(request))
    UE_FUZZ_REQUEST(2, v1::RecordFieldInvestigationRequest, ValidateRecordFieldInvestigation(request, today))
    UE_FUZZ_REQUEST(3, v1::GetSnapshotInfoRequest, ValidateGetSnapshotInfo(request))
    UE_FUZZ_REQUEST(4, v1::ListSnapshotsRequest, ValidateListSnapshots(request))
    UE_FUZZ_REQUEST(5, v1::CompareActiveRegistrationsRequest, ValidateCompareBatch(request, today, std::string(in.selector & 0x80 ? "2025-09-01" : "")))
  }
  return 0;
}
