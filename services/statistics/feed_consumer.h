#pragma once

// Keeps the statistics read model up to date from one event feed: a registration shard's
// (RegistrationService.StreamEvents; the component runs one consumer per configured shard),
// tiering's (TieringService.StreamEvents) or follow-up's (FollowupService.StreamEvents).
//
// The stream loop is common/feed's FeedConsumer: a background thread streams the events after the
// feed's stored cursor ("registration/<shard_id>",
// "tiering", "followup"); each event's facts and the new cursor are written in ONE store
// transaction, and only then applied to the in-memory model, so a restart, a broken stream or a
// feed added later neither loses nor doubles an event. An event the model cannot read (and, on a
// registration feed, an event whose shard_id is not the configured one: the address points at
// another shard) is refused: the consumer then retries with exponential backoff and reports the
// error in Status(), instead of skipping facts and silently changing figures.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/feed/feed_consumer.h"
#include "common/feed/registration_feed_consumer.h"
#include "common/log/logger.h"
#include "common/server/registration_shards.h"
#include "common/time/clock.h"
#include "grpcpp/channel.h"
#include "services/statistics/read_model.h"
#include "services/statistics/statistics_store.h"
#include "unemployment/statistics/v1/statistics_service.pb.h"

namespace unemployment::statistics {

// A registration shard to consume: its id (the events' shard_id) and address.
using RegistrationShard = server::RegistrationShard;

// "registration/<shard_id>": the feed name of a shard, its cursor key and its GetFeedStatus name.
using feed::RegistrationFeedName;

// The feed names of tiering and follow-up.
inline constexpr char kTieringFeed[] = "tiering";
inline constexpr char kFollowupFeed[] = "followup";

// What applies one event's facts (or the reason they cannot be read) of the given sequence.
using ApplyFacts = std::function<absl::Status(int64_t sequence, absl::StatusOr<FeedEvent> facts)>;
// Makes the Open function of one service's StreamEvents (common/feed) over `channel`, given what
// applies facts.
using OpenWith = std::function<feed::FeedConsumer::Open(std::shared_ptr<grpc::Channel> channel,
                                                        ApplyFacts apply)>;

class FeedConsumer {
 public:
  struct Options {
    absl::Duration initial_backoff = absl::Milliseconds(200);
    absl::Duration max_backoff = absl::Seconds(30);
    // The data folder for the feed's checkpoint file (common/feed: a feed that went backwards
    // halts the consumer); empty: the checkpoint is kept in memory only.
    std::string data_dir;
  };

  // `channel` reaches `address`; the consumer reports STREAMING only while it is connected.
  FeedConsumer(std::string feed, std::string address, std::shared_ptr<grpc::Channel> channel,
               OpenWith open_with, StatisticsStore& store, ReadModel& model,
               const time::Clock& clock, Options options, log::Logger logger);
  virtual ~FeedConsumer();
  FeedConsumer(const FeedConsumer&) = delete;
  FeedConsumer& operator=(const FeedConsumer&) = delete;

  // Starts the background thread (once).
  void Start();
  // Cancels the open stream and joins the thread; idempotent.
  void Stop();

  // Waits until the applied cursor is at least `sequence` or `timeout` passed; true when reached.
  bool WaitForCursor(int64_t sequence, absl::Duration timeout);

  // The consumer's position and state, for GetFeedStatus.
  v1::FeedCursor Status() const;

  const std::string& feed() const { return feed_; }

 private:
  absl::Status ApplyEvent(int64_t sequence, absl::StatusOr<FeedEvent> facts);

  const std::string feed_;
  const std::string address_;
  StatisticsStore& store_;
  ReadModel& model_;
  const time::Clock& clock_;

  mutable absl::Mutex mu_;
  int64_t cursor_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t last_event_micros_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t last_applied_micros_ ABSL_GUARDED_BY(mu_) = 0;
  // The stream loop (stored cursor, reconnect with backoff, Stop); constructed last.
  feed::FeedConsumer loop_;
};

// The consumer of one registration shard's feed.
class RegistrationFeedConsumer final : public FeedConsumer {
 public:
  RegistrationFeedConsumer(RegistrationShard shard, StatisticsStore& store, ReadModel& model,
                           std::shared_ptr<grpc::Channel> channel, const time::Clock& clock,
                           Options options, log::Logger logger);
};

// The consumer of tiering's feed (type changes and service deliveries), at `address`.
std::unique_ptr<FeedConsumer> MakeTieringFeedConsumer(const std::string& address,
                                                      StatisticsStore& store, ReadModel& model,
                                                      std::shared_ptr<grpc::Channel> channel,
                                                      const time::Clock& clock,
                                                      FeedConsumer::Options options,
                                                      log::Logger logger);

// The consumer of follow-up's feed (follow-ups and fraud cases), at `address`.
std::unique_ptr<FeedConsumer> MakeFollowupFeedConsumer(const std::string& address,
                                                       StatisticsStore& store, ReadModel& model,
                                                       std::shared_ptr<grpc::Channel> channel,
                                                       const time::Clock& clock,
                                                       FeedConsumer::Options options,
                                                       log::Logger logger);

}  // namespace unemployment::statistics
