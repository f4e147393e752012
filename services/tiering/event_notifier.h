#pragma once

// Wakes waiting StreamEvents calls when new events of the tiering feed are committed, so a
// caught-up stream sleeps instead of polling. The store publishes the last committed sequence after
// each commit that appended events.

#include <cstdint>
#include <functional>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace unemployment::tiering {

class EventNotifier final {
 public:
  explicit EventNotifier(int64_t last_sequence) : last_sequence_(last_sequence) {}

  // Records `sequence` as committed and runs every waiting callback (outside the lock, on the
  // calling thread).
  void Publish(int64_t sequence);

  // Registers `wake` to run once after the next Publish or Shutdown. Returns false without
  // registering when a sequence above `after` is already committed or the notifier is shut down:
  // the caller should read on instead of waiting.
  bool Subscribe(int64_t after, std::function<void()> wake);

  // Wakes every waiter; later Subscribe calls return false. Idempotent.
  void Shutdown();

  bool shut_down() const;
  int64_t last_sequence() const;

 private:
  mutable absl::Mutex mu_;
  int64_t last_sequence_ ABSL_GUARDED_BY(mu_);
  bool shut_down_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::function<void()>> waiters_ ABSL_GUARDED_BY(mu_);
};

}  // namespace unemployment::tiering
