#pragma once

// How fast the disk under the data folder commits right now: the figure that bounds every
// durable write path. Shared machines vary by orders of magnitude (ARCHITECTURE.md measured about
// 8,000 single-row commits/s; a busy neighbour can make it a few hundred), so the benchmark prints
// it next to its results.

#include <string>

#include "absl/status/statusor.h"

namespace unemployment::bench {

// Single-row commits per second of a fresh SQLite file in `dir` (WAL, synchronous=FULL, as the
// services open theirs), measured over `commits` commits. The file is removed afterwards.
absl::StatusOr<double> MeasureCommitRate(const std::string& dir, int commits);

}  // namespace unemployment::bench
