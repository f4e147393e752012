#pragma once

// Who caused a state change, taken from the call, never from the request body.
//
// Every state change a service records names its actor (a reviewer's decision, a delivery's staff
// member, a follow-up's caller, a deregistration's initiator). The actor is the authenticated
// subject of the call:
//   - security on: the subject of the caller's token (security/token.h), or, for a
//     certificate-only system (a peer service, role `svc-<name>`), the system's name;
//   - security off (loopback development and the tests that predate security): the value of the
//     metadata `x-ue-subject`, or, without it, the request's own actor field (still REQUIRED by
//     the request's validation, so development callers name themselves somewhere). Such an
//     identity is unauthenticated; ResolveActor logs that (event unauthenticated_actor).
//
// Handlers resolve the actor before validating the request and write the subject into the
// request's field, so that validation (REQUIRED, TOO_LONG) and idempotency fingerprints see the
// recorded value.
//
// Requests keep their actor fields (reviewer, staff_id, actor, ...) for compatibility. An empty
// field is filled with the caller's subject; a field naming the caller is accepted; a field naming
// a different person is refused with INVALID_ARGUMENT, ErrorInfo reason ACTOR_NOT_CALLER and a
// BadRequest field violation (rule NOT_CALLER) on that field. A peer service (a role `svc-<name>`)
// relays the person it acts for: its field is accepted as given (it authenticated that person
// itself), and an empty field records the service's own name.

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/log/logger.h"
#include "grpcpp/server_context.h"

namespace unemployment::security {

// The metadata key naming the acting person when security is off.
inline constexpr absl::string_view kSubjectMetadataKey = "x-ue-subject";

// The rule and reason of a request field that names someone other than the caller.
inline constexpr absl::string_view kNotCallerRule = "NOT_CALLER";
inline constexpr absl::string_view kActorNotCallerReason = "ACTOR_NOT_CALLER";

// The calling system recorded when security is off.
inline constexpr absl::string_view kInsecureSystem = "insecure-dev";

struct Actor {
  // The person or process recorded as having made the change.
  std::string subject;
  // The calling system ("staff-client", "svc-followup"; "insecure-dev" with security off).
  std::string system;
  // False with security off: the subject is what the caller said, not what it proved.
  bool authenticated = false;
};

// The actor of a state change requested in this call. `field` is the request field's path (for the
// violation) and `claimed` its value (may be empty; surrounding white space is ignored). Logs a
// warning through `logger` when the identity is unauthenticated. With security off and nobody
// named, the subject is empty (the request's validation then reports the field REQUIRED).
absl::StatusOr<Actor> ResolveActor(const grpc::ServerContextBase& context, absl::string_view field,
                                   absl::string_view claimed, const log::Logger& logger);

// The same decision without a gRPC context (for tests and for callers that already know the
// caller): with `secured` false, `caller_subject` is the x-ue-subject metadata (empty: none).
absl::StatusOr<Actor> DecideActor(bool secured, absl::string_view caller_system,
                                  absl::string_view caller_subject, absl::string_view caller_role,
                                  absl::string_view field, absl::string_view claimed);

// ResolveActor, then writes the subject into `*value` (the request's field, before validation).
absl::Status RecordActor(const grpc::ServerContextBase& context, absl::string_view field,
                         std::string* value, const log::Logger& logger);

}  // namespace unemployment::security
