#pragma once

// TieringStore on one SQLite file (tiering.db) on the common store kit (store::WriterStore): one
// writer connection, whose writes are serialized (each write is one IMMEDIATE transaction and one
// fsync with synchronous=FULL), and a small pool of read-only reader connections. In WAL mode a
// reader sees the last committed state while the writer writes, so reads do not queue behind each
// other or behind writes; a read that starts after a write has returned sees that write. Group
// commit across callers (WriterStoreOptions::group_commit), as registration does, is the next step
// when write volume needs it.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "common/store/database.h"
#include "common/store/migration.h"
#include "common/store/sealed.h"
#include "common/store/writer_store.h"
#include "services/tiering/tiering_store.h"

namespace unemployment::tiering {

// The schema of tiering.db, oldest first.
absl::Span<const store::Migration> TieringMigrations();
// The columns of tiering.db sealed with the data keys (for key rotation, ue_data_rekey).
absl::Span<const store::SealedColumn> TieringSealedColumns();

// The last sequence of the tiering feed in a migrated tiering.db (0 when empty).
absl::StatusOr<int64_t> LastSequenceOf(store::Database& db);

class SqliteTieringStore final : public TieringStore {
 public:
  static constexpr int kDefaultReaderCount = 4;

  // Takes the writer connection (schema already migrated, e.g. by server::OpenServiceDatabase)
  // and opens `reader_count` (at least 1) read-only connections to the same file. A ":memory:"
  // database cannot be shared: then reads use the writer connection under the store's mutex.
  static absl::StatusOr<std::unique_ptr<SqliteTieringStore>> Create(
      std::unique_ptr<store::Database> writer, int reader_count = kDefaultReaderCount);
  // Opens (creating and migrating) `path`, then as Create; ":memory:" works for tests.
  static absl::StatusOr<std::unique_ptr<SqliteTieringStore>> Open(
      const std::string& path, int reader_count = kDefaultReaderCount);

  // Takes the writer connection and already opened reader connections to the same file (none:
  // reads use the writer connection under the store's mutex).
  SqliteTieringStore(std::unique_ptr<store::Database> writer,
                     std::vector<std::unique_ptr<store::Database>> readers);
  // As Create with kDefaultReaderCount, for callers that cannot handle an error (tools, benches):
  // when the readers cannot be opened, reads use the writer connection under the store's mutex.
  explicit SqliteTieringStore(std::unique_ptr<store::Database> writer);

  // The number of reader connections (0: reads share the writer connection).
  int reader_count() const;

  // Called after each commit that appended events, with the highest sequence appended, outside
  // the store's lock. Set before the first write.
  void SetEventsCommittedListener(std::function<void(int64_t)> listener);

  absl::Status Write(const std::function<absl::Status(TieringTx&)>& fn) override;
  absl::Status Read(const std::function<absl::Status(TieringTx&)>& fn) override;

 private:
  class Tx;

  std::unique_ptr<store::WriterStore> base_;
};

}  // namespace unemployment::tiering
