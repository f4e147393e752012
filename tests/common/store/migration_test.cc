#include "common/store/migration.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "tests/common/store/test_util.h"

namespace unemployment::store {
namespace {

using testing::OpenOrFail;
using testing::QueryInt;
using testing::QueryString;
using testing::TableExists;
using testing::TempDir;

constexpr Migration kMigrations[] = {
    {1, "create_application",
     "CREATE TABLE application (id INTEGER PRIMARY KEY, request_id TEXT NOT NULL UNIQUE);"},
    {2, "create_event",
     "CREATE TABLE event (seq INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL);\n"
     "CREATE INDEX event_kind ON event (kind);"},
    {3, "add_application_state",
     "ALTER TABLE application ADD COLUMN state TEXT NOT NULL DEFAULT 'SUBMITTED';"},
};

std::string Message(const absl::Status& status) { return std::string(status.message()); }

TEST_CASE("Migrate applies every migration and records it", "[store][migration]") {
  TempDir dir;
  auto db = OpenOrFail(dir.File("m.db"));
  CHECK(*SchemaVersion(*db) == 0);
  UE_REQUIRE_OK(Migrate(*db, kMigrations));
  CHECK(*SchemaVersion(*db) == 3);
  CHECK(QueryInt(*db, "PRAGMA user_version") == 3);
  CHECK(TableExists(*db, "application"));
  CHECK(TableExists(*db, "event"));
  CHECK(QueryInt(*db, "SELECT count(*) FROM schema_migrations") == 3);
  CHECK(QueryString(*db, "SELECT name FROM schema_migrations WHERE version = 2") == "create_event");
  std::string applied_at =
      QueryString(*db, "SELECT applied_at FROM schema_migrations WHERE version = 1");
  CHECK_THAT(applied_at, Catch::Matches(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)"));
  UE_REQUIRE_OK(db->Execute("INSERT INTO application (request_id) VALUES ('r1')"));
  CHECK(QueryString(*db, "SELECT state FROM application") == "SUBMITTED");
}

TEST_CASE("Migrate is idempotent", "[store][migration]") {
  TempDir dir;
  {
    auto db = OpenOrFail(dir.File("m.db"));
    UE_REQUIRE_OK(Migrate(*db, kMigrations));
  }
  auto db = OpenOrFail(dir.File("m.db"));
  int64_t schema_cookie = QueryInt(*db, "PRAGMA schema_version");
  int64_t changes = QueryInt(*db, "SELECT total_changes()");
  std::string applied_at =
      QueryString(*db, "SELECT group_concat(applied_at) FROM schema_migrations");
  UE_REQUIRE_OK(Migrate(*db, kMigrations));
  UE_REQUIRE_OK(Migrate(*db, kMigrations));
  CHECK(QueryInt(*db, "PRAGMA schema_version") == schema_cookie);
  CHECK(QueryInt(*db, "SELECT total_changes()") == changes);
  CHECK(QueryString(*db, "SELECT group_concat(applied_at) FROM schema_migrations") == applied_at);
  CHECK(*SchemaVersion(*db) == 3);
}

TEST_CASE("Migrate applies only what is new", "[store][migration]") {
  TempDir dir;
  auto db = OpenOrFail(dir.File("m.db"));
  UE_REQUIRE_OK(Migrate(*db, absl::MakeConstSpan(kMigrations, 1)));
  CHECK(*SchemaVersion(*db) == 1);
  CHECK_FALSE(TableExists(*db, "event"));
  UE_REQUIRE_OK(db->Execute("INSERT INTO application (request_id) VALUES ('kept')"));
  UE_REQUIRE_OK(Migrate(*db, kMigrations));
  CHECK(*SchemaVersion(*db) == 3);
  CHECK(QueryString(*db, "SELECT request_id || ':' || state FROM application") == "kept:SUBMITTED");
}

TEST_CASE("Migrate refuses a database newer than the binary", "[store][migration]") {
  TempDir dir;
  auto db = OpenOrFail(dir.File("m.db"));
  UE_REQUIRE_OK(Migrate(*db, kMigrations));
  absl::Status status = Migrate(*db, absl::MakeConstSpan(kMigrations, 2));
  CHECK(status == absl::FailedPreconditionError(
                      "database schema version 3 is newer than this binary (max 2)"));
  CHECK(*SchemaVersion(*db) == 3);
}

TEST_CASE("Migrate refuses a list that is not 1, 2, 3, ...", "[store][migration]") {
  TempDir dir;
  auto db = OpenOrFail(dir.File("m.db"));
  const std::vector<Migration> gap = {kMigrations[0], kMigrations[2]};
  CHECK(Migrate(*db, gap) ==
        absl::InvalidArgumentError(
            "migration versions must be 1, 2, 3, ... in order: position 2 has version 3, "
            "expected 2"));
  const std::vector<Migration> not_from_one = {kMigrations[1], kMigrations[2]};
  CHECK(Migrate(*db, not_from_one).code() == absl::StatusCode::kInvalidArgument);
  const std::vector<Migration> duplicate = {kMigrations[0], kMigrations[0]};
  CHECK(Migrate(*db, duplicate).code() == absl::StatusCode::kInvalidArgument);
  const std::vector<Migration> unnamed = {{1, "", "CREATE TABLE t (a)"}};
  CHECK(Migrate(*db, unnamed) == absl::InvalidArgumentError("migration 1 has no name"));
  // Nothing was applied.
  CHECK_FALSE(TableExists(*db, "application"));
  CHECK_FALSE(TableExists(*db, "schema_migrations"));
  CHECK(*SchemaVersion(*db) == 0);
}

TEST_CASE("A failing migration leaves its version and tables unchanged", "[store][migration]") {
  TempDir dir;
  auto db = OpenOrFail(dir.File("m.db"));
  const std::vector<Migration> migrations = {
      kMigrations[0],
      kMigrations[1],
      {3, "broken",
       "CREATE TABLE half_done (a INTEGER);\n"
       "INSERT INTO application (request_id) VALUES ('from-broken');\n"
       "CREATE TABLE event (seq INTEGER);"},  // event exists: fails after two statements ran
  };
  absl::Status status = Migrate(*db, migrations);
  CHECK(status.code() == absl::StatusCode::kInternal);
  CHECK(Message(status) ==
        "migration 3 (broken): execute: table event already exists (sqlite error 1)");
  // Migrations 1 and 2 ran in their own transactions and stay; 3 left nothing.
  CHECK(*SchemaVersion(*db) == 2);
  CHECK(QueryInt(*db, "PRAGMA user_version") == 2);
  CHECK_FALSE(TableExists(*db, "half_done"));
  CHECK(QueryInt(*db, "SELECT count(*) FROM application") == 0);
  CHECK(QueryInt(*db, "SELECT count(*) FROM schema_migrations") == 2);
  CHECK_FALSE(db->in_transaction());

  // Running again fails the same way and still changes nothing; a fixed binary then succeeds.
  CHECK(Migrate(*db, migrations).code() == absl::StatusCode::kInternal);
  CHECK(*SchemaVersion(*db) == 2);
  UE_REQUIRE_OK(Migrate(*db, kMigrations));
  CHECK(*SchemaVersion(*db) == 3);
}

TEST_CASE("Migrate refuses a history the binary does not share", "[store][migration]") {
  TempDir dir;
  auto db = OpenOrFail(dir.File("m.db"));
  UE_REQUIRE_OK(Migrate(*db, absl::MakeConstSpan(kMigrations, 2)));
  const std::vector<Migration> renamed = {
      kMigrations[0], {2, "something_else", "SELECT 1;"}, kMigrations[2]};
  CHECK(Migrate(*db, renamed) ==
        absl::FailedPreconditionError("database \"" + dir.File("m.db") +
                                      "\" recorded migration 2 as \"create_event\" but this binary "
                                      "calls it \"something_else\""));
  CHECK(*SchemaVersion(*db) == 2);
}

TEST_CASE("A database versioned only by user_version is respected", "[store][migration]") {
  TempDir dir;
  auto db = OpenOrFail(dir.File("m.db"));
  UE_REQUIRE_OK(db->Execute(kMigrations[0].sql));
  UE_REQUIRE_OK(db->Execute("PRAGMA user_version = 1"));
  CHECK(*SchemaVersion(*db) == 1);
  UE_REQUIRE_OK(Migrate(*db, kMigrations));
  CHECK(*SchemaVersion(*db) == 3);
  CHECK(QueryInt(*db, "SELECT min(version) FROM schema_migrations") == 2);
}

TEST_CASE("Migrate is not run inside a transaction", "[store][migration]") {
  DatabaseOptions options;
  options.path = ":memory:";
  auto db = OpenOrFail(options);
  UE_REQUIRE_OK(db->Execute("BEGIN"));
  CHECK(Migrate(*db, kMigrations) ==
        absl::FailedPreconditionError("Migrate must not be called inside a transaction"));
  UE_REQUIRE_OK(db->Execute("ROLLBACK"));
}

TEST_CASE("An empty list is valid for an empty database", "[store][migration]") {
  DatabaseOptions options;
  options.path = ":memory:";
  auto db = OpenOrFail(options);
  UE_REQUIRE_OK(Migrate(*db, {}));
  CHECK(*SchemaVersion(*db) == 0);
}

}  // namespace
}  // namespace unemployment::store
