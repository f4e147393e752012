#include "common/store/backup.h"

#include <sys/stat.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <fstream>
#include <string>
#include <thread>

#include "common/store/migration.h"
#include "tests/common/store/test_util.h"

namespace unemployment::store {
namespace {

using testing::OpenOrFail;
using testing::QueryInt;
using testing::QueryString;
using testing::TempDir;

constexpr Migration kMigrations[] = {
    {1, "create_person",
     "CREATE TABLE person (id INTEGER PRIMARY KEY, id_number TEXT NOT NULL UNIQUE,"
     " photo BLOB NOT NULL)"},
};
constexpr std::string_view kInsertSql = "INSERT INTO person (id_number, photo) VALUES (?1, ?2)";
// A content fingerprint: changes when any row or byte changes.
constexpr std::string_view kFingerprintSql =
    "SELECT count(*) || ':' || total(length(photo)) || ':' ||"
    " coalesce(group_concat(id_number || hex(substr(photo, 1, 4)), ','), '')"
    " FROM (SELECT * FROM person ORDER BY id)";

bool Exists(const std::string& path) {
  struct stat info {};
  return stat(path.c_str(), &info) == 0;
}

// Safe on any thread (no Catch assertions).
absl::Status TryInsertRows(Database& db, int first, int count) {
  return db.InTransaction([&]() -> absl::Status {
    for (int i = first; i < first + count; ++i) {
      absl::StatusOr<Statement> insert = db.Prepare(kInsertSql);
      if (!insert.ok()) return insert.status();
      std::string photo(1000 + i % 97, static_cast<char>('a' + i % 26));
      absl::Status status = insert->Bind(1, "id-" + std::to_string(i));
      if (status.ok()) status = insert->BindBlob(2, photo);
      if (status.ok()) status = insert->Run();
      if (!status.ok()) return status;
    }
    return absl::OkStatus();
  });
}

void InsertRows(Database& db, int first, int count) {
  UE_REQUIRE_OK(TryInsertRows(db, first, count));
}

TEST_CASE("BackupTo copies a live database and RestoreFrom brings it back", "[store][backup]") {
  TempDir dir;
  const std::string service_path = dir.File("service.db");
  const std::string backup_path = dir.File("backup-1.db");
  std::string fingerprint;
  {
    auto db = OpenOrFail(service_path);
    UE_REQUIRE_OK(Migrate(*db, kMigrations));
    InsertRows(*db, 0, 2000);
    fingerprint = QueryString(*db, kFingerprintSql);

    BackupOptions options;
    options.pages_per_step = 16;  // many steps
    UE_REQUIRE_OK(BackupTo(*db, backup_path, options));
    CHECK_FALSE(Exists(backup_path + ".partial"));

    // The backup is a complete database of its own.
    auto copy = OpenOrFail(backup_path);
    CHECK(QueryString(*copy, kFingerprintSql) == fingerprint);
    CHECK(*SchemaVersion(*copy) == 1);
    UE_REQUIRE_OK(copy->CheckIntegrity());

    // Later damage to the service database.
    UE_REQUIRE_OK(db->Execute("DELETE FROM person WHERE id % 3 = 0"));
    UE_REQUIRE_OK(db->Execute("UPDATE person SET photo = x'00' WHERE id % 5 = 0"));
    InsertRows(*db, 5000, 10);
    CHECK(QueryString(*db, kFingerprintSql) != fingerprint);
  }

  UE_REQUIRE_OK(RestoreFrom(backup_path, service_path));
  auto restored = OpenOrFail(service_path);
  CHECK(QueryString(*restored, kFingerprintSql) == fingerprint);
  CHECK(QueryInt(*restored, "SELECT count(*) FROM person") == 2000);
  CHECK(*SchemaVersion(*restored) == 1);
  CHECK(QueryString(*restored, "PRAGMA journal_mode") == "wal");
  UE_REQUIRE_OK(restored->CheckIntegrity());
  // The restored database works as a service database.
  InsertRows(*restored, 9000, 1);
}

TEST_CASE("RestoreFrom creates a missing destination", "[store][backup]") {
  TempDir dir;
  auto db = OpenOrFail(dir.File("a.db"));
  UE_REQUIRE_OK(Migrate(*db, kMigrations));
  InsertRows(*db, 0, 10);
  UE_REQUIRE_OK(BackupTo(*db, dir.File("a.bak")));
  UE_REQUIRE_OK(RestoreFrom(dir.File("a.bak"), dir.File("b.db")));
  auto b = OpenOrFail(dir.File("b.db"));
  CHECK(QueryString(*b, kFingerprintSql) == QueryString(*db, kFingerprintSql));
}

TEST_CASE("A backup taken during writes is a consistent snapshot", "[store][backup]") {
  TempDir dir;
  const std::string path = dir.File("busy.db");
  auto db = OpenOrFail(path);
  UE_REQUIRE_OK(Migrate(*db, kMigrations));
  InsertRows(*db, 0, 1000);

  std::atomic<bool> stop{false};
  std::atomic<int> batches{0};
  std::atomic<bool> writer_failed{false};
  auto writer_db = OpenOrFail(path);
  std::thread writer([&] {
    for (int i = 0; i < 2000 && !stop.load(); ++i) {
      if (!TryInsertRows(*writer_db, 100000 + i * 5, 5).ok()) {  // 5 rows per commit
        writer_failed = true;
        return;
      }
      batches.fetch_add(1);
    }
  });
  // Start the backup only once the writer is going, so both really overlap.
  while (batches.load() == 0 && !writer_failed.load()) std::this_thread::yield();

  // A dedicated read-only connection for the backup, as a service would use.
  DatabaseOptions reader_options;
  reader_options.path = path;
  reader_options.read_only = true;
  auto reader = OpenOrFail(reader_options);
  BackupOptions options;
  options.pages_per_step = 4;
  options.pause_between_steps = absl::Microseconds(200);
  absl::Status status = BackupTo(*reader, dir.File("busy.bak"), options);
  int batches_during_backup = batches.load();
  stop = true;
  writer.join();
  UE_REQUIRE_OK(status);
  CHECK_FALSE(writer_failed.load());

  auto copy = OpenOrFail(dir.File("busy.bak"));
  UE_REQUIRE_OK(copy->CheckIntegrity());
  int64_t rows = QueryInt(*copy, "SELECT count(*) FROM person");
  // Whole commits only: the original rows plus a multiple of 5.
  CHECK(rows >= 1000);
  CHECK((rows - 1000) % 5 == 0);
  // The writer was never blocked for long: it kept committing while the backup ran.
  INFO("writer commits before the backup finished: " << batches_during_backup);
  CHECK(batches_during_backup > 1);
}

TEST_CASE("BackupTo never overwrites and reports bad destinations", "[store][backup]") {
  TempDir dir;
  auto db = OpenOrFail(dir.File("src.db"));
  UE_REQUIRE_OK(Migrate(*db, kMigrations));
  UE_REQUIRE_OK(BackupTo(*db, dir.File("one.bak")));
  CHECK(BackupTo(*db, dir.File("one.bak")) ==
        absl::AlreadyExistsError("backup to \"" + dir.File("one.bak") +
                                 "\": the file already exists"));

  absl::Status missing_dir = BackupTo(*db, dir.File("nowhere/x.bak"));
  CHECK(missing_dir.code() == absl::StatusCode::kFailedPrecondition);
  CHECK(std::string(missing_dir.message()) ==
        "backup to \"" + dir.File("nowhere/x.bak") + "\": cannot open database \"" +
            dir.File("nowhere/x.bak") + ".partial\": directory \"" + dir.File("nowhere") +
            "\" does not exist");

  UE_REQUIRE_OK(db->Execute("BEGIN"));
  CHECK(BackupTo(*db, dir.File("two.bak")).code() == absl::StatusCode::kFailedPrecondition);
  UE_REQUIRE_OK(db->Execute("ROLLBACK"));
}

TEST_CASE("An in-memory database can be backed up", "[store][backup]") {
  TempDir dir;
  DatabaseOptions options;
  options.path = ":memory:";
  auto db = OpenOrFail(options);
  UE_REQUIRE_OK(Migrate(*db, kMigrations));
  InsertRows(*db, 0, 50);
  UE_REQUIRE_OK(BackupTo(*db, dir.File("mem.bak")));
  auto copy = OpenOrFail(dir.File("mem.bak"));
  CHECK(QueryInt(*copy, "SELECT count(*) FROM person") == 50);
}

TEST_CASE("RestoreFrom refuses a damaged backup and leaves the destination alone",
          "[store][backup]") {
  TempDir dir;
  const std::string service_path = dir.File("service.db");
  {
    auto db = OpenOrFail(service_path);
    UE_REQUIRE_OK(Migrate(*db, kMigrations));
    InsertRows(*db, 0, 10);
  }
  std::ofstream(dir.File("bad.bak")) << std::string(8192, 'x');
  absl::Status status = RestoreFrom(dir.File("bad.bak"), service_path);
  CHECK(status.code() == absl::StatusCode::kDataLoss);
  CHECK_THAT(std::string(status.message()),
             Catch::StartsWith("restore from \"" + dir.File("bad.bak") + "\" into \"" +
                               service_path + "\": "));

  CHECK(RestoreFrom(dir.File("absent.bak"), service_path).code() ==
        absl::StatusCode::kFailedPrecondition);

  auto db = OpenOrFail(service_path);
  CHECK(QueryInt(*db, "SELECT count(*) FROM person") == 10);
}

}  // namespace
}  // namespace unemployment::store
