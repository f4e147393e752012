#include "common/server/service_serving.h"

#include <cstring>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/server/backup_schedule.h"
#include "common/server/call_interceptor.h"
#include "common/server/grpc_server.h"

namespace unemployment::server {
namespace {

// Read at scrape: how old the newest backup set is (the alert BackupTooOld compares it with the
// interval), failures, and the last set's duration and size.
void AddBackupMetrics(metrics::Metrics& metrics, const BackupSchedule& backups,
                      const time::Clock& clock) {
  const BackupSchedule* schedule = &backups;
  const time::Clock* now = &clock;
  auto gauge = [&metrics](const char* name, const char* help, metrics::Kind kind,
                          std::function<double()> read) {
    metrics.AddReadAtScrape(name, help, kind, [read = std::move(read)] {
      return std::vector<metrics::Sample>{{{}, read()}};
    });
  };
  gauge("ue_backup_age_seconds",
        "Seconds since the newest complete backup set (since the schedule started when there is "
        "none).",
        metrics::Kind::kGauge, [schedule, now] {
          absl::Time last = schedule->last_success();
          if (last == absl::InfinitePast()) last = schedule->started();
          return absl::ToDoubleSeconds(now->Now() - last);
        });
  gauge("ue_backup_interval_seconds",
        "The configured time between two backup sets (--backup_interval).", metrics::Kind::kGauge,
        [schedule] { return absl::ToDoubleSeconds(schedule->options().interval); });
  gauge("ue_backup_failures_total", "Backup sets that failed since the process started.",
        metrics::Kind::kCounter, [schedule] { return static_cast<double>(schedule->failures()); });
  gauge("ue_backup_last_duration_seconds", "How long the newest backup set of this process took.",
        metrics::Kind::kGauge,
        [schedule] { return absl::ToDoubleSeconds(schedule->last_duration()); });
  gauge("ue_backup_last_bytes", "Size of the newest backup set of this process (bytes).",
        metrics::Kind::kGauge, [schedule] { return static_cast<double>(schedule->last_bytes()); });
}

// Sets the named health entries of `component` on `server` now and every 5 s until destroyed
// (they can change while serving: a feed consumer that halted).
class HealthRefresher final {
 public:
  HealthRefresher(const ServiceComponent& component, GrpcServer& server)
      : component_(component), server_(server) {
    Refresh();
    thread_ = std::thread([this] {
      absl::MutexLock lock(&mu_);
      auto stop = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stop_; };
      while (!mu_.AwaitWithTimeout(absl::Condition(&stop), absl::Seconds(5))) Refresh();
    });
  }
  ~HealthRefresher() {
    {
      absl::MutexLock lock(&mu_);
      stop_ = true;
    }
    thread_.join();
  }

 private:
  void Refresh() {
    for (const auto& [service, serving] : component_.HealthDetails()) {
      server_.SetServiceServing(service, serving);
    }
  }

  const ServiceComponent& component_;
  GrpcServer& server_;
  absl::Mutex mu_;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace

absl::StatusOr<CallObservation> ObserveCalls(const Settings& settings, ServiceSettings& service) {
  CallObservation observation;
  CommonSettings& common = service.common;
  if (!service.metrics_listen.empty()) {
    if (absl::Status valid = ValidateListenAddress(service.metrics_listen); !valid.ok()) {
      return UsageError(absl::StrCat("setting --metrics_listen: ", valid.message()));
    }
    observation.metrics = std::make_shared<metrics::Metrics>(common.service_name);
    metrics::AddProcessMetrics(*observation.metrics);
    metrics::AddDataVolumeMetrics(*observation.metrics, common.data_dir);
    common.metrics = observation.metrics.get();
  }
  absl::StatusOr<bool> access_log = settings.GetBool("access_log");
  if (!access_log.ok()) return UsageError(access_log.status().message());
  observation.call_interceptors =
      MakeCallInterceptorFactory(common.metrics, log::Logger(common.service_name), *access_log);
  return observation;
}

absl::Status Serve(ServiceSettings& service, const ServiceSecurity& security,
                   const CallObservation& observation, ServiceComponent& component,
                   const sigset_t& stop_signals, const log::Logger& lifecycle) {
  const CommonSettings& common = service.common;
  const ServerOptions& options = service.server;
  // The metrics listener starts before the gRPC server, so that a metrics port in use fails
  // start-up before anything serves; it stops before the component.
  std::unique_ptr<metrics::MetricsServer> metrics_server;
  if (observation.metrics != nullptr) {
    absl::StatusOr<std::unique_ptr<metrics::MetricsServer>> started =
        metrics::MetricsServer::Start(service.metrics_listen, observation.metrics);
    if (!started.ok()) return StartupError(started.status().message());
    metrics_server = *std::move(started);
  }
  absl::StatusOr<std::unique_ptr<GrpcServer>> server =
      GrpcServer::Start(options, component.GrpcServices());
  if (!server.ok()) return StartupError(server.status().message());
  if (absl::Status serving = component.OnServing((*server)->address()); !serving.ok()) {
    return StartupError(serving.message());
  }
  // Scheduled backups start once the databases are open and migrated; the first set is due at
  // once unless the backup folder holds one younger than the interval.
  std::unique_ptr<BackupSchedule> backups;
  if (!common.backup_dir.empty()) {
    backups = std::make_unique<BackupSchedule>(service.backups, *common.clock);
    if (common.metrics != nullptr) AddBackupMetrics(*common.metrics, *backups, *common.clock);
    backups->Start();
  }
  (*server)->SetServing(true);
  auto health_refresher = std::make_unique<HealthRefresher>(component, **server);
  const bool secured = security.guard != nullptr;
  // The first word after "listening on" is an address clients on this host can dial (tests and
  // scripts read it); the bound address follows for operators.
  std::cout << common.service_name << " listening on " << (*server)->address()
            << " (--listen=" << options.listen_address << ", data: " << common.data_dir
            << (secured ? ", security: on" : ", security: OFF");
  if ((*server)->health_port() != 0) std::cout << ", health port " << (*server)->health_port();
  if (metrics_server != nullptr) std::cout << ", metrics port " << metrics_server->port();
  // The key ids this process accepts (a rotation shows two).
  if (secured) std::cout << ", token key ids:" << security.token_key_ids;
  std::cout << ")" << std::endl;
  lifecycle.Info("started", {{"address", (*server)->address()},
                             {"listen", options.listen_address},
                             {"data_dir", common.data_dir},
                             {"security", secured ? "on" : "OFF"},
                             {"health_port", static_cast<int64_t>((*server)->health_port())},
                             {"metrics_port",
                              static_cast<int64_t>(metrics_server ? metrics_server->port() : 0)},
                             {"log_level", log::LogLevelName(service.log_level)}});

  int signal_number = 0;
  while (true) {
    sigwait(&stop_signals, &signal_number);
    if (signal_number != SIGHUP) break;
    lifecycle.Info("reloading", {{"signal", strsignal(signal_number)}});
    component.OnReload();
  }
  lifecycle.Info("stopping", {{"signal", strsignal(signal_number)}});
  health_refresher.reset();  // shutdown begins: the named entries are no longer read
  component.OnStopping();
  (*server)->Shutdown();
  (*server)->Wait();
  // Scrapes read the component's stores: stop them before the component stops.
  metrics_server.reset();
  // A set being taken finishes first (it reads the databases through its own connections).
  if (backups != nullptr) backups->Stop();
  component.Stop();
  return absl::OkStatus();
}

}  // namespace unemployment::server
