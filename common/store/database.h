// RAII SQLite connection for ue::store.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/crypto/keyring.h"
#include "common/store/commit_observer.h"
#include "common/store/statement.h"

struct sqlite3;
struct sqlite3_stmt;

namespace unemployment::store {

// PRAGMA synchronous. FULL (the default) syncs the WAL on every commit, so an acknowledged commit
// survives power loss; NORMAL in WAL mode may lose the last commits on power loss (never corrupts);
// OFF hands durability to the OS; EXTRA also syncs the directory after deleting a rollback journal.
// Services keep FULL and get throughput from GroupCommitter instead.
enum class SynchronousMode { kOff, kNormal, kFull, kExtra };

// The setting's SQL spelling: "OFF", "NORMAL", "FULL" or "EXTRA".
std::string_view SynchronousModeName(SynchronousMode mode);
// Parses a setting value ("off", "NORMAL", ...; case-insensitive); kInvalidArgument otherwise.
absl::StatusOr<SynchronousMode> ParseSynchronousMode(std::string_view name);

struct DatabaseOptions {
  // A file path, or ":memory:" for a private in-memory database (tests). URIs are not accepted.
  std::string path;
  SynchronousMode synchronous = SynchronousMode::kFull;
  // journal_mode=WAL: readers and the writer do not block each other. Ignored for ":memory:" and
  // read-only connections (which use whatever mode the file has).
  bool wal = true;
  // How long a statement waits for another connection's lock before failing with kUnavailable.
  int busy_timeout_ms = 5000;
  bool foreign_keys = true;
  // Opens without write access; the file must exist. Writes then fail with kFailedPrecondition.
  bool read_only = false;
  // Creates the file when missing (read-write connections only). The directory must exist.
  bool create_if_missing = true;
  // Prepared statements kept per connection (see Database::Prepare). 0 disables the cache.
  int statement_cache_capacity = 64;
  // The keys that seal personal data in this database (see common/crypto/keyring.h and
  // common/store/sealed.h): a service's is loaded at start-up (CommonSettings::keyring). Null: a
  // random keyring made once per process (crypto::EphemeralKeyring(); tests and benchmarks).
  std::shared_ptr<const crypto::Keyring> keyring;
  // Told about every commit on this connection (metrics); null: nobody. Connections opened with
  // a copy of these options (readers) share it but never commit.
  std::shared_ptr<CommitObserver> commit_observer;
};

// One SQLite connection with the project's settings applied.
//
// Thread-compatible, not thread-safe: use a connection from one thread at a time. A service opens
// one connection for its writer (usually driven by GroupCommitter) and one per reader thread; in
// WAL mode readers see the last committed state and never block the writer.
//
// SQL passed to Prepare/Execute must be a compile-time constant of the caller (a named constant
// next to the store code, or a migration): it is never assembled from user input. Values always
// travel as bound parameters. This is also why the statement cache can be keyed by SQL text: the
// set of keys is small and fixed.
class Database final {
 public:
  using Options = DatabaseOptions;

  // Opens (and by default creates) the database and applies `options`. Fails with a one-line status
  // that names the path, e.g.
  //   FAILED_PRECONDITION: cannot open database "/data/reg.db": directory "/data" does not exist
  // so that a service can print it and exit non-zero.
  static absl::StatusOr<std::unique_ptr<Database>> Open(const Options& options);

  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;
  // Rolls back an open transaction and closes the connection. Every Statement must be gone.
  ~Database();

  // Prepares one SQL statement, reusing a cached one for the same SQL text when available.
  // kInvalidArgument when `sql` holds no statement or more than one.
  absl::StatusOr<Statement> Prepare(std::string_view sql);

  // Runs a script of zero or more statements without parameters (DDL, PRAGMAs, migrations).
  absl::Status Execute(std::string_view sql);

  // Runs `fn` in a transaction: BEGIN IMMEDIATE, then COMMIT when `fn` returns OK, ROLLBACK and
  // `fn`'s status otherwise (or the COMMIT error). When the connection is already inside a
  // transaction (e.g. a GroupCommitter work item), `fn` runs inside a SAVEPOINT instead, so that
  // its failure undoes only its own changes and the outer transaction decides about the commit.
  absl::Status InTransaction(const std::function<absl::Status()>& fn);

  // PRAGMA integrity_check: OK, or kDataLoss with SQLite's first findings.
  absl::Status CheckIntegrity();

  // True while a transaction (BEGIN ... or SAVEPOINT) is open on this connection.
  bool in_transaction() const;
  int64_t last_insert_rowid() const;
  // Rows changed by the last INSERT, UPDATE or DELETE.
  int64_t changes() const;
  const Options& options() const { return options_; }
  const std::string& path() const { return options_.path; }
  // The keyring of this connection (never null after Open). The connection also has the SQL
  // functions ue_seal(context, value), ue_reseal(context, value), ue_key_id(value),
  // ue_active_key_id() and ue_search_hash(value) with this keyring, for migrations and rotation.
  const crypto::Keyring& keyring() const { return *options_.keyring; }
  // The raw handle, for SQLite features not wrapped here (e.g. the backup API).
  sqlite3* handle() const { return db_; }

 private:
  friend class Statement;
  Database(sqlite3* db, Options options) : db_(db), options_(std::move(options)) {}

  absl::Status Configure();
  // Takes back a statement from a destroyed Statement: caches or finalizes it.
  void ReturnStatement(sqlite3_stmt* stmt);

  sqlite3* db_;
  Options options_;
  // Idle prepared statements by SQL text. A statement in use is not in the map.
  absl::flat_hash_map<std::string, sqlite3_stmt*> cache_;
  int outstanding_statements_ = 0;
};

}  // namespace unemployment::store
