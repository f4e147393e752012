#include "common/security/actor.h"

#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/security/call_guard.h"
#include "common/security/policy.h"
#include "common/status/status_util.h"

namespace unemployment::security {
namespace {

absl::Status NotCaller(absl::string_view field, absl::string_view subject) {
  return status::InvalidArgumentError(
      absl::StrCat(field, " names another person than the caller"),
      {{std::string(field), std::string(kNotCallerRule),
        absl::StrCat("must be empty or the caller's own identifier (", subject,
                     "); the actor of a change is taken from the caller's token")}},
      kActorNotCallerReason);
}

}  // namespace

absl::StatusOr<Actor> DecideActor(bool secured, absl::string_view caller_system,
                                  absl::string_view caller_subject, absl::string_view caller_role,
                                  absl::string_view field, absl::string_view claimed) {
  claimed = absl::StripAsciiWhitespace(claimed);
  Actor actor;
  actor.authenticated = secured;
  actor.system = std::string(caller_system);
  if (secured && IsServiceRole(caller_role)) {
    // A peer service relays the person it acts for.
    actor.subject = std::string(claimed.empty() ? caller_subject : claimed);
    return actor;
  }
  if (!caller_subject.empty()) {
    if (!claimed.empty() && claimed != caller_subject) return NotCaller(field, caller_subject);
    actor.subject = std::string(caller_subject);
    return actor;
  }
  // Security off and no subject metadata: the request's own field (empty: REQUIRED later).
  actor.subject = std::string(claimed);
  return actor;
}

absl::StatusOr<Actor> ResolveActor(const grpc::ServerContextBase& context, absl::string_view field,
                                   absl::string_view claimed, const log::Logger& logger) {
  if (ProcessGuard() != nullptr) {
    absl::StatusOr<Caller> caller = CurrentCaller(context);
    if (!caller.ok()) return caller.status();
    return DecideActor(true, caller->claims.system, caller->claims.subject, caller->claims.role,
                       field, claimed);
  }
  std::string subject;
  const auto& metadata = context.client_metadata();
  const auto it =
      metadata.find(grpc::string_ref(kSubjectMetadataKey.data(), kSubjectMetadataKey.size()));
  if (it != metadata.end()) subject.assign(it->second.data(), it->second.size());
  absl::StatusOr<Actor> actor = DecideActor(false, kInsecureSystem, subject, "", field, claimed);
  if (actor.ok() && !actor->subject.empty()) {
    logger.Warning("unauthenticated_actor",
                   {{"actor", actor->subject},
                    {"source", it != metadata.end() ? absl::StrCat("metadata:", kSubjectMetadataKey)
                                                    : absl::StrCat("request:", field)}});
  }
  return actor;
}

absl::Status RecordActor(const grpc::ServerContextBase& context, absl::string_view field,
                         std::string* value, const log::Logger& logger) {
  absl::StatusOr<Actor> actor = ResolveActor(context, field, *value, logger);
  if (!actor.ok()) return actor.status();
  *value = std::move(actor->subject);
  return absl::OkStatus();
}

}  // namespace unemployment::security
