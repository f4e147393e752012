#pragma once

// One StreamEvents call of registration's own event feed (the reactor behind
// RegistrationServiceImpl::StreamEvents), on registration's EventNotifier, whose dispatcher thread
// wakes caught-up streams so that the group-commit writer thread never runs gRPC code. The other
// services' feeds use feed::EventStream (common/feed/event_stream.h) on feed::EventNotifier.

#include <cstdint>
#include <deque>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "common/log/logger.h"
#include "grpcpp/support/server_callback.h"
#include "services/registration/event_notifier.h"
#include "services/registration/registration_store.h"
#include "unemployment/registration/v1/registration_service.grpc.pb.h"

namespace unemployment::registration {

// One StreamEvents call. Writes one event at a time; when it has caught up with the feed it
// subscribes to the EventNotifier and sleeps until a commit wakes it (no polling).
//
// Lifetime: one reference for gRPC (dropped in OnDone) and one while a notifier subscription may
// still call Wake; the object deletes itself when both are gone.
class EventStreamReactor final : public grpc::ServerWriteReactor<v1::StreamEventsResponse> {
 public:
  EventStreamReactor(RegistrationStore& store, EventNotifier& notifier, const log::Logger& logger,
                     int64_t after_sequence, bool stop_at_end, int64_t end_sequence)
      : store_(store),
        notifier_(notifier),
        logger_(logger),
        cursor_(after_sequence),
        stop_at_end_(stop_at_end),
        end_sequence_(end_sequence) {}

  // Begins sending (from the method handler).
  void Start() { Pump(); }
  // Ends the call at once with `status` (a refused request).
  void FinishNow(const absl::Status& status);

  void OnWriteDone(bool ok) override;
  void OnCancel() override;
  void OnDone() override { Unref(); }

  // Events read from the store per round trip.
  static constexpr int kReadBatch = 128;

 private:
  // What to do once the lock is released: gRPC calls never run under mu_.
  struct Step {
    const v1::StreamEventsResponse* write = nullptr;
    bool finish = false;
    grpc::Status status;
  };

  void Run(const Step& step);
  void Pump();
  Step PumpLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  static grpc::Status ShuttingDown();

  // Called by the notifier's dispatcher once the feed moved past the cursor or on shutdown.
  void Wake();

  void CancelSubscriptionLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  Step FinishLocked(const grpc::Status& status) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Unref();

  RegistrationStore& store_;
  EventNotifier& notifier_;
  const log::Logger& logger_;

  absl::Mutex mu_;
  int64_t cursor_ ABSL_GUARDED_BY(mu_);
  const bool stop_at_end_;
  const int64_t end_sequence_;
  std::deque<v1::StreamEventsResponse> buffer_ ABSL_GUARDED_BY(mu_);
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t subscription_ ABSL_GUARDED_BY(mu_) = 0;
  int refs_ ABSL_GUARDED_BY(mu_) = 1;
};

}  // namespace unemployment::registration
