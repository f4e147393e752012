#pragma once

// Shape checks of the VerificationService requests (the rules written on the .proto), collecting
// every violation into one INVALID_ARGUMENT with a google.rpc.BadRequest. Each Validate* also
// normalises the request in place (trimmed text, normalised ID numbers) so that the domain, the
// store and the idempotency fingerprints see one spelling.

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/time/civil_time.h"
#include "unemployment/verification/v1/verification_service.pb.h"

namespace unemployment::verification {


absl::Status ValidateVerifyApplicant(v1::VerifyApplicantRequest& request, absl::CivilDay today);
absl::Status ValidateGetVerification(v1::GetVerificationRequest& request);
absl::Status ValidateRecordFieldInvestigation(v1::RecordFieldInvestigationRequest& request,
                                              absl::CivilDay today);
absl::Status ValidateGetSnapshotInfo(v1::GetSnapshotInfoRequest& request);
absl::Status ValidateListSnapshots(const v1::ListSnapshotsRequest& request);
// `first_as_of` is the as_of of the stream's first message (empty when this is the first).
absl::Status ValidateCompareBatch(v1::CompareActiveRegistrationsRequest& request,
                                  absl::CivilDay today, const std::string& first_as_of);

// The deterministic bytes of `message`, for request_id fingerprints.
std::string Fingerprint(const google::protobuf::Message& message);

// Page sizes of list RPCs: 0 -> 50, above 500 -> 500.
int EffectivePageSize(int32_t requested);

}  // namespace unemployment::verification
