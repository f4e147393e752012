#pragma once

// Hands every confirmed fraud case over to the province's credit platform (失信行为记录移交,
// unemployment.notification.v1.CreditRecordReceiverService.DeliverCreditRecord) from the durable
// outbox `credit_deliveries`: ConcludeFraudCase queues the row in the transaction that confirms
// the case; this deliverer attempts it and records each outcome. A hand-over is DELIVERED only
// when the platform answers OK. State lives in the store, so delivery resumes after a restart; the
// platform dedups by record_id (the case id), so a record acknowledged but not yet recorded here is
// harmlessly sent again.
//
// Answers: OK -> DELIVERED; INVALID_ARGUMENT, NOT_FOUND, ALREADY_EXISTS -> FAILED (staff follow
// up); anything else -> retried with exponential back-off from 1 s doubling up to 5 min, without
// limit. Without a sender (--credit_delivery=off, development) nothing is attempted: rows stay
// PENDING.
//
// RunOnce(now) does one round and is what tests call with a FakeClock; Start() runs it on a
// server::RetryWorker thread whenever something is due or Wake() is called (after a commit queued
// a hand-over), and otherwise sleeps until the earliest next attempt. The calls are blocking, on
// that worker thread only (never on a gRPC handler thread), each with a 10 s deadline.

#include <memory>
#include <optional>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/log/logger.h"
#include "common/server/retry_worker.h"
#include "common/time/clock.h"
#include "grpcpp/channel.h"
#include "services/followup/followup_store.h"
#include "unemployment/notification/v1/credit_record_receiver_service.grpc.pb.h"

namespace unemployment::followup {

namespace notv1 = ::unemployment::notification::v1;

// The credit platform as the deliverer sees it.
class CreditRecordSender {
 public:
  virtual ~CreditRecordSender() = default;
  // Hands one record over; the status is the receiver's answer (or the transport's failure).
  virtual absl::Status Send(const notv1::DeliverCreditRecordRequest& request) = 0;
};

// CreditRecordSender over gRPC; each attempt has a deadline (10 s by the contract).
class GrpcCreditRecordSender final : public CreditRecordSender {
 public:
  explicit GrpcCreditRecordSender(std::shared_ptr<grpc::Channel> channel,
                                  absl::Duration deadline = absl::Seconds(10));
  absl::Status Send(const notv1::DeliverCreditRecordRequest& request) override;

 private:
  std::unique_ptr<notv1::CreditRecordReceiverService::Stub> stub_;
  absl::Duration deadline_;
};

// The request a confirmed case is handed over with; the same bytes on every attempt (a concluded
// case does not change; create_time is the outbox row's).
notv1::DeliverCreditRecordRequest CreditRecordRequestOf(const v1::FraudCase& fraud_case,
                                                        int64_t create_micros);

// The API view of an outbox row at `now` (age_seconds).
v1::CreditDelivery CreditDeliveryOf(const CreditDeliveryRow& row, absl::Time now);

class CreditDeliverer final {
 public:
  struct Options {
    absl::Duration initial_backoff = absl::Seconds(1);
    absl::Duration max_backoff = absl::Minutes(5);
    // Hand-overs attempted per round.
    int batch_size = 64;
  };

  // `sender` may be null (--credit_delivery=off): nothing is attempted. Not owned.
  CreditDeliverer(FollowupStore& store, const time::Clock& clock, CreditRecordSender* sender,
                  log::Logger logger, Options options);
  ~CreditDeliverer();
  CreditDeliverer(const CreditDeliverer&) = delete;
  CreditDeliverer& operator=(const CreditDeliverer&) = delete;

  // One round: attempts every hand-over due at `now` and records each outcome durably. Returns
  // the earliest next attempt still pending (nullopt when nothing is pending).
  absl::StatusOr<std::optional<absl::Time>> RunOnce(absl::Time now);

  // The delay before attempt number `attempts_made + 1` after `attempts_made` failures.
  absl::Duration Backoff(int attempts_made) const;

  // Starts / stops the worker thread (not started without a sender). Stop is idempotent.
  void Start();
  void Stop();
  // Asks the worker for a round now (a hand-over was queued).
  void Wake();

 private:
  // Attempts one hand-over; the updated row to store.
  CreditDeliveryRow Attempt(CreditDeliveryRow row, absl::Time now);

  FollowupStore& store_;
  CreditRecordSender* sender_;
  log::Logger logger_;
  const Options options_;
  server::RetryWorker worker_;
};

}  // namespace unemployment::followup
