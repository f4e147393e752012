#include "common/feed/feed_metrics.h"

#include "common/feed/feed_consumer.h"

namespace unemployment::feed {

std::string FeedHealthName(const std::string& feed) { return "unemployment.feed." + feed; }

FeedPosition PositionOf(const std::string& feed, const FeedConsumer& consumer) {
  return FeedPosition{feed, consumer.cursor(), consumer.streaming(), consumer.halted()};
}

void AddFeedConsumerMetrics(metrics::Metrics& metrics,
                            std::function<std::vector<FeedPosition>()> read) {
  metrics.AddReadAtScrape(
      "ue_feed_consumer_cursor", "The last event sequence this service applied, by feed.",
      metrics::Kind::kGauge, [read] {
        std::vector<metrics::Sample> samples;
        for (const FeedPosition& p : read()) {
          samples.push_back({{{"feed", p.feed}}, static_cast<double>(p.cursor)});
        }
        return samples;
      });
  metrics.AddReadAtScrape(
      "ue_feed_consumer_connected", "1 while this service's stream of the feed is open on a connected channel, else 0.",
      metrics::Kind::kGauge, [read] {
        std::vector<metrics::Sample> samples;
        for (const FeedPosition& p : read()) {
          samples.push_back({{{"feed", p.feed}}, p.connected ? 1.0 : 0.0});
        }
        return samples;
      });
  metrics.AddReadAtScrape(
      "ue_feed_consumer_halted",
      "1 once this service halted its consumer of the feed because the feed went backwards "
      "(a restored producer); nothing more is applied until an operator acts.",
      metrics::Kind::kGauge, [read] {
        std::vector<metrics::Sample> samples;
        for (const FeedPosition& p : read()) {
          samples.push_back({{{"feed", p.feed}}, p.halted ? 1.0 : 0.0});
        }
        return samples;
      });
}

void AddFeedHeadMetric(metrics::Metrics& metrics, std::string feed,
                       std::function<int64_t()> last_sequence) {
  metrics.AddReadAtScrape("ue_feed_head_sequence",
                          "The last committed sequence of this service's own event feed.",
                          metrics::Kind::kGauge, [feed, last_sequence] {
                            return std::vector<metrics::Sample>{
                                {{{"feed", feed}}, static_cast<double>(last_sequence())}};
                          });
}

}  // namespace unemployment::feed
