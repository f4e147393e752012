#pragma once

// Keeps the statistics read model up to date from the event feed of ONE registration shard
// (RegistrationService.StreamEvents); the component runs one consumer per configured shard.
//
// A background thread streams the events after the shard's stored cursor (feed
// "registration/<shard_id>"); each event's facts and the new cursor are written in ONE store
// transaction, and only then applied to the in-memory model, so a restart, a broken stream or a
// shard added later neither loses nor doubles an event. An event whose shard_id is not the
// configured one is refused (the address points at another shard), and so is an event the model
// cannot read: the consumer then retries with exponential backoff and reports the error in
// Status(), instead of skipping facts and silently changing figures.

#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/log/logger.h"
#include "common/server/registration_shards.h"
#include "common/time/clock.h"
#include "grpcpp/channel.h"
#include "services/statistics/read_model.h"
#include "services/statistics/statistics_store.h"
#include "unemployment/registration/v1/registration_service.grpc.pb.h"
#include "unemployment/statistics/v1/statistics_service.pb.h"

namespace unemployment::statistics {

// A registration shard to consume: its id (the events' shard_id) and address.
using RegistrationShard = server::RegistrationShard;

// "registration/<shard_id>": the feed name of a shard, its cursor key and its GetFeedStatus name.
std::string RegistrationFeedName(const std::string& shard_id);

class RegistrationFeedConsumer final {
 public:
  struct Options {
    absl::Duration initial_backoff = absl::Milliseconds(200);
    absl::Duration max_backoff = absl::Seconds(30);
  };

  RegistrationFeedConsumer(RegistrationShard shard, StatisticsStore& store, ReadModel& model,
                           std::shared_ptr<grpc::Channel> channel, const time::Clock& clock,
                           Options options, log::Logger logger);
  ~RegistrationFeedConsumer();
  RegistrationFeedConsumer(const RegistrationFeedConsumer&) = delete;
  RegistrationFeedConsumer& operator=(const RegistrationFeedConsumer&) = delete;

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
  void Run();
  // Streams from the stored cursor until the stream ends; returns its final status.
  absl::Status StreamOnce(bool& received_any);
  absl::Status ApplyEvent(const unemployment::registration::v1::Event& event);

  const RegistrationShard shard_;
  const std::string feed_;
  StatisticsStore& store_;
  ReadModel& model_;
  std::unique_ptr<unemployment::registration::v1::RegistrationService::Stub> stub_;
  const time::Clock& clock_;
  const Options options_;
  log::Logger logger_;

  mutable absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool started_ ABSL_GUARDED_BY(mu_) = false;
  int64_t cursor_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t last_event_micros_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t last_applied_micros_ ABSL_GUARDED_BY(mu_) = 0;
  v1::FeedState state_ ABSL_GUARDED_BY(mu_) = v1::FEED_STATE_RETRYING;
  std::string last_error_ ABSL_GUARDED_BY(mu_);
  // The open stream's context, so that Stop can cancel it.
  grpc::ClientContext* context_ ABSL_GUARDED_BY(mu_) = nullptr;
  std::thread thread_;
};

}  // namespace unemployment::statistics
