#include "tests/bench/load_runner.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <memory>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"

namespace unemployment::bench {
namespace {

constexpr size_t kSampleErrors = 5;

const char* CodeName(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK:
      return "OK";
    case grpc::StatusCode::CANCELLED:
      return "CANCELLED";
    case grpc::StatusCode::UNKNOWN:
      return "UNKNOWN";
    case grpc::StatusCode::INVALID_ARGUMENT:
      return "INVALID_ARGUMENT";
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return "DEADLINE_EXCEEDED";
    case grpc::StatusCode::NOT_FOUND:
      return "NOT_FOUND";
    case grpc::StatusCode::ALREADY_EXISTS:
      return "ALREADY_EXISTS";
    case grpc::StatusCode::PERMISSION_DENIED:
      return "PERMISSION_DENIED";
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return "RESOURCE_EXHAUSTED";
    case grpc::StatusCode::FAILED_PRECONDITION:
      return "FAILED_PRECONDITION";
    case grpc::StatusCode::ABORTED:
      return "ABORTED";
    case grpc::StatusCode::OUT_OF_RANGE:
      return "OUT_OF_RANGE";
    case grpc::StatusCode::UNIMPLEMENTED:
      return "UNIMPLEMENTED";
    case grpc::StatusCode::INTERNAL:
      return "INTERNAL";
    case grpc::StatusCode::UNAVAILABLE:
      return "UNAVAILABLE";
    case grpc::StatusCode::DATA_LOSS:
      return "DATA_LOSS";
    case grpc::StatusCode::UNAUTHENTICATED:
      return "UNAUTHENTICATED";
    default:
      return "CODE_UNKNOWN_TO_BENCH";
  }
}

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// Shared by the callers of one run. Each item's slots are written once, by the completion of that
// item's call, so they need no lock; the counters and the error samples do.
class ClosedLoop {
 public:
  ClosedLoop(size_t first, size_t count, const StartCallFn& start)
      : first_(first), count_(count), start_(start), latency_ns_(count), codes_(count) {}

  // One caller: take the next item, start its call, and go on from its completion.
  void NextCall() {
    const size_t slot = next_.fetch_add(1, std::memory_order_relaxed);
    if (slot >= count_) {
      absl::MutexLock lock(&mu_);
      if (--active_callers_ == 0) finished_ = true;
      return;
    }
    const int64_t started = NowNs();
    start_(first_ + slot, [this, slot, started](const grpc::Status& status) {
      latency_ns_[slot] = NowNs() - started;
      codes_[slot] = status.error_code();
      if (!status.ok()) {
        absl::MutexLock lock(&mu_);
        if (samples_.size() < kSampleErrors) {
          std::string sample =
              absl::StrCat(CodeName(status.error_code()), ": ", status.error_message());
          if (std::find(samples_.begin(), samples_.end(), sample) == samples_.end()) {
            samples_.push_back(std::move(sample));
          }
        }
      }
      NextCall();
    });
  }

  LoadResult Run(int concurrency) {
    const int callers = std::max(1, concurrency);
    {
      absl::MutexLock lock(&mu_);
      active_callers_ = callers;
    }
    const int64_t begin = NowNs();
    for (int i = 0; i < callers; ++i) NextCall();
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(&finished_));
    }
    const int64_t end = NowNs();

    LoadResult result;
    result.calls = count_;
    result.wall = absl::Nanoseconds(end - begin);
    result.latencies_us.reserve(count_);
    for (size_t i = 0; i < count_; ++i) {
      result.latencies_us.push_back(latency_ns_[i] / 1000);
      if (codes_[i] == grpc::StatusCode::OK) {
        ++result.ok;
      } else {
        ++result.errors[codes_[i]];
      }
    }
    std::sort(result.latencies_us.begin(), result.latencies_us.end());
    absl::MutexLock lock(&mu_);
    result.sample_errors = samples_;
    return result;
  }

 private:
  const size_t first_;
  const size_t count_;
  const StartCallFn& start_;
  std::atomic<size_t> next_{0};
  std::vector<int64_t> latency_ns_;
  std::vector<grpc::StatusCode> codes_;

  absl::Mutex mu_;
  int active_callers_ ABSL_GUARDED_BY(mu_) = 0;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::string> samples_ ABSL_GUARDED_BY(mu_);
};

}  // namespace

double LoadResult::Throughput() const {
  const double seconds = absl::ToDoubleSeconds(wall);
  return seconds > 0 ? static_cast<double>(ok) / seconds : 0.0;
}

double LoadResult::PercentileMs(double p) const {
  if (latencies_us.empty()) return 0.0;
  const double rank = std::ceil(p / 100.0 * static_cast<double>(latencies_us.size()));
  const size_t index =
      std::min(latencies_us.size() - 1, static_cast<size_t>(std::max(1.0, rank)) - 1);
  return static_cast<double>(latencies_us[index]) / 1000.0;
}

LoadResult RunClosedLoop(size_t first, size_t count, int concurrency, const StartCallFn& start) {
  if (count == 0) return LoadResult();
  auto loop = std::make_unique<ClosedLoop>(first, count, start);
  return loop->Run(concurrency);
}

std::string FormatErrors(const LoadResult& result) {
  if (result.errors.empty()) return "none";
  std::vector<std::string> parts;
  for (const auto& [code, n] : result.errors) {
    parts.push_back(absl::StrCat(CodeName(code), " ", n));
  }
  return absl::StrJoin(parts, ", ");
}

}  // namespace unemployment::bench
