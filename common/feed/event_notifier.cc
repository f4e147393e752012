#include "common/feed/event_notifier.h"

#include <algorithm>
#include <utility>

namespace unemployment::feed {

std::vector<std::function<void()>> EventNotifier::TakeWaitersLocked() {
  std::vector<std::function<void()>> taken;
  taken.swap(waiters_);
  return taken;
}

void EventNotifier::Publish(int64_t sequence) {
  std::vector<std::function<void()>> wake;
  {
    absl::MutexLock lock(&mu_);
    last_sequence_ = std::max(last_sequence_, sequence);
    wake = TakeWaitersLocked();
  }
  for (std::function<void()>& fn : wake) fn();
}

bool EventNotifier::Subscribe(int64_t after, std::function<void()> wake) {
  absl::MutexLock lock(&mu_);
  if (shut_down_ || last_sequence_ > after) return false;
  waiters_.push_back(std::move(wake));
  return true;
}

void EventNotifier::Shutdown() {
  std::vector<std::function<void()>> wake;
  {
    absl::MutexLock lock(&mu_);
    shut_down_ = true;
    wake = TakeWaitersLocked();
  }
  for (std::function<void()>& fn : wake) fn();
}

bool EventNotifier::shut_down() const {
  absl::MutexLock lock(&mu_);
  return shut_down_;
}

int64_t EventNotifier::last_sequence() const {
  absl::MutexLock lock(&mu_);
  return last_sequence_;
}

}  // namespace unemployment::feed
