#pragma once

// Tells open StreamEvents calls that new events of the follow-up feed were committed, so that a
// stream that has caught up waits for a wake-up instead of polling the database. The store reports
// the highest committed sequence after each commit that appended events (Publish); a stream that
// found nothing new registers a one-shot callback (WaitAfter).

#include <cstdint>
#include <functional>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace unemployment::followup {

class FeedNotifier final {
 public:
  // `committed` is the last sequence already in the feed when the process starts.
  explicit FeedNotifier(int64_t committed) : committed_(committed) {}
  FeedNotifier(const FeedNotifier&) = delete;
  FeedNotifier& operator=(const FeedNotifier&) = delete;

  // Records that the feed now holds `sequence` and runs every registered callback once, on the
  // calling thread and outside the lock.
  void Publish(int64_t sequence);

  // Registers `wake` to run once at the next Publish or Close, unless the feed already holds a
  // sequence above `after` or the notifier is closed: then it registers nothing and returns false,
  // and the caller reads on at once.
  bool WaitAfter(int64_t after, std::function<void()> wake);

  // Wakes every waiting stream and refuses later waits (server shutdown). Idempotent.
  void Close();

  bool closed() const;
  int64_t committed() const;

 private:
  // Takes the registered callbacks out under the lock; they run after it is released.
  std::vector<std::function<void()>> TakeWaitersLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  mutable absl::Mutex mu_;
  int64_t committed_ ABSL_GUARDED_BY(mu_);
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::function<void()>> waiters_ ABSL_GUARDED_BY(mu_);
};

}  // namespace unemployment::followup
