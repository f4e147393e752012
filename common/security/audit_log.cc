#include "common/security/audit_log.h"

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/security/token.h"
#include "common/status/macros.h"
#include "common/store/migration.h"

namespace unemployment::security {
namespace {

constexpr store::Migration kMigrations[] = {
    {1, "audit_log",
     "CREATE TABLE audit_log ("
     "  seq INTEGER PRIMARY KEY,"
     "  at TEXT NOT NULL,"
     "  system TEXT NOT NULL,"
     "  subject TEXT NOT NULL,"
     "  role TEXT NOT NULL,"
     "  region TEXT NOT NULL,"
     "  method TEXT NOT NULL,"
     "  record TEXT NOT NULL,"
     "  result TEXT NOT NULL,"
     "  mac BLOB NOT NULL);"
     "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
     "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;"
     "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log "
     "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;"},
};

constexpr char kInsertSql[] =
    "INSERT INTO audit_log (seq, at, system, subject, role, region, method, record, result, mac) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
constexpr char kLastSql[] = "SELECT seq, mac FROM audit_log ORDER BY seq DESC LIMIT 1";
constexpr char kAllSql[] =
    "SELECT seq, at, system, subject, role, region, method, record, result, mac FROM audit_log "
    "ORDER BY rowid";

std::string AuditTime(absl::Time at) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E6SZ", at, absl::UTCTimeZone());
}

void AppendField(std::string& out, absl::string_view field) {
  absl::StrAppend(&out, field.size(), ":", field);
}

std::string ChainMac(absl::string_view key, absl::string_view previous_mac, int64_t seq,
                     absl::string_view at, const AuditEntry& e) {
  std::string data;
  AppendField(data, previous_mac);
  AppendField(data, absl::StrCat(seq));
  AppendField(data, at);
  for (absl::string_view field :
       {absl::string_view(e.system), absl::string_view(e.subject), absl::string_view(e.role),
        absl::string_view(e.region), absl::string_view(e.method), absl::string_view(e.record),
        absl::string_view(e.result)}) {
    AppendField(data, field);
  }
  return HmacSha256(key, data);
}

absl::StatusOr<AuditVerification> VerifyDatabase(store::Database& db, absl::string_view key) {
  ASSIGN_OR_RETURN(store::Statement rows, db.Prepare(kAllSql));
  AuditVerification result;
  std::string previous_mac;
  int64_t expected_seq = 1;
  while (true) {
    ASSIGN_OR_RETURN(bool has_row, rows.Step());
    if (!has_row) break;
    AuditEntry e;
    int64_t seq = rows.ColumnInt64(0);
    std::string at = rows.ColumnString(1);
    e.system = rows.ColumnString(2);
    e.subject = rows.ColumnString(3);
    e.role = rows.ColumnString(4);
    e.region = rows.ColumnString(5);
    e.method = rows.ColumnString(6);
    e.record = rows.ColumnString(7);
    e.result = rows.ColumnString(8);
    std::string mac(rows.ColumnBlob(9));
    if (seq != expected_seq) {
      return absl::DataLossError(absl::StrCat("audit log broken at entry ", expected_seq,
                                              ": found entry ", seq,
                                              " there (an entry was removed or moved)"));
    }
    if (ChainMac(key, previous_mac, seq, at, e) != mac) {
      return absl::DataLossError(absl::StrCat(
          "audit log broken at entry ", seq,
          ": its keyed hash does not match (the entry or its predecessor was edited)"));
    }
    previous_mac = mac;
    ++expected_seq;
    ++result.entries;
    result.head_seq = seq;
  }
  result.head_mac_hex = absl::BytesToHexString(previous_mac);
  return result;
}

}  // namespace

AuditLog::AuditLog(std::unique_ptr<store::Database> db, std::string key)
    : db_(std::move(db)), key_(std::move(key)) {}

namespace {

// The head of the chain as the current transaction sees it: the newest entry's seq and MAC (0 and
// empty when none). Inside a batch this includes the entries of the items before, and never an
// entry of a batch that was rolled back.
absl::Status ReadHead(store::Database& db, int64_t& seq, std::string& mac) {
  ASSIGN_OR_RETURN(store::Statement last, db.Prepare(kLastSql));
  ASSIGN_OR_RETURN(bool has_row, last.Step());
  seq = has_row ? last.ColumnInt64(0) : 0;
  mac = has_row ? std::string(last.ColumnBlob(1)) : std::string();
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<AuditLog>> AuditLog::Open(const std::string& path, std::string key,
                                                         store::SynchronousMode synchronous) {
  store::DatabaseOptions options;
  options.path = path;
  options.synchronous = synchronous;
  ASSIGN_OR_RETURN(std::unique_ptr<store::Database> db, store::Database::Open(options));
  RETURN_IF_ERROR(store::Migrate(*db, kMigrations));
  auto log = std::unique_ptr<AuditLog>(new AuditLog(std::move(db), std::move(key)));
  log->committer_ = std::make_unique<store::GroupCommitter>(*log->db_);
  return log;
}

absl::Status AuditLog::Append(AuditEntry entry) {
  const std::string at = AuditTime(entry.at);
  absl::Status appended = committer_->Run([&](store::Database& db) -> absl::Status {
    // Chained on the head this transaction sees (one primary-key lookup), not on a copy in
    // memory: an entry of a batch that failed is never chained on.
    int64_t seq = 0;
    std::string previous_mac;
    RETURN_IF_ERROR(ReadHead(db, seq, previous_mac));
    ++seq;
    const std::string mac = ChainMac(key_, previous_mac, seq, at, entry);
    ASSIGN_OR_RETURN(store::Statement insert, db.Prepare(kInsertSql));
    RETURN_IF_ERROR(insert.BindInt64(1, seq));
    RETURN_IF_ERROR(insert.BindText(2, at));
    RETURN_IF_ERROR(insert.BindText(3, entry.system));
    RETURN_IF_ERROR(insert.BindText(4, entry.subject));
    RETURN_IF_ERROR(insert.BindText(5, entry.role));
    RETURN_IF_ERROR(insert.BindText(6, entry.region));
    RETURN_IF_ERROR(insert.BindText(7, entry.method));
    RETURN_IF_ERROR(insert.BindText(8, entry.record));
    RETURN_IF_ERROR(insert.BindText(9, entry.result));
    RETURN_IF_ERROR(insert.BindBlob(10, std::string_view(mac)));
    return insert.Run();
  });
  (appended.ok() ? appended_ : append_failures_).fetch_add(1, std::memory_order_relaxed);
  return appended;
}

absl::StatusOr<AuditVerification> AuditLog::Verify() {
  absl::StatusOr<AuditVerification> result;
  RETURN_IF_ERROR(committer_->Run([&](store::Database& db) -> absl::Status {
    result = VerifyDatabase(db, key_);
    return absl::OkStatus();
  }));
  return result;
}

absl::StatusOr<AuditVerification> VerifyAuditFile(const std::string& path, const std::string& key) {
  store::DatabaseOptions options;
  options.path = path;
  options.read_only = true;
  options.create_if_missing = false;
  ASSIGN_OR_RETURN(std::unique_ptr<store::Database> db, store::Database::Open(options));
  return VerifyDatabase(*db, key);
}

}  // namespace unemployment::security
