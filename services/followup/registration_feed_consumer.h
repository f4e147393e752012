#pragma once

// Keeps the follow-up service's read model of registrations up to date from the registration
// service's event feeds (RegistrationService.StreamEvents): one consumer per registration shard
// (--registration_shards), each with its own cursor "registration/<shard_id>".
//
// A background thread streams events after the stored cursor; each event is applied and the
// cursor advanced in ONE transaction (ApplyRegistrationEvent), so a restart or a broken stream
// resumes from the cursor and nothing is applied twice or lost. A broken or refused stream is
// retried with exponential backoff (initial_backoff doubling up to max_backoff, reset after an
// event arrived). An event of another shard than the consumer's (a misconfigured address) is not
// applied: the stream is dropped and retried, and the error logged.
//
// The shard a registration was learnt from is the prefix of its id (registration makes ids
// "<shard_id>-<kind>-<number>"); the consumer logs a registration whose id does not carry its
// feed's shard, and ShardedRegistrationClient routes calls about a registration by that prefix.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "absl/strings/string_view.h"
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
std::string RegistrationFeedName(absl::string_view shard_id);

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

class RegistrationFeedConsumer final {
 public:
  struct Options {
    // The shard whose feed this is.
    std::string shard_id = std::string(server::kDefaultShardId);
    absl::Duration initial_backoff = absl::Milliseconds(200);
    absl::Duration max_backoff = absl::Seconds(30);
  };

  RegistrationFeedConsumer(FollowupStore& store, std::shared_ptr<grpc::Channel> channel,
                           Options options, log::Logger logger);
  ~RegistrationFeedConsumer();
  RegistrationFeedConsumer(const RegistrationFeedConsumer&) = delete;
  RegistrationFeedConsumer& operator=(const RegistrationFeedConsumer&) = delete;

  // Starts the background thread (once).
  void Start();
  // Cancels the open stream and joins the thread; idempotent.
  void Stop();

  // Waits until the applied cursor is at least `sequence` or `timeout` passed; true when reached.
  // For tests and tools.
  bool WaitForCursor(int64_t sequence, absl::Duration timeout);

  int64_t cursor() const;

 private:
  void Run();
  // Streams from the cursor until the stream ends; returns its final status.
  absl::Status StreamOnce(bool& received_any);

  FollowupStore& store_;
  std::unique_ptr<unemployment::registration::v1::RegistrationService::Stub> stub_;
  const Options options_;
  log::Logger logger_;

  mutable absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool started_ ABSL_GUARDED_BY(mu_) = false;
  int64_t cursor_ ABSL_GUARDED_BY(mu_) = 0;
  // The open stream's context, so that Stop can cancel it.
  grpc::ClientContext* context_ ABSL_GUARDED_BY(mu_) = nullptr;
  std::thread thread_;
};

}  // namespace unemployment::followup
