// SqliteTieringStore's reader pool: reads run on read-only WAL connections, see every write that
// returned before them, keep one snapshot for their whole duration, and do not wait for each other.
#include <catch2/catch.hpp>
#include <string>
#include <thread>

#include "absl/synchronization/notification.h"
#include "services/tiering/sqlite_tiering_store.h"
#include "tests/services/tiering/test_util.h"

namespace unemployment::tiering {
namespace {

using testing::TempDir;

absl::StatusOr<int64_t> CursorOf(SqliteTieringStore& store, const std::string& feed) {
  int64_t value = -1;
  absl::Status status = store.Read([&](TieringTx& tx) -> absl::Status {
    absl::StatusOr<int64_t> cursor = tx.FeedCursor(feed);
    if (!cursor.ok()) return cursor.status();
    value = *cursor;
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return value;
}

absl::Status SetCursor(SqliteTieringStore& store, const std::string& feed, int64_t value) {
  return store.Write([&](TieringTx& tx) { return tx.SetFeedCursor(feed, value); });
}

TEST_CASE("Reads use the reader pool and see every committed write", "[store]") {
  TempDir dir;
  absl::StatusOr<std::unique_ptr<SqliteTieringStore>> opened =
      SqliteTieringStore::Open(dir.File("tiering.db"), 3);
  REQUIRE(opened.ok());
  SqliteTieringStore& store = **opened;
  CHECK(store.reader_count() == 3);
  for (int64_t i = 1; i <= 20; ++i) {
    UE_REQUIRE_OK(SetCursor(store, "f", i));
    absl::StatusOr<int64_t> cursor = CursorOf(store, "f");
    REQUIRE(cursor.ok());
    CHECK(*cursor == i);
  }
}

TEST_CASE("Readers cannot write", "[store]") {
  TempDir dir;
  absl::StatusOr<std::unique_ptr<SqliteTieringStore>> opened =
      SqliteTieringStore::Open(dir.File("tiering.db"), 1);
  REQUIRE(opened.ok());
  absl::Status status = (*opened)->Read([](TieringTx& tx) { return tx.SetFeedCursor("f", 1); });
  CHECK_FALSE(status.ok());
}

TEST_CASE("A read keeps one snapshot and does not block writes or other reads", "[store]") {
  TempDir dir;
  absl::StatusOr<std::unique_ptr<SqliteTieringStore>> opened =
      SqliteTieringStore::Open(dir.File("tiering.db"), 2);
  REQUIRE(opened.ok());
  SqliteTieringStore& store = **opened;
  UE_REQUIRE_OK(SetCursor(store, "f", 1));

  absl::Notification first_read, written;
  int64_t before = -1, after = -1;
  std::thread reader([&] {
    absl::Status status = store.Read([&](TieringTx& tx) -> absl::Status {
      absl::StatusOr<int64_t> cursor = tx.FeedCursor("f");
      if (!cursor.ok()) return cursor.status();
      before = *cursor;
      first_read.Notify();
      written.WaitForNotification();
      cursor = tx.FeedCursor("f");
      if (!cursor.ok()) return cursor.status();
      after = *cursor;
      return absl::OkStatus();
    });
    CHECK(status.ok());
  });
  first_read.WaitForNotification();
  // The open read neither blocks this write nor another read, which sees the new value.
  UE_REQUIRE_OK(SetCursor(store, "f", 2));
  absl::StatusOr<int64_t> now = CursorOf(store, "f");
  written.Notify();
  reader.join();
  REQUIRE(now.ok());
  CHECK(*now == 2);
  CHECK(before == 1);
  CHECK(after == 1);
}

TEST_CASE("An in-memory store reads through its writer connection", "[store]") {
  absl::StatusOr<std::unique_ptr<SqliteTieringStore>> opened = SqliteTieringStore::Open(":memory:");
  REQUIRE(opened.ok());
  CHECK((*opened)->reader_count() == 0);
  UE_REQUIRE_OK(SetCursor(**opened, "f", 7));
  absl::StatusOr<int64_t> cursor = CursorOf(**opened, "f");
  REQUIRE(cursor.ok());
  CHECK(*cursor == 7);
}

}  // namespace
}  // namespace unemployment::tiering
