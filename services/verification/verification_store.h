#pragma once

// Storage of the verification service behind an interface: snapshot metadata and rows, stored
// verification results and the idempotency records of requests. SqliteVerificationStore is the
// implementation; it also serves the loaded snapshots through the ReferenceSource interfaces.
//
// Loading a snapshot (all or nothing): StartLoad reserves a load id; AppendRows stores batches of
// valid rows under that id, invisible to readers; CommitLoad makes the load the snapshot served
// for its source in one small transaction (and then drops the previous snapshot's rows), while
// AbandonLoad drops the rows of a failed load. Readers therefore see either the old snapshot or
// the new one, whole. A load interrupted by a crash leaves rows no snapshot refers to; Open
// removes them.
//
// Writes are asynchronous: `done` runs on the writer thread once the commit is durable (or with
// the error; nothing of the write is stored then). Keep it short and never block in it.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "services/verification/snapshot_rows.h"
#include "unemployment/verification/v1/verification_service.pb.h"

namespace unemployment::verification {

// A loaded snapshot's facts (`current` set when it is the one served).
struct StoredSnapshot {
  int64_t snapshot_id = 0;
  v1::SnapshotInfo info;
};

struct SnapshotPage {
  std::vector<StoredSnapshot> snapshots;
  bool more = false;
};

class VerificationStore {
 public:
  using Done = std::function<void(absl::Status)>;
  template <typename T>
  using DoneWith = std::function<void(absl::StatusOr<T>)>;
  // Checks a stored verification and returns it changed; its error cancels the write.
  using Change = std::function<absl::StatusOr<v1::VerificationResult>(v1::VerificationResult)>;

  virtual ~VerificationStore() = default;

  // --- Snapshots. ---
  virtual void StartLoad(v1::Source source, DoneWith<int64_t> done) = 0;
  virtual void AppendRows(int64_t load_id, RowBatch rows, Done done) = 0;
  // Makes load `load_id` the current snapshot of info.source() with the facts of `info`
  // (loaded_at and current are set by the store). ALREADY_EXISTS (reason SNAPSHOT_VERSION_EXISTS)
  // when the version was loaded meanwhile.
  virtual void CommitLoad(int64_t load_id, v1::SnapshotInfo info,
                          DoneWith<v1::SnapshotInfo> done) = 0;
  virtual void AbandonLoad(int64_t load_id, Done done) = 0;

  // The loaded snapshot of `source` with `version`, or the current one when `version` is empty.
  virtual absl::StatusOr<std::optional<StoredSnapshot>> GetSnapshot(v1::Source source,
                                                                    const std::string& version) = 0;
  // Loaded snapshots, newest load first, of `source` (all when UNSPECIFIED), after the snapshot
  // with id `after_id` in that order (0: from the start).
  virtual absl::StatusOr<SnapshotPage> ListSnapshots(v1::Source source, int64_t after_id,
                                                     int limit) = 0;

  // --- Verification results. ---
  // Stores `result` under a new verification_id. With a request_id: when one is stored with the
  // same fingerprint, returns that stored result instead; with another fingerprint,
  // ALREADY_EXISTS (reason REQUEST_ID_REUSED).
  virtual void SaveVerification(const std::string& request_id, const std::string& fingerprint,
                                v1::VerificationResult result,
                                DoneWith<v1::VerificationResult> done) = 0;
  virtual absl::StatusOr<std::optional<v1::VerificationResult>> GetVerification(
      const std::string& verification_id) = 0;
  // Applies `change` to a stored verification in one transaction, remembering request_id: a repeat
  // with the same fingerprint returns the first answer, another fingerprint ALREADY_EXISTS
  // (REQUEST_ID_REUSED). NOT_FOUND when no verification has that id.
  virtual void ChangeVerification(const std::string& request_id, const std::string& fingerprint,
                                  const std::string& verification_id, Change change,
                                  DoneWith<v1::VerificationResult> done) = 0;
};

}  // namespace unemployment::verification
