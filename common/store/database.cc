#include "common/store/database.h"

#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cassert>
#include <cerrno>
#include <system_error>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/crypto/data_keyring.h"
#include "common/store/internal.h"
#include "common/store/sealed.h"
#include "common/store/sqlite_status.h"
#include "common/store/transaction.h"

namespace unemployment::store {
namespace {

constexpr std::string_view kMemoryPath = ":memory:";
constexpr const char* kJournalModeWalSql = "PRAGMA journal_mode = WAL";
constexpr const char* kForeignKeysOnSql = "PRAGMA foreign_keys = ON";
constexpr const char* kForeignKeysOffSql = "PRAGMA foreign_keys = OFF";
constexpr const char* kSynchronousOffSql = "PRAGMA synchronous = OFF";
constexpr const char* kSynchronousNormalSql = "PRAGMA synchronous = NORMAL";
constexpr const char* kSynchronousFullSql = "PRAGMA synchronous = FULL";
constexpr const char* kSynchronousExtraSql = "PRAGMA synchronous = EXTRA";
// Reading the schema forces SQLite to read the file header (and, in WAL mode, to open the -wal and
// -shm files), so that a bad file or directory fails at Open rather than at the first query.
constexpr const char* kProbeSql = "SELECT count(*) FROM sqlite_master";
constexpr std::string_view kIntegrityCheckSql = "PRAGMA integrity_check(10)";

std::string ErrnoText(int error) {
  return std::error_code(error, std::generic_category()).message();
}

std::string OpenContext(const std::string& path) {
  return absl::StrCat("cannot open database \"", path, "\"");
}

// Checks the file's directory up front, so the common deployment mistakes get a message that says
// what is wrong instead of SQLite's generic "unable to open database file".
absl::Status CheckLocation(const DatabaseOptions& options) {
  const std::string& path = options.path;
  size_t slash = path.rfind('/');
  std::string dir = slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
  struct stat info {};
  if (stat(dir.c_str(), &info) != 0) {
    int error = errno;
    if (error == ENOENT) {
      return absl::FailedPreconditionError(
          absl::StrCat(OpenContext(path), ": directory \"", dir, "\" does not exist"));
    }
    return absl::FailedPreconditionError(absl::StrCat(
        OpenContext(path), ": directory \"", dir, "\" is not accessible (", ErrnoText(error), ")"));
  }
  if (!S_ISDIR(info.st_mode)) {
    return absl::FailedPreconditionError(
        absl::StrCat(OpenContext(path), ": \"", dir, "\" is not a directory"));
  }
  bool exists = stat(path.c_str(), &info) == 0;
  if (exists && S_ISDIR(info.st_mode)) {
    return absl::FailedPreconditionError(absl::StrCat(OpenContext(path), ": it is a directory"));
  }
  if (options.read_only) {
    if (!exists) {
      return absl::FailedPreconditionError(
          absl::StrCat(OpenContext(path), ": file does not exist (opened read-only)"));
    }
    return absl::OkStatus();
  }
  if (!exists && !options.create_if_missing) {
    return absl::FailedPreconditionError(
        absl::StrCat(OpenContext(path), ": file does not exist (create_if_missing is off)"));
  }
  // WAL and rollback journals are files next to the database, so the directory must be writable
  // even when the database file already exists.
  if (access(dir.c_str(), W_OK | X_OK) != 0) {
    int error = errno;
    return absl::FailedPreconditionError(absl::StrCat(
        OpenContext(path), ": directory \"", dir, "\" is not writable (", ErrnoText(error), ")"));
  }
  if (exists && access(path.c_str(), R_OK | W_OK) != 0) {
    int error = errno;
    return absl::FailedPreconditionError(
        absl::StrCat(OpenContext(path), ": file is not writable (", ErrnoText(error), ")"));
  }
  return absl::OkStatus();
}

absl::Status Exec(sqlite3* db, const char* sql, std::string_view context) {
  int rc = sqlite3_exec(db, sql, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return SqliteError(rc, db, context);
  return absl::OkStatus();
}

// Runs a one-row, one-column query and returns the value as text.
absl::StatusOr<std::string> QueryText(sqlite3* db, const char* sql, std::string_view context) {
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr);
  if (rc != SQLITE_OK) return SqliteError(rc, db, context);
  std::string value;
  rc = sqlite3_step(stmt);
  if (rc == SQLITE_ROW) {
    const unsigned char* text = sqlite3_column_text(stmt, 0);
    if (text != nullptr) value = reinterpret_cast<const char*>(text);
    rc = SQLITE_OK;
  } else if (rc == SQLITE_DONE) {
    rc = SQLITE_OK;
  }
  absl::Status status = rc == SQLITE_OK ? absl::OkStatus() : SqliteError(rc, db, context);
  sqlite3_finalize(stmt);
  if (!status.ok()) return status;
  return value;
}

const char* SynchronousSql(SynchronousMode mode) {
  switch (mode) {
    case SynchronousMode::kOff:
      return kSynchronousOffSql;
    case SynchronousMode::kNormal:
      return kSynchronousNormalSql;
    case SynchronousMode::kExtra:
      return kSynchronousExtraSql;
    case SynchronousMode::kFull:
      break;
  }
  return kSynchronousFullSql;
}

// Leading/trailing white space does not change a statement; dropping it lets "SELECT 1\n" and
// "SELECT 1" share a cache entry with the statement's own text (sqlite3_sql).
std::string_view TrimSql(std::string_view sql) {
  absl::string_view trimmed = absl::StripAsciiWhitespace(internal::ToAbsl(sql));
  return std::string_view(trimmed.data(), trimmed.size());
}

}  // namespace

std::string_view SynchronousModeName(SynchronousMode mode) {
  switch (mode) {
    case SynchronousMode::kOff:
      return "OFF";
    case SynchronousMode::kNormal:
      return "NORMAL";
    case SynchronousMode::kExtra:
      return "EXTRA";
    case SynchronousMode::kFull:
      break;
  }
  return "FULL";
}

absl::StatusOr<SynchronousMode> ParseSynchronousMode(std::string_view name) {
  std::string upper = absl::AsciiStrToUpper(internal::ToAbsl(name));
  for (SynchronousMode mode : {SynchronousMode::kOff, SynchronousMode::kNormal,
                               SynchronousMode::kFull, SynchronousMode::kExtra}) {
    if (upper == SynchronousModeName(mode)) return mode;
  }
  return absl::InvalidArgumentError(absl::StrCat("unknown synchronous mode \"",
                                                 internal::ToAbsl(name),
                                                 "\" (expected OFF, NORMAL, FULL or EXTRA)"));
}

absl::StatusOr<std::unique_ptr<Database>> Database::Open(const Options& options) {
  if (options.path.empty()) {
    return absl::InvalidArgumentError("cannot open database: the path is empty");
  }
  if (options.busy_timeout_ms < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(OpenContext(options.path), ": busy_timeout_ms must not be negative"));
  }
  if (options.statement_cache_capacity < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(OpenContext(options.path), ": statement_cache_capacity must not be negative"));
  }
  bool in_memory = options.path == kMemoryPath;
  if (!in_memory) UE_STORE_RETURN_IF_ERROR(CheckLocation(options));

  int flags = SQLITE_OPEN_EXRESCODE;
  if (options.read_only) {
    flags |= SQLITE_OPEN_READONLY;
  } else {
    flags |= SQLITE_OPEN_READWRITE;
    if (options.create_if_missing) flags |= SQLITE_OPEN_CREATE;
  }
  sqlite3* handle = nullptr;
  int rc = sqlite3_open_v2(options.path.c_str(), &handle, flags, nullptr);
  if (rc != SQLITE_OK) {
    absl::Status status = SqliteError(rc, handle, OpenContext(options.path));
    sqlite3_close_v2(handle);  // a handle is allocated even on failure (null is fine too)
    return status;
  }
  Options with_keyring = options;
  if (with_keyring.keyring == nullptr) with_keyring.keyring = crypto::EphemeralKeyring();
  std::unique_ptr<Database> db(new Database(handle, std::move(with_keyring)));
  UE_STORE_RETURN_IF_ERROR(db->Configure());
  return db;
}

absl::Status Database::Configure() {
  std::string context = OpenContext(options_.path);
  sqlite3_extended_result_codes(db_, 1);
  sqlite3_busy_timeout(db_, options_.busy_timeout_ms);
  if (!options_.read_only && options_.wal && options_.path != kMemoryPath) {
    UE_STORE_ASSIGN_OR_RETURN(std::string mode, QueryText(db_, kJournalModeWalSql, context));
    if (absl::AsciiStrToLower(mode) != "wal") {
      return absl::FailedPreconditionError(absl::StrCat(
          context, ": could not switch to WAL journal mode (journal mode is \"", mode, "\")"));
    }
  }
  UE_STORE_RETURN_IF_ERROR(Exec(db_, SynchronousSql(options_.synchronous), context));
  UE_STORE_RETURN_IF_ERROR(
      Exec(db_, options_.foreign_keys ? kForeignKeysOnSql : kForeignKeysOffSql, context));
  if (!options_.read_only && sqlite3_db_readonly(db_, "main") == 1) {
    // SQLite silently falls back to read-only when the file cannot be opened for writing.
    return absl::FailedPreconditionError(absl::StrCat(context, ": file is not writable"));
  }
  UE_STORE_ASSIGN_OR_RETURN(std::string tables, QueryText(db_, kProbeSql, context));
  (void)tables;
  return RegisterSealingFunctions(*this);
}

Database::~Database() {
  assert(outstanding_statements_ == 0 && "every Statement must be destroyed before its Database");
  for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
  cache_.clear();
  // Closing rolls back an open transaction; in WAL mode the last connection checkpoints.
  sqlite3_close_v2(db_);
}

absl::StatusOr<Statement> Database::Prepare(std::string_view sql) {
  std::string_view key = TrimSql(sql);
  if (auto it = cache_.find(internal::ToAbsl(key)); it != cache_.end()) {
    sqlite3_stmt* stmt = it->second;
    cache_.erase(it);
    ++outstanding_statements_;
    return Statement(this, stmt);
  }
  if (key.empty()) return absl::InvalidArgumentError("prepare: the SQL text is empty");
  sqlite3_stmt* stmt = nullptr;
  const char* tail = nullptr;
  int rc = sqlite3_prepare_v3(db_, key.data(), static_cast<int>(key.size()),
                              SQLITE_PREPARE_PERSISTENT, &stmt, &tail);
  if (rc != SQLITE_OK) {
    std::string_view excerpt = key.substr(0, 60);
    return SqliteError(rc, db_,
                       absl::StrCat("prepare \"", internal::ToAbsl(excerpt),
                                    excerpt.size() < key.size() ? "..." : "", "\""));
  }
  if (stmt == nullptr) {
    return absl::InvalidArgumentError("prepare: the SQL text holds no statement");
  }
  std::string_view rest = TrimSql(key.substr(static_cast<size_t>(tail - key.data())));
  if (!rest.empty()) {
    // Anything after the first statement must be comments only.
    sqlite3_stmt* extra = nullptr;
    rc = sqlite3_prepare_v2(db_, rest.data(), static_cast<int>(rest.size()), &extra, nullptr);
    bool more = rc != SQLITE_OK || extra != nullptr;
    sqlite3_finalize(extra);
    if (more) {
      sqlite3_finalize(stmt);
      return absl::InvalidArgumentError(
          "prepare: the SQL text holds more than one statement (use Execute for scripts)");
    }
  }
  ++outstanding_statements_;
  return Statement(this, stmt);
}

void Database::ReturnStatement(sqlite3_stmt* stmt) {
  --outstanding_statements_;
  sqlite3_reset(stmt);
  sqlite3_clear_bindings(stmt);
  const char* text = sqlite3_sql(stmt);
  if (text != nullptr && static_cast<int>(cache_.size()) < options_.statement_cache_capacity) {
    // emplace keeps an idle entry for the same SQL; then this one is surplus.
    if (cache_.try_emplace(std::string(TrimSql(text)), stmt).second) return;
  }
  sqlite3_finalize(stmt);
}

absl::Status Database::Execute(std::string_view sql) {
  std::string terminated(sql);
  int rc = sqlite3_exec(db_, terminated.c_str(), nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return SqliteError(rc, db_, "execute");
  return absl::OkStatus();
}

absl::Status Database::InTransaction(const std::function<absl::Status()>& fn) {
  if (in_transaction()) {
    UE_STORE_ASSIGN_OR_RETURN(Savepoint savepoint, Savepoint::Begin(*this));
    absl::Status status = fn();
    if (!status.ok()) {
      savepoint.Rollback().IgnoreError();
      return status;
    }
    return savepoint.Release();
  }
  UE_STORE_ASSIGN_OR_RETURN(Transaction transaction, Transaction::Begin(*this));
  absl::Status status = fn();
  if (!status.ok()) {
    transaction.Rollback().IgnoreError();
    return status;
  }
  return transaction.Commit();
}

absl::Status Database::CheckIntegrity() {
  UE_STORE_ASSIGN_OR_RETURN(Statement check, Prepare(kIntegrityCheckSql));
  std::vector<std::string> findings;
  for (;;) {
    UE_STORE_ASSIGN_OR_RETURN(bool row, check.Step());
    if (!row) break;
    findings.push_back(check.ColumnString(0));
  }
  if (findings.size() == 1 && findings[0] == "ok") return absl::OkStatus();
  return absl::DataLossError(absl::StrCat("integrity check of \"", options_.path,
                                          "\" failed: ", absl::StrJoin(findings, "; ")));
}

bool Database::in_transaction() const { return sqlite3_get_autocommit(db_) == 0; }

int64_t Database::last_insert_rowid() const { return sqlite3_last_insert_rowid(db_); }

int64_t Database::changes() const { return sqlite3_changes64(db_); }

}  // namespace unemployment::store
