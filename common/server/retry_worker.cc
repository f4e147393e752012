#include "common/server/retry_worker.h"

#include <algorithm>
#include <utility>

namespace unemployment::server {
namespace {

// How long the worker sleeps when nothing is pending and nobody wakes it (a safety net: the
// commits that queue something call Wake()).
constexpr absl::Duration kIdleWait = absl::Minutes(1);

}  // namespace

absl::Duration ExponentialBackoff(absl::Duration initial, absl::Duration max, int attempts_made) {
  absl::Duration delay = initial;
  for (int i = 1; i < attempts_made && delay < max; ++i) delay *= 2;
  return std::min(delay, max);
}

RetryWorker::RetryWorker(const time::Clock& clock, Round round, log::Logger logger,
                         absl::Duration error_wait)
    : clock_(clock), round_(std::move(round)), logger_(std::move(logger)), error_wait_(error_wait) {}

RetryWorker::~RetryWorker() { Stop(); }

void RetryWorker::Start() {
  absl::MutexLock lock(&mu_);
  if (thread_.joinable()) return;
  stop_ = false;
  thread_ = std::thread([this] { Loop(); });
}

void RetryWorker::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stop_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

void RetryWorker::Wake() {
  absl::MutexLock lock(&mu_);
  wake_ = true;
}

void RetryWorker::Loop() {
  while (true) {
    absl::Duration wait = kIdleWait;
    absl::StatusOr<std::optional<absl::Time>> next = round_(clock_.Now());
    if (!next.ok()) {
      logger_.Error("retry_round_failed", {{"status", next.status()}});
      wait = error_wait_;
    } else if (next->has_value()) {
      wait = std::min(kIdleWait, std::max(absl::ZeroDuration(), **next - clock_.Now()));
    }
    absl::MutexLock lock(&mu_);
    mu_.AwaitWithTimeout(
        absl::Condition(+[](RetryWorker* self) { return self->wake_ || self->stop_; }, this),
        wait);
    if (stop_) return;
    wake_ = false;
  }
}

}  // namespace unemployment::server
