#pragma once

// The worker thread of an outbox (a table of things to hand over to a peer, each with its next
// attempt time): it runs a round whenever something is due or Wake() is called (after a commit
// queued something), and otherwise sleeps until the earliest next attempt the round reported, at
// most a minute. A failed round is logged and retried after `error_wait`. Used by registration's
// notification deliverer and verification worker and by follow-up's credit hand-over.

#include <functional>
#include <optional>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/log/logger.h"
#include "common/time/clock.h"

namespace unemployment::server {

// The delay before attempt `attempts_made + 1` after `attempts_made` failed ones: `initial`,
// doubling, at most `max`.
absl::Duration ExponentialBackoff(absl::Duration initial, absl::Duration max, int attempts_made);

class RetryWorker final {
 public:
  // One round at `now`: the earliest next attempt still pending (nullopt: nothing pending).
  using Round = std::function<absl::StatusOr<std::optional<absl::Time>>(absl::Time now)>;

  RetryWorker(const time::Clock& clock, Round round, log::Logger logger,
              absl::Duration error_wait);
  ~RetryWorker();

  // Starts the thread (idempotent); Stop ends it after the current round (idempotent).
  void Start();
  void Stop();
  // Asks for a round now.
  void Wake();

 private:
  void Loop();

  const time::Clock& clock_;
  Round round_;
  log::Logger logger_;
  const absl::Duration error_wait_;

  absl::Mutex mu_;
  bool wake_ ABSL_GUARDED_BY(mu_) = false;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace unemployment::server
