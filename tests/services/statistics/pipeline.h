#pragma once

// The statistics consumers' path without the network, for the three kinds of feed: event -> facts
// -> store transaction (with the feed's cursor) -> read model. Shared by the tests that build the
// model from hand-made events.

#include <cstdint>
#include <memory>
#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "catch2/catch.hpp"
#include "services/statistics/read_model.h"
#include "services/statistics/registration_events.h"
#include "services/statistics/service_events.h"
#include "services/statistics/sqlite_statistics_store.h"
#include "unemployment/followup/v1/followup_service.pb.h"
#include "unemployment/registration/v1/registration_service.pb.h"
#include "unemployment/tiering/v1/tiering_service.pb.h"

namespace unemployment::statistics::testing {

class Pipeline {
 public:
  // A store in `path` (default in memory).
  explicit Pipeline(const std::string& path = ":memory:") {
    auto opened = SqliteStatisticsStore::Open(path);
    REQUIRE(opened.ok());
    store_ = *std::move(opened);
  }
  // Registration events come from shard "hlj" (feed "registration/hlj").
  void Add(registration::v1::Event event) {
    event.set_sequence(++registration_);
    event.set_shard_id("hlj");
    Apply("registration/hlj", FeedEventOf(event));
  }
  void Add(tiering::v1::TieringEvent event) {
    event.set_sequence(++tiering_);
    Apply("tiering", FeedEventOf(event));
  }
  void Add(followup::v1::FollowupEvent event) {
    event.set_sequence(++followup_);
    Apply("followup", FeedEventOf(event));
  }
  // The model alone applies the event again, as after a crash between the store's transaction
  // and the model (the store's cursor already skips it).
  template <typename Event>
  void ReplayToModel(Event event, int64_t sequence) {
    event.set_sequence(sequence);
    absl::StatusOr<FeedEvent> facts = FeedEventOf(event);
    REQUIRE(facts.ok());
    model_.Apply(facts->change);
  }
  const ReadModel& model() const { return model_; }
  SqliteStatisticsStore& store() { return *store_; }

 private:
  void Apply(const std::string& feed, absl::StatusOr<FeedEvent> facts) {
    REQUIRE(facts.ok());
    absl::StatusOr<int64_t> before = store_->Apply(feed, {*facts}, 0);
    REQUIRE(before.ok());
    if (facts->sequence > *before) model_.Apply(facts->change);
  }

  std::unique_ptr<SqliteStatisticsStore> store_;
  ReadModel model_;
  int64_t registration_ = 0;
  int64_t tiering_ = 0;
  int64_t followup_ = 0;
};

}  // namespace unemployment::statistics::testing
