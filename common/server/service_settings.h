#pragma once

// Start-up, part 1 of 3 (RunServiceMain in service_main.h runs them in order): the settings every
// service shares. Defines them, reads them into the server's options and the CommonSettings the
// component gets, and prepares the data folder (lock, backups, durability).
//
// Errors are statuses whose code says how the process exits: INVALID_ARGUMENT (UsageError) is bad
// command-line usage, exit 2; any other code exits 1 (StartupError wraps a failure whose own code
// must not count as usage).

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/log/log_level.h"
#include "common/log/logger.h"
#include "common/server/backup_schedule.h"
#include "common/server/grpc_server.h"
#include "common/server/peer_channels.h"
#include "common/server/service_main.h"
#include "common/server/settings.h"
#include "common/store/data_dir_lock.h"
#include "common/time/clock.h"

namespace unemployment::server {

// Bad command-line usage: exit code 2.
absl::Status UsageError(absl::string_view message);
// Any other start-up failure: exit code 1, whatever the code of the failure it describes.
absl::Status StartupError(absl::string_view message);
// The exit code of a start-up failure: 2 for UsageError, else 1.
int StartupExitCode(const absl::Status& status);

// The common settings as read from the command line and environment. Holds what CommonSettings
// points to (clock, peers), so it is not moved once built.
struct ServiceSettings {
  log::LogLevel log_level = log::LogLevel::kInfo;
  // Listener, TLS files, message limit, shutdown grace, health listener. The security part and
  // the call observation fill in the rest.
  ServerOptions server;
  // Handed to the component; clock and peers point into this object.
  CommonSettings common;
  // The scheduled backups; used when common.backup_dir is set.
  BackupScheduleOptions backups;
  // --metrics_listen (empty: metrics off).
  std::string metrics_listen;

  time::SystemClock system_clock;
  std::unique_ptr<time::OffsetClock> offset_clock;  // with --clock_start
  std::unique_ptr<PeerChannels> peers;
};

// Reads the parsed `settings` of service `name`: log level (also made the process's), server
// options, business clock, peer channels, metrics address. Checks nothing on disk.
absl::StatusOr<std::unique_ptr<ServiceSettings>> ReadServiceSettings(const Settings& settings,
                                                                     const std::string& name);

// Creates and checks the data folder and takes its lock (held until the process exits: one live
// process per data folder), reads the backup settings (creating --backup_dir), checks durability
// (a warning on `lifecycle` when allowed below FULL) and, for the power-loss test, installs the
// fault VFS before any database is opened.
absl::StatusOr<store::DataDirLock> PrepareDataFolder(const Settings& settings,
                                                     ServiceSettings& service,
                                                     const log::Logger& lifecycle);

// Below FULL, SQLite may acknowledge a commit whose WAL frames are not yet on disk, so an
// acknowledged application (or audit entry) can vanish on power loss. That is refused unless the
// operator says explicitly that this process is for development or a benchmark. True: durable;
// false: not durable, and allowed.
absl::StatusOr<bool> CheckDurability(const Settings& settings, const std::string& synchronous);

}  // namespace unemployment::server
