// Severity of a log line.
#pragma once

#include "absl/strings/string_view.h"

namespace unemployment::log {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarning = 2, kError = 3 };

// The name written in a line: "DEBUG", "INFO", "WARN", "ERROR".
absl::string_view LogLevelName(LogLevel level);

}  // namespace unemployment::log
