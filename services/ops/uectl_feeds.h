#pragma once

// The parts of `uectl feed-status` (uectl_feeds.cc) that tests call directly: a GET of a
// Prometheus endpoint, the text format's samples, and the table of feed consumers built from them.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace unemployment::ops {

// One sample of the Prometheus text format.
struct MetricSample {
  std::string name;
  std::map<std::string, std::string> labels;
  double value = 0;
};

// One consumer of one feed in one service.
struct FeedStatusRow {
  std::string service;
  std::string feed;
  std::optional<int64_t> head;  // the producer's last sequence, when scraped
  int64_t cursor = 0;
  bool connected = false;
  bool halted = false;
};

struct FeedStatusTable {
  std::vector<FeedStatusRow> rows;     // by (service, feed)
  std::map<std::string, int64_t> heads;  // feed -> the producer's last sequence
};

// The body of http://<address>/metrics. UNAVAILABLE when it cannot be read within `timeout`.
absl::StatusOr<std::string> HttpGetMetrics(const std::string& address, absl::Duration timeout);

// The samples of a Prometheus text exposition (comments and malformed lines skipped).
std::vector<MetricSample> ParseMetricsText(absl::string_view text);

// The consumers found in `scrapes` (one sample list per endpoint), with the heads of the feeds.
FeedStatusTable BuildFeedStatus(const std::vector<std::vector<MetricSample>>& scrapes);

}  // namespace unemployment::ops
