#include "common/server/store_metrics.h"

#include "prometheus/counter.h"
#include "prometheus/histogram.h"

namespace unemployment::server {
namespace {

class StoreCommitMetrics final : public store::CommitObserver {
 public:
  StoreCommitMetrics(metrics::Metrics& metrics, const std::string& store) {
    prometheus::Registry& registry = metrics.registry();
    // Families are get-or-create by name in prometheus-cpp's registry (same help, same type).
    latency_ = &prometheus::BuildHistogram()
                    .Name("ue_store_commit_seconds")
                    .Help("Latency of SQLite COMMITs, by store, seconds.")
                    .Register(registry)
                    .Add({{"store", store}},
                         prometheus::Histogram::BucketBoundaries{0.0001, 0.00025, 0.0005, 0.001,
                                                                  0.0025, 0.005, 0.01, 0.025,
                                                                  0.05, 0.1, 0.25, 1});
    failures_ = &prometheus::BuildCounter()
                     .Name("ue_store_commit_failures_total")
                     .Help("SQLite COMMITs that failed (full disk, I/O error), by store.")
                     .Register(registry)
                     .Add({{"store", store}});
    batch_ = &prometheus::BuildHistogram()
                  .Name("ue_store_group_commit_batch_size")
                  .Help("Callers' writes sharing one group-commit transaction, by store.")
                  .Register(registry)
                  .Add({{"store", store}},
                       prometheus::Histogram::BucketBoundaries{1, 2, 4, 8, 16, 32, 64, 128, 256});
  }

  void OnCommit(absl::Duration latency, bool ok) override {
    latency_->Observe(absl::ToDoubleSeconds(latency));
    if (!ok) failures_->Increment();
  }

  void OnBatch(int items) override { batch_->Observe(items); }

 private:
  prometheus::Histogram* latency_;
  prometheus::Counter* failures_;
  prometheus::Histogram* batch_;
};

}  // namespace

std::shared_ptr<store::CommitObserver> MakeStoreCommitMetrics(metrics::Metrics& metrics,
                                                              const std::string& store) {
  return std::make_shared<StoreCommitMetrics>(metrics, store);
}

}  // namespace unemployment::server
