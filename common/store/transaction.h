// RAII transactions and savepoints for ue::store.
#pragma once

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/store/database.h"

namespace unemployment::store {

// A transaction on one connection: BEGIN on creation, ROLLBACK on destruction unless committed.
//
//   ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db));
//   RETURN_IF_ERROR(...writes...);   // an early return rolls back
//   return tx.Commit();
//
// Database::InTransaction wraps this pattern around a function. Move-only; must not outlive the
// Database. Only one transaction can be open per connection (nest with Savepoint instead).
class Transaction final {
 public:
  enum class Mode {
    // Takes the write lock at the first write; may then fail with kUnavailable (busy).
    kDeferred,
    // Takes the write lock at BEGIN (waiting up to busy_timeout), so the writes inside do not fail
    // on lock contention halfway. The default for writers.
    kImmediate,
    // Like kImmediate; in rollback-journal mode also keeps readers out.
    kExclusive,
  };

  // kFailedPrecondition when the connection is already inside a transaction.
  static absl::StatusOr<Transaction> Begin(Database& db, Mode mode = Mode::kImmediate);

  Transaction(Transaction&& other) noexcept;
  Transaction& operator=(Transaction&& other) noexcept;
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  ~Transaction();

  // Commits. On failure (e.g. kResourceExhausted for a full disk) the transaction is rolled back
  // and nothing of it is stored. kFailedPrecondition when no longer active.
  absl::Status Commit();
  // Rolls back now. Returns OK when the transaction was already gone (e.g. SQLite rolled it back
  // itself after an I/O error).
  absl::Status Rollback();

  bool active() const { return db_ != nullptr; }

 private:
  explicit Transaction(Database* db) : db_(db) {}

  Database* db_;  // null once committed, rolled back or moved from
};

// A SAVEPOINT inside the current transaction (or starting one): Release keeps its changes for the
// enclosing transaction, destruction without Release undoes them (ROLLBACK TO + RELEASE).
// Savepoints nest; each undoes only the changes made since it began. Used by
// Database::InTransaction when nested and by GroupCommitter for each work item.
class Savepoint final {
 public:
  static absl::StatusOr<Savepoint> Begin(Database& db);

  Savepoint(Savepoint&& other) noexcept;
  Savepoint& operator=(Savepoint&& other) noexcept;
  Savepoint(const Savepoint&) = delete;
  Savepoint& operator=(const Savepoint&) = delete;
  ~Savepoint();

  absl::Status Release();
  // Undoes the changes since Begin and ends the savepoint.
  absl::Status Rollback();

  bool active() const { return db_ != nullptr; }

 private:
  explicit Savepoint(Database* db) : db_(db) {}

  Database* db_;
};

}  // namespace unemployment::store
