#include "common/store/database.h"

#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdint>
#include <fstream>
#include <optional>
#include <string>

#include "common/store/statement.h"
#include "tests/common/store/test_util.h"

namespace unemployment::store {
namespace {

using testing::OpenOrFail;
using testing::QueryInt;
using testing::QueryString;
using testing::TempDir;

constexpr std::string_view kCreatePersonSql =
    "CREATE TABLE person ("
    " id INTEGER PRIMARY KEY,"
    " id_number TEXT NOT NULL UNIQUE,"
    " name TEXT,"
    " score REAL,"
    " photo BLOB,"
    " active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)))";
constexpr std::string_view kInsertPersonSql =
    "INSERT INTO person (id_number, name, score, photo, active) VALUES (?1, ?2, ?3, ?4, ?5)";
constexpr std::string_view kSelectPersonSql =
    "SELECT id_number, name, score, photo, active FROM person WHERE id_number = ?1";

std::string Message(const absl::Status& status) { return std::string(status.message()); }

TEST_CASE("Open applies the settings to a file database", "[store][database]") {
  TempDir dir;
  auto db = OpenOrFail(dir.File("service.db"));
  CHECK(QueryString(*db, "PRAGMA journal_mode") == "wal");
  CHECK(QueryInt(*db, "PRAGMA synchronous") == 2);  // FULL
  CHECK(QueryInt(*db, "PRAGMA foreign_keys") == 1);
  CHECK(QueryInt(*db, "PRAGMA busy_timeout") == 5000);
  CHECK(db->path() == dir.File("service.db"));
  CHECK_FALSE(db->in_transaction());
}

TEST_CASE("Open sets each synchronous mode explicitly", "[store][database]") {
  TempDir dir;
  struct Case {
    SynchronousMode mode;
    int64_t pragma_value;
  };
  for (Case c : {Case{SynchronousMode::kOff, 0}, Case{SynchronousMode::kNormal, 1},
                 Case{SynchronousMode::kFull, 2}, Case{SynchronousMode::kExtra, 3}}) {
    DatabaseOptions options;
    options.path = dir.File("sync.db");
    options.synchronous = c.mode;
    options.busy_timeout_ms = 250;
    options.foreign_keys = false;
    auto db = OpenOrFail(options);
    CHECK(QueryInt(*db, "PRAGMA synchronous") == c.pragma_value);
    CHECK(QueryInt(*db, "PRAGMA busy_timeout") == 250);
    CHECK(QueryInt(*db, "PRAGMA foreign_keys") == 0);
  }
}

TEST_CASE("Synchronous mode names parse case-insensitively", "[store][database]") {
  CHECK(*ParseSynchronousMode("full") == SynchronousMode::kFull);
  CHECK(*ParseSynchronousMode("Normal") == SynchronousMode::kNormal);
  CHECK(*ParseSynchronousMode("OFF") == SynchronousMode::kOff);
  CHECK(*ParseSynchronousMode("extra") == SynchronousMode::kExtra);
  absl::StatusOr<SynchronousMode> bad = ParseSynchronousMode("fast");
  CHECK(bad.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(Message(bad.status()) ==
        "unknown synchronous mode \"fast\" (expected OFF, NORMAL, FULL or EXTRA)");
  CHECK(SynchronousModeName(SynchronousMode::kNormal) == "NORMAL");
}

TEST_CASE("In-memory databases ignore WAL", "[store][database]") {
  DatabaseOptions options;
  options.path = ":memory:";
  auto db = OpenOrFail(options);
  CHECK(QueryString(*db, "PRAGMA journal_mode") == "memory");
  CHECK(QueryInt(*db, "PRAGMA synchronous") == 2);
}

TEST_CASE("WAL can be turned off", "[store][database]") {
  TempDir dir;
  DatabaseOptions options;
  options.path = dir.File("plain.db");
  options.wal = false;
  auto db = OpenOrFail(options);
  CHECK(QueryString(*db, "PRAGMA journal_mode") == "delete");
}

TEST_CASE("Open fails with one clear line for a bad location", "[store][database]") {
  TempDir dir;

  SECTION("missing directory") {
    std::string path = dir.File("missing/sub/service.db");
    DatabaseOptions options;
    options.path = path;
    absl::StatusOr<std::unique_ptr<Database>> db = Database::Open(options);
    CHECK(db.status().code() == absl::StatusCode::kFailedPrecondition);
    CHECK(Message(db.status()) == "cannot open database \"" + path + "\": directory \"" +
                                      dir.File("missing/sub") + "\" does not exist");
  }
  SECTION("a file where the directory should be") {
    std::ofstream(dir.File("plain_file")) << "x";
    std::string path = dir.File("plain_file/service.db");
    DatabaseOptions options;
    options.path = path;
    absl::StatusOr<std::unique_ptr<Database>> db = Database::Open(options);
    CHECK(db.status().code() == absl::StatusCode::kFailedPrecondition);
    CHECK(Message(db.status()) == "cannot open database \"" + path + "\": \"" +
                                      dir.File("plain_file") + "\" is not a directory");
  }
  SECTION("the path is a directory") {
    DatabaseOptions options;
    options.path = dir.path();
    absl::StatusOr<std::unique_ptr<Database>> db = Database::Open(options);
    CHECK(db.status().code() == absl::StatusCode::kFailedPrecondition);
    CHECK(Message(db.status()) == "cannot open database \"" + dir.path() + "\": it is a directory");
  }
  SECTION("a directory that cannot be written") {
    // Permission bits do not stop root, so as root use a directory no one can create files in.
    std::string unwritable = dir.File("read_only");
    if (geteuid() == 0) {
      unwritable = "/proc";
    } else {
      REQUIRE(mkdir(unwritable.c_str(), 0555) == 0);
    }
    std::string path = unwritable + "/service.db";
    DatabaseOptions options;
    options.path = path;
    absl::StatusOr<std::unique_ptr<Database>> db = Database::Open(options);
    INFO(db.status().ToString());
    CHECK(db.status().code() == absl::StatusCode::kFailedPrecondition);
    CHECK_THAT(Message(db.status()), Catch::StartsWith("cannot open database \"" + path + "\": "));
    CHECK(Message(db.status()).find('\n') == std::string::npos);
  }
  SECTION("read-only open of a missing file") {
    DatabaseOptions options;
    options.path = dir.File("absent.db");
    options.read_only = true;
    absl::StatusOr<std::unique_ptr<Database>> db = Database::Open(options);
    CHECK(db.status().code() == absl::StatusCode::kFailedPrecondition);
    CHECK(Message(db.status()) == "cannot open database \"" + dir.File("absent.db") +
                                      "\": file does not exist (opened read-only)");
  }
  SECTION("a file that is not a database") {
    std::ofstream(dir.File("garbage.db")) << std::string(4096, 'g');
    DatabaseOptions options;
    options.path = dir.File("garbage.db");
    absl::StatusOr<std::unique_ptr<Database>> db = Database::Open(options);
    CHECK(db.status().code() == absl::StatusCode::kDataLoss);
    CHECK_THAT(Message(db.status()),
               Catch::StartsWith("cannot open database \"" + dir.File("garbage.db") +
                                 "\": file is not a database"));
  }
  SECTION("bad settings") {
    DatabaseOptions options;
    CHECK(Database::Open(options).status() ==
          absl::InvalidArgumentError("cannot open database: the path is empty"));
    options.path = ":memory:";
    options.busy_timeout_ms = -1;
    CHECK(Database::Open(options).status().code() == absl::StatusCode::kInvalidArgument);
  }
}

TEST_CASE("Read-only connections refuse writes", "[store][database]") {
  TempDir dir;
  {
    auto db = OpenOrFail(dir.File("ro.db"));
    UE_REQUIRE_OK(db->Execute(kCreatePersonSql));
  }
  DatabaseOptions options;
  options.path = dir.File("ro.db");
  options.read_only = true;
  auto db = OpenOrFail(options);
  CHECK(QueryInt(*db, "SELECT count(*) FROM person") == 0);
  absl::Status status = db->Execute("DELETE FROM person");
  CHECK(status.code() == absl::StatusCode::kFailedPrecondition);
  CHECK_THAT(Message(status), Catch::Contains("readonly"));
}

TEST_CASE("Statements bind and read every type", "[store][statement]") {
  TempDir dir;
  auto db = OpenOrFail(dir.File("types.db"));
  UE_REQUIRE_OK(db->Execute(kCreatePersonSql));

  {
    absl::StatusOr<Statement> insert = db->Prepare(kInsertPersonSql);
    UE_REQUIRE_OK(insert);
    const std::string photo("\x00\x01\xff", 3);
    UE_REQUIRE_OK(insert->BindAll("230102199001011234", std::string("张三"), 91.5,
                                  std::optional<int64_t>(), true));
    UE_REQUIRE_OK(insert->BindBlob(4, photo));
    UE_REQUIRE_OK(insert->Run());
    CHECK(db->changes() == 1);
    CHECK(db->last_insert_rowid() == 1);

    insert->Reset();
    UE_REQUIRE_OK(insert->BindText(1, "230102199001015678"));
    UE_REQUIRE_OK(insert->BindText(2, ""));  // empty text is not NULL
    UE_REQUIRE_OK(insert->Bind(3, std::optional<double>()));
    UE_REQUIRE_OK(insert->BindBlob(4, std::string_view()));  // empty blob is not NULL
    UE_REQUIRE_OK(insert->BindBool(5, false));
    UE_REQUIRE_OK(insert->Run());
  }

  absl::StatusOr<Statement> select = db->Prepare(kSelectPersonSql);
  UE_REQUIRE_OK(select);
  UE_REQUIRE_OK(select->BindText(1, "230102199001011234"));
  absl::StatusOr<bool> row = select->Step();
  UE_REQUIRE_OK(row);
  REQUIRE(*row);
  CHECK(select->ColumnCount() == 5);
  CHECK(select->ColumnName(1) == "name");
  CHECK(select->ColumnText(0) == "230102199001011234");
  CHECK(select->ColumnString(1) == "张三");
  CHECK(select->ColumnDouble(2) == 91.5);
  CHECK(select->ColumnBlob(3) == std::string_view("\x00\x01\xff", 3));
  CHECK(select->ColumnBool(4));
  CHECK(select->ColumnOptionalDouble(2) == std::optional<double>(91.5));
  row = select->Step();
  UE_REQUIRE_OK(row);
  CHECK_FALSE(*row);

  select->Reset();
  UE_REQUIRE_OK(select->Bind(1, std::string("230102199001015678")));
  row = select->Step();
  UE_REQUIRE_OK(row);
  REQUIRE(*row);
  CHECK_FALSE(select->ColumnIsNull(1));
  CHECK(select->ColumnOptionalString(1) == std::optional<std::string>(""));
  CHECK(select->ColumnIsNull(2));
  CHECK(select->ColumnOptionalDouble(2) == std::nullopt);
  CHECK(select->ColumnOptionalInt64(2) == std::nullopt);
  CHECK_FALSE(select->ColumnIsNull(3));
  CHECK(select->ColumnBlob(3).empty());
  CHECK_FALSE(select->ColumnBool(4));
}

TEST_CASE("Named parameters resolve to indexes", "[store][statement]") {
  DatabaseOptions options;
  options.path = ":memory:";
  auto db = OpenOrFail(options);
  absl::StatusOr<Statement> statement = db->Prepare("SELECT :a + :b");
  UE_REQUIRE_OK(statement);
  CHECK(*statement->ParameterIndex(":b") == 2);
  CHECK(statement->ParameterIndex(":c").status().code() == absl::StatusCode::kNotFound);
  UE_REQUIRE_OK(statement->Bind(*statement->ParameterIndex(":a"), 40));
  UE_REQUIRE_OK(statement->Bind(2, int64_t{2}));
  REQUIRE(*statement->Step());
  CHECK(statement->ColumnInt64(0) == 42);
}

TEST_CASE("Binding never puts the value into errors", "[store][statement]") {
  DatabaseOptions options;
  options.path = ":memory:";
  auto db = OpenOrFail(options);
  absl::StatusOr<Statement> statement = db->Prepare("SELECT ?1");
  UE_REQUIRE_OK(statement);
  absl::Status status = statement->BindText(2, "230102199001011234");
  CHECK(status.code() == absl::StatusCode::kOutOfRange);
  CHECK_THAT(Message(status), Catch::StartsWith("bind parameter 2 of \"SELECT ?1\": "));
  CHECK(Message(status).find("230102199001011234") == std::string::npos);
}

TEST_CASE("Prepare accepts exactly one statement", "[store][statement]") {
  DatabaseOptions options;
  options.path = ":memory:";
  auto db = OpenOrFail(options);
  CHECK(db->Prepare("SELECT 1; SELECT 2").status() ==
        absl::InvalidArgumentError(
            "prepare: the SQL text holds more than one statement (use Execute for scripts)"));
  CHECK(db->Prepare("  ").status() == absl::InvalidArgumentError("prepare: the SQL text is empty"));
  CHECK(db->Prepare("-- only a comment").status() ==
        absl::InvalidArgumentError("prepare: the SQL text holds no statement"));
  UE_REQUIRE_OK(db->Prepare("SELECT 1; -- trailing comment"));
  absl::Status syntax = db->Prepare("SELEC 1").status();
  CHECK(syntax.code() == absl::StatusCode::kInternal);
  CHECK_THAT(Message(syntax),
             Catch::StartsWith("prepare \"SELEC 1\": near \"SELEC\": syntax error"));
}

TEST_CASE("The statement cache hands back reset statements", "[store][statement]") {
  DatabaseOptions options;
  options.path = ":memory:";
  auto db = OpenOrFail(options);
  constexpr std::string_view kEchoSql = "SELECT ?1";
  {
    absl::StatusOr<Statement> first = db->Prepare(kEchoSql);
    UE_REQUIRE_OK(first);
    UE_REQUIRE_OK(first->Bind(1, 7));
    REQUIRE(*first->Step());  // left mid-result on purpose
    // The same SQL while the first is in use gets a second statement.
    absl::StatusOr<Statement> second = db->Prepare(kEchoSql);
    UE_REQUIRE_OK(second);
    UE_REQUIRE_OK(second->Bind(1, 8));
    REQUIRE(*second->Step());
    CHECK(first->ColumnInt64(0) == 7);
    CHECK(second->ColumnInt64(0) == 8);
  }
  // From the cache: bindings cleared, statement reset.
  absl::StatusOr<Statement> again = db->Prepare("SELECT ?1\n");
  UE_REQUIRE_OK(again);
  REQUIRE(*again->Step());
  CHECK(again->ColumnIsNull(0));
  CHECK(again->sql() == kEchoSql);

  // Moving keeps one owner.
  Statement moved = std::move(*again);
  moved.Reset();
  REQUIRE(*moved.Step());
  CHECK(moved.ColumnIsNull(0));
}

TEST_CASE("SQLite errors map to specific status codes", "[store][statement]") {
  TempDir dir;
  auto db = OpenOrFail(dir.File("errors.db"));
  UE_REQUIRE_OK(db->Execute(kCreatePersonSql));
  UE_REQUIRE_OK(
      db->Execute("CREATE TABLE contact (id INTEGER PRIMARY KEY,"
                  " person_id INTEGER NOT NULL REFERENCES person (id))"));

  auto insert = [&](std::string_view id_number, std::optional<int64_t> active) {
    absl::StatusOr<Statement> statement =
        db->Prepare("INSERT INTO person (id_number, active) VALUES (?1, coalesce(?2, 1))");
    if (!statement.ok()) return statement.status();
    absl::Status status = statement->BindAll(id_number, active);
    if (!status.ok()) return status;
    return statement->Run();
  };

  UE_REQUIRE_OK(insert("230102199001011234", std::nullopt));

  SECTION("unique violation is AlreadyExists without the value") {
    absl::Status status = insert("230102199001011234", std::nullopt);
    CHECK(status.code() == absl::StatusCode::kAlreadyExists);
    CHECK(Message(status) ==
          "step \"INSERT INTO person (id_number, active) VALUES (?1, coalesce(...\": UNIQUE "
          "constraint failed: person.id_number (sqlite error 2067)");
    CHECK(Message(status).find("230102199001011234") == std::string::npos);
  }
  SECTION("primary key violation is AlreadyExists") {
    absl::Status status = db->Execute("INSERT INTO person (id, id_number) VALUES (1, 'x')");
    CHECK(status.code() == absl::StatusCode::kAlreadyExists);
  }
  SECTION("CHECK and NOT NULL are InvalidArgument") {
    CHECK(insert("230102199001015678", 7).code() == absl::StatusCode::kInvalidArgument);
    absl::Status not_null = db->Execute("INSERT INTO person (id_number) VALUES (NULL)");
    CHECK(not_null.code() == absl::StatusCode::kInvalidArgument);
    CHECK_THAT(Message(not_null), Catch::Contains("NOT NULL constraint failed: person.id_number"));
  }
  SECTION("foreign key violation is FailedPrecondition") {
    absl::Status status = db->Execute("INSERT INTO contact (person_id) VALUES (999)");
    CHECK(status.code() == absl::StatusCode::kFailedPrecondition);
    CHECK_THAT(Message(status), Catch::Contains("FOREIGN KEY constraint failed"));
  }
  SECTION("a full disk is ResourceExhausted and the database stays usable") {
    // max_page_count makes SQLite report SQLITE_FULL exactly as a full file system would.
    int64_t pages = QueryInt(*db, "PRAGMA page_count");
    UE_REQUIRE_OK(db->Execute("PRAGMA max_page_count = " + std::to_string(pages + 2)));
    absl::Status status = db->InTransaction([&]() -> absl::Status {
      for (int i = 0; i < 1000; ++i) {
        absl::StatusOr<Statement> statement =
            db->Prepare("INSERT INTO person (id_number, photo) VALUES (?1, zeroblob(2000))");
        if (!statement.ok()) return statement.status();
        absl::Status bound = statement->Bind(1, "full-" + std::to_string(i));
        if (!bound.ok()) return bound;
        absl::Status run = statement->Run();
        if (!run.ok()) return run;
      }
      return absl::OkStatus();
    });
    CHECK(status.code() == absl::StatusCode::kResourceExhausted);
    CHECK_THAT(Message(status), Catch::Contains("database or disk is full"));
    CHECK_FALSE(db->in_transaction());
    CHECK(QueryInt(*db, "SELECT count(*) FROM person WHERE id_number LIKE 'full-%'") == 0);
    UE_REQUIRE_OK(insert("230102199001019999", std::nullopt));
  }
  SECTION("a lock held by another connection is Unavailable after the busy timeout") {
    DatabaseOptions options;
    options.path = dir.File("errors.db");
    options.busy_timeout_ms = 20;
    auto other = OpenOrFail(options);
    UE_REQUIRE_OK(db->Execute("BEGIN IMMEDIATE"));
    absl::Status status = other->Execute("BEGIN IMMEDIATE");
    CHECK(status.code() == absl::StatusCode::kUnavailable);
    CHECK_THAT(Message(status), Catch::Contains("database is locked"));
    UE_REQUIRE_OK(db->Execute("ROLLBACK"));
  }
}

TEST_CASE("CheckIntegrity passes on a healthy database", "[store][database]") {
  TempDir dir;
  auto db = OpenOrFail(dir.File("healthy.db"));
  UE_REQUIRE_OK(db->Execute(kCreatePersonSql));
  UE_REQUIRE_OK(db->CheckIntegrity());
}

}  // namespace
}  // namespace unemployment::store
