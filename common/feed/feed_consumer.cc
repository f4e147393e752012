#include "common/feed/feed_consumer.h"

#include <algorithm>

#include "common/status/status_util.h"

namespace unemployment::feed {

FeedConsumer::FeedConsumer(ReadCursor read_cursor, Open open, Options options, log::Logger logger)
    : read_cursor_(std::move(read_cursor)),
      open_(std::move(open)),
      options_(std::move(options)),
      logger_(std::move(logger)) {}

FeedConsumer::~FeedConsumer() { Stop(); }

void FeedConsumer::Start() {
  absl::MutexLock join(&join_mu_);
  {
    absl::MutexLock lock(&mu_);
    if (started_ || stopping_) return;
    started_ = true;
  }
  thread_ = std::thread([this] { Run(); });
}

void FeedConsumer::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    if (context_ != nullptr) context_->TryCancel();
  }
  absl::MutexLock join(&join_mu_);
  if (thread_.joinable()) thread_.join();
}

bool FeedConsumer::WaitForCursor(int64_t sequence, absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  auto reached = [this, sequence]()
                     ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return cursor_ >= sequence; };
  return mu_.AwaitWithTimeout(absl::Condition(&reached), timeout);
}

int64_t FeedConsumer::cursor() const {
  absl::MutexLock lock(&mu_);
  return cursor_;
}

int64_t FeedConsumer::connections() const {
  absl::MutexLock lock(&mu_);
  return connections_;
}

bool FeedConsumer::streaming() const {
  absl::MutexLock lock(&mu_);
  return streaming_;
}

std::string FeedConsumer::last_error() const {
  absl::MutexLock lock(&mu_);
  return last_error_;
}

void FeedConsumer::Run() {
  absl::Duration backoff = options_.initial_backoff;
  while (true) {
    bool applied_any = false;
    const absl::Status status = StreamOnce(applied_any);
    absl::MutexLock lock(&mu_);
    streaming_ = false;
    last_error_ = status.ToString();
    if (stopping_) return;
    if (applied_any) backoff = options_.initial_backoff;
    logger_.Warning("feed_stream_ended",
                    {{"feed", options_.feed}, {"status", status}, {"retry_in", backoff}});
    // Sleeps for the backoff unless Stop wakes it.
    auto stopping = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stopping_; };
    if (mu_.AwaitWithTimeout(absl::Condition(&stopping), backoff)) return;
    backoff = std::min(backoff * 2, options_.max_backoff);
  }
}

absl::Status FeedConsumer::StreamOnce(bool& applied_any) {
  const absl::StatusOr<int64_t> stored = read_cursor_();
  if (!stored.ok()) return stored.status();
  grpc::ClientContext context;
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return absl::CancelledError("stopping");
    cursor_ = std::max(cursor_, *stored);
    context_ = &context;
    streaming_ = true;
    ++connections_;
  }
  std::unique_ptr<AppliedStream> stream = open_(&context, *stored);
  int64_t sequence = 0;
  absl::Status applied = absl::OkStatus();
  while (stream->Next(sequence, applied)) {
    if (!applied.ok()) {
      logger_.Error("feed_apply_failed",
                    {{"feed", options_.feed}, {"sequence", sequence}, {"status", applied}});
      context.TryCancel();
      break;
    }
    applied_any = true;
    absl::MutexLock lock(&mu_);
    cursor_ = std::max(cursor_, sequence);
  }
  const grpc::Status finished = stream->Finish();
  {
    absl::MutexLock lock(&mu_);
    context_ = nullptr;
  }
  if (!applied.ok()) return applied;
  if (finished.ok()) return absl::UnavailableError("the feed stream ended");
  return status::FromGrpcStatus(finished);
}

}  // namespace unemployment::feed
