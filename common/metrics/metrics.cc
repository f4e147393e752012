#include "common/metrics/metrics.h"

#include <sys/resource.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <exception>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "prometheus/exposer.h"

namespace unemployment::metrics {

Metrics::Metrics(std::string service)
    : service_(std::move(service)), registry_(std::make_shared<prometheus::Registry>()) {}

void Metrics::AddReadAtScrape(std::string name, std::string help, Kind kind,
                              std::function<std::vector<Sample>()> read) {
  absl::MutexLock lock(&mu_);
  read_at_scrape_.push_back({std::move(name), std::move(help), kind, std::move(read)});
}

std::vector<prometheus::MetricFamily> Metrics::Collect() const {
  std::vector<prometheus::MetricFamily> families = registry_->Collect();
  {
    absl::MutexLock lock(&mu_);
    for (const ReadAtScrape& entry : read_at_scrape_) {
      prometheus::MetricFamily family;
      family.name = entry.name;
      family.help = entry.help;
      family.type = entry.kind == Kind::kGauge ? prometheus::MetricType::Gauge
                                               : prometheus::MetricType::Counter;
      std::vector<Sample> samples;
      try {
        samples = entry.read();
      } catch (const std::exception&) {
        samples.clear();
      }
      for (const Sample& sample : samples) {
        prometheus::ClientMetric metric;
        for (const auto& [name, value] : sample.labels) metric.label.push_back({name, value});
        if (entry.kind == Kind::kGauge) {
          metric.gauge.value = sample.value;
        } else {
          metric.counter.value = sample.value;
        }
        family.metric.push_back(std::move(metric));
      }
      families.push_back(std::move(family));
    }
  }
  // Every sample names its service, so that one Prometheus query can compare services.
  for (prometheus::MetricFamily& family : families) {
    for (prometheus::ClientMetric& metric : family.metric) {
      metric.label.push_back({"service", service_});
    }
  }
  return families;
}

MetricsServer::MetricsServer(std::shared_ptr<Metrics> metrics,
                             std::unique_ptr<prometheus::Exposer> exposer, int port)
    : metrics_(std::move(metrics)), exposer_(std::move(exposer)), port_(port) {}

MetricsServer::~MetricsServer() = default;

absl::StatusOr<std::unique_ptr<MetricsServer>> MetricsServer::Start(
    const std::string& address, std::shared_ptr<Metrics> metrics) {
  std::unique_ptr<prometheus::Exposer> exposer;
  try {
    // civetweb wants "host:port"; one thread is enough for a scrape every few seconds.
    exposer = std::make_unique<prometheus::Exposer>(address, 1);
  } catch (const std::exception& error) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on '", address, "' for metrics: ", error.what()));
  }
  std::vector<int> ports = exposer->GetListeningPorts();
  if (ports.empty()) {
    return absl::UnavailableError(absl::StrCat("cannot listen on '", address, "' for metrics"));
  }
  exposer->RegisterCollectable(metrics);
  int port = ports.front();
  return std::unique_ptr<MetricsServer>(
      new MetricsServer(std::move(metrics), std::move(exposer), port));
}

namespace {

// /proc/self/stat fields after the command name: state is field 3; utime 14, stime 15,
// num_threads 20, starttime 22, rss 24 (in pages).
std::vector<Sample> ReadProcess() {
  std::vector<Sample> samples;
  std::ifstream in("/proc/self/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  size_t close = stat.rfind(')');
  if (close == std::string::npos) return samples;
  std::vector<std::string> fields = absl::StrSplit(stat.substr(close + 2), ' ');
  // fields[0] is field 3 (state).
  auto field = [&](int number) -> double {
    double value = 0;
    size_t index = static_cast<size_t>(number - 3);
    if (index < fields.size()) (void)absl::SimpleAtod(fields[index], &value);
    return value;
  };
  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  const double page = static_cast<double>(sysconf(_SC_PAGESIZE));
  samples.push_back({{{"__name", "cpu"}}, (field(14) + field(15)) / ticks});
  samples.push_back({{{"__name", "rss"}}, field(24) * page});
  samples.push_back({{{"__name", "threads"}}, field(20)});
  double boot_time = 0;
  std::ifstream proc_stat("/proc/stat");
  for (std::string line; std::getline(proc_stat, line);) {
    if (line.rfind("btime ", 0) == 0) (void)absl::SimpleAtod(line.substr(6), &boot_time);
  }
  samples.push_back({{{"__name", "start"}}, boot_time + field(22) / ticks});
  std::error_code error;
  double fds = 0;
  for (std::filesystem::directory_iterator it("/proc/self/fd", error), end; !error && it != end;
       it.increment(error)) {
    ++fds;
  }
  samples.push_back({{{"__name", "fds"}}, fds});
  struct rlimit limit {};
  getrlimit(RLIMIT_NOFILE, &limit);
  samples.push_back({{{"__name", "max_fds"}}, static_cast<double>(limit.rlim_cur)});
  return samples;
}

// One family's sample out of ReadProcess (each family reads /proc on its own; a scrape every few
// seconds makes that cheap enough and keeps the families independent).
std::function<std::vector<Sample>()> Pick(const std::string& which) {
  return [which] {
    for (Sample& sample : ReadProcess()) {
      if (sample.labels["__name"] == which) return std::vector<Sample>{{{}, sample.value}};
    }
    return std::vector<Sample>();
  };
}

}  // namespace

void AddProcessMetrics(Metrics& metrics) {
  metrics.AddReadAtScrape("process_cpu_seconds_total", "User and system CPU time spent, seconds.",
                          Kind::kCounter, Pick("cpu"));
  metrics.AddReadAtScrape("process_resident_memory_bytes", "Resident memory size, bytes.",
                          Kind::kGauge, Pick("rss"));
  metrics.AddReadAtScrape("process_open_fds", "Open file descriptors.", Kind::kGauge, Pick("fds"));
  metrics.AddReadAtScrape("process_max_fds", "Most open file descriptors allowed.", Kind::kGauge,
                          Pick("max_fds"));
  metrics.AddReadAtScrape("process_threads", "Threads of the process.", Kind::kGauge,
                          Pick("threads"));
  metrics.AddReadAtScrape("process_start_time_seconds",
                          "Start time of the process since the Unix epoch, seconds.", Kind::kGauge,
                          Pick("start"));
}

void AddDataVolumeMetrics(Metrics& metrics, const std::string& data_dir) {
  auto read = [data_dir](bool free) {
    struct statvfs volume {};
    if (statvfs(data_dir.c_str(), &volume) != 0) return std::vector<Sample>();
    const double block = static_cast<double>(volume.f_frsize);
    return std::vector<Sample>{
        {{}, block * static_cast<double>(free ? volume.f_bavail : volume.f_blocks)}};
  };
  metrics.AddReadAtScrape("ue_data_volume_free_bytes",
                          "Bytes free for the service on the volume of its data folder.",
                          Kind::kGauge, [read] { return read(true); });
  metrics.AddReadAtScrape("ue_data_volume_size_bytes",
                          "Size of the volume of the service's data folder, bytes.", Kind::kGauge,
                          [read] { return read(false); });
}

}  // namespace unemployment::metrics
