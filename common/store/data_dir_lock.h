#pragma once

// One live process per data folder. SQLite's own locks let two processes open the same file and
// take turns writing, which is exactly what must never happen to a service's record (two writers
// each believing they own the event sequence, the group commit and the audit chain). A service
// therefore holds an exclusive advisory lock (flock) on "<data_dir>/LOCK" for as long as it runs;
// a second process started on the same folder (a replacement pod that came up before the old one
// stopped, an operator's restore run against a live service) refuses to start with a clear message.
//
// The kernel drops the lock when the process dies, however it dies (kill -9 included), so a
// crashed service never leaves a stale lock behind. flock is local to one machine: on a shared
// volume the Kubernetes manifests' one-pod-per-volume access mode is what keeps a second node out.

#include <string>

#include "absl/status/statusor.h"

namespace unemployment::store {

class DataDirLock final {
 public:
  // Takes the lock of `data_dir` (which must exist) without waiting. FAILED_PRECONDITION naming the
  // folder and the holder's process id when another process holds it; INTERNAL when the lock file
  // cannot be opened.
  static absl::StatusOr<DataDirLock> Acquire(const std::string& data_dir);

  DataDirLock(DataDirLock&& other) noexcept;
  DataDirLock& operator=(DataDirLock&& other) noexcept;
  DataDirLock(const DataDirLock&) = delete;
  DataDirLock& operator=(const DataDirLock&) = delete;
  // Releases the lock.
  ~DataDirLock();

  const std::string& path() const { return path_; }

 private:
  DataDirLock(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}

  int fd_ = -1;
  std::string path_;
};

}  // namespace unemployment::store
