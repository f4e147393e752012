#pragma once

// Wakes waiting StreamEvents calls when new events of a service's own feed are committed, so a
// caught-up stream sleeps instead of polling. The one feed producer of every service with a feed
// (registration, tiering, follow-up): the store publishes the last committed sequence after each
// commit that appended events.
//
// Publish may be called from a thread that must not block (the store's group-commit writer): it
// only records the number and signals. Wake-ups run on the notifier's own dispatcher thread,
// outside any lock of the notifier, so a stream may read the database and start a gRPC write from
// its wake-up (and subscribe again). They never run on the thread that calls Publish, Subscribe or
// Shutdown.

#include <cstdint>
#include <functional>
#include <map>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace unemployment::feed {

class EventNotifier final {
 public:
  using Wake = std::function<void()>;

  // `last_sequence` is the last sequence already in the feed when the process starts. Starts the
  // dispatcher thread.
  explicit EventNotifier(int64_t last_sequence);
  // Shuts down (waking every subscriber) and joins the dispatcher.
  ~EventNotifier();
  EventNotifier(const EventNotifier&) = delete;
  EventNotifier& operator=(const EventNotifier&) = delete;

  // Records that events up to `sequence` are committed (smaller values are ignored) and signals
  // the dispatcher. Never runs a wake-up itself.
  void Publish(int64_t sequence);
  int64_t last_sequence() const;

  // Calls `wake` once, on the dispatcher thread, as soon as last_sequence() > after_sequence or
  // the notifier shuts down; possibly right away. Returns a subscription id for Cancel, or 0 when
  // the notifier is already shut down (then `wake` is never called).
  uint64_t Subscribe(int64_t after_sequence, Wake wake);

  // Removes a subscription. True when it was removed before its `wake` was taken for calling:
  // then `wake` will never run. False when `wake` has run, runs now or is about to run.
  bool Cancel(uint64_t id);

  // Wakes every subscriber and refuses new subscriptions (streams then end with UNAVAILABLE so
  // the server's drain does not wait for them). Idempotent.
  void Shutdown();
  bool shut_down() const;

 private:
  struct Subscription {
    int64_t after_sequence;
    Wake wake;
  };

  void DispatchLoop();

  mutable absl::Mutex mu_;
  absl::CondVar changed_;
  int64_t last_sequence_ ABSL_GUARDED_BY(mu_);
  bool shut_down_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t next_id_ ABSL_GUARDED_BY(mu_) = 1;
  std::map<uint64_t, Subscription> subscriptions_ ABSL_GUARDED_BY(mu_);
  std::thread dispatcher_;
};

}  // namespace unemployment::feed
