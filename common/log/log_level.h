// Severity of a log line.
#pragma once

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace unemployment::log {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarning = 2, kError = 3 };

// The name written in a line: "DEBUG", "INFO", "WARN", "ERROR".
absl::string_view LogLevelName(LogLevel level);

// Parses a --log_level value: "debug", "info", "warning" (or "warn"), "error", any case.
// INVALID_ARGUMENT otherwise.
absl::StatusOr<LogLevel> ParseLogLevel(absl::string_view text);

// The process's lowest level written (the --log_level setting of the shared main; default INFO):
// every Logger drops lines below it as well as below its own minimum. Thread-safe.
void SetProcessLogLevel(LogLevel level);
LogLevel ProcessLogLevel();

}  // namespace unemployment::log
