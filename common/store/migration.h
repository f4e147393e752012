// Numbered schema migrations for ue::store.
#pragma once

#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "common/store/database.h"

namespace unemployment::store {

// One schema step. Versions start at 1 and grow by one; a released migration is never edited, a
// change is a new migration. `sql` is a script of one or more statements (constants in the
// service's store code, or a .sql file compiled in). It runs inside a transaction, so it must not
// contain BEGIN/COMMIT/ROLLBACK, VACUUM or journal_mode changes.
struct Migration {
  int version;
  std::string_view name;
  std::string_view sql;
};

// Checks a migration list on its own: versions 1, 2, 3, ... in order, non-empty names.
// kInvalidArgument otherwise.
absl::Status ValidateMigrations(absl::Span<const Migration> migrations);

// The schema version of `db`: the highest version recorded in the schema_migrations table, or
// PRAGMA user_version when that table does not exist (0 for a new database).
absl::StatusOr<int> SchemaVersion(Database& db);

// Brings `db` up to the last of `migrations`.
//
// Every migration whose version is above the database's schema version runs in its own
// IMMEDIATE transaction together with its bookkeeping: a row in
//   schema_migrations(version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)
// (applied_at is UTC, ISO 8601) and PRAGMA user_version = version. A failing migration therefore
// leaves neither its tables nor its version behind, while the earlier ones stay applied; the
// error names the migration ("migration 3 (add_review_queue): ..." with the SQLite code mapping).
//
// Idempotent: with nothing pending it writes nothing. Several processes may call it at once; the
// version is re-read inside each transaction. Errors:
//   kInvalidArgument      the list fails ValidateMigrations;
//   kFailedPrecondition   "database schema version N is newer than this binary (max M)", or an
//                         applied migration is recorded under another name than the list gives it
//                         (the binary and the database disagree on history).
absl::Status Migrate(Database& db, absl::Span<const Migration> migrations);

}  // namespace unemployment::store
