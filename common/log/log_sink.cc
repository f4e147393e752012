#include "common/log/log_sink.h"

#include <cstdio>

#include "absl/strings/str_cat.h"

namespace unemployment::log {

void StderrLogSink::Write(LogLevel /*level*/, absl::string_view line) {
  const std::string text = absl::StrCat(line, "\n");
  std::fwrite(text.data(), 1, text.size(), stderr);
  std::fflush(stderr);
}

StderrLogSink& StderrLogSink::Default() {
  static StderrLogSink* const kSink = new StderrLogSink;
  return *kSink;
}

void CapturingLogSink::Write(LogLevel /*level*/, absl::string_view line) {
  absl::MutexLock lock(&mu_);
  lines_.emplace_back(line);
}

std::vector<std::string> CapturingLogSink::Lines() const {
  absl::MutexLock lock(&mu_);
  return lines_;
}

void CapturingLogSink::Clear() {
  absl::MutexLock lock(&mu_);
  lines_.clear();
}

}  // namespace unemployment::log
