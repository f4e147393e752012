#include "services/tiering/registration_feed_consumer.h"

#include <string>
#include <utility>

namespace unemployment::tiering {

std::unique_ptr<feed::RegistrationFeedConsumer> MakeRegistrationFeedConsumer(
    std::shared_ptr<grpc::Channel> channel, Profiles& profiles, log::Logger logger,
    feed::RegistrationFeedConsumer::Options options) {
  const std::string name = RegistrationFeedName(options.shard_id);
  return std::make_unique<feed::RegistrationFeedConsumer>(
      std::move(channel), [&profiles, name] { return profiles.FeedCursor(name); },
      [&profiles, name](const registration::v1::Event& event) {
        return profiles.ApplyRegistrationEvent(name, event);
      },
      std::move(options), std::move(logger));
}

}  // namespace unemployment::tiering
