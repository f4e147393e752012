#include "common/feed/event_notifier.h"

#include <utility>
#include <vector>

namespace unemployment::feed {

EventNotifier::EventNotifier(int64_t last_sequence) : last_sequence_(last_sequence) {
  dispatcher_ = std::thread([this] { DispatchLoop(); });
}

EventNotifier::~EventNotifier() {
  Shutdown();
  if (dispatcher_.joinable()) dispatcher_.join();
}

void EventNotifier::Publish(int64_t sequence) {
  absl::MutexLock lock(&mu_);
  if (sequence <= last_sequence_) return;
  last_sequence_ = sequence;
  changed_.SignalAll();
}

int64_t EventNotifier::last_sequence() const {
  absl::MutexLock lock(&mu_);
  return last_sequence_;
}

uint64_t EventNotifier::Subscribe(int64_t after_sequence, Wake wake) {
  absl::MutexLock lock(&mu_);
  if (shut_down_) return 0;
  uint64_t id = next_id_++;
  subscriptions_.emplace(id, Subscription{after_sequence, std::move(wake)});
  // A subscription already behind the feed is woken at once.
  if (after_sequence < last_sequence_) changed_.SignalAll();
  return id;
}

bool EventNotifier::Cancel(uint64_t id) {
  absl::MutexLock lock(&mu_);
  return subscriptions_.erase(id) > 0;
}

void EventNotifier::Shutdown() {
  absl::MutexLock lock(&mu_);
  shut_down_ = true;
  changed_.SignalAll();
}

bool EventNotifier::shut_down() const {
  absl::MutexLock lock(&mu_);
  return shut_down_;
}

void EventNotifier::DispatchLoop() {
  while (true) {
    std::vector<Wake> ready;
    bool stop = false;
    {
      absl::MutexLock lock(&mu_);
      while (true) {
        for (auto it = subscriptions_.begin(); it != subscriptions_.end();) {
          if (shut_down_ || it->second.after_sequence < last_sequence_) {
            ready.push_back(std::move(it->second.wake));
            it = subscriptions_.erase(it);
          } else {
            ++it;
          }
        }
        if (!ready.empty() || shut_down_) break;
        changed_.Wait(&mu_);
      }
      // Subscriptions are refused after shutdown, so once these are woken nothing is left.
      stop = shut_down_ && subscriptions_.empty();
    }
    for (Wake& wake : ready) wake();
    if (stop) return;
  }
}

}  // namespace unemployment::feed
