// Prometheus metrics of one process.
//
// A Metrics object is made once by the shared main (common/server/service_main.h) when
// --metrics_listen is set and handed to the service component (CommonSettings::metrics; null when
// metrics are off, so that a process without metrics pays nothing). It holds a prometheus-cpp
// Registry for metrics updated as things happen (counters, histograms: registry()) and "read at
// scrape" families whose values are computed by a callback each time Prometheus scrapes (queue
// lengths, cursors, ages of the oldest item), so that hot paths need no bookkeeping for them.
// MetricsServer serves both at http://<metrics_listen>/metrics in the Prometheus text format
// (prometheus-cpp's exposer and serializer; nothing here writes the format by hand).
//
// Labels stay bounded: never a person, application or registration id; regions at most at city
// level (4-digit prefix, e.g. "2301").
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "prometheus/collectable.h"
#include "prometheus/metric_family.h"
#include "prometheus/registry.h"

namespace prometheus {
class Exposer;
}

namespace unemployment::metrics {

using Labels = std::map<std::string, std::string>;

// One value of a read-at-scrape family.
struct Sample {
  Labels labels;
  double value = 0;
};

enum class Kind { kGauge, kCounter };

class Metrics final : public prometheus::Collectable {
 public:
  // `service` is added as the label service="<name>" to every sample.
  explicit Metrics(std::string service);

  const std::string& service() const { return service_; }

  // Families updated as things happen. Families and their children live as long as this object.
  prometheus::Registry& registry() { return *registry_; }

  // Adds a family whose samples `read` returns at each scrape. `read` runs on the exposer's
  // thread and must be thread-safe; an exception or an empty answer gives no samples. The objects
  // it reads must outlive the MetricsServer (stop it before they are destroyed).
  void AddReadAtScrape(std::string name, std::string help, Kind kind,
                       std::function<std::vector<Sample>()> read);

  // The registry's families and the read-at-scrape ones (prometheus::Collectable).
  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  struct ReadAtScrape {
    std::string name;
    std::string help;
    Kind kind;
    std::function<std::vector<Sample>()> read;
  };

  const std::string service_;
  std::shared_ptr<prometheus::Registry> registry_;
  mutable absl::Mutex mu_;
  std::vector<ReadAtScrape> read_at_scrape_ ABSL_GUARDED_BY(mu_);
};

// The plaintext HTTP listener serving GET /metrics.
class MetricsServer final {
 public:
  // Listens on `address` (host:port; port 0 picks a free one).
  static absl::StatusOr<std::unique_ptr<MetricsServer>> Start(const std::string& address,
                                                              std::shared_ptr<Metrics> metrics);
  ~MetricsServer();

  int port() const { return port_; }

 private:
  MetricsServer(std::shared_ptr<Metrics> metrics, std::unique_ptr<prometheus::Exposer> exposer,
                int port);
  // The exposer holds only a weak pointer to what it serves.
  std::shared_ptr<Metrics> metrics_;
  std::unique_ptr<prometheus::Exposer> exposer_;
  int port_;
};

// Adds the process family (process_cpu_seconds_total, process_resident_memory_bytes,
// process_open_fds, process_max_fds, process_start_time_seconds, process_threads) read from
// /proc/self at each scrape.
void AddProcessMetrics(Metrics& metrics);

// Adds ue_data_volume_free_bytes and ue_data_volume_size_bytes of the file system holding
// `data_dir` (statvfs at each scrape; free = available to the service's user).
void AddDataVolumeMetrics(Metrics& metrics, const std::string& data_dir);

}  // namespace unemployment::metrics
