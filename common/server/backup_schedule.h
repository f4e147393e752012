#pragma once

// Scheduled online backups of a service's databases into a separate folder (--backup_dir), with
// retention (--backup_keep), taken inside the service process.
//
// In the process, because with one pod per volume (ReadWriteOncePod) nothing else can mount the
// data volume while the service runs: a CronJob pod could not reach the files.
//
// Every --backup_interval (measured on the injected clock) the schedule takes one backup SET:
//
//   <backup_dir>/<service>-<UTC YYYYMMDDTHHMMSSZ>/
//       <every *.db of the data folder>     the service's database and audit.db, each copied with
//                                           store::BackupTo (SQLite online backup API, one read
//                                           snapshot per file: writers are never blocked)
//       <plain files, e.g. audit.anchor>    copied up to their last complete line, BEFORE the
//                                           databases: a checkpoint of the audit log's head is
//                                           then never newer than the audit.db copied after it,
//                                           so ue_audit_verify --anchor accepts the set
//
// A set is written as "<name>.partial/" and renamed when every file is complete and synced, so a
// set folder is either complete or absent; a .partial left by a crash is removed by the next run.
// After a successful set, the oldest sets beyond `keep` are removed (sets are named so that their
// order by name is their order in time). Sets taken before a migration (service_database.h) are
// named differently and never removed by the schedule.
//
// The schedule's time base survives restarts: at start the newest set in the folder counts as the
// last backup, so a pod that restarts in a loop does not take a set at each start (which would
// push the good sets out of retention).

#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/store/backup.h"
#include "common/time/clock.h"

namespace unemployment::server {

struct BackupScheduleOptions {
  // Prefix of the set folders ("<service>-...").
  std::string service_name;
  // The service's data folder: every "*.db" in it is backed up.
  std::string data_dir;
  // Where the sets go; must not be the data folder.
  std::string backup_dir;
  absl::Duration interval = absl::Hours(1);
  // Sets kept (>= 1); older ones are removed after each successful set.
  int keep = 12;
  // Files copied as they are (up to their last complete line), before the databases: the audit
  // log's anchor file. Missing files are skipped.
  std::vector<std::string> plain_files;
  store::BackupOptions copy;
};

// Checks the options on their own (interval >= 1 minute, keep >= 1, folders set and distinct).
absl::Status ValidateBackupScheduleOptions(const BackupScheduleOptions& options);

// The folder name of a set taken at `at`: "<service>-YYYYMMDDTHHMMSSZ".
std::string BackupSetName(const std::string& service_name, absl::Time at);

class BackupSchedule {
 public:
  // `clock` must outlive the schedule. Reads the backup folder for the newest existing set.
  BackupSchedule(BackupScheduleOptions options, const time::Clock& clock);
  ~BackupSchedule();

  BackupSchedule(const BackupSchedule&) = delete;
  BackupSchedule& operator=(const BackupSchedule&) = delete;

  // Takes a set when `interval` has passed since the last successful one (or when there is none).
  // true: a set was taken. A failure is counted, logged by the caller, and retried at the next
  // call (the time base does not move).
  absl::StatusOr<bool> RunIfDue();

  // Takes a set now; returns its folder. Errors: the first file that failed (RESOURCE_EXHAUSTED
  // when the backup volume is full); the partial set is removed.
  absl::StatusOr<std::string> RunNow();

  // Names of the complete sets in the folder, oldest first.
  std::vector<std::string> Sets() const;

  // Runs RunIfDue on a thread of its own, waking when the next set is due (and at least every
  // `check_every`, real time; a failed set is retried then), logging each set and each failure,
  // until Stop().
  void Start(absl::Duration check_every = absl::Minutes(1));
  void Stop();

  // For metrics: the instant of the newest complete set (InfinitePast: none), when the schedule
  // started, failures since start, the last set's duration and size.
  absl::Time last_success() const;
  absl::Time started() const { return started_; }
  int64_t failures() const;
  absl::Duration last_duration() const;
  int64_t last_bytes() const;
  const BackupScheduleOptions& options() const { return options_; }

 private:
  absl::Status Prune();

  const BackupScheduleOptions options_;
  const time::Clock& clock_;
  const absl::Time started_;
  mutable absl::Mutex mu_;
  absl::Time last_success_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  int64_t failures_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Duration last_duration_ ABSL_GUARDED_BY(mu_);
  int64_t last_bytes_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  // One set at a time (the thread and a caller of RunNow).
  absl::Mutex run_mu_;
  std::thread thread_;
};

}  // namespace unemployment::server
