#pragma once

// RegistrationStore on one SQLite file, on the common store kit (store::WriterStore): one writer
// connection driven by a GroupCommitter (many callers share one transaction and one fsync) and a
// small pool of reader connections (WAL lets them read the last committed state while the writer
// writes).

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
#include "services/registration/registration_store.h"

namespace unemployment::registration {

// The schema of registration.db, oldest first.
absl::Span<const store::Migration> RegistrationMigrations();
// The columns of registration.db sealed with the data keys (for key rotation, ue_data_rekey).
absl::Span<const store::SealedColumn> RegistrationSealedColumns();

class SqliteRegistrationStore final : public RegistrationStore {
 public:
  struct Options {
    // Reader connections; reads wait for a free one.
    int reader_count = 4;
    // Called after a commit that appended events, with the highest committed sequence. Runs on the
    // writer thread: must be short.
    std::function<void(int64_t)> on_events_committed;
  };

  // Takes the writer connection (already migrated, e.g. by server::OpenServiceDatabase) and opens
  // `options.reader_count` more connections to the same file. The file must not be ":memory:".
  static absl::StatusOr<std::unique_ptr<SqliteRegistrationStore>> Create(
      std::unique_ptr<store::Database> writer, Options options);

  // Opens (creating and migrating) `path` with synchronous=FULL and WAL; for tests and tools.
  static absl::StatusOr<std::unique_ptr<SqliteRegistrationStore>> Open(const std::string& path,
                                                                       Options options);

  ~SqliteRegistrationStore() override;

  // Sets the commit listener (before any write).
  void SetEventsCommittedListener(std::function<void(int64_t)> listener);

  // Finishes queued writes and stops the writer thread; later writes fail with UNAVAILABLE.
  void Shutdown();

  void Write(Work work, Done done) override;
  absl::Status WriteAndWait(Work work) override;

  absl::StatusOr<std::optional<v1::Application>> GetApplication(const std::string& id) override;
  absl::StatusOr<std::optional<v1::Application>> GetApplicationByChannelId(
      int channel, const std::string& channel_application_id) override;
  absl::StatusOr<std::optional<v1::Registration>> GetRegistration(const std::string& id) override;
  absl::StatusOr<std::optional<v1::Registration>> FindActiveRegistration(
      int id_type, const std::string& id_number) override;
  absl::StatusOr<ReviewQueuePage> ListReviewQueue(const ReviewQueueQuery& query) override;
  absl::StatusOr<std::vector<std::string>> ListProvisionalDeadlines(const std::string& after_id,
                                                                    int limit) override;
  absl::StatusOr<NotificationPage> ListNotifications(const std::string& application_id,
                                                     const std::optional<ListPosition>& after,
                                                     int limit) override;
  absl::StatusOr<std::optional<OutboxEntry>> GetOutboxEntry(const std::string& id) override;
  absl::StatusOr<std::vector<OutboxEntry>> DueNotifications(absl::Time now, int limit) override;
  absl::StatusOr<std::optional<absl::Time>> NextDueTime() override;
  absl::StatusOr<UndeliveredSummary> SummarizeUndelivered(const std::string& region_low,
                                                          const std::string& region_high) override;
  absl::StatusOr<NotificationPage> ListUndelivered(const std::string& region_low,
                                                   const std::string& region_high,
                                                   const std::optional<ListPosition>& after,
                                                   int limit) override;
  absl::StatusOr<DutyRosterPage> ListDutyRosters(const std::string& region_low,
                                                 const std::string& region_high, int queue_kind,
                                                 const std::optional<ListPosition>& after,
                                                 int limit) override;
  absl::StatusOr<std::optional<v1::ReportedRegionContact>> GetRegionContact(
      const std::string& region_code) override;
  absl::StatusOr<std::pair<std::vector<v1::ReportedRegionContact>, bool>> ListRegionContacts(
      const std::string& region_low, const std::string& region_high, const std::string& after,
      int limit) override;
  absl::StatusOr<OperationalFigures> ReadOperationalFigures(const std::string& today) override;
  absl::StatusOr<std::vector<VerificationJob>> DueVerificationJobs(absl::Time now,
                                                                   int limit) override;
  absl::StatusOr<std::optional<absl::Time>> NextVerificationDueTime() override;
  absl::StatusOr<std::vector<v1::Event>> ReadEvents(int64_t after_sequence, int limit) override;
  absl::StatusOr<int64_t> LastSequence() override;

 private:
  explicit SqliteRegistrationStore(std::unique_ptr<store::WriterStore> base);

  std::unique_ptr<store::WriterStore> base_;
};

}  // namespace unemployment::registration
