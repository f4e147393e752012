#include "services/gateway/idempotency_store.h"

#include <catch2/catch.hpp>

#include <future>
#include <memory>
#include <optional>
#include <string>

#include "common/store/migration.h"
#include "tests/services/gateway/test_util.h"

namespace unemployment::gateway {
namespace {

struct StoreFixture {
  StoreFixture() {
    store::DatabaseOptions options;
    options.path = ":memory:";
    db = *store::Database::Open(options);
    REQUIRE(store::Migrate(*db, GatewayMigrations()).ok());
    intake_store = std::make_unique<SqliteIdempotencyStore>(*db, clock);
  }
  ~StoreFixture() { intake_store.reset(); }

  absl::StatusOr<ReserveResult> Reserve(const IntakeRecord& record) {
    std::promise<absl::StatusOr<ReserveResult>> done;
    intake_store->Reserve(record, [&](absl::StatusOr<ReserveResult> r) { done.set_value(r); });
    return done.get_future().get();
  }
  absl::StatusOr<std::optional<IntakeRecord>> Find(common::v1::Channel channel,
                                                   const std::string& id) {
    std::promise<absl::StatusOr<std::optional<IntakeRecord>>> done;
    intake_store->Find(channel, id,
                       [&](absl::StatusOr<std::optional<IntakeRecord>> r) { done.set_value(r); });
    return done.get_future().get();
  }
  absl::Status Complete(const std::string& id, const std::string& application_id) {
    std::promise<absl::Status> done;
    intake_store->Complete(common::v1::CHANNEL_MINISTRY, id, application_id,
                           [&](absl::Status s) { done.set_value(s); });
    return done.get_future().get();
  }
  absl::Status Release(const std::string& id, const std::string& hash) {
    std::promise<absl::Status> done;
    intake_store->Release(common::v1::CHANNEL_MINISTRY, id, hash,
                          [&](absl::Status s) { done.set_value(s); });
    return done.get_future().get();
  }

  time::FakeClock clock{testing::TestNow()};
  std::unique_ptr<store::Database> db;
  std::unique_ptr<SqliteIdempotencyStore> intake_store;
};

IntakeRecord Record(const std::string& id, const std::string& hash) {
  IntakeRecord record;
  record.channel = common::v1::CHANNEL_MINISTRY;
  record.channel_application_id = id;
  record.content_hash = hash;
  record.shard = "main";
  record.office_region_code = "230103";
  return record;
}

TEST_CASE_METHOD(StoreFixture, "the first reservation wins and later ones see it",
                 "[gateway][store]") {
  auto first = Reserve(Record("M-1", "hash-a"));
  REQUIRE(first.ok());
  CHECK(first->created);
  auto again = Reserve(Record("M-1", "hash-b"));
  REQUIRE(again.ok());
  CHECK_FALSE(again->created);
  CHECK(again->record.content_hash == "hash-a");
  CHECK(again->record.shard == "main");
  CHECK(again->record.application_id.empty());

  // The same id on the other channel is another application.
  IntakeRecord portal = Record("M-1", "hash-c");
  portal.channel = common::v1::CHANNEL_PROVINCE_PORTAL;
  auto other_channel = Reserve(portal);
  REQUIRE(other_channel.ok());
  CHECK(other_channel->created);
}

TEST_CASE_METHOD(StoreFixture, "completion records the application id", "[gateway][store]") {
  REQUIRE(Reserve(Record("M-2", "h")).ok());
  auto found = Find(common::v1::CHANNEL_MINISTRY, "M-2");
  REQUIRE(found.ok());
  REQUIRE(found->has_value());
  CHECK((*found)->application_id.empty());
  REQUIRE(Complete("M-2", "main-42").ok());
  found = Find(common::v1::CHANNEL_MINISTRY, "M-2");
  REQUIRE(found->has_value());
  CHECK((*found)->application_id == "main-42");
  CHECK((*found)->office_region_code == "230103");
  auto again = Reserve(Record("M-2", "h"));
  REQUIRE(again.ok());
  CHECK(again->record.application_id == "main-42");
  CHECK_FALSE(Find(common::v1::CHANNEL_MINISTRY, "nope")->has_value());
}

TEST_CASE_METHOD(StoreFixture, "release forgets only an uncompleted reservation of that content",
                 "[gateway][store]") {
  REQUIRE(Reserve(Record("M-3", "h1")).ok());
  REQUIRE(Release("M-3", "other-hash").ok());
  CHECK(Find(common::v1::CHANNEL_MINISTRY, "M-3")->has_value());
  REQUIRE(Release("M-3", "h1").ok());
  CHECK_FALSE(Find(common::v1::CHANNEL_MINISTRY, "M-3")->has_value());

  REQUIRE(Reserve(Record("M-4", "h1")).ok());
  REQUIRE(Complete("M-4", "main-7").ok());
  REQUIRE(Release("M-4", "h1").ok());
  CHECK(Find(common::v1::CHANNEL_MINISTRY, "M-4")->has_value());
}

TEST_CASE("reservations survive a reopen of the database file", "[gateway][store]") {
  const std::string path = std::string(UE_BINARY_DIR) + "/gateway_store_test.db";
  std::remove(path.c_str());
  std::remove((path + "-wal").c_str());
  std::remove((path + "-shm").c_str());
  time::FakeClock clock(testing::TestNow());
  for (int round = 0; round < 2; ++round) {
    store::DatabaseOptions options;
    options.path = path;
    auto db = *store::Database::Open(options);
    REQUIRE(store::Migrate(*db, GatewayMigrations()).ok());
    SqliteIdempotencyStore intake_store(*db, clock);
    std::promise<absl::StatusOr<ReserveResult>> done;
    intake_store.Reserve(Record("M-9", "h"),
                         [&](absl::StatusOr<ReserveResult> r) { done.set_value(r); });
    auto result = done.get_future().get();
    REQUIRE(result.ok());
    CHECK(result->created == (round == 0));
    intake_store.Shutdown();
  }
}

}  // namespace
}  // namespace unemployment::gateway
