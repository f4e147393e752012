// Test support: a SQLite VFS shim that injects storage faults (disk full, I/O errors).
//
// FaultVfs wraps the process's default VFS and becomes the new default, so every Database opened
// afterwards goes through it without any change to the code under test. It passes every call
// through until a fault is armed; then the chosen write-class operation (xWrite, xTruncate, xSync
// on a main database, WAL or journal file whose path starts with the configured prefix) fails with
// SQLITE_FULL or SQLITE_IOERR_*, exactly as the unix VFS reports ENOSPC or EIO. Reads and shared
// memory are never faulted, so a connection recovers once the fault is cleared.
//
// Power-loss mode (EnablePowerLoss): the shim also keeps every write and truncation of those files
// in memory, per file and in order, and hands them to the real file only on that file's xSync
// (reads, xFileSize and every connection of the process see them at once, as with a page cache).
// A write that was never synced therefore lives only in this process: `kill -9` of the process
// loses exactly what a power cut would have lost, and a restarted process finds what was synced.
// The real service binaries turn it on with --testing_power_loss_storage (common/server), so the
// power-loss test (tests/python/test_power_loss.py) cuts the "power" of real processes under load.
//
// Thread-safe; the counters are process-wide. Meant for tests only: link ue::store_testing.
#pragma once

#include <cstdint>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace unemployment::store::testing {

enum class Fault {
  kDiskFull,  // SQLITE_FULL, what the unix VFS returns for ENOSPC
  kIoError,   // SQLITE_IOERR_WRITE / _FSYNC / _TRUNCATE, what it returns for EIO
};

// Which operations count towards (and can receive) a fault.
enum class FaultTarget {
  kWritesAndSyncs,  // xWrite, xTruncate and xSync
  kSyncsOnly,       // xSync only (data reached the file but could not be made durable)
};

struct FaultPlan {
  Fault fault = Fault::kDiskFull;
  FaultTarget target = FaultTarget::kWritesAndSyncs;
  // Matching operations that still succeed before the first fault (0: the next one fails).
  int64_t skip = 0;
  // true: every matching operation after the first fault fails too (a disk that stays full);
  // false: only one operation fails (a transient error).
  bool sticky = true;
};

class FaultVfs final {
 public:
  // Registers the shim as the default VFS on first use and returns it. Never unregistered.
  static FaultVfs& Install();

  FaultVfs(const FaultVfs&) = delete;
  FaultVfs& operator=(const FaultVfs&) = delete;

  // Only files whose path starts with `prefix` are faulted ("" = every file). Tests pass their
  // temporary directory so that parallel work elsewhere in the process is not affected.
  void SetPathPrefix(std::string prefix);
  // Arms a fault; replaces any armed plan.
  void Arm(const FaultPlan& plan);
  // Disarms: every operation succeeds again, and operations() counts writes and syncs alike.
  void Clear();

  // Matching write-class operations seen (faulted or not) since the last Arm/Clear/ResetCounters.
  int64_t operations() const;
  // Faults injected since the last Arm/Clear/ResetCounters.
  int64_t faults() const;
  void ResetCounters();

  // Power-loss mode, process-wide and never turned off again: every write or truncation of a main
  // database, WAL or rollback journal (any path) is held in memory until that file's xSync. Call
  // before the first database is opened.
  void EnablePowerLoss();
  bool power_loss() const;
  // Drops every write not yet synced, in this process (the in-process form of a power cut; a real
  // process is simply killed with SIGKILL). Connections still open must not be used afterwards.
  void CutPower();
  // Bytes written and not yet synced (held in memory), over every file.
  int64_t unsynced_bytes() const;

  // Called by the shim for each write-class operation on `path`; returns SQLITE_OK or the error
  // to report. `is_sync` tells xSync apart; `io_error` is the SQLITE_IOERR_* code to use.
  int OnOperation(const char* path, bool is_sync, int io_error);

 private:
  FaultVfs() = default;

  mutable absl::Mutex mu_;
  std::string prefix_ ABSL_GUARDED_BY(mu_);
  bool armed_ ABSL_GUARDED_BY(mu_) = false;
  FaultPlan plan_ ABSL_GUARDED_BY(mu_);
  int64_t operations_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t faults_ ABSL_GUARDED_BY(mu_) = 0;
};

// Arms a plan for the lifetime of the object and clears it on destruction.
class ScopedFault final {
 public:
  explicit ScopedFault(const FaultPlan& plan) { FaultVfs::Install().Arm(plan); }
  ScopedFault(const ScopedFault&) = delete;
  ScopedFault& operator=(const ScopedFault&) = delete;
  ~ScopedFault() { FaultVfs::Install().Clear(); }
};

}  // namespace unemployment::store::testing
