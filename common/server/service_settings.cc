#include "common/server/service_settings.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/store/database.h"
#include "common/store/testing/fault_vfs.h"

namespace unemployment::server {
namespace {

struct SettingSpec {
  const char* name;
  const char* default_value;
  const char* help;
};

// Every common setting but --listen and --data_dir (their defaults depend on the service).
constexpr SettingSpec kCommonSettings[] = {
    {"sqlite_synchronous", "FULL",
     "SQLite synchronous mode: FULL (an acknowledged write survives power loss), "
     "NORMAL, OFF or EXTRA"},
    {"allow_non_durable_storage", "false",
     "development and benchmarks only: accept --sqlite_synchronous below FULL, where "
     "an acknowledged write can be lost on power loss"},
    {"testing_power_loss_storage", "false",
     "TESTING ONLY (tests/python/test_power_loss.py): every SQLite write (the audit "
     "log's included) is held in this process's memory until its file is synced, so "
     "that kill -9 loses exactly what a power cut would; slower, and never for real "
     "data"},
    {"data_key_file", "",
     "keyring file sealing personal data at rest (see deploy/README.md, Security); "
     "empty: <data_dir>/data.key, created when missing (local development only)"},
    {"tls_cert", "", "PEM server certificate; with --tls_key enables TLS"},
    {"tls_key", "", "PEM private key of --tls_cert"},
    {"tls_client_ca", "", "PEM CA that client certificates must chain to (mTLS)"},
    {"max_message_bytes", "4194304", "largest request or response message, bytes"},
    {"shutdown_grace", "10s", "how long SIGTERM waits for in-flight calls"},
    {"security_policy", "",
     "access policy file (data/security/policy); given: mutual TLS, caller tokens, "
     "role x method authorisation, rate limits and the audit log are on and "
     "--tls_cert, --tls_key, --tls_client_ca, --token_public_keys, --audit_key_file are "
     "required. Empty: security OFF (loopback development only)"},
    {"token_public_keys", "",
     "Ed25519 public key(s) that verify caller tokens: a PEM file, or a folder whose "
     "*.pub files are all accepted (two during a key rotation); services never hold "
     "the signing key"},
    {"token_key_file", "",
     "RETIRED (symmetric token key): refused when set; use --token_public_keys"},
    {"audit_key_file", "", "file with the hex key of the audit log's hash chain"},
    {"audit_anchor_file", "",
     "file the audit log appends signed checkpoints of its head to (detects removed "
     "newest entries; put it on another volume than the data folder); empty: "
     "<data_dir>/audit.anchor"},
    {"audit_anchor_every", "100", "entries between two checkpoints of the audit log"},
    {"audit_anchor_interval", "10s", "longest time entries of the audit log wait for a checkpoint"},
    {"health_listen", "",
     "host:port of a plaintext listener serving only grpc.health.v1.Health (probes)"},
    {"metrics_listen", "",
     "host:port of a plaintext HTTP listener serving Prometheus metrics at /metrics "
     "(port 0 picks a free one); empty: metrics off"},
    {"access_log", "true",
     "one log line per call (event=rpc request_id method code duration_ms); false: "
     "none (request ids still reach the other log lines and peers)"},
    {"rate_limit", "100", "calls per second one caller may make (0: no limit)"},
    {"rate_limit_burst", "200", "calls one caller may make at once above the rate"},
    {"max_call_deadline", "10m",
     "with security on: unary calls must carry a deadline no longer than this"},
    {"peer_tls_ca", "",
     "PEM CA that peer services' certificates chain to (default: --tls_client_ca); "
     "set: outbound calls use TLS"},
    {"peer_tls_cert", "", "PEM client certificate presented to peer services"},
    {"peer_tls_key", "", "PEM private key of --peer_tls_cert"},
    {"peer_token_file", "", "file with a call token sent to peer services (optional)"},
    {"backup_dir", "",
     "folder (on another volume than --data_dir) for scheduled online backups of every "
     "database of the data folder, the audit log included, and for the copy taken "
     "before a migration; empty: no backups"},
    {"backup_interval", "1h",
     "time between two scheduled backup sets (at least 1m): the recovery point"},
    {"backup_keep", "12", "backup sets kept in --backup_dir; older ones are removed"},
    {"log_level", "info", "lowest level of the log lines written: debug, info, warning or error"},
    {"clock_start", "",
     "for acceptance tests only: RFC 3339 instant the business clock starts at "
     "(e.g. 2025-09-26T09:00:00+08:00); empty: the system clock"},
};

}  // namespace

absl::Status UsageError(absl::string_view message) { return absl::InvalidArgumentError(message); }

absl::Status StartupError(absl::string_view message) {
  return absl::FailedPreconditionError(message);
}

int StartupExitCode(const absl::Status& status) {
  return status.code() == absl::StatusCode::kInvalidArgument ? 2 : 1;
}

void DefineCommonSettings(Settings& settings, const ServiceDefinition& definition) {
  settings.Define("listen", absl::StrCat("127.0.0.1:", definition.default_port),
                  "address to listen on, host:port (port 0 picks a free port)");
  settings.Define("data_dir", absl::StrCat("var/", definition.name),
                  "folder for this service's SQLite database (created if missing)");
  for (const SettingSpec& spec : kCommonSettings) {
    settings.Define(spec.name, spec.default_value, spec.help);
  }
}

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
      "setting --sqlite_synchronous=", synchronous,
      " would lose acknowledged writes on power "
      "loss; use FULL, or set --allow_non_durable_storage=true (development and benchmarks only)"));
}

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

absl::StatusOr<std::unique_ptr<ServiceSettings>> ReadServiceSettings(const Settings& settings,
                                                                     const std::string& name) {
  auto service = std::make_unique<ServiceSettings>();
  absl::StatusOr<log::LogLevel> log_level = log::ParseLogLevel(settings.Get("log_level"));
  if (!log_level.ok()) {
    return UsageError(absl::StrCat("setting --log_level: ", log_level.status().message()));
  }
  service->log_level = *log_level;
  log::SetProcessLogLevel(*log_level);

  ServerOptions& options = service->server;
  options.listen_address = settings.Get("listen");
  options.tls_cert_file = settings.Get("tls_cert");
  options.tls_key_file = settings.Get("tls_key");
  options.tls_client_ca_file = settings.Get("tls_client_ca");
  absl::StatusOr<int64_t> max_bytes = settings.GetInt("max_message_bytes");
  if (!max_bytes.ok()) return UsageError(max_bytes.status().message());
  if (*max_bytes < 1024 || *max_bytes > (1 << 30)) {
    return UsageError("setting --max_message_bytes must be between 1024 and 1073741824");
  }
  options.max_message_bytes = static_cast<int>(*max_bytes);
  absl::StatusOr<absl::Duration> grace = settings.GetDuration("shutdown_grace");
  if (!grace.ok()) return UsageError(grace.status().message());
  options.shutdown_grace = *grace;
  if (absl::Status valid = ValidateListenAddress(options.listen_address); !valid.ok()) {
    return UsageError(valid.message());
  }
  options.health_listen_address = settings.Get("health_listen");

  if (std::string start = settings.Get("clock_start"); !start.empty()) {
    absl::Time instant;
    std::string error;
    if (!absl::ParseTime(absl::RFC3339_full, start, &instant, &error)) {
      return UsageError(
          absl::StrCat("setting --clock_start must be an RFC 3339 instant such as "
                       "2025-09-26T09:00:00+08:00, got '",
                       start, "'"));
    }
    service->offset_clock = std::make_unique<time::OffsetClock>(instant);
  }
  absl::StatusOr<PeerChannels> peers = PeerChannels::FromSettings(settings);
  if (!peers.ok()) return UsageError(peers.status().message());
  service->peers = std::make_unique<PeerChannels>(*std::move(peers));
  service->common = CommonSettings{
      name, settings.Get("data_dir"), settings.Get("sqlite_synchronous"),
      service->offset_clock ? static_cast<const time::Clock*>(service->offset_clock.get())
                            : &service->system_clock,
      service->peers.get()};
  service->metrics_listen = settings.Get("metrics_listen");
  return service;
}

absl::StatusOr<store::DataDirLock> PrepareDataFolder(const Settings& settings,
                                                     ServiceSettings& service,
                                                     const log::Logger& lifecycle) {
  CommonSettings& common = service.common;
  const std::string& name = common.service_name;
  if (absl::Status dir = EnsureWritableDirectory(common.data_dir); !dir.ok()) {
    return StartupError(dir.message());
  }
  absl::StatusOr<store::DataDirLock> data_dir_lock = store::DataDirLock::Acquire(common.data_dir);
  if (!data_dir_lock.ok()) return StartupError(data_dir_lock.status().message());
  BackupScheduleOptions& backup_options = service.backups;
  if (std::string backup_dir = settings.Get("backup_dir"); !backup_dir.empty()) {
    absl::StatusOr<absl::Duration> interval = settings.GetDuration("backup_interval");
    if (!interval.ok()) return UsageError(interval.status().message());
    absl::StatusOr<int64_t> keep = settings.GetInt("backup_keep");
    if (!keep.ok()) return UsageError(keep.status().message());
    backup_options.service_name = name;
    backup_options.data_dir = common.data_dir;
    backup_options.backup_dir = backup_dir;
    backup_options.interval = *interval;
    backup_options.keep = static_cast<int>(std::min<int64_t>(*keep, 1 << 20));
    if (absl::Status valid = ValidateBackupScheduleOptions(backup_options); !valid.ok()) {
      return UsageError(valid.message());
    }
    if (absl::Status dir = EnsureWritableDirectory(backup_dir); !dir.ok()) {
      return StartupError(absl::StrCat("setting --backup_dir: ", dir.message()));
    }
    common.backup_dir = backup_dir;
  }
  absl::StatusOr<bool> durable = CheckDurability(settings, common.sqlite_synchronous);
  if (!durable.ok()) return UsageError(durable.status().message());
  if (!*durable) {
    lifecycle.Warning("storage_not_durable",
                      {{"sqlite_synchronous", common.sqlite_synchronous},
                       {"detail",
                        "--allow_non_durable_storage: an acknowledged write, the audit log "
                        "included, can be lost on power loss. Development and benchmarks only."}});
  }
  absl::StatusOr<bool> power_loss = settings.GetBool("testing_power_loss_storage");
  if (!power_loss.ok()) return UsageError(power_loss.status().message());
  if (*power_loss) {
    // Before any database (the audit log's included) is opened: store/testing/fault_vfs.h.
    store::testing::FaultVfs::Install().EnablePowerLoss();
    lifecycle.Warning("testing_power_loss_storage",
                      {{"detail",
                        "TESTING ONLY: every database write is held in this process's memory "
                        "until its file is synced, and is lost if the process is killed before (a "
                        "simulated power cut). Never use this for real data."}});
  }
  return data_dir_lock;
}

}  // namespace unemployment::server
