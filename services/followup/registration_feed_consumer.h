#pragma once

// Keeps the follow-up service's read model of registrations up to date from the registration
// service's event feeds (RegistrationService.StreamEvents): one consumer per registration shard
// (--registration_shards), each with its own cursor "registration/<shard_id>".
//
// The shared consumer (common/feed/registration_feed_consumer.h) streams events after the stored
// cursor; each event is applied and the cursor advanced in ONE transaction
// (ApplyRegistrationEvent), so a restart or a broken stream resumes from the cursor and nothing is
// applied twice or lost; it reconnects with exponential backoff and refuses another shard's
// events.
//
// The shard a registration was learnt from is the prefix of its id (registration makes ids
// "<shard_id>-<kind>-<number>"); the consumer logs a registration whose id does not carry its
// feed's shard, and ShardedRegistrationClient routes calls about a registration by that prefix.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/feed/registration_feed_consumer.h"
#include "common/log/logger.h"
#include "common/server/registration_shards.h"
#include "grpcpp/channel.h"
#include "services/followup/followup_store.h"
#include "unemployment/registration/v1/registration_service.grpc.pb.h"

namespace unemployment::followup {

// The cursor key of a one-shard deployment before cursors were kept per shard: read as the
// default shard's cursor until that has one of its own, so an upgrade neither repeats nor loses.
inline constexpr absl::string_view kRegistrationFeed = "registration";

// "registration/<shard_id>": the cursor key of a shard's feed in feed_cursors.
using feed::RegistrationFeedName;

// The stored cursor of `shard_id`'s feed (for the default shard, the legacy kRegistrationFeed
// cursor while it has none of its own). `get` reads one key (a store's or a transaction's
// GetCursor).
absl::StatusOr<int64_t> ShardCursor(
    const std::function<absl::StatusOr<int64_t>(const std::string&)>& get,
    absl::string_view shard_id);

// The read-model record of a registration as the registration service describes it.
RegistrationRecord RecordOfRegistration(const unemployment::registration::v1::Registration& r);

// Applies one event of shard `shard_id`'s feed and stores its sequence as that shard's cursor, in
// one transaction. Events at or below the stored cursor are skipped (already applied). Payloads
// other than RegistrationCreated and RegistrationDeregistered only advance the cursor.
absl::Status ApplyRegistrationEvent(FollowupTransaction& tx,
                                    const unemployment::registration::v1::Event& event,
                                    absl::string_view shard_id = server::kDefaultShardId);

// The consumer of `options.shard_id`'s feed at `channel` (common/feed), applying each event with
// ApplyRegistrationEvent in one store transaction; it logs (registration_id_not_of_shard) a
// registration whose id does not carry the shard's prefix. `store` must outlive it. Not started.
std::unique_ptr<feed::RegistrationFeedConsumer> MakeRegistrationFeedConsumer(
    FollowupStore& store, std::shared_ptr<grpc::Channel> channel,
    feed::RegistrationFeedConsumer::Options options, log::Logger logger);

}  // namespace unemployment::followup
