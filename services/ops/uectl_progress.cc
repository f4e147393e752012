#include "services/ops/uectl_progress.h"

#include <algorithm>
#include <chrono>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"

namespace unemployment::ops {

namespace {
constexpr int64_t kUnknownTotalStep = int64_t{64} << 20;
}  // namespace

std::string FormatBytes(int64_t bytes) {
  if (bytes < 1024) return absl::StrCat(bytes, " B");
  if (bytes < (int64_t{1} << 20)) return absl::StrFormat("%.1f KiB", bytes / 1024.0);
  if (bytes < (int64_t{1} << 30)) return absl::StrFormat("%.1f MiB", bytes / 1048576.0);
  return absl::StrFormat("%.2f GiB", bytes / 1073741824.0);
}

ProgressMeter::ProgressMeter(std::ostream& out, std::string label, std::optional<int64_t> total,
                             bool terminal)
    : out_(out), label_(std::move(label)), total_(total), terminal_(terminal) {}

std::string ProgressMeter::Line(int64_t sent) const {
  if (!total_.has_value()) return absl::StrCat(label_, ": sent ", FormatBytes(sent));
  const int percent = *total_ > 0 ? static_cast<int>(sent * 100 / *total_) : 100;
  return absl::StrCat(label_, ": sent ", FormatBytes(sent), " of ", FormatBytes(*total_), " (",
                      percent, "%)");
}

void ProgressMeter::Update(int64_t sent) {
  if (terminal_) {
    out_ << "\r" << Line(sent) << "\x1b[K" << std::flush;
    drawn_ = true;
    return;
  }
  if (sent < next_report_) return;
  out_ << Line(sent) << "\n" << std::flush;
  const int64_t step = total_.has_value() ? std::max<int64_t>(1, *total_ / 10) : kUnknownTotalStep;
  // The next multiple of step after `sent`, so one big chunk does not cause several lines.
  next_report_ = (sent / step + 1) * step;
  if (total_.has_value() && next_report_ > *total_) next_report_ = *total_;
  if (total_.has_value() && sent >= *total_) next_report_ = INT64_MAX;
}

void ProgressMeter::Finish() {
  if (terminal_ && drawn_) out_ << "\n" << std::flush;
  drawn_ = false;
}

ElapsedTicker::ElapsedTicker(std::ostream& out, std::string label, absl::Duration interval)
    : out_(out), label_(std::move(label)), interval_(interval) {
  thread_ = std::thread([this] {
    const absl::Time start = absl::Now();
    std::unique_lock<std::mutex> lock(mutex_);
    while (!stop_requested_.wait_for(lock, absl::ToChronoMilliseconds(interval_),
                                     [this] { return stop_; })) {
      out_ << label_ << ": still running after "
           << absl::FormatDuration(absl::Trunc(absl::Now() - start, absl::Seconds(1))) << "\n"
           << std::flush;
    }
  });
}

ElapsedTicker::~ElapsedTicker() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  stop_requested_.notify_all();
  thread_.join();
}

}  // namespace unemployment::ops
