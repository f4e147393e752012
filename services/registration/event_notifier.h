#pragma once

// Wakes event-feed readers when new events are committed, without polling.
//
// The store calls Publish(last_sequence) after each commit that appended events (on the writer
// thread, so Publish only records the number and signals). A dispatcher thread then calls the
// `wake` function of every subscription whose cursor is behind, outside any lock of the notifier,
// so a reader may read the database and start a gRPC write in `wake`.

#include <cstdint>
#include <functional>
#include <map>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace unemployment::registration {

class EventNotifier final {
 public:
  using Wake = std::function<void()>;

  explicit EventNotifier(int64_t last_sequence);
  ~EventNotifier();
  EventNotifier(const EventNotifier&) = delete;
  EventNotifier& operator=(const EventNotifier&) = delete;

  // Records that events up to `sequence` are committed (smaller values are ignored).
  void Publish(int64_t sequence);
  int64_t last_sequence() const;

  // Calls `wake` once (on the dispatcher thread) as soon as last_sequence() > after_sequence or the
  // notifier shuts down; possibly right away. Returns a subscription id for Cancel, or 0 when the
  // notifier is already shut down (then `wake` is never called).
  uint64_t Subscribe(int64_t after_sequence, Wake wake);

  // Removes a subscription. True when it was removed before its `wake` was taken for calling: then
  // `wake` will never run. False when `wake` has run, runs now or is about to run.
  bool Cancel(uint64_t id);

  // Wakes every subscriber and refuses new subscriptions; streams then end with UNAVAILABLE.
  // Idempotent; also done by the destructor, which joins the dispatcher.
  void Shutdown();
  bool shutting_down() const;

 private:
  struct Subscription {
    int64_t after_sequence;
    Wake wake;
  };

  void DispatchLoop();

  mutable absl::Mutex mu_;
  absl::CondVar changed_;
  int64_t last_sequence_ ABSL_GUARDED_BY(mu_);
  bool shutting_down_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t next_id_ ABSL_GUARDED_BY(mu_) = 1;
  std::map<uint64_t, Subscription> subscriptions_ ABSL_GUARDED_BY(mu_);
  std::thread dispatcher_;
};

}  // namespace unemployment::registration
