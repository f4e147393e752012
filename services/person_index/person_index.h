#pragma once

// The person index's domain logic, without gRPC types: reserve a channel application id for a
// person (one transaction in PersonIndexStore), fence a stale reservation at its shard before
// another application may take the person, record and release reservations.
//
// Why a stale reservation must be fenced: a RESERVED claim means "the gateway reserved this id and
// may be calling CreateApplication right now". If the gateway crashed between the two steps and
// the channel never retried, the claim would block the person forever; simply dropping it after a
// timeout would let a late CreateApplication of the old id create a second application. So after
// the lease the index asks the holder's shard to fence the id (RegistrationService.
// FenceChannelApplicationId): the shard either returns the application stored under it (the claim
// becomes APPLIED; the new request is refused) or durably records that the id may no longer be
// created (then the old reservation is dropped and the new one takes the person). A shard that
// cannot be asked: UNAVAILABLE, and nothing changed.

#include <functional>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/log/logger.h"
#include "common/time/clock.h"
#include "services/person_index/person_index_store.h"
#include "unemployment/registration/v1/registration_service.pb.h"

namespace unemployment::person_index {

// Asks a registration shard to fence a channel application id.
class ShardFencer {
 public:
  // The application stored under the id, or nullopt when the shard recorded the fence.
  using FenceCallback =
      std::function<void(absl::StatusOr<std::optional<registration::v1::Application>>)>;
  virtual ~ShardFencer() = default;
  virtual void Fence(const std::string& shard, common::v1::Channel channel,
                     const std::string& channel_application_id, absl::Time deadline,
                     FenceCallback done) = 0;
};

struct PersonIndexOptions {
  // How long a RESERVED claim may wait for its application before it can be fenced.
  absl::Duration reservation_lease = absl::Minutes(5);
};

class PersonIndex final {
 public:
  template <typename T>
  using Callback = std::function<void(absl::StatusOr<T>)>;

  // Everything borrowed; must outlive the index and its in-flight calls.
  PersonIndex(PersonIndexStore& store, ShardFencer& fencer, const time::Clock& clock,
              const log::Logger& logger, PersonIndexOptions options);

  // See PersonIndexService.Reserve. `request` must be valid (ValidateReserveRequest).
  void Reserve(const v1::ReserveRequest& request, absl::Time deadline,
               Callback<v1::ReserveResponse> done);
  void Complete(const v1::CompleteRequest& request, Callback<v1::Reservation> done);
  void Release(const v1::ReleaseRequest& request, Callback<bool> done);
  void Get(common::v1::Channel channel, const std::string& channel_application_id,
           Callback<v1::Reservation> done);

 private:
  void ReserveAttempt(const v1::ReserveRequest& request, absl::Time deadline, int attempt,
                      Callback<v1::ReserveResponse> done);

  PersonIndexStore& store_;
  ShardFencer& fencer_;
  const time::Clock& clock_;
  const log::Logger& logger_;
  const PersonIndexOptions options_;
};

// The refusal for a person held by `holder` (FAILED_PRECONDITION, reason
// PENDING_APPLICATION_EXISTS or ACTIVE_REGISTRATION_EXISTS).
absl::Status HeldError(const Claim& holder);

// Request checks (INVALID_ARGUMENT with every field violation).
absl::Status ValidateReserveRequest(const v1::ReserveRequest& request);
absl::Status ValidateChannelId(common::v1::Channel channel,
                               const std::string& channel_application_id);

}  // namespace unemployment::person_index
