#pragma once

// Delivers the pending notifications of the outbox: review results to the ministry platform
// (MinistryFeedbackService.ReceiveReviewResult) and SMS notices to applicants. State lives in the
// store, so delivery resumes after a restart; the receiver dedups by result_id (the notification
// id), so a result acknowledged but not yet recorded here is harmlessly sent again.
//
// Answers (ministry_feedback_service.proto): OK -> DELIVERED; INVALID_ARGUMENT, NOT_FOUND,
// ALREADY_EXISTS -> FAILED (staff follow up); anything else -> retried with exponential back-off
// from 1 s doubling up to 5 min, without limit.
//
// RunOnce(now) does one round and is what tests call with a FakeClock; Start() runs a worker
// thread that calls it whenever something is due or Wake() is called (after a commit queued new
// notifications), and otherwise sleeps until the earliest next attempt.

#include <memory>
#include <optional>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/log/logger.h"
#include "grpcpp/channel.h"
#include "common/time/clock.h"
#include "services/registration/registration_store.h"
#include "unemployment/registration/v1/ministry_feedback_service.grpc.pb.h"

namespace unemployment::registration {

// The ministry platform as the deliverer sees it.
class MinistryFeedbackClient {
 public:
  virtual ~MinistryFeedbackClient() = default;
  // Sends one result; the status is the receiver's answer (or the transport's failure).
  virtual absl::Status Send(const v1::ReceiveReviewResultRequest& request) = 0;
};

// MinistryFeedbackClient over gRPC; each attempt has a deadline (10 s by the contract).
class GrpcMinistryFeedbackClient final : public MinistryFeedbackClient {
 public:
  GrpcMinistryFeedbackClient(std::shared_ptr<grpc::Channel> channel,
                             absl::Duration deadline = absl::Seconds(10));
  absl::Status Send(const v1::ReceiveReviewResultRequest& request) override;

 private:
  std::unique_ptr<v1::MinistryFeedbackService::Stub> stub_;
  absl::Duration deadline_;
};

// Sends an SMS. The suite has no SMS gateway yet: the default implementation writes the notice to
// the log (mobile masked) and reports it sent.
class SmsSender {
 public:
  virtual ~SmsSender() = default;
  virtual absl::Status Send(const std::string& mobile, const std::string& text) = 0;
};

class LogSmsSender final : public SmsSender {
 public:
  explicit LogSmsSender(log::Logger logger) : logger_(std::move(logger)) {}
  absl::Status Send(const std::string& mobile, const std::string& text) override;

 private:
  log::Logger logger_;
};

class NotificationDeliverer final {
 public:
  struct Options {
    absl::Duration initial_backoff = absl::Seconds(1);
    absl::Duration max_backoff = absl::Minutes(5);
    // Notifications handled per round.
    int batch_size = 64;
  };

  // `ministry` may be null (no address configured): uploads then stay PENDING and are logged.
  // Pointers are not owned and must outlive the deliverer.
  NotificationDeliverer(RegistrationStore& store, const time::Clock& clock,
                        MinistryFeedbackClient* ministry, SmsSender* sms, log::Logger logger,
                        Options options);
  NotificationDeliverer(RegistrationStore& store, const time::Clock& clock,
                        MinistryFeedbackClient* ministry, SmsSender* sms, log::Logger logger)
      : NotificationDeliverer(store, clock, ministry, sms, std::move(logger), Options()) {}
  ~NotificationDeliverer();

  // One round: attempts every notification due at `now` and records each outcome durably.
  // Returns the earliest next attempt still pending (nullopt when nothing is pending).
  absl::StatusOr<std::optional<absl::Time>> RunOnce(absl::Time now);

  // The delay before attempt number `attempts_made + 1` after `attempts_made` failures.
  absl::Duration Backoff(int attempts_made) const;

  // Starts / stops the worker thread. Stop is idempotent.
  void Start();
  void Stop();
  // Asks the worker for a round now (new notifications were committed).
  void Wake();

 private:
  void WorkerLoop();
  // Attempts one notification; the updated entry to store.
  OutboxEntry Attempt(OutboxEntry entry, absl::Time now);

  RegistrationStore& store_;
  const time::Clock& clock_;
  MinistryFeedbackClient* ministry_;
  SmsSender* sms_;
  log::Logger logger_;
  const Options options_;

  absl::Mutex mu_;
  bool wake_ ABSL_GUARDED_BY(mu_) = false;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  std::thread worker_;
};

}  // namespace unemployment::registration
