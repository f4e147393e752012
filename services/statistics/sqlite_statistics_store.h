#pragma once

// StatisticsStore on one SQLite file (statistics.db). One connection: every write is a feed
// consumer's batch, consumers of several shards take turns on a mutex, and queries never touch
// SQLite (they are answered from the in-memory ReadModel).

#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/types/span.h"
#include "common/store/database.h"
#include "common/store/migration.h"
#include "services/statistics/statistics_store.h"

namespace unemployment::statistics {

// The schema of statistics.db, oldest first.
absl::Span<const store::Migration> StatisticsMigrations();

class SqliteStatisticsStore final : public StatisticsStore {
 public:
  // Takes an open, migrated connection (server::OpenServiceDatabase with StatisticsMigrations()).
  explicit SqliteStatisticsStore(std::unique_ptr<store::Database> db);

  // Opens (creating and migrating) `path`; for tests, tools and the benchmark.
  static absl::StatusOr<std::unique_ptr<SqliteStatisticsStore>> Open(
      const std::string& path,
      store::SynchronousMode synchronous = store::SynchronousMode::kFull);

  absl::StatusOr<int64_t> Apply(const std::string& feed, const std::vector<FeedEvent>& events,
                                int64_t applied_micros) override;
  absl::StatusOr<int64_t> GetCursor(const std::string& feed) override;
  absl::StatusOr<std::vector<StoredCursor>> ListCursors() override;
  absl::Status LoadFacts(const std::function<void(const RegistrationFact&)>& on_registration,
                         const std::function<void(const ApplicationFact&)>& on_application) override;
  absl::Status LoadServiceFacts(const std::function<void(const FactChange&)>& on_fact) override;

 private:
  absl::Mutex mu_;
  std::unique_ptr<store::Database> db_ ABSL_GUARDED_BY(mu_);
};

}  // namespace unemployment::statistics
