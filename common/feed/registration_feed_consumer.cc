#include "common/feed/registration_feed_consumer.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace unemployment::feed {

namespace reg = ::unemployment::registration::v1;

std::string RegistrationFeedName(absl::string_view shard_id) {
  return absl::StrCat("registration/", shard_id);
}

RegistrationFeedConsumer::RegistrationFeedConsumer(std::shared_ptr<grpc::Channel> channel,
                                                   ReadCursor read_cursor, Apply apply,
                                                   Options options, log::Logger logger)
    : consumer_(
          std::move(read_cursor),
          OpenStreamEvents<reg::RegistrationService, reg::StreamEventsRequest,
                           reg::StreamEventsResponse>(
              channel,
              [shard_id = options.shard_id, apply = std::move(apply),
               logger](const reg::Event& event) -> absl::Status {
                if (!event.shard_id().empty() && event.shard_id() != shard_id) {
                  absl::Status mismatch = absl::FailedPreconditionError(absl::StrCat(
                      "the feed configured as shard \"", shard_id, "\" sends events of shard \"",
                      event.shard_id(), "\": check --registration_shards"));
                  logger.Error("feed_shard_mismatch",
                               {{"feed", RegistrationFeedName(shard_id)}, {"status", mismatch}});
                  return mismatch;
                }
                return apply(event);
              }),
          FeedConsumer::Options{RegistrationFeedName(options.shard_id), options.initial_backoff,
                                options.max_backoff, options.checkpoint_path, channel},
          logger) {}  // copied: the apply function above keeps a copy too

}  // namespace unemployment::feed
