#pragma once

// Metrics of event feeds (common/metrics/metrics.h), read at each scrape:
//   ue_feed_head_sequence{feed}      the producer's last committed sequence (registration shards,
//                                    tiering, follow-up);
//   ue_feed_consumer_cursor{feed}    a consumer's last applied sequence (tiering, follow-up,
//                                    statistics);
//   ue_feed_consumer_connected{feed} 1 while the consumer's stream is open on a connected channel
//                                    (0 while it still waits for a peer that does not answer);
//   ue_feed_consumer_halted{feed}    1 once the consumer halted on a feed that went backwards
//                                    (feed_consumer.h); alert UeFeedConsumerHalted.
// Feed names are the cursor keys ("registration/<shard_id>", "tiering", "followup"), so the lag
// of each consumer, in events, is the recording rule ue:feed_consumer_lag_events of
// deploy/prometheus/rules.yml: max by (feed) (ue_feed_head_sequence) - on (feed) group_right
// ue_feed_consumer_cursor.

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "common/metrics/metrics.h"

namespace unemployment::feed {

class FeedConsumer;

// "unemployment.feed.<feed>": the named health entry (grpc.health.v1) of a service's consumer of
// `feed`, SERVING unless the consumer halted (ServiceComponent::HealthDetails).
std::string FeedHealthName(const std::string& feed);

// A consumer's position, as the scrape reads it.
struct FeedPosition {
  std::string feed;
  int64_t cursor = 0;
  bool connected = false;
  bool halted = false;
};

// The position of a common/feed FeedConsumer named `feed`.
FeedPosition PositionOf(const std::string& feed, const FeedConsumer& consumer);

// Adds the consumer families; `read` returns one position per consumed feed.
void AddFeedConsumerMetrics(metrics::Metrics& metrics,
                            std::function<std::vector<FeedPosition>()> read);

// Adds the head of this process's own feed `feed`; `last_sequence` reads it.
void AddFeedHeadMetric(metrics::Metrics& metrics, std::string feed,
                       std::function<int64_t()> last_sequence);

}  // namespace unemployment::feed
