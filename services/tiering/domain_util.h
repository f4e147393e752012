#pragma once

// What the tiering domain units (Profiles, Plans, Catalogues, DifficultyIdentifier) share: the
// errors they answer with, stored dates, a profile's activity and type, the request_id
// idempotency of their writes (AIP-155) and the delivery event. No gRPC types.

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "common/status/macros.h"
#include "common/store/request_log.h"
#include "common/time/clock.h"
#include "google/protobuf/timestamp.pb.h"
#include "services/tiering/difficulty_criteria.h"
#include "services/tiering/tiering_store.h"
#include "services/tiering/type_rules.h"
#include "unemployment/tiering/v1/tiering_service.pb.h"

namespace unemployment::tiering {

// NOT_FOUND REGISTRATION_NOT_FOUND.
absl::Status RegistrationNotFound(absl::string_view id);
// FAILED_PRECONDITION REGISTRATION_NOT_ACTIVE (`day` as "YYYY-MM-DD").
absl::Status NotActive(absl::string_view id, absl::string_view day);
// ALREADY_EXISTS REQUEST_ID_REUSED.
absl::Status RequestIdReused(absl::string_view request_id);
// NOT_FOUND CATALOG_VERSION_NOT_FOUND.
absl::Status CatalogVersionNotFound(int64_t version, absl::string_view region_code);

// A stored (already validated) "YYYY-MM-DD"; the zero day if it does not parse.
absl::CivilDay ParseStored(absl::string_view text);
// `text` (a validated "YYYY-MM-DD") or the clock's today when empty.
absl::CivilDay DayOr(const time::Clock& clock, absl::string_view text);
// The clock's instant as a Timestamp.
google::protobuf::Timestamp NowTimestamp(const time::Clock& clock);

// The registration is active on `day`: registered by then and not yet ended.
bool ActiveOn(const v1::Profile& profile, absl::CivilDay day);

// The stored profile, or REGISTRATION_NOT_FOUND.
absl::StatusOr<ProfileRecord> LoadProfile(TieringTx& tx, const std::string& registration_id);

// The catalogue kind a list hand-out cites (UNSPECIFIED for other services).
v1::CatalogKind KindOfHandout(v1::ServiceType type);

// The facts the difficulty criteria are evaluated on: the profile's and the `declared` ones.
DifficultyFacts FactsForCriteria(const v1::Profile& profile,
                                 const std::vector<v1::DeclaredFact>& declared);
// The facts declared in the latest identification that was not rejected: the data held.
std::vector<v1::DeclaredFact> HeldFacts(const v1::Profile& profile);

// The type of `record` on `day`, from the rules and the difficulty approval in force then.
TypeDecision TypeOn(const TypeRules& rules, const ProfileRecord& record, absl::CivilDay day);
// Recomputes the stored type as of the later of today and `effective`; appends TypeChanged
// (effective `effective`) when it changed. The caller stores the profile.
absl::Status RefreshType(TieringTx& tx, const TypeRules& rules, const time::Clock& clock,
                         ProfileRecord& record, absl::CivilDay effective);

// Appends ServiceDeliveryRecorded for a delivery just inserted (at `occurred_at`).
absl::Status AppendDeliveryRecorded(TieringTx& tx, const v1::ServiceDelivery& delivery,
                                    absl::string_view office_region_code,
                                    const google::protobuf::Timestamp& occurred_at);

// The fingerprint of a request's content without its request_id, for comparing repeats.
template <typename Request>
std::string Fingerprint(const Request& request) {
  Request copy = request;
  copy.clear_request_id();
  return store::RequestFingerprint(copy);
}

// Idempotency (AIP-155): the stored answer of a repeated request, ALREADY_EXISTS for the same id
// with other content, nullopt for a new id.
template <typename Response>
absl::StatusOr<std::optional<Response>> Replay(TieringTx& tx, absl::string_view kind,
                                               absl::string_view request_id,
                                               const std::string& fingerprint) {
  ASSIGN_OR_RETURN(std::optional<StoredRequest> stored, tx.FindRequest(kind, request_id));
  return store::Replay<Response>(stored, fingerprint,
                                 [&] { return RequestIdReused(request_id); });
}

// One idempotent write in one transaction: the stored answer of a repeat of `request_id` (kind
// `kind`, content `fingerprint`), else `change(tx, response)` and the answer stored with it.
template <typename Response, typename Change>
absl::StatusOr<Response> WriteOnce(TieringStore& store, absl::string_view kind,
                                   const std::string& request_id, const std::string& fingerprint,
                                   Change change) {
  Response response;
  const absl::Status done = store.Write([&](TieringTx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(std::optional<Response> replay,
                     Replay<Response>(tx, kind, request_id, fingerprint));
    if (replay.has_value()) {
      response = *std::move(replay);
      return absl::OkStatus();
    }
    RETURN_IF_ERROR(change(tx, response));
    return tx.PutRequest(kind, request_id, {fingerprint, response.SerializeAsString()});
  });
  if (!done.ok()) return done;
  return response;
}

// `read(tx)` in a read transaction; its value.
template <typename Read>
auto ReadValue(TieringStore& store, Read read) -> decltype(read(std::declval<TieringTx&>())) {
  using Result = decltype(read(std::declval<TieringTx&>()));
  std::optional<Result> result;
  const absl::Status done = store.Read([&](TieringTx& tx) -> absl::Status {
    result.emplace(read(tx));
    return result->status();
  });
  if (!done.ok()) return done;
  return *std::move(result);
}

}  // namespace unemployment::tiering
