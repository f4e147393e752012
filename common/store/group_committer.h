// Group commit: many callers' writes share one transaction and one fsync.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <future>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "common/store/database.h"

namespace unemployment::store {

// Runs write work items on one connection from a single writer thread, committing several items in
// one transaction.
//
// Why: with synchronous=FULL every COMMIT costs one fsync (about 8,000 commits/s on the reference
// machine, see ARCHITECTURE.md). While the writer waits for one commit, new items queue up; the
// next transaction takes them all (up to max_batch_size), so the fsync cost is shared without
// making any caller wait for a timer.
//
// Each item runs inside its own SAVEPOINT: an item that returns an error (or whose SQL fails) has
// its changes undone and gets its own status, while the other items of the batch still commit. A
// caller is told OK only after the COMMIT that contains its changes succeeded, so an acknowledged
// write is durable; when the COMMIT fails (e.g. kResourceExhausted for a full disk), every item of
// the batch that had succeeded gets that error and nothing of the batch is stored. If SQLite itself
// rolls the whole transaction back while an item runs (I/O error, disk full), the items of the
// batch so far get kAborted (or their own error) and the writer goes on with the rest in a new
// transaction.
//
// Work items run on the writer thread with the connection inside a transaction. They may prepare
// and run statements and call Database::InTransaction (which nests as a savepoint); they must not
// use Transaction, run BEGIN/COMMIT/ROLLBACK, or block on other items. `done` callbacks run after
// the commit on a second thread, the completer, in the order the items were committed, while the
// writer begins the next transaction: answering a call (serialising it, sendmsg, the next hop's
// call) is no longer part of every commit cycle (it was about 19% of a service's CPU there, see
// tests/bench/README.md). A callback never runs before its commit is durable, and never waits
// for another item (Submit from a callback is fine). Options::complete_on_writer_thread keeps
// the callbacks on the writer thread, before the next transaction begins.
//
// Thread-safe. Shutdown (or destruction) stops intake, finishes every queued item, runs every
// callback, then joins both threads. The Database must outlive the committer and must not be used
// by other threads meanwhile.
class GroupCommitter final {
 public:
  using Work = std::function<absl::Status(Database&)>;
  using Done = std::function<void(absl::Status)>;

  struct Options {
    // Most items per transaction. Larger batches share one fsync among more callers but hold the
    // write lock longer.
    int max_batch_size = 256;
    // True: `done` callbacks run on the writer thread before the next transaction (the old way).
    bool complete_on_writer_thread = false;
  };

  struct Stats {
    int64_t transactions = 0;   // transactions begun (one per batch, more after an abort)
    int64_t items = 0;          // items completed (any status)
    int64_t failed_items = 0;   // items completed with an error
    int64_t largest_batch = 0;  // most items in one transaction
  };

  explicit GroupCommitter(Database& db) : GroupCommitter(db, Options()) {}
  GroupCommitter(Database& db, Options options);
  GroupCommitter(const GroupCommitter&) = delete;
  GroupCommitter& operator=(const GroupCommitter&) = delete;
  ~GroupCommitter();

  // Queues `work`; `done` is called once with its final status. After Shutdown, `done` is called at
  // once (on the caller's thread) with kUnavailable.
  void Submit(Work work, Done done);
  // Queues `work`; the future becomes ready with its final status.
  std::future<absl::Status> Submit(Work work);
  // Queues `work` and waits for its status. Never call it from a work item or a callback.
  absl::Status Run(Work work);

  // Stops intake, completes everything queued, joins the writer thread. Idempotent. Must not be
  // called from a work item or a callback.
  void Shutdown();

  Stats stats() const;

 private:
  struct Item {
    Work work;
    Done done;
    // The submitter's request id (common/log/request_id.h), current again while the work and
    // `done` run on the writer thread, so their log lines and peer calls carry it.
    std::string request_id;
  };

  void WriterLoop();
  // Blocks for work; returns an empty batch once shut down and drained.
  std::vector<Item> TakeBatch();
  // Runs items [begin, end) of `batch` in one transaction until done or until SQLite aborts the
  // transaction; completes the items it handled and returns the index of the first it did not.
  size_t RunTransaction(std::vector<Item>& batch, size_t begin);
  void Complete(std::vector<Item>& batch, size_t begin, std::vector<absl::Status>& statuses);
  // Runs the callbacks of committed items, in order, until shut down and drained.
  void CompleterLoop();

  // A committed item's callback and its status.
  struct Completion {
    Done done;
    absl::Status status;
    std::string request_id;
  };

  Database& db_;  // used only by the writer thread
  const Options options_;

  mutable absl::Mutex mu_;
  absl::CondVar work_available_;
  std::deque<Item> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  Stats stats_ ABSL_GUARDED_BY(mu_);

  // Callbacks waiting for the completer thread.
  absl::Mutex completions_mu_;
  absl::CondVar completions_available_;
  std::deque<Completion> completions_ ABSL_GUARDED_BY(completions_mu_);
  bool writer_done_ ABSL_GUARDED_BY(completions_mu_) = false;

  // Serializes Shutdown callers around join.
  absl::Mutex join_mu_;
  std::thread writer_ ABSL_GUARDED_BY(join_mu_);
  std::thread completer_ ABSL_GUARDED_BY(join_mu_);
};

}  // namespace unemployment::store
