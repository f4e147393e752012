#pragma once

// Consumes one registration shard's event feed (RegistrationService.StreamEvents) for a service
// that keeps a read model of registrations (tiering, follow-up): one consumer per shard
// (--registration_shards), each with its own cursor "registration/<shard_id>". The loop (stored
// cursor, apply with the cursor in one transaction, reconnect with backoff, Stop) is
// FeedConsumer's (feed_consumer.h).
//
// An event whose shard_id is not the consumer's shard (a misconfigured address) is not applied:
// the stream is dropped and retried, and the error logged (`feed_shard_mismatch`), until the
// setting is corrected.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/feed/feed_consumer.h"
#include "common/log/logger.h"
#include "common/server/registration_shards.h"
#include "grpcpp/channel.h"
#include "unemployment/registration/v1/registration_service.grpc.pb.h"

namespace unemployment::feed {

// "registration/<shard_id>": the cursor key of a shard's feed.
std::string RegistrationFeedName(absl::string_view shard_id);

class RegistrationFeedConsumer final {
 public:
  struct Options {
    // The shard whose feed this is (the events' shard_id).
    std::string shard_id = std::string(server::kDefaultShardId);
    absl::Duration initial_backoff = absl::Milliseconds(200);
    absl::Duration max_backoff = absl::Seconds(30);
    // FeedConsumer::Options::checkpoint_path: CheckpointPath(data_dir, feed name) in services.
    std::string checkpoint_path;
  };
  // The stored cursor of this shard's feed: the last applied sequence, 0 when none.
  using ReadCursor = std::function<absl::StatusOr<int64_t>()>;
  // Applies one event and stores its sequence as this shard's cursor, in one transaction; skips an
  // event at or below the stored cursor. An error drops the stream (retried after the backoff).
  using Apply = std::function<absl::Status(const registration::v1::Event&)>;

  RegistrationFeedConsumer(std::shared_ptr<grpc::Channel> channel, ReadCursor read_cursor,
                           Apply apply, Options options, log::Logger logger);
  RegistrationFeedConsumer(const RegistrationFeedConsumer&) = delete;
  RegistrationFeedConsumer& operator=(const RegistrationFeedConsumer&) = delete;

  // Starts the background thread; once only.
  void Start() { consumer_.Start(); }
  // Cancels the open stream, ends the backoff wait and joins the thread. Idempotent.
  void Stop() { consumer_.Stop(); }

  // Waits until the cursor (the stored one when the last stream opened, then each applied
  // sequence) is at least `sequence`, or `timeout` passed; true when reached. For tests and tools.
  bool WaitForCursor(int64_t sequence, absl::Duration timeout) {
    return consumer_.WaitForCursor(sequence, timeout);
  }
  int64_t cursor() const { return consumer_.cursor(); }
  // True while a stream is open (metrics: ue_feed_consumer_connected).
  bool streaming() const { return consumer_.streaming(); }
  // How many streams were opened so far (tests check reconnection with it).
  int64_t connections() const { return consumer_.connections(); }
  // True once the shard's feed went backwards (FeedConsumer); metrics: ue_feed_consumer_halted.
  bool halted() const { return consumer_.halted(); }
  const FeedConsumer& consumer() const { return consumer_; }

 private:
  FeedConsumer consumer_;
};

}  // namespace unemployment::feed
