#pragma once

// Serves one FollowupService.StreamEvents call: replays the feed after the requested sequence,
// then waits on the FeedNotifier for new commits (no polling) and sends them as they come. With
// stop_at_end it ends with OK after the last event stored when the call began. When the notifier
// is closed (server shutdown) it ends with UNAVAILABLE so the drain does not wait for it; the
// consumer reconnects from its cursor.

#include <cstdint>
#include <deque>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "grpcpp/support/server_callback.h"
#include "services/followup/event_notifier.h"
#include "services/followup/followup_store.h"
#include "unemployment/followup/v1/followup_service.pb.h"

namespace unemployment::followup {

class FeedStream final : public grpc::ServerWriteReactor<v1::StreamEventsResponse> {
 public:
  // `last_sequence` is the feed's last sequence when the call began (the end for stop_at_end).
  FeedStream(FollowupStore& store, FeedNotifier& notifier, int64_t after_sequence, bool stop_at_end,
             int64_t last_sequence);

  // Begins sending (from the method handler).
  void Start();
  // Ends the call at once with `status` (a refused request).
  void Reject(const grpc::Status& status);

  void OnWriteDone(bool ok) override;
  void OnCancel() override;
  void OnDone() override;

 private:
  // Events read from the store per query.
  static constexpr int kReadBatch = 100;

  // Makes progress on one thread at a time: whoever calls while another thread is inside asks it
  // to go round once more instead of entering.
  void Drive();
  // One round: start the next write, finish, or register for a wake-up.
  void Step();
  void FinishOnce(const grpc::Status& status);
  void Unref();

  FollowupStore& store_;
  FeedNotifier& notifier_;
  const bool stop_at_end_;
  const int64_t end_sequence_;
  // Touched only by the thread inside Drive.
  int64_t cursor_;
  std::deque<v1::FollowupEvent> pending_;
  v1::StreamEventsResponse response_;

  absl::Mutex mu_;
  // gRPC's reference (until OnDone), one per registered wake-up and one per active Drive.
  int refs_ ABSL_GUARDED_BY(mu_) = 1;
  bool driving_ ABSL_GUARDED_BY(mu_) = false;
  bool drive_again_ ABSL_GUARDED_BY(mu_) = false;
  bool write_in_flight_ ABSL_GUARDED_BY(mu_) = false;
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace unemployment::followup
