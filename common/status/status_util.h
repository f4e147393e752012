#pragma once

// Error model of the suite (Google AIP-193): inside a service every error is an absl::Status with
// the most specific code; the edge turns it into a grpc::Status whose binary details carry a
// google.rpc.Status with a google.rpc.ErrorInfo (an UPPER_SNAKE reason, always present) and, for
// bad input, a google.rpc.BadRequest listing every field violation.
//
// The details travel inside the absl::Status as payloads keyed by their type URL, so domain code
// can attach them without knowing about gRPC.

#include <map>
#include <optional>
#include <string>
#include "absl/strings/string_view.h"
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "grpcpp/support/status.h"

namespace unemployment::status {

// The ErrorInfo domain of every error this suite returns.
inline constexpr absl::string_view kErrorDomain = "unemployment.hrss.gov.cn";

// One field violation: `field` is a path into the request (e.g. "form.person_id.id_number"),
// `rule` a stable UPPER_SNAKE rule name, `description` a human sentence.
struct FieldViolation {
  std::string field;
  std::string rule;
  std::string description;
};

// Returns `status` with a google.rpc.ErrorInfo whose reason is `reason` (UPPER_SNAKE) and whose
// metadata is `metadata`. An OK status is returned unchanged.
absl::Status WithErrorInfo(absl::Status status, absl::string_view reason,
                           const std::map<std::string, std::string>& metadata = {});

// An INVALID_ARGUMENT status listing every violation in a google.rpc.BadRequest. The description
// of each violation is prefixed with its rule ("CHECK_CHARACTER: ...") so that machine readers
// see the rule even though BadRequest has no field for it. ErrorInfo reason: `reason`.
absl::Status InvalidArgumentError(absl::string_view message,
                                  const std::vector<FieldViolation>& violations,
                                  absl::string_view reason = "INVALID_ARGUMENT");

// Convenience for a single violation.
absl::Status InvalidFieldError(absl::string_view field, absl::string_view rule,
                               absl::string_view description);

// The details attached to a status, if any.
std::optional<google::rpc::ErrorInfo> GetErrorInfo(const absl::Status& status);
std::optional<google::rpc::BadRequest> GetBadRequest(const absl::Status& status);

// True when `reason` is in the catalogue of reasons, proto/unemployment/common/v1/error_reason.proto
// (enum ErrorReason: "TOKEN_MISSING" is ERROR_REASON_TOKEN_MISSING).
bool IsCataloguedReason(absl::string_view reason);

// Whether ToGrpcStatus refuses a reason missing from the catalogue by aborting the process (with
// one line on stderr naming it). Off by default (the reason is sent as it is); on when the
// environment variable UE_STRICT_ERROR_REASONS is set to a non-empty value other than "0" when
// first needed. Every test suite turns it on (tests/catch_main.cc, tests/python/suite.py), so a
// test that makes any service return an uncatalogued reason fails.
void SetStrictReasonCheck(bool strict);
bool StrictReasonCheck();

// The conversion at the edge: same code and message, plus a google.rpc.Status in the binary
// error details with an ErrorInfo (reason defaults to the code's name, e.g. "NOT_FOUND") and
// any BadRequest attached to `status`. The one place every error of the suite passes: it checks
// the reason against the catalogue (SetStrictReasonCheck).
grpc::Status ToGrpcStatus(const absl::Status& status);

// The inverse, for clients inside the suite: keeps code, message and the attached details.
absl::Status FromGrpcStatus(const grpc::Status& status);

// The google.rpc.Status carried by a grpc::Status's binary details (empty if none or unparsable).
std::optional<google::rpc::Status> DecodeDetails(const grpc::Status& status);

}  // namespace unemployment::status
