#include "services/followup/event_notifier.h"

#include <utility>

namespace unemployment::followup {

std::vector<std::function<void()>> FeedNotifier::TakeWaitersLocked() {
  std::vector<std::function<void()>> taken;
  taken.swap(waiters_);
  return taken;
}

void FeedNotifier::Publish(int64_t sequence) {
  std::vector<std::function<void()>> wake;
  {
    absl::MutexLock lock(&mu_);
    if (sequence > committed_) committed_ = sequence;
    wake = TakeWaitersLocked();
  }
  for (auto& fn : wake) fn();
}

bool FeedNotifier::WaitAfter(int64_t after, std::function<void()> wake) {
  absl::MutexLock lock(&mu_);
  if (closed_ || committed_ > after) return false;
  waiters_.push_back(std::move(wake));
  return true;
}

void FeedNotifier::Close() {
  std::vector<std::function<void()>> wake;
  {
    absl::MutexLock lock(&mu_);
    closed_ = true;
    wake = TakeWaitersLocked();
  }
  for (auto& fn : wake) fn();
}

bool FeedNotifier::closed() const {
  absl::MutexLock lock(&mu_);
  return closed_;
}

int64_t FeedNotifier::committed() const {
  absl::MutexLock lock(&mu_);
  return committed_;
}

}  // namespace unemployment::followup
