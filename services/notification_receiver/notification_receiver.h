#pragma once

// The REFERENCE (development) receiver of outbound notifications
// (unemployment.notification.v1.NotificationReceiverService). It stands in for the province SMS
// platform and the province portal in tests and local runs: it sends no SMS and shows no reply to
// anyone. It records every notice it acknowledged in its own SQLite file, idempotent by
// notification_id (the request is sealed at rest; only the masked recipient is kept in clear), and
// logs each receipt with the mobile masked.
//
// It also stands in for the province credit platform
// (unemployment.notification.v1.CreditRecordReceiverService): it records every credit record of a
// confirmed fraud case it acknowledged, idempotent by record_id (sealed at rest; only the case id,
// city and the masked ID number kept in clear), passes it to nobody and logs each receipt masked.
//
// For tests it can refuse: --refuse_all answers UNAVAILABLE to every call, --unavailable_first_n
// to that many calls first.

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/log/logger.h"
#include "common/store/database.h"
#include "common/store/migration.h"
#include "common/time/clock.h"
#include "unemployment/notification/v1/credit_record_receiver_service.grpc.pb.h"
#include "unemployment/notification/v1/notification_receiver_service.grpc.pb.h"

namespace unemployment::notification_receiver {

namespace v1 = ::unemployment::notification::v1;

absl::Span<const store::Migration> ReceiverMigrations();

// One stored notice.
struct ReceivedNotice {
  v1::DeliverNotificationRequest request;
  absl::Time receive_time;
};

// The notices table. Thread-safe (one connection behind a mutex: a reference receiver is not a
// throughput component).
class NoticeStore final {
 public:
  explicit NoticeStore(std::unique_ptr<store::Database> db) : db_(std::move(db)) {}

  // Stores `request` received at `now` unless its notification_id is known; returns the first
  // receipt time. ALREADY_EXISTS with reason NOTIFICATION_ID_REUSED when the content differs.
  absl::StatusOr<absl::Time> Record(const v1::DeliverNotificationRequest& request, absl::Time now);

  // Every stored notice in receipt order.
  absl::StatusOr<std::vector<ReceivedNotice>> List();

  // Stores a credit record received at `now` unless its record_id is known; returns the first
  // receipt time. ALREADY_EXISTS with reason CREDIT_RECORD_ID_REUSED when the content differs.
  absl::StatusOr<absl::Time> RecordCredit(const v1::DeliverCreditRecordRequest& request,
                                          absl::Time now);

 private:
  absl::Mutex mu_;
  std::unique_ptr<store::Database> db_ ABSL_GUARDED_BY(mu_);
};

// Validates a DeliverNotificationRequest (every violation, google.rpc.BadRequest).
absl::Status ValidateDeliverNotification(const v1::DeliverNotificationRequest& request);

// Validates a DeliverCreditRecordRequest (every violation, google.rpc.BadRequest).
absl::Status ValidateDeliverCreditRecord(const v1::DeliverCreditRecordRequest& request);

// The reference credit platform: shares the store and the refusal options of the notice receiver
// (each service counts its own calls).
class CreditRecordReceiverService final : public v1::CreditRecordReceiverService::CallbackService {
 public:
  struct Options {
    bool refuse_all = false;
    int unavailable_first_n = 0;
  };

  CreditRecordReceiverService(NoticeStore& store, const time::Clock& clock, log::Logger logger,
                              Options options);

  grpc::ServerUnaryReactor* DeliverCreditRecord(grpc::CallbackServerContext* context,
                                                const v1::DeliverCreditRecordRequest* request,
                                                v1::DeliverCreditRecordResponse* response) override;

 private:
  NoticeStore& store_;
  const time::Clock& clock_;
  log::Logger logger_;
  const Options options_;
  std::atomic<int> calls_{0};
};

class NotificationReceiverService final
    : public v1::NotificationReceiverService::CallbackService {
 public:
  struct Options {
    // Answer UNAVAILABLE to every call.
    bool refuse_all = false;
    // Answer UNAVAILABLE to this many calls first.
    int unavailable_first_n = 0;
  };

  NotificationReceiverService(NoticeStore& store, const time::Clock& clock, log::Logger logger,
                              Options options);

  grpc::ServerUnaryReactor* DeliverNotification(
      grpc::CallbackServerContext* context, const v1::DeliverNotificationRequest* request,
      v1::DeliverNotificationResponse* response) override;

  // Calls answered so far (including refused ones).
  int calls() const { return calls_.load(); }

 private:
  NoticeStore& store_;
  const time::Clock& clock_;
  log::Logger logger_;
  const Options options_;
  std::atomic<int> calls_{0};
};

}  // namespace unemployment::notification_receiver
