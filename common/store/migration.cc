#include "common/store/migration.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "common/store/internal.h"
#include "common/store/transaction.h"

namespace unemployment::store {
namespace {

constexpr std::string_view kCreateMigrationsTableSql =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version INTEGER PRIMARY KEY,"
    " name TEXT NOT NULL,"
    " applied_at TEXT NOT NULL)";
constexpr std::string_view kMigrationsTableExistsSql =
    "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'";
constexpr std::string_view kMaxVersionSql =
    "SELECT coalesce(max(version), 0) FROM schema_migrations";
constexpr std::string_view kAppliedMigrationsSql =
    "SELECT version, name FROM schema_migrations ORDER BY version";
constexpr std::string_view kInsertMigrationSql =
    "INSERT INTO schema_migrations (version, name, applied_at)"
    " VALUES (?1, ?2, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))";
constexpr std::string_view kUserVersionSql = "PRAGMA user_version";

absl::StatusOr<int64_t> QueryInt64(Database& db, std::string_view sql) {
  UE_STORE_ASSIGN_OR_RETURN(Statement statement, db.Prepare(sql));
  UE_STORE_ASSIGN_OR_RETURN(bool row, statement.Step());
  if (!row) return absl::InternalError(absl::StrCat("no row from \"", internal::ToAbsl(sql), "\""));
  return statement.ColumnInt64(0);
}

absl::StatusOr<bool> MigrationsTableExists(Database& db) {
  UE_STORE_ASSIGN_OR_RETURN(int64_t count, QueryInt64(db, kMigrationsTableExistsSql));
  return count > 0;
}

// Recorded names must match the binary's list for every version both know.
absl::Status CheckHistory(Database& db, absl::Span<const Migration> migrations) {
  UE_STORE_ASSIGN_OR_RETURN(Statement applied, db.Prepare(kAppliedMigrationsSql));
  for (;;) {
    UE_STORE_ASSIGN_OR_RETURN(bool row, applied.Step());
    if (!row) return absl::OkStatus();
    int64_t version = applied.ColumnInt64(0);
    if (version < 1 || version > static_cast<int64_t>(migrations.size())) continue;
    std::string_view recorded = applied.ColumnText(1);
    std::string_view expected = migrations[static_cast<size_t>(version - 1)].name;
    if (recorded != expected) {
      return absl::FailedPreconditionError(
          absl::StrCat("database \"", db.path(), "\" recorded migration ", version, " as \"",
                       internal::ToAbsl(recorded), "\" but this binary calls it \"",
                       internal::ToAbsl(expected), "\""));
    }
  }
}

absl::Status ApplyOne(Database& db, const Migration& migration) {
  std::string context =
      absl::StrCat("migration ", migration.version, " (", internal::ToAbsl(migration.name), ")");
  return db.InTransaction([&]() -> absl::Status {
    UE_STORE_RETURN_IF_ERROR(db.Execute(kCreateMigrationsTableSql));
    // Another process may have applied it while we waited for the write lock.
    UE_STORE_ASSIGN_OR_RETURN(int current, SchemaVersion(db));
    if (current >= migration.version) return absl::OkStatus();
    absl::Status status = db.Execute(migration.sql);
    if (!status.ok())
      return absl::Status(status.code(), absl::StrCat(context, ": ", status.message()));
    if (!db.in_transaction()) {
      return absl::InvalidArgumentError(
          absl::StrCat(context, ": its SQL ended the transaction (no BEGIN/COMMIT in migrations)"));
    }
    UE_STORE_ASSIGN_OR_RETURN(Statement insert, db.Prepare(kInsertMigrationSql));
    UE_STORE_RETURN_IF_ERROR(insert.BindAll(migration.version, migration.name));
    UE_STORE_RETURN_IF_ERROR(insert.Run());
    // PRAGMA takes no bound parameters; the version is an int from the code, not user input.
    return db.Execute(absl::StrCat("PRAGMA user_version = ", migration.version));
  });
}

}  // namespace

absl::Status ValidateMigrations(absl::Span<const Migration> migrations) {
  for (size_t i = 0; i < migrations.size(); ++i) {
    const Migration& migration = migrations[i];
    int expected = static_cast<int>(i) + 1;
    if (migration.version != expected) {
      return absl::InvalidArgumentError(
          absl::StrCat("migration versions must be 1, 2, 3, ... in order: position ", i + 1,
                       " has version ", migration.version, ", expected ", expected));
    }
    if (migration.name.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("migration ", migration.version, " has no name"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<int> SchemaVersion(Database& db) {
  UE_STORE_ASSIGN_OR_RETURN(bool has_table, MigrationsTableExists(db));
  UE_STORE_ASSIGN_OR_RETURN(int64_t version,
                            QueryInt64(db, has_table ? kMaxVersionSql : kUserVersionSql));
  return static_cast<int>(version);
}

absl::Status Migrate(Database& db, absl::Span<const Migration> migrations) {
  UE_STORE_RETURN_IF_ERROR(ValidateMigrations(migrations));
  if (db.in_transaction()) {
    return absl::FailedPreconditionError("Migrate must not be called inside a transaction");
  }
  int latest = static_cast<int>(migrations.size());
  UE_STORE_ASSIGN_OR_RETURN(int current, SchemaVersion(db));
  if (current > latest) {
    return absl::FailedPreconditionError(absl::StrCat(
        "database schema version ", current, " is newer than this binary (max ", latest, ")"));
  }
  UE_STORE_ASSIGN_OR_RETURN(bool has_table, MigrationsTableExists(db));
  if (has_table) UE_STORE_RETURN_IF_ERROR(CheckHistory(db, migrations));
  for (const Migration& migration : migrations) {
    if (migration.version <= current) continue;
    UE_STORE_RETURN_IF_ERROR(ApplyOne(db, migration));
  }
  return absl::OkStatus();
}

}  // namespace unemployment::store
