#pragma once

// Wakes waiting StreamEvents calls (feed::EventStream) when new events of a service's own feed are
// committed, so a caught-up stream sleeps instead of polling. The store publishes the last
// committed sequence after each commit that appended events.
//
// Callbacks run on the thread that calls Publish or Shutdown, outside the lock: a store that
// publishes from a writer thread it must not block (registration's group commit) uses its own
// notifier with a dispatcher thread instead (services/registration/event_notifier.h).

#include <cstdint>
#include <functional>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace unemployment::feed {

class EventNotifier final {
 public:
  // `last_sequence` is the last sequence already in the feed when the process starts.
  explicit EventNotifier(int64_t last_sequence) : last_sequence_(last_sequence) {}
  EventNotifier(const EventNotifier&) = delete;
  EventNotifier& operator=(const EventNotifier&) = delete;

  // Records `sequence` as committed (smaller values are ignored) and runs every waiting callback
  // once.
  void Publish(int64_t sequence);

  // Registers `wake` to run once at the next Publish or Shutdown. Returns false without
  // registering when a sequence above `after` is already committed or the notifier is shut down:
  // the caller reads on at once instead of waiting.
  bool Subscribe(int64_t after, std::function<void()> wake);

  // Wakes every waiter; later Subscribe calls return false (server shutdown). Idempotent.
  void Shutdown();

  bool shut_down() const;
  int64_t last_sequence() const;

 private:
  // Takes the registered callbacks out under the lock; they run after it is released.
  std::vector<std::function<void()>> TakeWaitersLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  mutable absl::Mutex mu_;
  int64_t last_sequence_ ABSL_GUARDED_BY(mu_);
  bool shut_down_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::function<void()>> waiters_ ABSL_GUARDED_BY(mu_);
};

}  // namespace unemployment::feed
