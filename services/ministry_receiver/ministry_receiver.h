#pragma once

// A reference receiver of review results (unemployment.registration.v1.MinistryFeedbackService),
// standing in for the ministry platform in tests and local runs. It keeps every result it
// acknowledged in its own SQLite file, idempotent by result_id, and logs each receipt.
//
// It does not know the ministry's applications, so it never answers NOT_FOUND. With
// unavailable_first_n > 0 it answers UNAVAILABLE to that many calls first (to exercise retries).

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
#include "unemployment/registration/v1/ministry_feedback_service.grpc.pb.h"

namespace unemployment::ministry_receiver {

namespace v1 = ::unemployment::registration::v1;

absl::Span<const store::Migration> ReceiverMigrations();

// One stored result.
struct ReceivedResult {
  v1::ReceiveReviewResultRequest request;
  absl::Time receive_time;
};

// The results table. Thread-safe (one connection behind a mutex: the reference receiver is not
// a throughput component).
class ResultStore final {
 public:
  explicit ResultStore(std::unique_ptr<store::Database> db) : db_(std::move(db)) {}

  // Stores `request` received at `now` unless its result_id is known; returns the first receipt
  // time. ALREADY_EXISTS with reason RESULT_ID_REUSED or RESULT_ALREADY_RECORDED on conflicts.
  absl::StatusOr<absl::Time> Record(const v1::ReceiveReviewResultRequest& request, absl::Time now);

  // Every stored result in receipt order.
  absl::StatusOr<std::vector<ReceivedResult>> List();

 private:
  absl::Mutex mu_;
  std::unique_ptr<store::Database> db_ ABSL_GUARDED_BY(mu_);
};

// Validates a ReceiveReviewResultRequest (every violation, google.rpc.BadRequest).
absl::Status ValidateReceiveReviewResult(const v1::ReceiveReviewResultRequest& request);

class MinistryReceiverService final : public v1::MinistryFeedbackService::CallbackService {
 public:
  MinistryReceiverService(ResultStore& store, const time::Clock& clock, log::Logger logger,
                          int unavailable_first_n = 0);

  grpc::ServerUnaryReactor* ReceiveReviewResult(grpc::CallbackServerContext* context,
                                                const v1::ReceiveReviewResultRequest* request,
                                                v1::ReceiveReviewResultResponse* response) override;

  // Calls answered so far (including refused ones).
  int calls() const { return calls_.load(); }

 private:
  ResultStore& store_;
  const time::Clock& clock_;
  log::Logger logger_;
  const int unavailable_first_n_;
  std::atomic<int> calls_{0};
};

}  // namespace unemployment::ministry_receiver
