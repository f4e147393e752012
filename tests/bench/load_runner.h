#pragma once

// A closed-loop load generator on the gRPC async callback API: K logical callers, each starting its
// next call from the completion of the previous one, until N calls have been made. No thread is
// held per caller; completions run on gRPC's own threads.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "grpcpp/support/status.h"

namespace unemployment::bench {

struct LoadResult {
  size_t calls = 0;
  size_t ok = 0;
  // Failed calls by status code.
  std::map<grpc::StatusCode, size_t> errors;
  // The first few distinct error messages, for the report.
  std::vector<std::string> sample_errors;
  absl::Duration wall;
  // Latency of every call (OK or not), in microseconds, sorted ascending.
  std::vector<int64_t> latencies_us;

  // OK calls per second of wall time.
  double Throughput() const;
  // Nearest-rank percentile (0 < p <= 100) of the latencies, in milliseconds.
  double PercentileMs(double p) const;
};

// Starts the call for item `index` and calls `done` exactly once with its status. `done` may be
// called on any thread; the function must not block.
using StartCallFn =
    std::function<void(size_t index, std::function<void(const grpc::Status&)> done)>;

// Makes calls for items [first, first + count) with `concurrency` callers; returns when all are
// done.
LoadResult RunClosedLoop(size_t first, size_t count, int concurrency, const StartCallFn& start);

// "OK 19998, UNAVAILABLE 2" style summary of the error counts ("none" when empty).
std::string FormatErrors(const LoadResult& result);

}  // namespace unemployment::bench
