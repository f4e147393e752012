#include "common/store/transaction.h"

#include <sqlite3.h>

#include <utility>

#include "common/store/internal.h"

namespace unemployment::store {
namespace {

constexpr std::string_view kBeginDeferredSql = "BEGIN DEFERRED";
constexpr std::string_view kBeginImmediateSql = "BEGIN IMMEDIATE";
constexpr std::string_view kBeginExclusiveSql = "BEGIN EXCLUSIVE";
constexpr std::string_view kCommitSql = "COMMIT";
constexpr std::string_view kRollbackSql = "ROLLBACK";
// One fixed name: SQLite resolves a savepoint name to the innermost savepoint with that name, so
// nested Savepoint objects each address their own level.
constexpr std::string_view kSavepointSql = "SAVEPOINT ue_store_savepoint";
constexpr std::string_view kReleaseSql = "RELEASE ue_store_savepoint";
constexpr std::string_view kRollbackToSql = "ROLLBACK TO ue_store_savepoint";

absl::Status RunSql(Database& db, std::string_view sql) {
  UE_STORE_ASSIGN_OR_RETURN(Statement statement, db.Prepare(sql));
  return statement.Run();
}

}  // namespace

absl::StatusOr<Transaction> Transaction::Begin(Database& db, Mode mode) {
  if (db.in_transaction()) {
    return absl::FailedPreconditionError(
        "cannot begin a transaction: the connection is already inside one (use a Savepoint)");
  }
  std::string_view sql = kBeginImmediateSql;
  if (mode == Mode::kDeferred) sql = kBeginDeferredSql;
  if (mode == Mode::kExclusive) sql = kBeginExclusiveSql;
  UE_STORE_RETURN_IF_ERROR(RunSql(db, sql));
  return Transaction(&db);
}

Transaction::Transaction(Transaction&& other) noexcept : db_(std::exchange(other.db_, nullptr)) {}

Transaction& Transaction::operator=(Transaction&& other) noexcept {
  if (this != &other) {
    Rollback().IgnoreError();
    db_ = std::exchange(other.db_, nullptr);
  }
  return *this;
}

Transaction::~Transaction() { Rollback().IgnoreError(); }

absl::Status Transaction::Commit() {
  if (db_ == nullptr) {
    return absl::FailedPreconditionError("commit: the transaction is no longer active");
  }
  const absl::Time start = absl::Now();
  absl::Status status = RunSql(*db_, kCommitSql);
  if (CommitObserver* observer = db_->options().commit_observer.get(); observer != nullptr) {
    observer->OnCommit(absl::Now() - start, status.ok());
  }
  if (!status.ok()) {
    // A failed COMMIT may leave the transaction open (e.g. busy); never leave it half-done.
    Rollback().IgnoreError();
    return status;
  }
  db_ = nullptr;
  return absl::OkStatus();
}

absl::Status Transaction::Rollback() {
  Database* db = std::exchange(db_, nullptr);
  if (db == nullptr || !db->in_transaction()) return absl::OkStatus();
  return RunSql(*db, kRollbackSql);
}

absl::StatusOr<Savepoint> Savepoint::Begin(Database& db) {
  UE_STORE_RETURN_IF_ERROR(RunSql(db, kSavepointSql));
  return Savepoint(&db);
}

Savepoint::Savepoint(Savepoint&& other) noexcept : db_(std::exchange(other.db_, nullptr)) {}

Savepoint& Savepoint::operator=(Savepoint&& other) noexcept {
  if (this != &other) {
    Rollback().IgnoreError();
    db_ = std::exchange(other.db_, nullptr);
  }
  return *this;
}

Savepoint::~Savepoint() { Rollback().IgnoreError(); }

absl::Status Savepoint::Release() {
  if (db_ == nullptr) {
    return absl::FailedPreconditionError("release: the savepoint is no longer active");
  }
  Database* db = std::exchange(db_, nullptr);
  if (!db->in_transaction()) {
    return absl::AbortedError("release: the enclosing transaction was rolled back");
  }
  absl::Status status = RunSql(*db, kReleaseSql);
  if (!status.ok() && db->in_transaction()) {
    RunSql(*db, kRollbackToSql).IgnoreError();
    RunSql(*db, kReleaseSql).IgnoreError();
  }
  return status;
}

absl::Status Savepoint::Rollback() {
  Database* db = std::exchange(db_, nullptr);
  // SQLite may already have rolled back the whole transaction (I/O error, disk full).
  if (db == nullptr || !db->in_transaction()) return absl::OkStatus();
  absl::Status status = RunSql(*db, kRollbackToSql);
  absl::Status release = RunSql(*db, kReleaseSql);
  return status.ok() ? release : status;
}

}  // namespace unemployment::store
