#pragma once

// Shape checks of the VerificationService requests (the rules written on the .proto), collecting
// every violation into one INVALID_ARGUMENT with a google.rpc.BadRequest. Each Validate* also
// normalises the request in place (trimmed text, normalised ID numbers) so that the domain, the
// store and the idempotency fingerprints see one spelling.

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "unemployment/verification/v1/verification_service.pb.h"

namespace unemployment::verification {

// ErrorInfo reasons of the stream trailers (see ImportSnapshotTrailer and ComparisonTrailer).
inline constexpr absl::string_view kSnapshotStreamIncomplete = "SNAPSHOT_STREAM_INCOMPLETE";
inline constexpr absl::string_view kSnapshotStreamMismatch = "SNAPSHOT_STREAM_MISMATCH";
inline constexpr absl::string_view kComparisonStreamIncomplete = "COMPARISON_STREAM_INCOMPLETE";
inline constexpr absl::string_view kComparisonStreamMismatch = "COMPARISON_STREAM_MISMATCH";

absl::Status ValidateVerifyApplicant(v1::VerifyApplicantRequest& request, absl::CivilDay today);
absl::Status ValidateGetVerification(v1::GetVerificationRequest& request);
absl::Status ValidateRecordFieldInvestigation(v1::RecordFieldInvestigationRequest& request,
                                              absl::CivilDay today);
absl::Status ValidateGetSnapshotInfo(v1::GetSnapshotInfoRequest& request);
absl::Status ValidateListSnapshots(const v1::ListSnapshotsRequest& request);
// `first_as_of` is the as_of of the stream's first message (empty when this is the first).
absl::Status ValidateCompareBatch(v1::CompareActiveRegistrationsRequest& request,
                                  absl::CivilDay today, const std::string& first_as_of);

// A client stream that ended (half-close, or a message gRPC could not parse) without its trailer:
// INVALID_ARGUMENT, field "trailer" REQUIRED, ErrorInfo `reason`.
absl::Status MissingTrailerError(absl::string_view reason);
// OK when the ImportSnapshot trailer describes what the server received: `length` bytes with the
// hex SHA-256 `sha256`, `rows` data rows (checked only when the trailer has a row_count). Else
// INVALID_ARGUMENT with a MISMATCH (or FORMAT) violation per field, reason
// SNAPSHOT_STREAM_MISMATCH.
absl::Status CheckImportTrailer(const v1::ImportSnapshotTrailer& trailer, int64_t length,
                                absl::string_view sha256, int64_t rows);
// The trailer message of a comparison stream: no subjects, as_of empty or `first_as_of`.
absl::Status ValidateComparisonTrailerMessage(const v1::CompareActiveRegistrationsRequest& request,
                                              const std::string& first_as_of);
// OK when the comparison trailer describes the `count` subjects received with digest `sha256`;
// else INVALID_ARGUMENT as above, reason COMPARISON_STREAM_MISMATCH.
absl::Status CheckComparisonTrailer(const v1::ComparisonTrailer& trailer, int64_t count,
                                    absl::string_view sha256);

// The fingerprint of `message` for request_id replays (the common request log's: SHA-256 of its
// deterministic bytes).
std::string Fingerprint(const google::protobuf::Message& message);

// Page sizes of list RPCs: 0 -> 50, above 500 -> 500.
int EffectivePageSize(int32_t requested);

}  // namespace unemployment::verification
