// Online backup and restore for ue::store (SQLite backup API).
#pragma once

#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "common/store/database.h"

namespace unemployment::store {

struct BackupOptions {
  // Pages copied per sqlite3_backup_step. Smaller steps hold the source's lock for a shorter time.
  int pages_per_step = 1024;
  // Pause between steps, to leave the disk to the service's writer during a large backup.
  absl::Duration pause_between_steps = absl::ZeroDuration();
};

// Copies the live database behind `src` into a new file `dest_path` while the service keeps
// running.
//
// In WAL mode the copy is taken from one read snapshot held across all steps: writers on other
// connections are never blocked and the copy is a consistent point in time. In rollback-journal
// mode the source lock is held only during each step, so writers wait at most one step; a write
// through another connection makes SQLite restart the copy.
//
// `src` must not be used by another thread meanwhile: give the backup its own connection (e.g. a
// read-only Database on the service's file) so the service's writer keeps going.
//
// The copy is written to "<dest_path>.partial", synced, checked with PRAGMA quick_check and then
// renamed to `dest_path`, so `dest_path` is either absent or a complete backup. Errors:
//   kAlreadyExists        `dest_path` exists (backups are never overwritten);
//   kFailedPrecondition   `src` is inside a transaction, or the destination directory is unusable;
//   kResourceExhausted    the destination disk is full (the partial file is removed);
//   kDataLoss             the copy fails its check.
absl::Status BackupTo(Database& src, const std::string& dest_path,
                      const BackupOptions& options = BackupOptions());

// Restores: replaces the contents of the database at `dest_path` (created if missing) with the
// backup at `backup_path`, after PRAGMA integrity_check passes on the backup (kDataLoss otherwise).
//
// The copy goes through SQLite (backup API into a connection on `dest_path`), so the destination's
// WAL and lock files stay consistent; do not copy backup files over a database with cp. Stop the
// service first: the restore holds the destination's write lock until it is done, and a running
// service would carry on from a state that was rewritten under it.
//
// The other way to restore is to point the service's database path at a backup file itself (after
// copying it somewhere writable): a backup is a complete SQLite database, and Open switches it to
// WAL mode on first use.
absl::Status RestoreFrom(const std::string& backup_path, const std::string& dest_path);

}  // namespace unemployment::store
