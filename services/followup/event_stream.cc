#include "services/followup/event_stream.h"

#include <utility>
#include <vector>

#include "common/status/status_util.h"

namespace unemployment::followup {

FeedStream::FeedStream(FollowupStore& store, FeedNotifier& notifier, int64_t after_sequence,
                       bool stop_at_end, int64_t last_sequence)
    : store_(store),
      notifier_(notifier),
      stop_at_end_(stop_at_end),
      end_sequence_(last_sequence),
      cursor_(after_sequence) {}

void FeedStream::Start() { Drive(); }

void FeedStream::Reject(const grpc::Status& status) { FinishOnce(status); }

void FeedStream::OnWriteDone(bool ok) {
  {
    absl::MutexLock lock(&mu_);
    write_in_flight_ = false;
  }
  if (!ok) return FinishOnce(grpc::Status(grpc::StatusCode::CANCELLED, "the client went away"));
  Drive();
}

void FeedStream::OnCancel() {
  bool finish_now = false;
  {
    absl::MutexLock lock(&mu_);
    cancelled_ = true;
    // With a write in flight, its OnWriteDone(false) finishes the call.
    finish_now = !write_in_flight_;
  }
  if (finish_now) FinishOnce(grpc::Status(grpc::StatusCode::CANCELLED, "cancelled"));
}

void FeedStream::OnDone() { Unref(); }

void FeedStream::FinishOnce(const grpc::Status& status) {
  {
    absl::MutexLock lock(&mu_);
    if (finished_) return;
    finished_ = true;
  }
  Finish(status);
}

void FeedStream::Unref() {
  bool last = false;
  {
    absl::MutexLock lock(&mu_);
    last = --refs_ == 0;
  }
  if (last) delete this;
}

void FeedStream::Drive() {
  {
    absl::MutexLock lock(&mu_);
    if (driving_) {
      drive_again_ = true;
      return;
    }
    driving_ = true;
    ++refs_;
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

void FeedStream::Step() {
  while (true) {
    bool cancelled = false;
    {
      absl::MutexLock lock(&mu_);
      if (finished_ || write_in_flight_) return;
      cancelled = cancelled_;
      if (!cancelled && !pending_.empty()) write_in_flight_ = true;
    }
    if (cancelled) return FinishOnce(grpc::Status(grpc::StatusCode::CANCELLED, "cancelled"));
    if (!pending_.empty()) {
      response_.Clear();
      *response_.mutable_event() = std::move(pending_.front());
      pending_.pop_front();
      StartWrite(&response_);
      return;
    }
    if (stop_at_end_ && cursor_ >= end_sequence_) return FinishOnce(grpc::Status::OK);
    // A shutdown ends even a stream that is still replaying: the drain must not wait for it.
    if (notifier_.closed()) {
      return FinishOnce(status::ToGrpcStatus(absl::UnavailableError(
          "the follow-up service is shutting down; reconnect after the last applied sequence")));
    }
    absl::StatusOr<std::vector<v1::FollowupEvent>> events = store_.ReadEvents(cursor_, kReadBatch);
    if (!events.ok()) return FinishOnce(status::ToGrpcStatus(events.status()));
    for (v1::FollowupEvent& event : *events) {
      // With stop_at_end nothing committed after the call began is sent.
      if (stop_at_end_ && event.sequence() > end_sequence_) break;
      cursor_ = event.sequence();
      pending_.push_back(std::move(event));
    }
    if (!pending_.empty()) continue;
    if (stop_at_end_) return FinishOnce(grpc::Status::OK);
    {
      absl::MutexLock lock(&mu_);
      ++refs_;  // kept by the registered wake-up until it runs
    }
    if (notifier_.WaitAfter(cursor_, [this] {
          Drive();
          Unref();
        })) {
      return;
    }
    // Not registered: a newer commit (or the shutdown) is already known; look again.
    absl::MutexLock lock(&mu_);
    --refs_;
  }
}

}  // namespace unemployment::followup
