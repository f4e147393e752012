// Where log lines go. A sink receives one complete line (no trailing newline) per event.
#pragma once

#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "common/log/log_level.h"

namespace unemployment::log {

class LogSink {
 public:
  virtual ~LogSink() = default;

  // Writes one line. `line` never contains a line break. Called from any thread concurrently;
  // implementations must keep lines whole.
  virtual void Write(LogLevel level, absl::string_view line) = 0;
};

// Writes each line plus '\n' to stderr with a single fwrite, which stdio locks per stream, so
// lines from different threads (and different StderrLogSink objects) never interleave.
class StderrLogSink final : public LogSink {
 public:
  void Write(LogLevel level, absl::string_view line) override;

  // A shared instance, used by Logger when no sink is given. It holds no state of its own.
  static StderrLogSink& Default();
};

// Keeps every line in memory; for tests.
class CapturingLogSink final : public LogSink {
 public:
  void Write(LogLevel level, absl::string_view line) override;

  // A copy of the lines written so far, in order.
  std::vector<std::string> Lines() const;

  void Clear();

 private:
  mutable absl::Mutex mu_;
  std::vector<std::string> lines_ ABSL_GUARDED_BY(mu_);
};

}  // namespace unemployment::log
