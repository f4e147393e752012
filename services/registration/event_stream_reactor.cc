#include "services/registration/event_stream_reactor.h"

#include <utility>

#include "common/status/status_util.h"

namespace unemployment::registration {

void EventStreamReactor::FinishNow(const absl::Status& status) {
  Step step;
  {
    absl::MutexLock lock(&mu_);
    step = FinishLocked(status::ToGrpcStatus(status));
  }
  Run(step);
}

void EventStreamReactor::OnWriteDone(bool ok) {
  Step step;
  {
    absl::MutexLock lock(&mu_);
    writing_ = false;
    if (!ok) {
      // The client went away or the call was cancelled.
      step = FinishLocked(grpc::Status(grpc::StatusCode::CANCELLED, "the stream was broken"));
    } else {
      cursor_ = buffer_.front().event().sequence();
      buffer_.pop_front();
    }
  }
  if (step.finish) {
    Run(step);
  } else {
    Pump();
  }
}

void EventStreamReactor::OnCancel() {
  Step step;
  {
    absl::MutexLock lock(&mu_);
    cancelled_ = true;
    CancelSubscriptionLocked();
    if (!writing_) step = FinishLocked(grpc::Status(grpc::StatusCode::CANCELLED, "cancelled"));
  }
  Run(step);
}

void EventStreamReactor::Run(const Step& step) {
  if (step.write != nullptr) StartWrite(step.write);
  if (step.finish) Finish(step.status);
}

void EventStreamReactor::Pump() {
  Step step;
  {
    absl::MutexLock lock(&mu_);
    step = PumpLocked();
  }
  Run(step);
}

EventStreamReactor::Step EventStreamReactor::PumpLocked() {
  if (finished_ || writing_) return {};
  if (cancelled_) return FinishLocked(grpc::Status(grpc::StatusCode::CANCELLED, "cancelled"));
  if (buffer_.empty()) {
    absl::StatusOr<std::vector<v1::Event>> events = store_.ReadEvents(cursor_, kReadBatch);
    if (!events.ok()) {
      logger_.Error("stream_read_failed", {{"status", events.status()}});
      return FinishLocked(status::ToGrpcStatus(events.status()));
    }
    for (v1::Event& event : *events) {
      if (stop_at_end_ && event.sequence() > end_sequence_) break;
      v1::StreamEventsResponse response;
      *response.mutable_event() = std::move(event);
      buffer_.push_back(std::move(response));
    }
  }
  if (!buffer_.empty()) {
    writing_ = true;
    Step step;
    step.write = &buffer_.front();
    return step;
  }
  if (stop_at_end_ && cursor_ >= end_sequence_) return FinishLocked(grpc::Status::OK);
  if (notifier_.shutting_down()) return FinishLocked(ShuttingDown());
  if (subscription_ == 0) {
    refs_ += 1;
    subscription_ = notifier_.Subscribe(cursor_, [this] { Wake(); });
    if (subscription_ == 0) {
      refs_ -= 1;
      return FinishLocked(ShuttingDown());
    }
  }
  return {};
}

grpc::Status EventStreamReactor::ShuttingDown() {
  return grpc::Status(grpc::StatusCode::UNAVAILABLE,
                      "the server is shutting down; resume after the last sequence received");
}

void EventStreamReactor::Wake() {
  {
    absl::MutexLock lock(&mu_);
    subscription_ = 0;
  }
  Pump();
  Unref();
}

void EventStreamReactor::CancelSubscriptionLocked() {
  if (subscription_ != 0 && notifier_.Cancel(subscription_)) {
    subscription_ = 0;
    refs_ -= 1;  // Wake will never run; the gRPC reference is still held.
  }
}

EventStreamReactor::Step EventStreamReactor::FinishLocked(const grpc::Status& status) {
  if (finished_) return {};
  finished_ = true;
  CancelSubscriptionLocked();
  Step step;
  step.finish = true;
  step.status = status;
  return step;
}

void EventStreamReactor::Unref() {
  bool last = false;
  {
    absl::MutexLock lock(&mu_);
    last = --refs_ == 0;
  }
  if (last) delete this;
}

}  // namespace unemployment::registration
