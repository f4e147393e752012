#pragma once

// Serves one StreamEvents call of a service's own feed (AIP-style event feed: replay after the
// caller's cursor, then follow): replays the events after `after_sequence`, then waits on the
// EventNotifier for new commits (no polling; woken on the notifier's dispatcher thread, never on
// the thread that committed) and sends them as they come. With stop_at_end it ends with OK after
// the last event stored when the call began. When the notifier is shut down (server
// shutdown) a call in flight still sends what it is replaying (a stop_at_end call completes with
// OK, within the server's shutdown grace); a caught-up call ends with UNAVAILABLE instead of
// waiting, and the consumer reconnects from its cursor.
//
// One write at a time from a small buffer. Lifetime: one reference for gRPC (dropped in OnDone),
// one per registered wake-up and one per active Drive; the object deletes itself when the last is
// dropped. Drive() runs on one thread at a time, whoever calls it (the handler, OnWriteDone or a
// wake-up): a caller arriving while another thread is inside asks it to go round once more.
// gRPC calls (StartWrite, Finish) are made without holding mu_, since gRPC may run reactions
// inline.
//
// Usage, in the method handler:
//   auto* stream = new feed::EventStream<v1::StreamEventsResponse>(
//       [this](int64_t after, int limit) { return store.ReadEvents(after, limit); }, notifier,
//       request->after_sequence(), request->stop_at_end(), last_sequence,
//       "the tiering service is shutting down; reconnect after the last applied sequence");
//   status.ok() ? stream->Start() : stream->Reject(status::ToGrpcStatus(status));
//   return stream;

#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "common/feed/event_notifier.h"
#include "common/status/status_util.h"
#include "grpcpp/support/server_callback.h"

namespace unemployment::feed {

// OK when `after_sequence` is at or below the feed's last sequence; else OUT_OF_RANGE with
// reason CURSOR_AHEAD_OF_FEED and metadata last_sequence (the consumer's cursor belongs to
// another database: an operator must look).
absl::Status CheckCursor(int64_t after_sequence, int64_t last_sequence);

// `Response` is a StreamEventsResponse: one `event` message field whose type has `sequence()`.
template <typename Response>
class EventStream final : public grpc::ServerWriteReactor<Response> {
 public:
  using Event = std::decay_t<decltype(std::declval<const Response&>().event())>;
  // The feed's events with a sequence above `after`, oldest first, at most `limit`.
  using ReadEvents = std::function<absl::StatusOr<std::vector<Event>>(int64_t after, int limit)>;

  // Events read per query.
  static constexpr int kReadBatch = 128;

  // `end_sequence` is the feed's last sequence when the call began (the end for stop_at_end);
  // `shutdown_message` is the UNAVAILABLE message at shutdown.
  EventStream(ReadEvents read, EventNotifier& notifier, int64_t after_sequence, bool stop_at_end,
              int64_t end_sequence, std::string shutdown_message)
      : read_(std::move(read)),
        notifier_(notifier),
        stop_at_end_(stop_at_end),
        end_sequence_(end_sequence),
        shutdown_message_(std::move(shutdown_message)),
        cursor_(after_sequence) {}

  // Begins sending (from the method handler).
  void Start() { Drive(); }
  // Ends the call at once with `status` (a refused request).
  void Reject(const grpc::Status& status) { FinishOnce(status); }

  void OnWriteDone(bool ok) override {
    {
      absl::MutexLock lock(&mu_);
      write_in_flight_ = false;
    }
    if (!ok) {
      FinishOnce(grpc::Status(grpc::StatusCode::CANCELLED, "the client went away"));
      return;
    }
    Drive();
  }

  void OnCancel() override {
    bool finish_now = false;
    {
      absl::MutexLock lock(&mu_);
      cancelled_ = true;
      // A waiting stream leaves the notifier now instead of at the next commit.
      if (subscription_ != 0 && notifier_.Cancel(subscription_)) {
        subscription_ = 0;
        --refs_;  // the wake-up will never run; gRPC's reference is still held
      }
      // With a write in flight, its OnWriteDone(false) finishes the call.
      finish_now = !write_in_flight_;
    }
    if (finish_now) FinishOnce(grpc::Status(grpc::StatusCode::CANCELLED, "cancelled"));
  }

  void OnDone() override { Unref(); }

 private:
  void FinishOnce(const grpc::Status& status) {
    {
      absl::MutexLock lock(&mu_);
      if (finished_) return;
      finished_ = true;
    }
    this->Finish(status);
  }

  void Unref() {
    bool last = false;
    {
      absl::MutexLock lock(&mu_);
      last = --refs_ == 0;
    }
    if (last) delete this;
  }

  void Drive() {
    {
      absl::MutexLock lock(&mu_);
      if (driving_) {
        drive_again_ = true;
        return;
      }
      driving_ = true;
      ++refs_;  // the drive's own reference: Step never runs on a deleted stream
    }
    while (true) {
      Step();
      absl::MutexLock lock(&mu_);
      if (!drive_again_) {
        driving_ = false;
        break;
      }
      drive_again_ = false;
    }
    Unref();
  }

  // One round: start the next write, finish, or register for a wake-up. Runs only on the driving
  // thread, which alone touches cursor_, pending_ and response_.
  void Step() {
    while (true) {
      bool cancelled = false;
      {
        absl::MutexLock lock(&mu_);
        if (finished_ || write_in_flight_) return;
        cancelled = cancelled_;
        if (!cancelled && !pending_.empty()) write_in_flight_ = true;
      }
      if (cancelled) {
        FinishOnce(grpc::Status(grpc::StatusCode::CANCELLED, "cancelled"));
        return;
      }
      if (!pending_.empty()) {
        response_.Clear();
        *response_.mutable_event() = std::move(pending_.front());
        pending_.pop_front();
        this->StartWrite(&response_);
        return;
      }
      if (stop_at_end_ && cursor_ >= end_sequence_) {
        FinishOnce(grpc::Status::OK);
        return;
      }
      absl::StatusOr<std::vector<Event>> events = read_(cursor_, kReadBatch);
      if (!events.ok()) {
        FinishOnce(status::ToGrpcStatus(events.status()));
        return;
      }
      for (Event& event : *events) {
        // With stop_at_end nothing committed after the call began is sent.
        if (stop_at_end_ && event.sequence() > end_sequence_) break;
        cursor_ = event.sequence();
        pending_.push_back(std::move(event));
      }
      if (!pending_.empty()) continue;
      if (stop_at_end_) {
        FinishOnce(grpc::Status::OK);
        return;
      }
      // Caught up: at shutdown the call ends here instead of waiting.
      if (notifier_.shut_down()) {
        FinishOnce(status::ToGrpcStatus(absl::UnavailableError(shutdown_message_)));
        return;
      }
      // A newer commit is already known: read on instead of waiting.
      if (notifier_.last_sequence() > cursor_) continue;
      {
        absl::MutexLock lock(&mu_);
        if (cancelled_) continue;  // OnCancel ran meanwhile: finish on the next round
        ++refs_;  // kept by the registered wake-up until it runs (or is cancelled)
        // Under mu_ so that OnCancel sees the id; the wake-up runs on the notifier's dispatcher
        // thread, which takes mu_ only after leaving the notifier's lock.
        subscription_ = notifier_.Subscribe(cursor_, [this] { OnWake(); });
        if (subscription_ != 0) return;
        --refs_;  // shut down: the next round ends the call
      }
    }
  }

  // Runs on the notifier's dispatcher thread once the feed moved past the cursor or at shutdown.
  void OnWake() {
    {
      absl::MutexLock lock(&mu_);
      subscription_ = 0;
    }
    Drive();
    Unref();
  }

  const ReadEvents read_;
  EventNotifier& notifier_;
  const bool stop_at_end_;
  const int64_t end_sequence_;
  const std::string shutdown_message_;
  int64_t cursor_;
  std::deque<Event> pending_;
  Response response_;

  absl::Mutex mu_;
  int refs_ ABSL_GUARDED_BY(mu_) = 1;
  bool driving_ ABSL_GUARDED_BY(mu_) = false;
  bool drive_again_ ABSL_GUARDED_BY(mu_) = false;
  bool write_in_flight_ ABSL_GUARDED_BY(mu_) = false;
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t subscription_ ABSL_GUARDED_BY(mu_) = 0;  // the notifier's id while waiting
};

}  // namespace unemployment::feed
