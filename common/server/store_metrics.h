#pragma once

// Commit metrics of one SQLite store (store::CommitObserver), with the label store="<name>":
//   ue_store_commit_seconds{store}     histogram of COMMIT latency (the fsync with
//                                      synchronous=FULL);
//   ue_store_commit_failures_total{store}
//   ue_store_group_commit_batch_size{store}  histogram of callers' work items per group-commit
//                                      transaction (store::GroupCommitter).
// OpenServiceDatabase (service_database.h) sets one on every service database when metrics are
// on.

#include <memory>
#include <string>

#include "common/metrics/metrics.h"
#include "common/store/commit_observer.h"

namespace unemployment::server {

std::shared_ptr<store::CommitObserver> MakeStoreCommitMetrics(metrics::Metrics& metrics,
                                                              const std::string& store);

}  // namespace unemployment::server
