#pragma once

// Loading a CSV snapshot of one source (domain side of ImportSnapshot, no gRPC types).
//
//   SnapshotImporter::Begin(header) -> ImportSession; session->Feed(piece, ready) for each piece,
//   waiting for `ready` before the next one (back-pressure: valid rows are written in batches
//   while the file streams in); then session->Finish(trailer, done).
//
// Every row is validated; rows are written under a load id that readers do not see, and only
// Finish, when the trailer matches what was fed (length, SHA-256, row count if given) and no row
// is invalid, swaps the new snapshot in (VerificationStore::CommitLoad). Any
// failure, cancellation or destruction of an unfinished session drops the rows written so far, so
// the previous snapshot stays served. One import per source at a time.

#include <cstdint>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "common/crypto/sha256.h"
#include "common/time/clock.h"
#include "services/verification/csv_reader.h"
#include "services/verification/snapshot_rows.h"
#include "services/verification/verification_store.h"

namespace unemployment::verification {

class SnapshotImporter;

// Limits of an import.
struct ImportLimits {
  // Largest piece per message.
  size_t max_piece_bytes = 1 << 20;
  // Row violations reported (the total is reported too).
  size_t max_reported_violations = 100;
  // Valid rows per write transaction.
  size_t rows_per_batch = 10000;
};

class ImportSession final : public std::enable_shared_from_this<ImportSession> {
 public:
  using Ready = std::function<void(absl::Status)>;
  using Done = std::function<void(absl::StatusOr<v1::SnapshotInfo>)>;

  ~ImportSession();
  ImportSession(const ImportSession&) = delete;
  ImportSession& operator=(const ImportSession&) = delete;

  // Consumes the next piece of the file. `ready` is called once, possibly on another thread, when
  // the next piece may be fed: OK, or an error that ends the import (a malformed header, an
  // oversized piece, a storage failure); after an error only the session's destruction is due.
  void Feed(absl::string_view piece, Ready ready);
  // Ends the file: checks it against the client's trailer (INVALID_ARGUMENT, reason
  // SNAPSHOT_STREAM_MISMATCH, before any row error), then loads the snapshot or reports why not.
  void Finish(const v1::ImportSnapshotTrailer& trailer, Done done);
  // Ends an import that failed: drops the rows written so far and lets another import of the
  // source begin at once, before the caller hears the answer (a client that retries at once must
  // not meet IMPORT_RUNNING). Not while a Feed or Finish is pending. Idempotent; the destructor
  // does the same.
  void Abandon();

  int64_t rows_read() const { return rows_read_; }

 private:
  friend class SnapshotImporter;
  enum class Mode { kLoad, kValidateOnly, kCompareExisting };

  ImportSession(SnapshotImporter& importer, VerificationStore& store, const time::Clock& clock,
                ImportLimits limits, v1::SnapshotHeader header, Mode mode,
                std::optional<v1::SnapshotInfo> existing);

  void OnRecord(CsvRecord& record);
  // Writes the pending valid rows (starting the load first if needed), then calls `next`.
  void Flush(std::function<void(absl::Status)> next);
  absl::Status RowsInvalidError() const;
  // Lets another import of the source begin (before the caller hears the answer).
  void ReleaseSource();

  SnapshotImporter& importer_;
  VerificationStore& store_;
  const time::Clock& clock_;
  const ImportLimits limits_;
  const v1::SnapshotHeader header_;
  const Mode mode_;
  const std::optional<v1::SnapshotInfo> existing_;
  const absl::CivilDay today_;

  CsvStreamReader reader_;
  crypto::Sha256 sha_;
  bool header_seen_ = false;
  absl::Status fatal_;
  RowBatch pending_;
  int64_t rows_read_ = 0;
  int64_t invalid_rows_ = 0;
  std::vector<RowViolation> violations_;
  // Population only: the line each person first appears on (a person appears once).
  absl::flat_hash_map<std::string, int> people_;
  int64_t load_id_ = 0;
  bool committed_ = false;
  bool released_ = false;
  int64_t bytes_received_ = 0;
};

class SnapshotImporter final {
 public:
  // Store and clock are not owned and must outlive the importer and its sessions.
  SnapshotImporter(VerificationStore& store, const time::Clock& clock, ImportLimits limits = {});

  // Checks the header (INVALID_ARGUMENT with field violations under "header.") and reserves the
  // source (ABORTED, reason IMPORT_RUNNING, while another import of it runs).
  absl::StatusOr<std::shared_ptr<ImportSession>> Begin(const v1::SnapshotHeader& header);

 private:
  friend class ImportSession;
  void Release(v1::Source source);

  VerificationStore& store_;
  const time::Clock& clock_;
  const ImportLimits limits_;
  absl::Mutex mu_;
  std::set<int> running_ ABSL_GUARDED_BY(mu_);
};

}  // namespace unemployment::verification
