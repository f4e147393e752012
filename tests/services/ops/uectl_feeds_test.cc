// uectl feed-status against real metrics listeners (common/metrics, port 0) exporting the feed
// families the services export (common/feed/feed_metrics.h): a producer's head and consumers'
// cursors, connected and halted states, one line per consumer with its lag; exit 1 when a
// consumer is halted or an endpoint does not answer.
#include <catch2/catch.hpp>

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/feed/feed_metrics.h"
#include "common/metrics/metrics.h"
#include "services/ops/uectl_feeds.h"
#include "tests/services/ops/test_util.h"

namespace unemployment::ops {
namespace {

using Catch::Matchers::Contains;
using testing::Uectl;

struct Endpoint {
  Endpoint(const std::string& service, std::function<void(metrics::Metrics&)> add) {
    auto metrics = std::make_shared<metrics::Metrics>(service);
    add(*metrics);
    server = *metrics::MetricsServer::Start("127.0.0.1:0", metrics);
    address = absl::StrCat("127.0.0.1:", server->port());
  }
  std::unique_ptr<metrics::MetricsServer> server;
  std::string address;
};

TEST_CASE("feed-status prints every consumer's lag and state, exit 1 on a halt", "[uectl][feeds]") {
  Endpoint registration("registration", [](metrics::Metrics& m) {
    feed::AddFeedHeadMetric(m, "registration/hlj", [] { return int64_t{1042}; });
  });
  Endpoint tiering("tiering", [](metrics::Metrics& m) {
    feed::AddFeedHeadMetric(m, "tiering", [] { return int64_t{77}; });
    feed::AddFeedConsumerMetrics(m, [] {
      return std::vector<feed::FeedPosition>{{"registration/hlj", 1042, true, false}};
    });
  });
  bool halted = false;
  Endpoint statistics("statistics", [&halted](metrics::Metrics& m) {
    feed::AddFeedConsumerMetrics(m, [&halted] {
      return std::vector<feed::FeedPosition>{{"registration/hlj", 998, !halted, halted},
                                             {"tiering", 70, false, false}};
    });
  });
  const std::string all =
      absl::StrCat(registration.address, ",", tiering.address, ",", statistics.address);

  Uectl uectl;
  REQUIRE(uectl.Run({"feed-status", "--metrics=" + all}) == kExitOk);
  const std::string out = uectl.out();
  CHECK_THAT(out, Contains("SERVICE"));
  CHECK_THAT(out, Contains("LAG"));
  // statistics is 44 events behind registration and 7 behind tiering, whose stream is down.
  CHECK_THAT(out, Contains("statistics     registration/hlj                 1042        998       44 STREAMING"));
  CHECK_THAT(out, Contains("statistics     tiering                            77         70        7 RETRYING"));
  CHECK_THAT(out, Contains("tiering        registration/hlj                 1042       1042        0 STREAMING"));

  halted = true;
  CHECK(uectl.Run({"feed-status", "--metrics=" + all}) == kExitFailure);
  CHECK_THAT(uectl.out(), Contains("998       44 HALTED"));
  CHECK_THAT(uectl.err(), Contains("1 consumer(s) HALTED"));

  // Without the producer's endpoint the head is unknown; an endpoint that does not answer is
  // named on stderr and makes the exit 1; the list may come from UE_METRICS_ADDRS.
  halted = false;
  uectl.env()["UE_METRICS_ADDRS"] = statistics.address + ",127.0.0.1:1";
  CHECK(uectl.Run({"feed-status"}) == kExitFailure);
  CHECK_THAT(uectl.out(), Contains("statistics     registration/hlj                    -        998        - STREAMING"));
  CHECK_THAT(uectl.err(), Contains("127.0.0.1:1"));
}

TEST_CASE("the Prometheus text parser reads labels and values", "[uectl][feeds]") {
  std::vector<MetricSample> samples = ParseMetricsText(
      "# HELP ue_feed_consumer_cursor x\n"
      "# TYPE ue_feed_consumer_cursor gauge\n"
      "ue_feed_consumer_cursor{feed=\"registration/hlj\",service=\"tiering\"} 12 1700000000\n"
      "process_open_fds 9\n"
      "broken{feed=\"x\" 1\n");
  REQUIRE(samples.size() == 2);
  CHECK(samples[0].name == "ue_feed_consumer_cursor");
  CHECK(samples[0].labels.at("feed") == "registration/hlj");
  CHECK(samples[0].labels.at("service") == "tiering");
  CHECK(samples[0].value == 12);
  CHECK(samples[1].name == "process_open_fds");
  CHECK(samples[1].value == 9);
}

}  // namespace
}  // namespace unemployment::ops
