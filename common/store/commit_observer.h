#pragma once

// What a connection reports about its commits, for metrics (common/server/store_metrics.h sets
// one on every service database when metrics are on). Called on the writer's thread: keep it
// short and never touch the database from it.

#include "absl/time/time.h"

namespace unemployment::store {

class CommitObserver {
 public:
  virtual ~CommitObserver() = default;
  // A COMMIT of a transaction (Transaction::Commit) took `latency`; `ok` is false when it failed.
  virtual void OnCommit(absl::Duration latency, bool ok) = 0;
  // A group-commit transaction (GroupCommitter) carried `items` callers' work items.
  virtual void OnBatch(int items) = 0;
};

}  // namespace unemployment::store
