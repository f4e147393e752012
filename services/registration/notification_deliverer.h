#pragma once

// Delivers the pending notifications of the outbox: review results to the ministry platform
// (MinistryFeedbackService.ReceiveReviewResult), SMS notices and online replies to the province SMS
// platform and portal (notification.v1.NotificationReceiverService.DeliverNotification). A
// notification is DELIVERED only when its receiver acknowledges it. State lives in the store, so
// delivery resumes after a restart; receivers dedup by the notification id, so a notice
// acknowledged but not yet recorded here is harmlessly sent again.
//
// Answers: OK -> DELIVERED; INVALID_ARGUMENT, NOT_FOUND, ALREADY_EXISTS -> FAILED (staff follow
// up); anything else -> retried with exponential back-off from 1 s doubling up to 5 min, without
// limit. A receiver that is not configured (development mode) leaves its notifications PENDING.
//
// RunOnce(now) does one round and is what tests call with a FakeClock; Start() runs a worker
// thread that calls it whenever something is due or Wake() is called (after a commit queued new
// notifications), and otherwise sleeps until the earliest next attempt.

#include <memory>
#include <optional>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/log/logger.h"
#include "common/server/retry_worker.h"
#include "grpcpp/channel.h"
#include "common/time/clock.h"
#include "services/registration/registration_store.h"
#include "unemployment/notification/v1/notification_receiver_service.grpc.pb.h"
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

// The province SMS platform and portal as the deliverer sees them (one NotificationReceiverService
// address serves both channels).
class NotificationSender {
 public:
  virtual ~NotificationSender() = default;
  // Hands one notice over; the status is the receiver's answer (or the transport's failure).
  virtual absl::Status Send(const unemployment::notification::v1::DeliverNotificationRequest& request) = 0;
};

// NotificationSender over gRPC; each attempt has a deadline (10 s by the contract).
class GrpcNotificationSender final : public NotificationSender {
 public:
  GrpcNotificationSender(std::shared_ptr<grpc::Channel> channel,
                         absl::Duration deadline = absl::Seconds(10));
  absl::Status Send(const unemployment::notification::v1::DeliverNotificationRequest& request) override;

 private:
  std::unique_ptr<unemployment::notification::v1::NotificationReceiverService::Stub> stub_;
  absl::Duration deadline_;
};

// The request a notice (SMS or online reply) is delivered with; the same bytes on every attempt.
unemployment::notification::v1::DeliverNotificationRequest DeliveryRequestOf(const OutboxEntry& entry);

class NotificationDeliverer final {
 public:
  struct Options {
    absl::Duration initial_backoff = absl::Seconds(1);
    absl::Duration max_backoff = absl::Minutes(5);
    // Notifications handled per round.
    int batch_size = 64;
  };

  // `ministry` / `notices` may be null (no address configured, development mode): their
  // notifications then stay PENDING without counting attempts. Pointers are not owned and must
  // outlive the deliverer.
  NotificationDeliverer(RegistrationStore& store, const time::Clock& clock,
                        MinistryFeedbackClient* ministry, NotificationSender* notices,
                        log::Logger logger, Options options);
  NotificationDeliverer(RegistrationStore& store, const time::Clock& clock,
                        MinistryFeedbackClient* ministry, NotificationSender* notices,
                        log::Logger logger)
      : NotificationDeliverer(store, clock, ministry, notices, std::move(logger), Options()) {}
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
  // Attempts one notification; the updated entry to store.
  OutboxEntry Attempt(OutboxEntry entry, absl::Time now);

  RegistrationStore& store_;
  MinistryFeedbackClient* ministry_;
  NotificationSender* notices_;
  log::Logger logger_;
  const Options options_;

  // Runs RunOnce whenever something is due or Wake() is called.
  server::RetryWorker worker_;
};

}  // namespace unemployment::registration
