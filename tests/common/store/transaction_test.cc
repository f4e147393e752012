#include "common/store/transaction.h"

#include <catch2/catch.hpp>
#include <string>

#include "tests/common/store/test_util.h"

namespace unemployment::store {
namespace {

using testing::OpenOrFail;
using testing::QueryInt;
using testing::TempDir;

constexpr std::string_view kCreateSql =
    "CREATE TABLE application (id INTEGER PRIMARY KEY, request_id TEXT NOT NULL UNIQUE)";
constexpr std::string_view kInsertSql = "INSERT INTO application (request_id) VALUES (?1)";
constexpr std::string_view kCountSql = "SELECT count(*) FROM application";

absl::Status Insert(Database& db, std::string_view request_id) {
  absl::StatusOr<Statement> statement = db.Prepare(kInsertSql);
  if (!statement.ok()) return statement.status();
  absl::Status status = statement->BindText(1, request_id);
  if (!status.ok()) return status;
  return statement->Run();
}

struct Fixture {
  Fixture() : db(OpenOrFail(dir.File("tx.db"))) { UE_REQUIRE_OK(db->Execute(kCreateSql)); }

  // What another connection (or the service after a restart) sees.
  int64_t CountFromNewConnection() {
    db.reset();
    db = OpenOrFail(dir.File("tx.db"));
    return QueryInt(*db, kCountSql);
  }

  TempDir dir;
  std::unique_ptr<Database> db;
};

TEST_CASE("A committed transaction is stored", "[store][transaction]") {
  Fixture f;
  {
    absl::StatusOr<Transaction> tx = Transaction::Begin(*f.db);
    UE_REQUIRE_OK(tx);
    CHECK(f.db->in_transaction());
    UE_REQUIRE_OK(Insert(*f.db, "a"));
    UE_REQUIRE_OK(Insert(*f.db, "b"));
    UE_REQUIRE_OK(tx->Commit());
    CHECK_FALSE(tx->active());
    CHECK(tx->Commit() ==
          absl::FailedPreconditionError("commit: the transaction is no longer active"));
  }
  CHECK(f.CountFromNewConnection() == 2);
}

TEST_CASE("A transaction that is not committed leaves nothing", "[store][transaction]") {
  Fixture f;
  {
    absl::StatusOr<Transaction> tx = Transaction::Begin(*f.db, Transaction::Mode::kDeferred);
    UE_REQUIRE_OK(tx);
    UE_REQUIRE_OK(Insert(*f.db, "a"));
  }  // destroyed without Commit
  CHECK_FALSE(f.db->in_transaction());
  CHECK(f.CountFromNewConnection() == 0);
}

TEST_CASE("A failed transaction leaves nothing behind", "[store][transaction]") {
  Fixture f;
  UE_REQUIRE_OK(Insert(*f.db, "existing"));
  absl::Status status = f.db->InTransaction([&]() -> absl::Status {
    absl::Status first = Insert(*f.db, "new-1");
    if (!first.ok()) return first;
    return Insert(*f.db, "existing");  // unique violation halfway
  });
  CHECK(status.code() == absl::StatusCode::kAlreadyExists);
  CHECK_FALSE(f.db->in_transaction());
  CHECK(f.CountFromNewConnection() == 1);
}

TEST_CASE("InTransaction commits on OK and rolls back on an error", "[store][transaction]") {
  Fixture f;
  UE_REQUIRE_OK(f.db->InTransaction([&] { return Insert(*f.db, "kept"); }));
  absl::Status status = f.db->InTransaction([&]() -> absl::Status {
    absl::Status inserted = Insert(*f.db, "dropped");
    if (!inserted.ok()) return inserted;
    return absl::FailedPreconditionError("application already decided");
  });
  CHECK(status == absl::FailedPreconditionError("application already decided"));
  CHECK(f.CountFromNewConnection() == 1);
}

TEST_CASE("Nested InTransaction uses a savepoint", "[store][transaction]") {
  Fixture f;
  UE_REQUIRE_OK(f.db->InTransaction([&]() -> absl::Status {
    absl::Status outer = Insert(*f.db, "outer");
    if (!outer.ok()) return outer;
    absl::Status inner = f.db->InTransaction([&]() -> absl::Status {
      absl::Status inserted = Insert(*f.db, "inner");
      if (!inserted.ok()) return inserted;
      return absl::InvalidArgumentError("inner failed");
    });
    CHECK(inner == absl::InvalidArgumentError("inner failed"));
    CHECK(f.db->in_transaction());
    return f.db->InTransaction([&] { return Insert(*f.db, "inner-ok"); });
  }));
  CHECK(f.CountFromNewConnection() == 2);
  CHECK(QueryInt(*f.db, "SELECT count(*) FROM application WHERE request_id = 'inner'") == 0);
}

TEST_CASE("Only one transaction per connection", "[store][transaction]") {
  Fixture f;
  absl::StatusOr<Transaction> tx = Transaction::Begin(*f.db);
  UE_REQUIRE_OK(tx);
  absl::StatusOr<Transaction> nested = Transaction::Begin(*f.db);
  CHECK(nested.status().code() == absl::StatusCode::kFailedPrecondition);
  UE_REQUIRE_OK(tx->Rollback());
  UE_REQUIRE_OK(tx->Rollback());  // already gone: still OK
}

TEST_CASE("Savepoints undo only their own changes", "[store][transaction]") {
  Fixture f;
  absl::StatusOr<Transaction> tx = Transaction::Begin(*f.db);
  UE_REQUIRE_OK(tx);
  UE_REQUIRE_OK(Insert(*f.db, "before"));
  {
    absl::StatusOr<Savepoint> outer = Savepoint::Begin(*f.db);
    UE_REQUIRE_OK(outer);
    UE_REQUIRE_OK(Insert(*f.db, "outer"));
    {
      absl::StatusOr<Savepoint> inner = Savepoint::Begin(*f.db);
      UE_REQUIRE_OK(inner);
      UE_REQUIRE_OK(Insert(*f.db, "inner"));
    }  // inner rolled back
    UE_REQUIRE_OK(outer->Release());
  }
  {
    absl::StatusOr<Savepoint> dropped = Savepoint::Begin(*f.db);
    UE_REQUIRE_OK(dropped);
    UE_REQUIRE_OK(Insert(*f.db, "dropped"));
    UE_REQUIRE_OK(dropped->Rollback());
    CHECK(f.db->in_transaction());
  }
  UE_REQUIRE_OK(tx->Commit());
  CHECK(f.CountFromNewConnection() == 2);
}

TEST_CASE("A transaction can be moved", "[store][transaction]") {
  Fixture f;
  absl::StatusOr<Transaction> tx = Transaction::Begin(*f.db);
  UE_REQUIRE_OK(tx);
  Transaction moved = std::move(*tx);
  CHECK_FALSE(tx->active());
  CHECK(moved.active());
  UE_REQUIRE_OK(Insert(*f.db, "a"));
  UE_REQUIRE_OK(moved.Commit());
  CHECK(f.CountFromNewConnection() == 1);
}

}  // namespace
}  // namespace unemployment::store
