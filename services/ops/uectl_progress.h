#pragma once

// Progress of long uectl work on stderr: bytes sent of a known or unknown total, and elapsed time
// while one long call runs.

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <ostream>
#include <string>
#include <thread>

#include "absl/time/time.h"

namespace unemployment::ops {

// "1.5 MiB", "812 B".
std::string FormatBytes(int64_t bytes);

// Reports bytes sent. On a terminal it redraws one line ("\r"); otherwise (logs, pipes) it prints
// a line at every tenth of the total, or every 64 MiB when the total is unknown, so a log is not
// flooded.
class ProgressMeter final {
 public:
  // `total` is nullopt when unknown (standard input).
  ProgressMeter(std::ostream& out, std::string label, std::optional<int64_t> total, bool terminal);

  // `sent` bytes are now on their way.
  void Update(int64_t sent);
  // Ends the line (terminal) after the last Update.
  void Finish();

 private:
  std::string Line(int64_t sent) const;

  std::ostream& out_;
  const std::string label_;
  const std::optional<int64_t> total_;
  const bool terminal_;
  int64_t next_report_ = 0;  // bytes at which the next line is due (non-terminal)
  bool drawn_ = false;
};

// While alive, prints "<label>: still running after 10s" to `out` every `interval`, so an
// operator sees a long call is alive. Stops (and joins its thread) when destroyed.
class ElapsedTicker final {
 public:
  ElapsedTicker(std::ostream& out, std::string label, absl::Duration interval);
  ~ElapsedTicker();
  ElapsedTicker(const ElapsedTicker&) = delete;
  ElapsedTicker& operator=(const ElapsedTicker&) = delete;

 private:
  std::ostream& out_;
  const std::string label_;
  const absl::Duration interval_;
  std::mutex mutex_;
  std::condition_variable stop_requested_;
  bool stop_ = false;  // guarded by mutex_
  std::thread thread_;
};

}  // namespace unemployment::ops
