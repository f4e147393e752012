#pragma once

// FollowupStore on one SQLite file, on the common store kit (store::WriterStore): one writer
// connection driven by a GroupCommitter (concurrent writes share one transaction and one fsync)
// and a small pool of reader connections (WAL lets them read the last committed state while the
// writer writes).

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
#include "common/time/clock.h"
#include "services/followup/followup_store.h"

namespace unemployment::followup {

// The schema of followup.db, oldest first.
absl::Span<const store::Migration> FollowupMigrations();
// The columns of followup.db sealed with the data keys (for key rotation, ue_data_rekey).
absl::Span<const store::SealedColumn> FollowupSealedColumns();

class SqliteFollowupStore final : public FollowupStore {
 public:
  // Takes the writer connection (already migrated, e.g. by server::OpenServiceDatabase) and opens
  // `reader_count` more connections to the same file. The file must not be ":memory:". `clock`
  // (not owned; null: the system clock) stamps the events' occurred_at, so that a process on
  // --clock_start (acceptance tests) records its feed in its own time, as its records.
  static absl::StatusOr<std::unique_ptr<SqliteFollowupStore>> Create(
      std::unique_ptr<store::Database> writer, int reader_count,
      const time::Clock* clock = nullptr);

  // Opens (creating and migrating) `path`; for tests and tools.
  static absl::StatusOr<std::unique_ptr<SqliteFollowupStore>> Open(const std::string& path,
                                                                    int reader_count = 2);

  ~SqliteFollowupStore() override;

  // Finishes queued writes and stops the writer thread; later writes fail with UNAVAILABLE.
  void Shutdown();

  // Called after each commit that appended events of this service's feed, with the highest
  // sequence committed, on the thread that saw the commit (the writer's). Set it before the first
  // write; it must not block.
  void SetEventsCommittedListener(std::function<void(int64_t)> listener);

  void Write(Work work, Done done) override;
  absl::Status WriteAndWait(Work work) override;

  absl::StatusOr<int64_t> GetCursor(const std::string& feed) override;
  absl::StatusOr<std::optional<RegistrationRecord>> GetRegistration(const std::string& id) override;
  absl::StatusOr<std::optional<StoredRequest>> FindRequest(const std::string& kind,
                                                            const std::string& request_id) override;
  absl::StatusOr<std::optional<v1::FollowUp>> GetFollowUp(const std::string& id) override;
  absl::StatusOr<Page<v1::FollowUp>> ListFollowUps(const FollowUpQuery& query) override;
  absl::StatusOr<Page<DueRow>> ListDue(const DueQuery& query) override;
  absl::StatusOr<CoverageCounts> Coverage(const OfficeRange& offices, const std::string& month_start,
                                          const std::string& evaluation_day) override;
  absl::StatusOr<std::vector<ContactRow>> ActiveWithLastContact(const OfficeRange& offices,
                                                                const std::string& day) override;
  absl::StatusOr<std::optional<v1::DeregistrationCandidate>> GetCandidate(
      const std::string& id) override;
  absl::StatusOr<Page<v1::DeregistrationCandidate>> ListCandidates(
      const CandidateQuery& query) override;
  absl::StatusOr<std::optional<v1::FraudCase>> GetFraudCase(const std::string& id) override;
  absl::StatusOr<std::pair<Page<v1::FraudCase>, int64_t>> ListFraudCases(
      const FraudCaseQuery& query) override;
  absl::StatusOr<std::vector<v1::FraudCase>> UnreportedConfirmedCases(
      const std::string& city_code, const std::string& day) override;
  absl::StatusOr<std::optional<v1::MonthlyFraudReport>> GetReport(const std::string& city_code,
                                                                  const std::string& month) override;
  absl::StatusOr<std::vector<v1::FraudCase>> ConfirmedCases(const OfficeRange& offices,
                                                            const std::string& from,
                                                            const std::string& to,
                                                            int limit) override;
  absl::StatusOr<std::vector<ComparisonSubjectRow>> ActiveRegistrations(
      const ActiveRegistrationsQuery& query) override;
  absl::StatusOr<std::optional<ComparisonRunRecord>> GetComparisonRun(
      const std::string& run_id) override;
  absl::StatusOr<std::vector<v1::FollowupEvent>> ReadEvents(int64_t after, int limit) override;
  absl::StatusOr<int64_t> LastEventSequence() override;
  absl::StatusOr<std::vector<CreditDeliveryRow>> DueCreditDeliveries(int64_t now_micros,
                                                                     int limit) override;
  absl::StatusOr<std::optional<int64_t>> NextCreditDeliveryDue() override;
  absl::StatusOr<std::pair<Page<CreditDeliveryRow>, int64_t>> ListUndeliveredCredit(
      const CreditDeliveryQuery& query) override;
  absl::StatusOr<CreditBacklog> CreditDeliveryBacklog() override;

 private:
  SqliteFollowupStore(std::unique_ptr<store::WriterStore> base, const time::Clock* clock);

  // `work` as a unit of work of the writer: run on a transaction object over the writer.
  store::WriterStore::Work Bind(Work work) const;

  std::unique_ptr<store::WriterStore> base_;
  // Null: the system clock.
  const time::Clock* clock_;
};

}  // namespace unemployment::followup
