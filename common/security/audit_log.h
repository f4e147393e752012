#pragma once

// The audit log of one service: every call that reads or writes personal data, or reads statistics
// about people (the methods marked `personal` or `aggregate` in data/security/policy), appends one
// entry — time, calling system and subject, role,
// region scope, method, record, result. Entries are append-only (SQLite triggers refuse UPDATE and
// DELETE) and chained with a keyed hash:
//
//   mac[n] = HMAC-SHA256(audit key, mac[n-1] || seq || at || system || subject || role || region
//                                   || method || record || result)      (each field
//                                   length-prefixed)
//
// so that an entry edited, removed or moved (also with the triggers dropped or the file edited
// directly) breaks the chain at that point and Verify names the first broken entry.
//
// Removing the newest entries leaves a shorter chain that is intact in itself; what detects it is
// the anchor: a separate file (AuditAnchorOptions::path, --audit_anchor_file, meant to live on
// another volume than the audit file) to which the log appends a signed checkpoint of its head,
//
//   ue-audit-anchor-1 <checkpoint> <time> <head seq> <head mac hex> <line mac hex>
//   line mac = HMAC-SHA256(audit key, "ue-audit-anchor-1" || previous line mac || the fields)
//
// after every `every_entries` entries and, while entries are waiting, every `interval` (and when
// the log closes). Checkpoints are chained like the entries, so an edited, removed or reordered
// checkpoint is detected too. VerifyAuditAnchor (ue_audit_verify --anchor) then finds a log that
// ends before the newest checkpoint's head, or whose entry at that head has another MAC. Entries
// newer than the newest checkpoint (at most `every_entries` - 1, or those of the last `interval`)
// are the anchor's recovery point: removing only those is not detected by the anchor. A rolled
// back anchor file (an older copy put back together with a shortened log) is detected by comparing
// the checkpoint number with the one recorded at the previous check (--min_checkpoint). Operators
// also keep the printed head off the host (deploy/README.md, Security). The audit file lives
// next to the service's database (<data_dir>/audit.db); retention: at least 6 months (entries are
// never deleted by the service; see deploy/README.md for archiving).
//
// Records never hold personal data in clear. The person a call is about (an ID number anywhere in
// the request, e.g. GetActiveRegistrationByPerson's person_id.id_number) is recorded as a keyed
// hash, never the number itself (AuditPersonHash):
//
//   person hash = hex(HMAC-SHA256(audit key, "ue-audit-person-1" || ID number))[0:32]
//
// (ID number upper-cased, surrounding white space removed), so an auditor holding the audit key
// finds every read of one person ("who looked at this person?") by computing the hash of that
// person's number, while the log alone names nobody.

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/store/database.h"
#include "common/store/group_committer.h"

namespace unemployment::security {

// The keyed hash of an ID number as audit records carry it (see above): 32 hex characters.
std::string AuditPersonHash(absl::string_view key, absl::string_view id_number);

struct AuditEntry {
  int64_t seq = 0;
  absl::Time at;
  std::string system;
  std::string subject;
  std::string role;
  std::string region;
  std::string method;
  std::string record;
  // The gRPC status code name ("OK", "PERMISSION_DENIED").
  std::string result;
};

struct AuditVerification {
  int64_t entries = 0;
  // The newest entry and its MAC (hex): compare with the head recorded earlier.
  int64_t head_seq = 0;
  std::string head_mac_hex;
};

// Where and how often the log's head is anchored.
struct AuditAnchorOptions {
  // The anchor file (created when missing); empty: no anchor.
  std::string path;
  // A checkpoint after this many new entries...
  int64_t every_entries = 100;
  // ... or once this long has passed with entries not yet anchored.
  absl::Duration interval = absl::Seconds(10);
};

// One checkpoint of an anchor file.
struct AuditCheckpoint {
  int64_t number = 0;
  std::string time;
  int64_t head_seq = 0;
  std::string head_mac_hex;
  std::string line_mac_hex;
};

// The checkpoints of the anchor file at `path`, checked: DATA_LOSS names the first line that was
// edited, removed or moved (or is not a checkpoint); NOT_FOUND when there is no such file.
absl::StatusOr<std::vector<AuditCheckpoint>> ReadAuditAnchor(const std::string& path,
                                                             const std::string& key);

class AuditLog {
 public:
  // Opens (creates) the audit file and the chain key (raw bytes). With an anchor, its file is
  // read and checked first: a broken anchor, or a log that ends before the newest checkpoint's
  // head or differs from it there (newest entries removed), is FAILED_PRECONDITION and the
  // service does not start.
  static absl::StatusOr<std::unique_ptr<AuditLog>> Open(const std::string& path, std::string key,
                                                        store::SynchronousMode synchronous,
                                                        AuditAnchorOptions anchor = {});
  // Writes a last checkpoint when entries are not anchored yet.
  ~AuditLog();

  // Appends one entry (seq and the chain are assigned here) and returns once it is committed.
  // Thread-safe; concurrent callers' entries share one transaction and one fsync (a
  // store::GroupCommitter on one writer thread), so a durable audit log does not cap the service
  // at one fsync per call. An error means the entry is not stored and the call it describes must
  // fail.
  absl::Status Append(AuditEntry entry);
  // The same without waiting: `done` is called once the entry is committed (OK) or not stored
  // (an error), on the log's writer thread (or at once on the caller's, when it is shut down).
  // The call guard holds each call's answer until then, so no gRPC thread waits for an fsync.
  void AppendAsync(AuditEntry entry, std::function<void(absl::Status)> done);

  // Walks the whole chain: OK with the count and head, or DATA_LOSS naming the first entry that
  // was edited, removed or moved.
  absl::StatusOr<AuditVerification> Verify();

  // Writes a checkpoint of the current head now if it is not anchored yet (tests; shutdown).
  absl::Status AnchorNow();
  // Entries this process appended, and appends that failed (metrics: ue_audit_entries_total,
  // ue_audit_append_failures_total).
  int64_t appended() const { return appended_.load(std::memory_order_relaxed); }
  int64_t append_failures() const { return append_failures_.load(std::memory_order_relaxed); }
  // AuditPersonHash with this log's key.
  std::string PersonHash(absl::string_view id_number) const {
    return AuditPersonHash(key_, id_number);
  }

 private:
  AuditLog(std::unique_ptr<store::Database> db, std::string key, AuditAnchorOptions anchor);
  // After an append committed up to `seq` with MAC `mac`: a checkpoint if enough entries wait.
  void Appended(int64_t seq, const std::string& mac);
  absl::Status WriteCheckpointLocked();
  void AnchorLoop();

  const std::unique_ptr<store::Database> db_;
  const std::string key_;
  const AuditAnchorOptions anchor_;
  // Anchor state (only with an anchor file).
  std::mutex anchor_mu_;
  std::condition_variable anchor_wake_;
  bool stopping_ = false;                // guarded by anchor_mu_
  int64_t head_seq_ = 0;                 // newest committed entry, guarded by anchor_mu_
  std::string head_mac_;                 // its MAC, guarded by anchor_mu_
  AuditCheckpoint last_checkpoint_;      // guarded by anchor_mu_
  std::thread anchor_thread_;
  std::atomic<int64_t> appended_{0};
  std::atomic<int64_t> append_failures_{0};
  // The one writer of db_ (Append, Verify); declared last, so it stops first.
  std::unique_ptr<store::GroupCommitter> committer_;
};

// Verifies the audit file at `path` with `key` without creating anything (read-only).
absl::StatusOr<AuditVerification> VerifyAuditFile(const std::string& path, const std::string& key);

// Checks the audit file at `path` against the anchor file `anchor_path`: the anchor's chain of
// checkpoints, and the log's entry at the newest checkpoint's head (it must exist and carry the
// anchored MAC). DATA_LOSS says what was removed or changed; the newest checkpoint is returned.
absl::StatusOr<AuditCheckpoint> VerifyAuditAnchor(const std::string& path,
                                                  const std::string& anchor_path,
                                                  const std::string& key);

}  // namespace unemployment::security
