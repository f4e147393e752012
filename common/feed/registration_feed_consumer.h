#pragma once

// Consumes one registration shard's event feed (RegistrationService.StreamEvents) for a service
// that keeps a read model of registrations (tiering, follow-up): one consumer per shard
// (--registration_shards), each with its own cursor "registration/<shard_id>".
//
// A background thread reads the stored cursor, opens StreamEvents(after_sequence = cursor) and
// hands each event to the service's `apply`, which applies it AND stores its sequence as the cursor
// in one transaction: after a crash or restart the stream resumes from the cursor, so no event is
// lost or applied twice. When the stream fails (registration down or restarting, OUT_OF_RANGE for
// a cursor ahead of the feed, a failed apply) it reconnects after a backoff that doubles from
// `initial_backoff` to `max_backoff` and resets once an event was applied.
//
// An event whose shard_id is not the consumer's shard (a misconfigured address) is not applied:
// the stream is dropped and retried, and the error logged (`feed_shard_mismatch`), until the
// setting is corrected.
//
// The stream is a subscription, not a request: it stays open as long as the service runs, so it
// carries no deadline; Stop() cancels it.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/log/logger.h"
#include "common/server/registration_shards.h"
#include "grpcpp/channel.h"
#include "grpcpp/client_context.h"
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
  };
  // The stored cursor of this shard's feed: the last applied sequence, 0 when none.
  using ReadCursor = std::function<absl::StatusOr<int64_t>()>;
  // Applies one event and stores its sequence as this shard's cursor, in one transaction; skips an
  // event at or below the stored cursor. An error drops the stream (retried after the backoff).
  using Apply = std::function<absl::Status(const registration::v1::Event&)>;

  RegistrationFeedConsumer(std::shared_ptr<grpc::Channel> channel, ReadCursor read_cursor,
                           Apply apply, Options options, log::Logger logger);
  ~RegistrationFeedConsumer();
  RegistrationFeedConsumer(const RegistrationFeedConsumer&) = delete;
  RegistrationFeedConsumer& operator=(const RegistrationFeedConsumer&) = delete;

  // Starts the background thread; once only.
  void Start();
  // Cancels the open stream, ends the backoff wait and joins the thread. Idempotent.
  void Stop();

  // Waits until the cursor (the stored one when the last stream opened, then each applied
  // sequence) is at least `sequence`, or `timeout` passed; true when reached. For tests and tools.
  bool WaitForCursor(int64_t sequence, absl::Duration timeout);
  int64_t cursor() const;
  // How many streams were opened so far (tests check reconnection with it).
  int64_t connections() const;

  const Options& options() const { return options_; }

 private:
  void Run();
  // Opens one stream from the stored cursor and applies events until it ends; returns why it
  // ended. `applied_any` is set once an event was applied.
  absl::Status StreamOnce(bool& applied_any);

  std::unique_ptr<registration::v1::RegistrationService::Stub> stub_;
  const ReadCursor read_cursor_;
  const Apply apply_;
  const Options options_;
  const std::string feed_name_;
  log::Logger logger_;

  mutable absl::Mutex mu_;
  bool started_ ABSL_GUARDED_BY(mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  // The open stream's context, so that Stop can cancel it.
  grpc::ClientContext* context_ ABSL_GUARDED_BY(mu_) = nullptr;
  int64_t cursor_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t connections_ ABSL_GUARDED_BY(mu_) = 0;

  absl::Mutex join_mu_;
  std::thread thread_ ABSL_GUARDED_BY(join_mu_);
};

}  // namespace unemployment::feed
