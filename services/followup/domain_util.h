#pragma once

// Small helpers shared by the follow-up domain classes: error constructors with their ErrorInfo
// reasons, timestamps, and the request_id idempotency check (AIP-155).

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/proto_util/message_util.h"
#include "common/status/macros.h"
#include "common/status/status_util.h"
#include "google/protobuf/timestamp.pb.h"
#include "services/followup/followup_store.h"

namespace unemployment::followup {

template <typename T>
using Callback = std::function<void(absl::StatusOr<T>)>;

namespace reason {
inline constexpr absl::string_view kRegistrationNotFound = "REGISTRATION_NOT_FOUND";
inline constexpr absl::string_view kRegistrationNotActive = "REGISTRATION_NOT_ACTIVE";
inline constexpr absl::string_view kRegionNotFound = "REGION_NOT_FOUND";
inline constexpr absl::string_view kRequestIdReused = "REQUEST_ID_REUSED";
inline constexpr absl::string_view kCandidateNotFound = "CANDIDATE_NOT_FOUND";
inline constexpr absl::string_view kCandidateNotPending = "CANDIDATE_NOT_PENDING";
inline constexpr absl::string_view kCaseNotFound = "FRAUD_CASE_NOT_FOUND";
inline constexpr absl::string_view kCaseConcluded = "CASE_CONCLUDED";
inline constexpr absl::string_view kNotInvestigated = "NOT_INVESTIGATED";
inline constexpr absl::string_view kReportAlreadySubmitted = "REPORT_ALREADY_SUBMITTED";
inline constexpr absl::string_view kExportTooLarge = "EXPORT_TOO_LARGE";
inline constexpr absl::string_view kRegistrationUnavailable = "REGISTRATION_UNAVAILABLE";
}  // namespace reason

inline absl::Status RegistrationNotFound(const std::string& id) {
  return status::WithErrorInfo(absl::NotFoundError("the registration is not known"),
                               reason::kRegistrationNotFound, {{"registration_id", id}});
}

inline absl::Status RegistrationNotActive(const std::string& id) {
  return status::WithErrorInfo(
      absl::FailedPreconditionError("the registration is not active on that date"),
      reason::kRegistrationNotActive, {{"registration_id", id}});
}

inline absl::Status RegionNotFound(const std::string& code) {
  return status::WithErrorInfo(absl::NotFoundError("region_code is not a known region"),
                               reason::kRegionNotFound, {{"region_code", code}});
}

inline absl::Status RequestIdReused(const std::string& request_id) {
  return status::WithErrorInfo(
      absl::AlreadyExistsError("the request_id was used before with different content"),
      reason::kRequestIdReused, {{"request_id", request_id}});
}

// INVALID_ARGUMENT with one field violation (rule first in the description, as everywhere).
inline absl::Status FieldError(absl::string_view field, absl::string_view rule,
                               absl::string_view sentence) {
  return status::InvalidFieldError(field, rule, sentence);
}

using proto_util::ToTimestamp;

// The fingerprint of a request's content for the idempotency check (the common request log's:
// SHA-256 of its deterministic bytes).
inline std::string Fingerprint(const google::protobuf::Message& request) {
  return store::RequestFingerprint(request);
}

// The stored response of an earlier request with this request_id: the response when the content
// matches, ALREADY_EXISTS (REQUEST_ID_REUSED) when it differs, nullopt when the id is new.
template <typename Response>
absl::StatusOr<std::optional<Response>> PreviousResponse(
    const absl::StatusOr<std::optional<StoredRequest>>& stored, const std::string& request_id,
    const std::string& fingerprint) {
  if (!stored.ok()) return stored.status();
  return store::Replay<Response>(*stored, fingerprint,
                                 [&] { return RequestIdReused(request_id); });
}

inline StoredRequest MakeStoredRequest(const std::string& fingerprint,
                                       const google::protobuf::Message& response) {
  return store::MakeStoredRequest(fingerprint, response);
}

// One idempotent write (AIP-155) in one transaction: the stored response of a repeat of `request`
// (by `kind` and its request_id; REQUEST_ID_REUSED for other content), else `apply`'s response,
// stored with the request. `done` gets it after the commit.
template <typename Response, typename Request>
void WriteOnce(FollowupStore& store, const char* kind, const Request& request,
               std::function<absl::StatusOr<Response>(FollowupTransaction&)> apply,
               Callback<Response> done) {
  auto result = std::make_shared<Response>();
  store.Write(
      [kind, request, apply = std::move(apply), result](FollowupTransaction& tx) -> absl::Status {
        const std::string fingerprint = Fingerprint(request);
        ASSIGN_OR_RETURN(std::optional<Response> previous,
                         PreviousResponse<Response>(tx.FindRequest(kind, request.request_id()),
                                                    request.request_id(), fingerprint));
        if (previous.has_value()) {
          *result = *std::move(previous);
          return absl::OkStatus();
        }
        ASSIGN_OR_RETURN(Response response, apply(tx));
        RETURN_IF_ERROR(
            tx.InsertRequest(kind, request.request_id(), MakeStoredRequest(fingerprint, response)));
        *result = std::move(response);
        return absl::OkStatus();
      },
      [result, done = std::move(done)](absl::Status status) {
        if (!status.ok()) return done(status);
        done(std::move(*result));
      });
}

// A Timestamp in microseconds since the epoch (page positions).
inline int64_t MicrosOf(const google::protobuf::Timestamp& timestamp) {
  return timestamp.seconds() * 1000000 + timestamp.nanos() / 1000;
}

}  // namespace unemployment::followup
