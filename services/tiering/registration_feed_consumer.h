#pragma once

// Learns registrations from one registration shard's event feed (RegistrationService.StreamEvents);
// the component runs one consumer per shard (--registration_shards), each with its own cursor
// "registration/<shard_id>".
//
// A background thread reads the stored cursor, opens StreamEvents(after_sequence = cursor) and
// hands each event to Tiering::ApplyRegistrationEvent, which applies it and stores its sequence
// in the same SQLite transaction: after a crash or restart the stream resumes from the cursor, so
// no event is lost or applied twice. When the stream fails (registration down or restarting,
// OUT_OF_RANGE for a cursor ahead of the feed, a failed apply), it reconnects after a backoff that
// doubles from `initial_backoff` to `max_backoff` and resets once an event was applied.
//
// An event whose shard_id is not the consumer's shard (a misconfigured address) is not applied:
// the stream is dropped and retried, and the error logged, until the setting is corrected.
//
// The stream is long-lived by design, so it carries no deadline; Stop() cancels it.

#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/log/logger.h"
#include "grpcpp/channel.h"
#include "grpcpp/client_context.h"
#include "services/tiering/tiering.h"
#include "unemployment/registration/v1/registration_service.grpc.pb.h"

namespace unemployment::tiering {

// "registration/<shard_id>": the cursor key in tiering.db of a shard's feed.
std::string RegistrationFeedName(absl::string_view shard_id);

class RegistrationFeedConsumer final {
 public:
  struct Options {
    // The shard whose feed this is; its cursor key is RegistrationFeedName(shard_id).
    std::string shard_id = "hlj";
    absl::Duration initial_backoff = absl::Milliseconds(100);
    absl::Duration max_backoff = absl::Seconds(10);
  };

  // `tiering` must outlive the consumer.
  RegistrationFeedConsumer(std::shared_ptr<grpc::Channel> channel, Tiering& tiering,
                           log::Logger logger, Options options);
  ~RegistrationFeedConsumer();

  RegistrationFeedConsumer(const RegistrationFeedConsumer&) = delete;
  RegistrationFeedConsumer& operator=(const RegistrationFeedConsumer&) = delete;

  // Starts the background thread; once only.
  void Start();
  // Cancels the open stream, ends the backoff wait and joins the thread. Idempotent.
  void Stop();

  // Waits until an event with at least `sequence` was applied in this run, or `timeout` passed;
  // true on success. For tests and start-up checks.
  bool WaitForApplied(int64_t sequence, absl::Duration timeout);
  // How many streams were opened so far (tests check reconnection with it).
  int64_t connections() const;

 private:
  void Run();
  // Opens one stream from the stored cursor and applies events until it ends.
  absl::Status StreamOnce(bool& applied_any);

  std::unique_ptr<registration::v1::RegistrationService::Stub> stub_;
  Tiering& tiering_;
  log::Logger logger_;
  const Options options_;
  const std::string feed_name_;

  mutable absl::Mutex mu_;
  absl::CondVar changed_;
  bool started_ ABSL_GUARDED_BY(mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  grpc::ClientContext* active_context_ ABSL_GUARDED_BY(mu_) = nullptr;
  int64_t applied_sequence_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t connections_ ABSL_GUARDED_BY(mu_) = 0;

  absl::Mutex join_mu_;
  std::thread thread_ ABSL_GUARDED_BY(join_mu_);
};

}  // namespace unemployment::tiering
