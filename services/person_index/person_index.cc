#include "services/person_index/person_index.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/server/registration_shards.h"
#include "common/status/status_util.h"
#include "common/status/violations_status.h"
#include "common/validation/violations.h"

namespace unemployment::person_index {
namespace {

namespace reg = registration::v1;

absl::Status StoreUnavailable(const absl::Status& status, const log::Logger& logger) {
  logger.Error("person_index_store_failed", {{"status", status}});
  return status::WithErrorInfo(
      absl::UnavailableError("the person index could not read or write its records; retry"),
      "PERSON_INDEX_STORE_UNAVAILABLE");
}

bool IsChannelIdText(absl::string_view id) {
  if (id.empty() || id.size() > 40) return false;
  for (char c : id) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '-') return false;
  }
  return true;
}

void CheckChannelId(common::v1::Channel channel, const std::string& id,
                    validation::Violations& violations) {
  if (channel != common::v1::CHANNEL_PROVINCE_PORTAL && channel != common::v1::CHANNEL_MINISTRY) {
    violations.Add("channel",
                   channel == common::v1::CHANNEL_UNSPECIFIED ? "REQUIRED" : "CODE_UNKNOWN",
                   "the channel is the province portal or the ministry");
  }
  if (id.empty()) {
    violations.Add("channel_application_id", "REQUIRED", "the channel application id is required");
  } else if (!IsChannelIdText(id)) {
    violations.Add("channel_application_id", "FORMAT",
                   "the channel application id has 1 to 40 letters, digits and \"-\"");
  }
}

bool IsIdNumberText(absl::string_view text) {
  for (char c : text) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c)) && !(c >= 'A' && c <= 'Z') &&
        c != '-') {
      return false;
    }
  }
  return true;
}

bool IsHex64(absl::string_view text) {
  if (text.size() != 64) return false;
  for (char c : text) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c)) && (c < 'a' || c > 'f')) return false;
  }
  return true;
}

}  // namespace

absl::Status ValidateChannelId(common::v1::Channel channel,
                               const std::string& channel_application_id) {
  validation::Violations violations;
  CheckChannelId(channel, channel_application_id, violations);
  if (violations.empty()) return absl::OkStatus();
  return status::ViolationsToStatus(violations, "request");
}

absl::Status ValidateReserveRequest(const v1::ReserveRequest& request) {
  validation::Violations violations;
  CheckChannelId(request.channel(), request.channel_application_id(), violations);
  if (request.fingerprint().empty()) {
    violations.Add("fingerprint", "REQUIRED", "the form fingerprint is required");
  } else if (!IsHex64(request.fingerprint())) {
    violations.Add("fingerprint", "FORMAT", "the fingerprint is 64 lower-case hex digits");
  }
  if (!request.has_person_id()) {
    violations.Add("person_id", "REQUIRED", "the person's ID type and number are required");
  } else {
    if (request.person_id().id_type() == common::v1::ID_TYPE_UNSPECIFIED ||
        !common::v1::IdType_IsValid(request.person_id().id_type())) {
      violations.Add("person_id.id_type", "CODE_UNKNOWN", "the ID type is not defined");
    }
    if (request.person_id().id_number().empty()) {
      violations.Add("person_id.id_number", "REQUIRED", "the ID number is required");
    } else if (request.person_id().id_number().size() > 64) {
      violations.Add("person_id.id_number", "TOO_LONG", "the ID number has at most 64 characters");
    } else if (!IsIdNumberText(request.person_id().id_number())) {
      violations.Add("person_id.id_number", "FORMAT",
                     "the normalised ID number has upper-case letters, digits and \"-\" only");
    }
  }
  if (!server::IsShardId(request.shard())) {
    violations.Add("shard", request.shard().empty() ? "REQUIRED" : "FORMAT",
                   "the shard id has 1 to 32 lower-case letters and digits");
  }
  bool six_digits = request.office_region_code().size() == 6;
  for (char c : request.office_region_code()) {
    six_digits = six_digits && absl::ascii_isdigit(static_cast<unsigned char>(c));
  }
  if (!six_digits) {
    violations.Add("office_region_code",
                   request.office_region_code().empty() ? "REQUIRED" : "FORMAT",
                   "the office region code has 6 digits");
  }
  if (violations.empty()) return absl::OkStatus();
  return status::ViolationsToStatus(violations, "ReserveRequest");
}

absl::Status HeldError(const Claim& holder) {
  if (holder.state == ClaimState::kRegistered) {
    return status::WithErrorInfo(
        absl::FailedPreconditionError(absl::StrCat(
            "the person already has an active unemployment registration (shard \"", holder.shard,
            "\"); a person who moved is deregistered by the office that keeps the registration "
            "before applying elsewhere")),
        "ACTIVE_REGISTRATION_EXISTS",
        {{"registration_id", holder.registration_id}, {"shard", holder.shard}});
  }
  std::map<std::string, std::string> metadata{{"shard", holder.shard}};
  if (!holder.application_id.empty()) metadata["application_id"] = holder.application_id;
  return status::WithErrorInfo(
      absl::FailedPreconditionError(absl::StrCat(
          "the person already has an undecided application (shard \"", holder.shard,
          "\"); one person has one undecided application or registration in the province")),
      "PENDING_APPLICATION_EXISTS", metadata);
}

PersonIndex::PersonIndex(PersonIndexStore& store, ShardFencer& fencer, const time::Clock& clock,
                         const log::Logger& logger, PersonIndexOptions options)
    : store_(store), fencer_(fencer), clock_(clock), logger_(logger), options_(options) {}

void PersonIndex::Reserve(const v1::ReserveRequest& request, absl::Time deadline,
                          Callback<v1::ReserveResponse> done) {
  ReserveAttempt(request, deadline, 0, std::move(done));
}

void PersonIndex::ReserveAttempt(const v1::ReserveRequest& request, absl::Time deadline,
                                 int attempt, Callback<v1::ReserveResponse> done) {
  store_.Reserve(
      request, clock_.Now(), options_.reservation_lease,
      [this, request, deadline, attempt,
       done = std::move(done)](absl::StatusOr<ReserveOutcome> outcome) mutable {
        if (!outcome.ok()) return done(StoreUnavailable(outcome.status(), logger_));
        switch (outcome->kind) {
          case ReserveOutcome::Kind::kCreated:
          case ReserveOutcome::Kind::kExisting: {
            v1::ReserveResponse response;
            *response.mutable_reservation() = std::move(outcome->reservation);
            response.set_created(outcome->kind == ReserveOutcome::Kind::kCreated);
            return done(std::move(response));
          }
          case ReserveOutcome::Kind::kIdReused: {
            std::map<std::string, std::string> metadata{{"shard", outcome->reservation.shard()}};
            if (!outcome->reservation.application_id().empty()) {
              metadata["application_id"] = outcome->reservation.application_id();
            }
            return done(status::WithErrorInfo(
                absl::AlreadyExistsError("the channel application id was already used with a "
                                         "different form; use a new id for a new application"),
                "APPLICATION_ID_REUSED", metadata));
          }
          case ReserveOutcome::Kind::kHeld:
            return done(HeldError(outcome->holder));
          case ReserveOutcome::Kind::kHeldStale:
            break;
        }
        if (attempt > 0) return done(HeldError(outcome->holder));
        const Claim holder = outcome->holder;
        logger_.Warning(
            "stale_reservation_fencing",
            {{"shard", holder.shard}, {"channel_application_id", holder.channel_application_id}});
        fencer_.Fence(
            holder.shard, holder.channel, holder.channel_application_id, deadline,
            [this, request, deadline, holder, done = std::move(done)](
                absl::StatusOr<std::optional<reg::Application>> fenced) mutable {
              if (!fenced.ok()) {
                logger_.Warning("fence_failed",
                                {{"shard", holder.shard}, {"status", fenced.status()}});
                return done(status::WithErrorInfo(
                    absl::UnavailableError(absl::StrCat(
                        "registration shard \"", holder.shard,
                        "\" could not confirm an earlier reservation of this person; retry "
                        "with the same id")),
                    "SHARD_UNAVAILABLE", {{"shard", holder.shard}}));
              }
              store_.ResolveStale(holder, *fenced, clock_.Now(),
                                  [this, request, deadline,
                                   done = std::move(done)](absl::StatusOr<bool> resolved) mutable {
                                    if (!resolved.ok())
                                      return done(StoreUnavailable(resolved.status(), logger_));
                                    ReserveAttempt(request, deadline, 1, std::move(done));
                                  });
            });
      });
}

void PersonIndex::Complete(const v1::CompleteRequest& request, Callback<v1::Reservation> done) {
  store_.Complete(request.channel(), request.channel_application_id(), request.application_id(),
                  clock_.Now(), [this, done = std::move(done)](absl::StatusOr<v1::Reservation> r) {
                    if (!r.ok() && r.status().code() != absl::StatusCode::kNotFound) {
                      return done(StoreUnavailable(r.status(), logger_));
                    }
                    done(std::move(r));
                  });
}

void PersonIndex::Release(const v1::ReleaseRequest& request, Callback<bool> done) {
  store_.Release(request.channel(), request.channel_application_id(), request.fingerprint(),
                 [this, done = std::move(done)](absl::StatusOr<bool> released) {
                   if (!released.ok()) return done(StoreUnavailable(released.status(), logger_));
                   done(*released);
                 });
}

void PersonIndex::Get(common::v1::Channel channel, const std::string& channel_application_id,
                      Callback<v1::Reservation> done) {
  store_.Get(channel, channel_application_id,
             [this, done = std::move(done)](absl::StatusOr<std::optional<v1::Reservation>> r) {
               if (!r.ok()) return done(StoreUnavailable(r.status(), logger_));
               if (!r->has_value()) {
                 return done(status::WithErrorInfo(
                     absl::NotFoundError("the channel application id was never reserved"),
                     "RESERVATION_NOT_FOUND"));
               }
               done(**std::move(r));
             });
}

}  // namespace unemployment::person_index
