#pragma once

// The person index's SQLite file: reservations of channel application ids, claims of persons
// (keyed hash of ID type + number -> the one holder), one cursor per registration shard feed.
// Every change is one GroupCommitter work item, so a Reserve is atomic against every other
// Reserve and every applied event (one writer thread), and concurrent calls share one fsync.
//
// Asynchronous like the gateway's handlers need: completions run on the store's writer thread and
// must stay short. ApplyEvent and FeedCursor block (they run on a feed consumer's own thread).

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "common/store/database.h"
#include "common/store/group_committer.h"
#include "common/store/migration.h"
#include "unemployment/common/v1/form.pb.h"
#include "unemployment/personindex/v1/person_index_service.pb.h"
#include "unemployment/registration/v1/registration_service.pb.h"

namespace unemployment::person_index {

namespace v1 = ::unemployment::personindex::v1;

// What holds a person.
enum class ClaimState {
  kReserved = 1,    // a channel id was reserved; registration has not (yet) stored the application
  kApplied = 2,     // an undecided application exists on the shard
  kRegistered = 3,  // an active registration exists on the shard
};

// The one holder of a person.
struct Claim {
  std::string person_hash;
  ClaimState state = ClaimState::kReserved;
  std::string shard;
  common::v1::Channel channel = common::v1::CHANNEL_UNSPECIFIED;
  std::string channel_application_id;
  std::string application_id;
  std::string registration_id;
  // When the claim was taken (RESERVED) or last changed state.
  absl::Time updated_at;
};

struct ReserveOutcome {
  enum class Kind {
    kCreated,    // a new reservation and claim
    kExisting,   // the id was reserved before with the same fingerprint
    kIdReused,   // the id was reserved before with another fingerprint
    kHeld,       // the person is held by another live claim
    kHeldStale,  // the person is held by a RESERVED claim older than the lease
  };
  Kind kind = Kind::kCreated;
  // kCreated, kExisting, kIdReused: the stored reservation.
  v1::Reservation reservation;
  // kHeld, kHeldStale: the holder.
  Claim holder;
};

// The schema of person_index.db.
absl::Span<const store::Migration> PersonIndexMigrations();

// The keyed hash that identifies a person in the index ("person|<id type>|<ID number>" under the
// database keyring's search key).
std::string PersonHash(const store::Database& db, const common::v1::PersonId& person);

class PersonIndexStore final {
 public:
  template <typename T>
  using Callback = std::function<void(absl::StatusOr<T>)>;

  // `db` migrated with PersonIndexMigrations(), used only by the store's writer from now on.
  explicit PersonIndexStore(store::Database& db);
  ~PersonIndexStore();

  // One transaction: the reservation of the id, or the person's claim, or a new reservation and a
  // RESERVED claim. A RESERVED claim of another id taken before `now - lease` is reported stale.
  void Reserve(const v1::ReserveRequest& request, absl::Time now, absl::Duration lease,
               Callback<ReserveOutcome> done);
  // Records the application id of a reservation; the holder's claim moves to APPLIED.
  // NOT_FOUND when the id was never reserved.
  void Complete(common::v1::Channel channel, const std::string& channel_application_id,
                const std::string& application_id, absl::Time now, Callback<v1::Reservation> done);
  // Removes a reservation with this fingerprint and no application id, and its RESERVED claim.
  void Release(common::v1::Channel channel, const std::string& channel_application_id,
               const std::string& fingerprint, Callback<bool> done);
  void Get(common::v1::Channel channel, const std::string& channel_application_id,
           Callback<std::optional<v1::Reservation>> done);

  // The outcome of fencing a stale holder at its shard: `application` is the application stored
  // under the holder's channel id after all (the claim becomes APPLIED), or nullopt when the shard
  // recorded that the id may never be created (the stale reservation and its claim are removed).
  // Nothing changes if the claim moved on meanwhile.
  void ResolveStale(const Claim& holder,
                    const std::optional<registration::v1::Application>& application, absl::Time now,
                    Callback<bool> done);

  // Applies one event of `shard`'s feed and stores its sequence as the cursor `feed`, in one
  // transaction; an event at or below the stored cursor is skipped. Blocks until durable.
  absl::Status ApplyEvent(const std::string& feed, const std::string& shard,
                          const registration::v1::Event& event);
  absl::StatusOr<int64_t> FeedCursor(const std::string& feed);

  // The claim of a person (tests, tools).
  absl::StatusOr<std::optional<Claim>> FindClaim(const common::v1::PersonId& person);
  // Events that named a person another holder had (existing duplicates in the shards' data).
  absl::StatusOr<int64_t> ConflictCount();

  // Finishes queued writes; later calls fail with UNAVAILABLE.
  void Shutdown();

 private:
  store::GroupCommitter committer_;
};

}  // namespace unemployment::person_index
