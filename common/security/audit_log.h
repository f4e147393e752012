#pragma once

// The audit log of one service: every call that reads or writes personal data (the methods marked
// `personal` in data/security/policy) appends one entry — time, calling system and subject, role,
// region scope, method, record, result. Entries are append-only (SQLite triggers refuse UPDATE and
// DELETE) and chained with a keyed hash:
//
//   mac[n] = HMAC-SHA256(audit key, mac[n-1] || seq || at || system || subject || role || region
//                                   || method || record || result)      (each field
//                                   length-prefixed)
//
// so that an entry edited, removed or moved (also with the triggers dropped or the file edited
// directly) breaks the chain at that point and Verify names the first broken entry. Removing the
// newest entries is detected by comparing with the head (sequence number and MAC) that Verify
// prints and that operators keep off the host (deploy/README.md, Security). The audit file lives
// next to the service's database (<data_dir>/audit.db); retention: at least 6 months (entries are
// never deleted by the service; see deploy/README.md for archiving).
//
// Records never hold personal data in clear: ID numbers are masked.

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/store/database.h"
#include "common/store/group_committer.h"

namespace unemployment::security {

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

class AuditLog {
 public:
  // Opens (creates) the audit file and the chain key (raw bytes).
  static absl::StatusOr<std::unique_ptr<AuditLog>> Open(const std::string& path, std::string key,
                                                        store::SynchronousMode synchronous);

  // Appends one entry (seq and the chain are assigned here) and returns once it is committed.
  // Thread-safe; concurrent callers' entries share one transaction and one fsync (a
  // store::GroupCommitter on one writer thread), so a durable audit log does not cap the service
  // at one fsync per call. An error means the entry is not stored and the call it describes must
  // fail.
  absl::Status Append(AuditEntry entry);

  // Walks the whole chain: OK with the count and head, or DATA_LOSS naming the first entry that
  // was edited, removed or moved.
  absl::StatusOr<AuditVerification> Verify();

  // Entries this process appended, and appends that failed (metrics: ue_audit_entries_total,
  // ue_audit_append_failures_total).
  int64_t appended() const { return appended_.load(std::memory_order_relaxed); }
  int64_t append_failures() const { return append_failures_.load(std::memory_order_relaxed); }

 private:
  AuditLog(std::unique_ptr<store::Database> db, std::string key);

  const std::unique_ptr<store::Database> db_;
  const std::string key_;
  std::atomic<int64_t> appended_{0};
  std::atomic<int64_t> append_failures_{0};
  // The one writer of db_ (Append, Verify); declared last, so it stops first.
  std::unique_ptr<store::GroupCommitter> committer_;
};

// Verifies the audit file at `path` with `key` without creating anything (read-only).
absl::StatusOr<AuditVerification> VerifyAuditFile(const std::string& path, const std::string& key);

}  // namespace unemployment::security
