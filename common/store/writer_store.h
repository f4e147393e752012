// One writer connection and a pool of reader connections on one SQLite file: the skeleton every
// service store shares (Create/Open, reader pool, group-commit async and sync writes, the
// listener told of each commit that appended events). A service store holds one WriterStore and
// keeps only its own tables and queries; see README.md ("Service store kit").
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/types/span.h"
#include "common/store/database.h"
#include "common/store/group_committer.h"
#include "common/store/migration.h"

namespace unemployment::store {

struct WriterStoreOptions {
  // Read-only connections opened next to the writer (at least 1); reads wait for a free one.
  int reader_count = 4;
  // true: writes go through a GroupCommitter (many callers' writes share one transaction and one
  // fsync; each in its own savepoint). false: each write is its own IMMEDIATE transaction on the
  // caller's thread, serialized by a mutex.
  bool group_commit = true;
  // Only without group commit: a ":memory:" writer is accepted and reads then use the writer
  // connection under the write mutex (a private database cannot be shared). Otherwise ":memory:"
  // is refused (INVALID_ARGUMENT naming `name`).
  bool allow_memory = false;
  // Reader connections read the file through a memory map (PRAGMA mmap_size, 8 GiB of address
  // space), for stores whose scans read pages scattered over the file.
  bool map_readers = false;
  // The store's name for errors ("the follow-up store needs a database file, not :memory:").
  std::string_view name = "store";
};

class WriterStore {
 public:
  // One unit of write work on the writer connection, inside a transaction (a savepoint under group
  // commit). Returns the highest event sequence it appended (0: none; see EventLog), or an error,
  // which rolls back exactly this unit.
  using Work = std::function<absl::StatusOr<int64_t>(Database&)>;
  using Done = std::function<void(absl::Status)>;

  // Opens `path` (creating it) with the default options (WAL, synchronous=FULL) and migrates it.
  static absl::StatusOr<std::unique_ptr<Database>> OpenMigrated(
      const std::string& path, absl::Span<const Migration> migrations);

  // Takes the writer connection (schema already migrated, e.g. by server::OpenServiceDatabase)
  // and opens the reader connections to the same file.
  static absl::StatusOr<std::unique_ptr<WriterStore>> Create(std::unique_ptr<Database> writer,
                                                             const WriterStoreOptions& options);
  // The reader connections Create opens: read-only, to the writer's file; none for ":memory:".
  static absl::StatusOr<std::vector<std::unique_ptr<Database>>> OpenReaders(
      const Database& writer, const WriterStoreOptions& options);

  // Takes the writer and already opened readers (none: reads use the writer under the write
  // mutex; only without group commit).
  WriterStore(std::unique_ptr<Database> writer, std::vector<std::unique_ptr<Database>> readers,
              bool group_commit);
  ~WriterStore();
  WriterStore(const WriterStore&) = delete;
  WriterStore& operator=(const WriterStore&) = delete;

  // Called after each commit whose work appended events, with the highest sequence committed,
  // before the writer's caller hears of the commit (so a caller that then reads the feed finds the
  // event). Under group commit it runs on the committer's completion thread and must not block.
  // Set it before the first write.
  void SetCommitListener(std::function<void(int64_t)> listener);

  // Runs `work`; `done` (may be empty) gets its status once it is durably committed or rolled
  // back. Without group commit the work runs (and `done` is called) on the caller's thread.
  void Write(Work work, Done done);
  // Write and wait for the outcome.
  absl::Status WriteAndWait(Work work);
  // Write for a unit of work that appends no events (the listener is not called): bulk loads,
  // purges, stores without a feed.
  void Submit(GroupCommitter::Work work, Done done);

  // Runs `fn` in one (deferred) read transaction on a reader connection: every statement sees the
  // same snapshot, the last commit before its first statement.
  absl::Status Read(const std::function<absl::Status(Database&)>& fn);

  // Finishes queued writes and stops the writer thread; later writes fail with UNAVAILABLE.
  void Shutdown();

  // The number of reader connections (0: reads share the writer connection).
  int reader_count() const { return static_cast<int>(readers_.size()); }

  // Borrows a reader connection (or, without readers, the writer under the write mutex) for its
  // scope; statements run without an explicit transaction (each sees the last commit).
  class ReaderLease final {
   public:
    explicit ReaderLease(WriterStore& store);
    ~ReaderLease();
    ReaderLease(const ReaderLease&) = delete;
    ReaderLease& operator=(const ReaderLease&) = delete;
    Database& db() { return *db_; }

   private:
    WriterStore& store_;
    Database* db_;
  };

 private:
  Database* AcquireReader();
  void ReleaseReader(Database* reader);
  void Notify(int64_t appended);

  // Guards the writer connection when there is no group committer (and serializes writes).
  absl::Mutex write_mu_;
  std::unique_ptr<Database> writer_;
  std::unique_ptr<GroupCommitter> committer_;
  std::vector<std::unique_ptr<Database>> readers_;
  std::function<void(int64_t)> on_commit_;

  absl::Mutex readers_mu_;
  std::vector<Database*> idle_readers_ ABSL_GUARDED_BY(readers_mu_);
};

}  // namespace unemployment::store
