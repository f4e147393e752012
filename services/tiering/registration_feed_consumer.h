#pragma once

// Tiering learns registrations from each registration shard's event feed through the shared
// consumer (common/feed/registration_feed_consumer.h): one per shard (--registration_shards), each
// with its own cursor "registration/<shard_id>", each event applied with its cursor in one
// transaction by Profiles::ApplyRegistrationEvent.

#include <memory>

#include "common/feed/registration_feed_consumer.h"
#include "common/log/logger.h"
#include "grpcpp/channel.h"
#include "services/tiering/profiles.h"

namespace unemployment::tiering {

using feed::RegistrationFeedName;

// The consumer of `options.shard_id`'s feed at `channel`, applying to `profiles` (which must
// outlive it). Not started.
std::unique_ptr<feed::RegistrationFeedConsumer> MakeRegistrationFeedConsumer(
    std::shared_ptr<grpc::Channel> channel, Profiles& profiles, log::Logger logger,
    feed::RegistrationFeedConsumer::Options options);

}  // namespace unemployment::tiering
