#pragma once

// Keeps the follow-up service's read model of registrations up to date from the registration
// service's event feed (RegistrationService.StreamEvents).
//
// A background thread streams events after the stored cursor; each event is applied and the
// cursor advanced in ONE transaction (ApplyRegistrationEvent), so a restart or a broken stream
// resumes from the cursor and nothing is applied twice or lost. A broken or refused stream is
// retried with exponential backoff (initial_backoff doubling up to max_backoff, reset after an
// event arrived).

#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/log/logger.h"
#include "services/followup/followup_store.h"
#include "grpcpp/channel.h"
#include "unemployment/registration/v1/registration_service.grpc.pb.h"

namespace unemployment::followup {

// The cursor key of registration's feed in feed_cursors.
inline constexpr absl::string_view kRegistrationFeed = "registration";

// The read-model record of a registration as the registration service describes it.
RegistrationRecord RecordOfRegistration(const unemployment::registration::v1::Registration& r);

// Applies one event of registration's feed and stores its sequence as cursor, in one transaction.
// Events at or below the stored cursor are skipped (already applied). Payloads other than
// RegistrationCreated and RegistrationDeregistered only advance the cursor.
absl::Status ApplyRegistrationEvent(FollowupTransaction& tx,
                                    const unemployment::registration::v1::Event& event);

class RegistrationFeedConsumer final {
 public:
  struct Options {
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
