#pragma once

// VerificationStore and the four ReferenceSources on one SQLite file, on the common store kit
// (store::WriterStore): one writer connection driven by a GroupCommitter and a small pool of reader
// connections (WAL: readers see the last committed state while an import writes).

#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/types/span.h"
#include "common/store/database.h"
#include "common/store/migration.h"
#include "common/store/sealed.h"
#include "common/store/writer_store.h"
#include "services/verification/reference_source.h"
#include "services/verification/verification_store.h"

namespace unemployment::verification {

// The schema of verification.db, oldest first.
absl::Span<const store::Migration> VerificationMigrations();
// The columns of verification.db sealed with the data keys (for key rotation, ue_data_rekey).
absl::Span<const store::SealedColumn> VerificationSealedColumns();

class SqliteVerificationStore final : public VerificationStore {
 public:
  struct Options {
    int reader_count = 4;
    // Rows deleted per transaction when a snapshot is dropped, so that verifications waiting for
    // the writer are not held up by a million-row delete.
    int64_t delete_chunk_rows = 20000;
  };

  // Takes the writer connection (already migrated) and opens `options.reader_count` readers on the
  // same file (not ":memory:"). Removes the rows of loads a crash interrupted.
  static absl::StatusOr<std::unique_ptr<SqliteVerificationStore>> Create(
      std::unique_ptr<store::Database> writer, Options options);
  // Opens (creating and migrating) `path`; for tests and tools.
  static absl::StatusOr<std::unique_ptr<SqliteVerificationStore>> Open(const std::string& path,
                                                                       Options options);

  ~SqliteVerificationStore() override;

  // Finishes queued writes and stops the writer; later writes fail with UNAVAILABLE.
  void Shutdown();

  // The loaded snapshots as sources.
  ReferenceSources Sources();

  void StartLoad(v1::Source source, DoneWith<int64_t> done) override;
  void AppendRows(int64_t load_id, RowBatch rows, Done done) override;
  void CommitLoad(int64_t load_id, v1::SnapshotInfo info, DoneWith<v1::SnapshotInfo> done) override;
  void AbandonLoad(int64_t load_id, Done done) override;
  absl::StatusOr<std::optional<StoredSnapshot>> GetSnapshot(v1::Source source,
                                                            const std::string& version) override;
  absl::StatusOr<SnapshotPage> ListSnapshots(v1::Source source, int64_t after_id,
                                             int limit) override;
  void SaveVerification(const std::string& request_id, const std::string& fingerprint,
                        v1::VerificationResult result,
                        DoneWith<v1::VerificationResult> done) override;
  absl::StatusOr<std::optional<v1::VerificationResult>> GetVerification(
      const std::string& verification_id) override;
  void ChangeVerification(const std::string& request_id, const std::string& fingerprint,
                          const std::string& verification_id, Change change,
                          DoneWith<v1::VerificationResult> done) override;

  // Runs `fn` with a reader connection (waits for a free one).
  template <typename T>
  T WithReader(const std::function<T(store::Database&)>& fn);

 private:
  class Population;
  class Insurance;
  class Employment;
  class Business;

  SqliteVerificationStore(std::unique_ptr<store::WriterStore> base, int64_t delete_chunk_rows);

  // Deletes the rows of `snapshot_id`, Options::delete_chunk_rows per transaction, then calls
  // `done`.
  void PurgeRows(int64_t snapshot_id, Done done);

  std::unique_ptr<store::WriterStore> base_;
  const int64_t delete_chunk_rows_;
  std::unique_ptr<Population> population_;
  std::unique_ptr<Insurance> insurance_;
  std::unique_ptr<Employment> employment_;
  std::unique_ptr<Business> business_;

  // The keyed hashes of the ID numbers of the last comparison batches (FindMany), so that the four
  // sources hash each ID number once (cleared at 4,096 entries; process memory only).
  friend class ComparisonHashes;
  absl::Mutex comparison_hashes_mu_;
  absl::flat_hash_map<std::string, std::string> comparison_hashes_
      ABSL_GUARDED_BY(comparison_hashes_mu_);
};

template <typename T>
T SqliteVerificationStore::WithReader(const std::function<T(store::Database&)>& fn) {
  store::WriterStore::ReaderLease lease(*base_);
  return fn(lease.db());
}

}  // namespace unemployment::verification
