#include "common/server/service_main.h"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/crypto/process_keyring.h"
#include "common/security/audit_log.h"
#include "common/security/call_guard.h"
#include "common/log/logger.h"
#include "common/server/backup_schedule.h"
#include "common/server/call_interceptor.h"
#include "common/server/grpc_server.h"
#include "common/store/data_dir_lock.h"
#include "common/store/database.h"
#include "common/store/testing/fault_vfs.h"

namespace unemployment::server {
namespace {

int Fail(const std::string& service, absl::string_view message, int code = 1) {
  std::cerr << service << ": error: " << message << std::endl;
  return code;
}

// Read at scrape: how old the newest backup set is (the alert BackupTooOld compares it with the
// interval), failures, and the last set's duration and size.
void AddBackupMetrics(metrics::Metrics& metrics, const BackupSchedule& backups,
                      const time::Clock& clock) {
  const BackupSchedule* schedule = &backups;
  const time::Clock* now = &clock;
  metrics.AddReadAtScrape(
      "ue_backup_age_seconds",
      "Seconds since the newest complete backup set (since the schedule started when there is "
      "none).",
      metrics::Kind::kGauge, [schedule, now] {
        absl::Time last = schedule->last_success();
        if (last == absl::InfinitePast()) last = schedule->started();
        return std::vector<metrics::Sample>{{{}, absl::ToDoubleSeconds(now->Now() - last)}};
      });
  metrics.AddReadAtScrape(
      "ue_backup_interval_seconds", "The configured time between two backup sets (--backup_interval).",
      metrics::Kind::kGauge, [schedule] {
        return std::vector<metrics::Sample>{
            {{}, absl::ToDoubleSeconds(schedule->options().interval)}};
      });
  metrics.AddReadAtScrape(
      "ue_backup_failures_total", "Backup sets that failed since the process started.",
      metrics::Kind::kCounter, [schedule] {
        return std::vector<metrics::Sample>{{{}, static_cast<double>(schedule->failures())}};
      });
  metrics.AddReadAtScrape(
      "ue_backup_last_duration_seconds", "How long the newest backup set of this process took.",
      metrics::Kind::kGauge, [schedule] {
        return std::vector<metrics::Sample>{
            {{}, absl::ToDoubleSeconds(schedule->last_duration())}};
      });
  metrics.AddReadAtScrape(
      "ue_backup_last_bytes", "Size of the newest backup set of this process (bytes).",
      metrics::Kind::kGauge, [schedule] {
        return std::vector<metrics::Sample>{{{}, static_cast<double>(schedule->last_bytes())}};
      });
}

}  // namespace

void DefineCommonSettings(Settings& settings, const ServiceDefinition& definition) {
  settings.Define("listen", absl::StrCat("127.0.0.1:", definition.default_port),
                  "address to listen on, host:port (port 0 picks a free port)");
  settings.Define("data_dir", absl::StrCat("var/", definition.name),
                  "folder for this service's SQLite database (created if missing)");
  settings.Define("sqlite_synchronous", "FULL",
                  "SQLite synchronous mode: FULL (an acknowledged write survives power loss), "
                  "NORMAL, OFF or EXTRA");
  settings.Define("allow_non_durable_storage", "false",
                  "development and benchmarks only: accept --sqlite_synchronous below FULL, where "
                  "an acknowledged write can be lost on power loss");
  settings.Define("testing_power_loss_storage", "false",
                  "TESTING ONLY (tests/python/test_power_loss.py): every SQLite write (the audit "
                  "log's included) is held in this process's memory until its file is synced, so "
                  "that kill -9 loses exactly what a power cut would; slower, and never for real "
                  "data");
  settings.Define("data_key_file", "",
                  "keyring file sealing personal data at rest (see deploy/README.md, Security); "
                  "empty: <data_dir>/data.key, created when missing (local development only)");
  settings.Define("tls_cert", "", "PEM server certificate; with --tls_key enables TLS");
  settings.Define("tls_key", "", "PEM private key of --tls_cert");
  settings.Define("tls_client_ca", "", "PEM CA that client certificates must chain to (mTLS)");
  settings.Define("max_message_bytes", "4194304", "largest request or response message, bytes");
  settings.Define("shutdown_grace", "10s", "how long SIGTERM waits for in-flight calls");
  settings.Define("security_policy", "",
                  "access policy file (data/security/policy); given: mutual TLS, caller tokens, "
                  "role x method authorisation, rate limits and the audit log are on and "
                  "--tls_cert, --tls_key, --tls_client_ca, --token_public_keys, --audit_key_file are "
                  "required. Empty: security OFF (loopback development only)");
  settings.Define("token_public_keys", "",
                  "Ed25519 public key(s) that verify caller tokens: a PEM file, or a folder whose "
                  "*.pub files are all accepted (two during a key rotation); services never hold "
                  "the signing key");
  settings.Define("token_key_file", "",
                  "RETIRED (symmetric token key): refused when set; use --token_public_keys");
  settings.Define("audit_key_file", "", "file with the hex key of the audit log's hash chain");
  settings.Define("audit_anchor_file", "",
                  "file the audit log appends signed checkpoints of its head to (detects removed "
                  "newest entries; put it on another volume than the data folder); empty: "
                  "<data_dir>/audit.anchor");
  settings.Define("audit_anchor_every", "100", "entries between two checkpoints of the audit log");
  settings.Define("audit_anchor_interval", "10s",
                  "longest time entries of the audit log wait for a checkpoint");
  settings.Define("health_listen", "",
                  "host:port of a plaintext listener serving only grpc.health.v1.Health (probes)");
  settings.Define("metrics_listen", "",
                  "host:port of a plaintext HTTP listener serving Prometheus metrics at /metrics "
                  "(port 0 picks a free one); empty: metrics off");
  settings.Define("access_log", "true",
                  "one log line per call (event=rpc request_id method code duration_ms); false: "
                  "none (request ids still reach the other log lines and peers)");
  settings.Define("rate_limit", "100", "calls per second one caller may make (0: no limit)");
  settings.Define("rate_limit_burst", "200", "calls one caller may make at once above the rate");
  settings.Define("max_call_deadline", "10m",
                  "with security on: unary calls must carry a deadline no longer than this");
  settings.Define("peer_tls_ca", "",
                  "PEM CA that peer services' certificates chain to (default: --tls_client_ca); "
                  "set: outbound calls use TLS");
  settings.Define("peer_tls_cert", "", "PEM client certificate presented to peer services");
  settings.Define("peer_tls_key", "", "PEM private key of --peer_tls_cert");
  settings.Define("peer_token_file", "", "file with a call token sent to peer services (optional)");
  settings.Define("backup_dir", "",
                  "folder (on another volume than --data_dir) for scheduled online backups of every "
                  "database of the data folder, the audit log included, and for the copy taken "
                  "before a migration; empty: no backups");
  settings.Define("backup_interval", "1h",
                  "time between two scheduled backup sets (at least 1m): the recovery point");
  settings.Define("backup_keep", "12", "backup sets kept in --backup_dir; older ones are removed");
  settings.Define("log_level", "info",
                  "lowest level of the log lines written: debug, info, warning or error");
  settings.Define("clock_start", "",
                  "for acceptance tests only: RFC 3339 instant the business clock starts at "
                  "(e.g. 2025-09-26T09:00:00+08:00); empty: the system clock");
}

namespace {

// Below FULL, SQLite may acknowledge a commit whose WAL frames are not yet on disk, so an
// acknowledged application (or audit entry) can vanish on power loss. That is refused unless the
// operator says explicitly that this process is for development or a benchmark. True: durable;
// false: not durable, and allowed.
absl::StatusOr<bool> CheckDurability(const Settings& settings, const std::string& synchronous) {
  absl::StatusOr<store::SynchronousMode> mode = store::ParseSynchronousMode(synchronous);
  if (!mode.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("setting --sqlite_synchronous: ", mode.status().message()));
  }
  if (*mode == store::SynchronousMode::kFull || *mode == store::SynchronousMode::kExtra) {
    return true;
  }
  absl::StatusOr<bool> allowed = settings.GetBool("allow_non_durable_storage");
  if (!allowed.ok()) return allowed.status();
  if (*allowed) return false;
  return absl::InvalidArgumentError(absl::StrCat(
      "setting --sqlite_synchronous=", synchronous, " would lose acknowledged writes on power "
      "loss; use FULL, or set --allow_non_durable_storage=true (development and benchmarks only)"));
}

}  // namespace

absl::Status EnsureWritableDirectory(const std::string& path) {
  if (path.empty()) return absl::InvalidArgumentError("data folder is empty");
  std::error_code error;
  std::filesystem::create_directories(path, error);
  if (error) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot create data folder '", path, "': ", error.message()));
  }
  if (!std::filesystem::is_directory(path, error)) {
    return absl::FailedPreconditionError(absl::StrCat("data folder '", path, "' is not a folder"));
  }
  // Probe with a real file: access(W_OK) says yes to root even on a read-only mount.
  std::string probe = absl::StrCat(path, "/.write-probe-", getpid());
  int fd = open(probe.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("data folder '", path, "' is not writable: ", std::strerror(errno)));
  }
  close(fd);
  unlink(probe.c_str());
  return absl::OkStatus();
}

int RunServiceMain(int argc, char** argv, const ServiceDefinition& definition) {
  // Block the stop signals in every thread (gRPC's threads inherit this mask) and take them
  // synchronously below, so shutdown runs on the main thread and not in a signal handler.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  // Debian's Abseil is built without NDEBUG, which turns on the mutex deadlock detector on every
  // lock (2-3% of a server's CPU under load, measured by tests/bench). Tests keep it on.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);

  const std::string& name = definition.name;
  Settings settings;
  DefineCommonSettings(settings, definition);
  if (definition.define_settings) definition.define_settings(settings);
  if (absl::Status parsed = settings.Parse(argc, argv); !parsed.ok()) {
    return Fail(name, absl::StrCat(parsed.message(), " (see --help)"), 2);
  }
  if (settings.help_requested()) {
    std::cout << settings.Usage(argv[0]);
    return 0;
  }

  absl::StatusOr<log::LogLevel> log_level = log::ParseLogLevel(settings.Get("log_level"));
  if (!log_level.ok()) {
    return Fail(name, absl::StrCat("setting --log_level: ", log_level.status().message()), 2);
  }
  log::SetProcessLogLevel(*log_level);
  // Lifecycle lines (warnings at start-up, reload, stop), structured like every other line.
  const log::Logger lifecycle(name);

  ServerOptions options;
  options.listen_address = settings.Get("listen");
  options.tls_cert_file = settings.Get("tls_cert");
  options.tls_key_file = settings.Get("tls_key");
  options.tls_client_ca_file = settings.Get("tls_client_ca");
  absl::StatusOr<int64_t> max_bytes = settings.GetInt("max_message_bytes");
  if (!max_bytes.ok()) return Fail(name, max_bytes.status().message(), 2);
  if (*max_bytes < 1024 || *max_bytes > (1 << 30)) {
    return Fail(name, "setting --max_message_bytes must be between 1024 and 1073741824", 2);
  }
  options.max_message_bytes = static_cast<int>(*max_bytes);
  absl::StatusOr<absl::Duration> grace = settings.GetDuration("shutdown_grace");
  if (!grace.ok()) return Fail(name, grace.status().message(), 2);
  options.shutdown_grace = *grace;
  if (absl::Status valid = ValidateListenAddress(options.listen_address); !valid.ok()) {
    return Fail(name, valid.message(), 2);
  }

  time::SystemClock system_clock;
  std::unique_ptr<time::OffsetClock> offset_clock;
  if (std::string start = settings.Get("clock_start"); !start.empty()) {
    absl::Time instant;
    std::string error;
    if (!absl::ParseTime(absl::RFC3339_full, start, &instant, &error)) {
      return Fail(name, absl::StrCat("setting --clock_start must be an RFC 3339 instant such as "
                                     "2025-09-26T09:00:00+08:00, got '", start, "'"), 2);
    }
    offset_clock = std::make_unique<time::OffsetClock>(instant);
  }
  absl::StatusOr<PeerChannels> peers = PeerChannels::FromSettings(settings);
  if (!peers.ok()) return Fail(name, peers.status().message(), 2);
  CommonSettings common{name, settings.Get("data_dir"), settings.Get("sqlite_synchronous"),
                        offset_clock ? static_cast<const time::Clock*>(offset_clock.get())
                                     : &system_clock,
                        &*peers};
  if (absl::Status dir = EnsureWritableDirectory(common.data_dir); !dir.ok()) {
    return Fail(name, dir.message());
  }
  // Held until the process exits: one live process per data folder (data_dir_lock.h).
  absl::StatusOr<store::DataDirLock> data_dir_lock = store::DataDirLock::Acquire(common.data_dir);
  if (!data_dir_lock.ok()) return Fail(name, data_dir_lock.status().message());
  BackupScheduleOptions backup_options;
  if (std::string backup_dir = settings.Get("backup_dir"); !backup_dir.empty()) {
    absl::StatusOr<absl::Duration> interval = settings.GetDuration("backup_interval");
    if (!interval.ok()) return Fail(name, interval.status().message(), 2);
    absl::StatusOr<int64_t> keep = settings.GetInt("backup_keep");
    if (!keep.ok()) return Fail(name, keep.status().message(), 2);
    backup_options.service_name = name;
    backup_options.data_dir = common.data_dir;
    backup_options.backup_dir = backup_dir;
    backup_options.interval = *interval;
    backup_options.keep = static_cast<int>(std::min<int64_t>(*keep, 1 << 20));
    if (absl::Status valid = ValidateBackupScheduleOptions(backup_options); !valid.ok()) {
      return Fail(name, valid.message(), 2);
    }
    if (absl::Status dir = EnsureWritableDirectory(backup_dir); !dir.ok()) {
      return Fail(name, absl::StrCat("setting --backup_dir: ", dir.message()));
    }
    common.backup_dir = backup_dir;
  }
  absl::StatusOr<bool> durable = CheckDurability(settings, common.sqlite_synchronous);
  if (!durable.ok()) return Fail(name, durable.status().message(), 2);
  if (!*durable) {
    lifecycle.Warning("storage_not_durable",
                      {{"sqlite_synchronous", common.sqlite_synchronous},
                       {"detail",
                        "--allow_non_durable_storage: an acknowledged write, the audit log "
                        "included, can be lost on power loss. Development and benchmarks only."}});
  }
  absl::StatusOr<bool> power_loss = settings.GetBool("testing_power_loss_storage");
  if (!power_loss.ok()) return Fail(name, power_loss.status().message(), 2);
  if (*power_loss) {
    // Before any database (the audit log's included) is opened: store/testing/fault_vfs.h.
    store::testing::FaultVfs::Install().EnablePowerLoss();
    lifecycle.Warning("testing_power_loss_storage",
                      {{"detail",
                        "TESTING ONLY: every database write is held in this process's memory "
                        "until its file is synced, and is lost if the process is killed before (a "
                        "simulated power cut). Never use this for real data."}});
  }

  // Metrics (common/metrics/metrics.h) and the call interceptor: request ids and access log lines
  // always, call metrics when --metrics_listen is set.
  std::shared_ptr<metrics::Metrics> process_metrics;
  const std::string metrics_listen = settings.Get("metrics_listen");
  if (!metrics_listen.empty()) {
    if (absl::Status valid = ValidateListenAddress(metrics_listen); !valid.ok()) {
      return Fail(name, absl::StrCat("setting --metrics_listen: ", valid.message()), 2);
    }
    process_metrics = std::make_shared<metrics::Metrics>(name);
    metrics::AddProcessMetrics(*process_metrics);
    metrics::AddDataVolumeMetrics(*process_metrics, common.data_dir);
    common.metrics = process_metrics.get();
  }
  absl::StatusOr<bool> access_log = settings.GetBool("access_log");
  if (!access_log.ok()) return Fail(name, access_log.status().message(), 2);
  std::shared_ptr<grpc::experimental::ServerInterceptorFactoryInterface> call_interceptors =
      MakeCallInterceptorFactory(common.metrics, log::Logger(name), *access_log);
  auto call_interceptor_factory = [call_interceptors] {
    return ForwardingFactory(call_interceptors);
  };
  options.make_interceptors = [call_interceptor_factory] {
    std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> factories;
    factories.push_back(call_interceptor_factory());
    return factories;
  };

  // Security (common/security/call_guard.h).
  std::unique_ptr<security::AuditLog> audit;
  std::unique_ptr<security::CallGuard> guard;
  std::string token_key_ids;  // " <kid> <kid>": the listening line names the accepted keys
  options.health_listen_address = settings.Get("health_listen");
  if (std::string policy_path = settings.Get("security_policy"); !policy_path.empty()) {
    if (!settings.Get("token_key_file").empty()) {
      return Fail(name,
                  "setting --token_key_file (UE_TOKEN_KEY_FILE) is retired: tokens are signed with "
                  "Ed25519 and services hold only the public keys; give --token_public_keys "
                  "(UE_TOKEN_PUBLIC_KEYS) and remove the symmetric key from this host",
                  2);
    }
    for (const char* required : {"tls_cert", "tls_key", "tls_client_ca", "token_public_keys",
                                 "audit_key_file"}) {
      if (settings.Get(required).empty()) {
        return Fail(name, absl::StrCat("setting --", required, " is required with --security_policy"), 2);
      }
    }
    absl::StatusOr<security::Policy> policy = security::Policy::Load(policy_path);
    if (!policy.ok()) return Fail(name, policy.status().message());
    absl::StatusOr<security::TokenVerifier> token_keys =
        security::TokenVerifier::Load(settings.Get("token_public_keys"));
    if (!token_keys.ok()) {
      return Fail(name, absl::StrCat("setting --token_public_keys: ", token_keys.status().message()));
    }
    absl::StatusOr<std::string> audit_key = security::ReadKeyFile(settings.Get("audit_key_file"));
    if (!audit_key.ok()) return Fail(name, audit_key.status().message());
    absl::StatusOr<store::SynchronousMode> sync = store::ParseSynchronousMode(common.sqlite_synchronous);
    if (!sync.ok()) return Fail(name, sync.status().message(), 2);
    security::AuditAnchorOptions anchor;
    anchor.path = settings.Get("audit_anchor_file");
    if (anchor.path.empty()) anchor.path = absl::StrCat(common.data_dir, "/audit.anchor");
    absl::StatusOr<int64_t> anchor_every = settings.GetInt("audit_anchor_every");
    absl::StatusOr<absl::Duration> anchor_interval = settings.GetDuration("audit_anchor_interval");
    if (!anchor_every.ok() || *anchor_every < 1) {
      return Fail(name, "setting --audit_anchor_every must be a whole number >= 1", 2);
    }
    if (!anchor_interval.ok()) return Fail(name, anchor_interval.status().message(), 2);
    anchor.every_entries = *anchor_every;
    backup_options.plain_files.push_back(anchor.path);
    anchor.interval = *anchor_interval;
    absl::StatusOr<std::unique_ptr<security::AuditLog>> opened = security::AuditLog::Open(
        absl::StrCat(common.data_dir, "/audit.db"), *std::move(audit_key), *sync,
        std::move(anchor));
    if (!opened.ok()) return Fail(name, absl::StrCat("audit log: ", opened.status().message()));
    audit = *std::move(opened);
    if (common.metrics != nullptr) {
      security::AuditLog* audit_log = audit.get();
      common.metrics->AddReadAtScrape(
          "ue_audit_entries_total", "Audit-log entries this process appended.",
          metrics::Kind::kCounter, [audit_log] {
            return std::vector<metrics::Sample>{{{}, static_cast<double>(audit_log->appended())}};
          });
      common.metrics->AddReadAtScrape(
          "ue_audit_append_failures_total",
          "Audit-log appends that failed (the calls they described were refused).",
          metrics::Kind::kCounter, [audit_log] {
            return std::vector<metrics::Sample>{
                {{}, static_cast<double>(audit_log->append_failures())}};
          });
    }
    security::GuardOptions guard_options;
    guard_options.policy = *std::move(policy);
    for (const auto& [key_id, key] : token_keys->keys()) absl::StrAppend(&token_key_ids, " ", key_id);
    guard_options.token_keys = *std::move(token_keys);
    guard_options.audit = audit.get();
    absl::StatusOr<int64_t> rate = settings.GetInt("rate_limit");
    absl::StatusOr<int64_t> burst = settings.GetInt("rate_limit_burst");
    absl::StatusOr<absl::Duration> max_deadline = settings.GetDuration("max_call_deadline");
    if (!rate.ok() || !burst.ok() || *rate < 0 || *burst < 0) {
      return Fail(name, "settings --rate_limit and --rate_limit_burst must be whole numbers >= 0", 2);
    }
    if (!max_deadline.ok()) return Fail(name, max_deadline.status().message(), 2);
    guard_options.rate_per_second = static_cast<double>(*rate);
    guard_options.rate_burst = static_cast<double>(*burst);
    guard_options.max_call_deadline = *max_deadline;
    guard = std::make_unique<security::CallGuard>(std::move(guard_options));
    security::InstallProcessGuard(guard.get());
    options.auth_processor = guard->MakeProcessor();
    security::CallGuard* guard_ptr = guard.get();
    options.guard_service = [guard_ptr](grpc::Service* service) {
      guard_ptr->GuardService(service);
    };
    options.answer_unserved = guard->MakeUnservedAnswer();
    options.make_interceptors = [guard_ptr, call_interceptor_factory] {
      std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> factories;
      factories.push_back(call_interceptor_factory());
      factories.push_back(guard_ptr->MakeAuditInterceptorFactory());
      return factories;
    };
  } else {
    lifecycle.Warning("security_off",
                      {{"detail",
                        "no --security_policy: plaintext, no caller authentication, no "
                        "authorisation, no audit log. For loopback development and tests only; "
                        "see deploy/README.md, Security."}});
  }

  std::string key_warning;
  if (absl::Status keys = crypto::InstallFromSetting(settings.Get("data_key_file"), common.data_dir,
                                                     &key_warning);
      !keys.ok()) {
    return Fail(name, absl::StrCat("setting --data_key_file: ", keys.message()));
  }
  if (!key_warning.empty()) lifecycle.Warning("data_key", {{"detail", key_warning}});
  absl::StatusOr<std::unique_ptr<ServiceComponent>> component = definition.create(common, settings);
  if (!component.ok()) return Fail(name, component.status().message());

  // The metrics listener starts before the gRPC server, so that a metrics port in use fails
  // start-up before anything serves; declared after the component, it stops before it.
  std::unique_ptr<metrics::MetricsServer> metrics_server;
  if (process_metrics != nullptr) {
    absl::StatusOr<std::unique_ptr<metrics::MetricsServer>> started =
        metrics::MetricsServer::Start(metrics_listen, process_metrics);
    if (!started.ok()) return Fail(name, started.status().message());
    metrics_server = *std::move(started);
  }
  absl::StatusOr<std::unique_ptr<GrpcServer>> server =
      GrpcServer::Start(options, (*component)->GrpcServices());
  if (!server.ok()) return Fail(name, server.status().message());
  if (absl::Status serving = (*component)->OnServing((*server)->address()); !serving.ok()) {
    return Fail(name, serving.message());
  }
  // Scheduled backups start once the databases are open and migrated; the first set is due at
  // once unless the backup folder holds one younger than the interval.
  std::unique_ptr<BackupSchedule> backups;
  if (!common.backup_dir.empty()) {
    backups = std::make_unique<BackupSchedule>(backup_options, *common.clock);
    if (common.metrics != nullptr) AddBackupMetrics(*common.metrics, *backups, *common.clock);
    backups->Start();
  }
  (*server)->SetServing(true);
  for (const auto& [service, serving] : (*component)->HealthDetails()) {
    (*server)->SetServiceServing(service, serving);
  }
  // The named entries can change while serving (a feed consumer that halted): read again every
  // 5 s until shutdown begins.
  absl::Mutex health_mu;
  bool health_stop = false;
  std::thread health_refresher([&] {
    absl::MutexLock lock(&health_mu);
    auto stop = [&health_stop] { return health_stop; };
    while (!health_mu.AwaitWithTimeout(absl::Condition(&stop), absl::Seconds(5))) {
      for (const auto& [service, serving] : (*component)->HealthDetails()) {
        (*server)->SetServiceServing(service, serving);
      }
    }
  });
  // The first word after "listening on" is an address clients on this host can dial (tests and
  // scripts read it); the bound address follows for operators.
  std::cout << name << " listening on " << (*server)->address() << " (--listen="
            << options.listen_address << ", data: " << common.data_dir
            << (guard ? ", security: on" : ", security: OFF");
  if ((*server)->health_port() != 0) std::cout << ", health port " << (*server)->health_port();
  if (metrics_server != nullptr) std::cout << ", metrics port " << metrics_server->port();
  if (guard) {
    // The key ids this process accepts (a rotation shows two).
    std::cout << ", token key ids:" << token_key_ids;
  }
  std::cout << ")" << std::endl;
  lifecycle.Info("started", {{"address", (*server)->address()},
                             {"listen", options.listen_address},
                             {"data_dir", common.data_dir},
                             {"security", guard ? "on" : "OFF"},
                             {"health_port", static_cast<int64_t>((*server)->health_port())},
                             {"metrics_port", static_cast<int64_t>(
                                                  metrics_server ? metrics_server->port() : 0)},
                             {"log_level", log::LogLevelName(*log_level)}});

  int signal_number = 0;
  while (true) {
    sigwait(&stop_signals, &signal_number);
    if (signal_number != SIGHUP) break;
    lifecycle.Info("reloading", {{"signal", strsignal(signal_number)}});
    (*component)->OnReload();
  }
  lifecycle.Info("stopping", {{"signal", strsignal(signal_number)}});
  {
    absl::MutexLock lock(&health_mu);
    health_stop = true;
  }
  health_refresher.join();
  (*component)->OnStopping();
  (*server)->Shutdown();
  (*server)->Wait();
  // Scrapes read the component's stores: stop them before the component stops.
  metrics_server.reset();
  // A set being taken finishes first (it reads the databases through its own connections).
  if (backups != nullptr) backups->Stop();
  (*component)->Stop();
  security::InstallProcessGuard(nullptr);
  lifecycle.Info("stopped");
  return 0;
}

}  // namespace unemployment::server
