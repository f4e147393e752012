#pragma once

// TieringStore on one SQLite connection (tiering.db). Operations are serialized by a mutex; each
// write is one IMMEDIATE transaction and one fsync (synchronous=FULL). Group commit across callers,
// as registration does, is the next step when write volume needs it.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/types/span.h"
#include "common/store/database.h"
#include "common/store/migration.h"
#include "services/tiering/tiering_store.h"

namespace unemployment::tiering {

// The schema of tiering.db, oldest first.
absl::Span<const store::Migration> TieringMigrations();

// The last sequence of the tiering feed in a migrated tiering.db (0 when empty).
absl::StatusOr<int64_t> LastSequenceOf(store::Database& db);

class SqliteTieringStore final : public TieringStore {
 public:
  // Takes a connection whose schema is already migrated (server::OpenServiceDatabase).
  explicit SqliteTieringStore(std::unique_ptr<store::Database> db);
  // Opens (creating and migrating) `path`; ":memory:" works for tests.
  static absl::StatusOr<std::unique_ptr<SqliteTieringStore>> Open(const std::string& path);

  // Called after each commit that appended events, with the highest sequence appended, outside
  // the store's lock. Set before the first write.
  void SetEventsCommittedListener(std::function<void(int64_t)> listener);

  absl::Status Write(const std::function<absl::Status(TieringTx&)>& fn) override;
  absl::Status Read(const std::function<absl::Status(TieringTx&)>& fn) override;

 private:
  class Tx;

  absl::Mutex mu_;
  std::unique_ptr<store::Database> db_ ABSL_GUARDED_BY(mu_);
  std::function<void(int64_t)> on_events_committed_;
};

}  // namespace unemployment::tiering
