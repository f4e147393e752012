#include "common/security/audit_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <future>
#include <iostream>
#include <memory>
#include <sstream>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
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
constexpr char kMacAtSql[] = "SELECT mac FROM audit_log WHERE seq = ?";
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

constexpr absl::string_view kAnchorTag = "ue-audit-anchor-1";
constexpr absl::string_view kPersonTag = "ue-audit-person-1";

// The keyed hash of a checkpoint line, chained on the previous line's (hex).
std::string CheckpointMac(absl::string_view key, absl::string_view previous_line_mac_hex,
                          const AuditCheckpoint& c) {
  std::string data;
  AppendField(data, kAnchorTag);
  AppendField(data, previous_line_mac_hex);
  AppendField(data, absl::StrCat(c.number));
  AppendField(data, c.time);
  AppendField(data, absl::StrCat(c.head_seq));
  AppendField(data, c.head_mac_hex);
  return absl::BytesToHexString(HmacSha256(key, data));
}

std::string CheckpointLine(const AuditCheckpoint& c) {
  return absl::StrCat(kAnchorTag, " ", c.number, " ", c.time, " ", c.head_seq, " ",
                      c.head_mac_hex, " ", c.line_mac_hex, "\n");
}

// DATA_LOSS unless the log holds entry `c.head_seq` with MAC `c.head_mac_hex`.
absl::Status CheckLogAgainst(store::Database& db, const AuditCheckpoint& c) {
  if (c.number == 0 || c.head_seq == 0) return absl::OkStatus();
  ASSIGN_OR_RETURN(store::Statement at, db.Prepare(kMacAtSql));
  RETURN_IF_ERROR(at.BindInt64(1, c.head_seq));
  ASSIGN_OR_RETURN(bool has_row, at.Step());
  if (!has_row) {
    return absl::DataLossError(absl::StrCat(
        "the audit log has no entry ", c.head_seq, " but its anchor's checkpoint ", c.number,
        " (", c.time, ") records it: the newest entries were removed"));
  }
  std::string_view mac = at.ColumnBlob(0);
  if (absl::BytesToHexString(absl::string_view(mac.data(), mac.size())) != c.head_mac_hex) {
    return absl::DataLossError(absl::StrCat(
        "the audit log's entry ", c.head_seq, " differs from the one its anchor's checkpoint ",
        c.number, " (", c.time, ") records: the log was replaced or rewritten"));
  }
  return absl::OkStatus();
}

// Appends `line` to the anchor file at `path` and syncs it (and, for a new file, its folder).
absl::Status AppendAnchorLine(const std::string& path, const std::string& line) {
  bool existed = std::filesystem::exists(path);
  int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot open the audit anchor '", path, "': ", std::strerror(errno)));
  }
  ssize_t written = ::write(fd, line.data(), line.size());
  int saved = errno;
  bool synced = written == static_cast<ssize_t>(line.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!synced) {
    return absl::UnavailableError(absl::StrCat("cannot write the audit anchor '", path,
                                               "': ", std::strerror(written < 0 ? saved : errno)));
  }
  if (!existed) {
    std::string folder = std::filesystem::path(path).parent_path().string();
    int dir = ::open(folder.empty() ? "." : folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir >= 0) {
      ::fsync(dir);
      ::close(dir);
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::vector<AuditCheckpoint>> ReadAuditAnchor(const std::string& path,
                                                             const std::string& key) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (!std::filesystem::exists(path)) {
      return absl::NotFoundError(absl::StrCat("no audit anchor '", path, "'"));
    }
    return absl::FailedPreconditionError(absl::StrCat("cannot read the audit anchor '", path, "'"));
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  std::string text = buffer.str();
  // A last line without its newline was cut by a crash while being written: not a checkpoint.
  if (size_t end = text.rfind('\n'); end != text.size() - 1) {
    text.resize(end == std::string::npos ? 0 : end + 1);
  }
  std::vector<AuditCheckpoint> checkpoints;
  std::string previous;
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipEmpty())) {
    ++line_number;
    std::vector<std::string> fields = absl::StrSplit(line, ' ');
    AuditCheckpoint c;
    if (fields.size() != 6 || fields[0] != kAnchorTag || !absl::SimpleAtoi(fields[1], &c.number) ||
        !absl::SimpleAtoi(fields[3], &c.head_seq)) {
      return absl::DataLossError(absl::StrCat("audit anchor broken at line ", line_number,
                                              ": not a checkpoint"));
    }
    c.time = fields[2];
    c.head_mac_hex = fields[4];
    c.line_mac_hex = fields[5];
    int64_t expected = checkpoints.empty() ? 1 : checkpoints.back().number + 1;
    if (c.number != expected) {
      return absl::DataLossError(absl::StrCat("audit anchor broken at line ", line_number,
                                              ": checkpoint ", c.number, " where ", expected,
                                              " belongs (a checkpoint was removed or moved)"));
    }
    if (CheckpointMac(key, previous, c) != c.line_mac_hex) {
      return absl::DataLossError(absl::StrCat(
          "audit anchor broken at checkpoint ", c.number,
          ": its keyed hash does not match (the checkpoint or its predecessor was edited)"));
    }
    if (!checkpoints.empty() && c.head_seq < checkpoints.back().head_seq) {
      return absl::DataLossError(absl::StrCat("audit anchor broken at checkpoint ", c.number,
                                              ": its head goes back"));
    }
    previous = c.line_mac_hex;
    checkpoints.push_back(std::move(c));
  }
  return checkpoints;
}

AuditLog::AuditLog(std::unique_ptr<store::Database> db, std::string key,
                   AuditAnchorOptions anchor)
    : db_(std::move(db)), key_(std::move(key)), anchor_(std::move(anchor)) {}

AuditLog::~AuditLog() {
  if (anchor_thread_.joinable()) {
    {
      std::lock_guard<std::mutex> lock(anchor_mu_);
      stopping_ = true;
    }
    anchor_wake_.notify_all();
    anchor_thread_.join();
  }
  if (!anchor_.path.empty()) {
    if (absl::Status anchored = AnchorNow(); !anchored.ok()) {
      std::cerr << "audit: " << anchored.message() << std::endl;
    }
  }
}

absl::Status AuditLog::AnchorNow() {
  if (anchor_.path.empty()) return absl::OkStatus();
  std::lock_guard<std::mutex> lock(anchor_mu_);
  return WriteCheckpointLocked();
}

absl::Status AuditLog::WriteCheckpointLocked() {
  if (head_seq_ <= last_checkpoint_.head_seq) return absl::OkStatus();
  AuditCheckpoint c;
  c.number = last_checkpoint_.number + 1;
  c.time = AuditTime(absl::Now());
  c.head_seq = head_seq_;
  c.head_mac_hex = absl::BytesToHexString(head_mac_);
  c.line_mac_hex = CheckpointMac(key_, last_checkpoint_.line_mac_hex, c);
  RETURN_IF_ERROR(AppendAnchorLine(anchor_.path, CheckpointLine(c)));
  last_checkpoint_ = std::move(c);
  return absl::OkStatus();
}

void AuditLog::Appended(int64_t seq, const std::string& mac) {
  if (anchor_.path.empty()) return;
  std::lock_guard<std::mutex> lock(anchor_mu_);
  if (seq > head_seq_) {
    head_seq_ = seq;
    head_mac_ = mac;
  }
  if (head_seq_ - last_checkpoint_.head_seq < std::max<int64_t>(anchor_.every_entries, 1)) return;
  // The entry is stored already; a checkpoint that cannot be written is reported and tried again
  // with the next entries (the verifier sees an older checkpoint meanwhile).
  if (absl::Status written = WriteCheckpointLocked(); !written.ok()) {
    std::cerr << "audit: " << written.message() << std::endl;
  }
}

void AuditLog::AnchorLoop() {
  std::unique_lock<std::mutex> lock(anchor_mu_);
  while (!stopping_) {
    anchor_wake_.wait_for(lock, absl::ToChronoMilliseconds(anchor_.interval));
    if (stopping_) break;
    if (absl::Status written = WriteCheckpointLocked(); !written.ok()) {
      std::cerr << "audit: " << written.message() << std::endl;
    }
  }
}

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
                                                         store::SynchronousMode synchronous,
                                                         AuditAnchorOptions anchor) {
  store::DatabaseOptions options;
  options.path = path;
  options.synchronous = synchronous;
  ASSIGN_OR_RETURN(std::unique_ptr<store::Database> db, store::Database::Open(options));
  RETURN_IF_ERROR(store::Migrate(*db, kMigrations));
  AuditCheckpoint last;
  int64_t head_seq = 0;
  std::string head_mac;
  if (!anchor.path.empty()) {
    absl::StatusOr<std::vector<AuditCheckpoint>> checkpoints = ReadAuditAnchor(anchor.path, key);
    if (!checkpoints.ok() && !absl::IsNotFound(checkpoints.status())) {
      return absl::FailedPreconditionError(checkpoints.status().message());
    }
    if (checkpoints.ok() && !checkpoints->empty()) last = checkpoints->back();
    // An empty anchor from the start, so that a missing one later means it was removed.
    if (!checkpoints.ok()) RETURN_IF_ERROR(AppendAnchorLine(anchor.path, ""));
    if (absl::Status matches = CheckLogAgainst(*db, last); !matches.ok()) {
      return absl::FailedPreconditionError(
          absl::StrCat("audit log '", path, "': ", matches.message()));
    }
    RETURN_IF_ERROR(ReadHead(*db, head_seq, head_mac));
  }
  auto log =
      std::unique_ptr<AuditLog>(new AuditLog(std::move(db), std::move(key), std::move(anchor)));
  log->committer_ = std::make_unique<store::GroupCommitter>(*log->db_);
  if (!log->anchor_.path.empty()) {
    log->last_checkpoint_ = std::move(last);
    log->head_seq_ = head_seq;
    log->head_mac_ = std::move(head_mac);
    // Entries written before this anchor existed (or after its last checkpoint) are anchored now.
    RETURN_IF_ERROR(log->AnchorNow());
    if (log->anchor_.interval > absl::ZeroDuration() &&
        log->anchor_.interval < absl::InfiniteDuration()) {
      log->anchor_thread_ = std::thread([raw = log.get()] { raw->AnchorLoop(); });
    }
  }
  return log;
}

absl::Status AuditLog::Append(AuditEntry entry) {
  auto promise = std::make_shared<std::promise<absl::Status>>();
  std::future<absl::Status> result = promise->get_future();
  AppendAsync(std::move(entry),
              [promise](absl::Status status) { promise->set_value(std::move(status)); });
  return result.get();
}

void AuditLog::AppendAsync(AuditEntry entry, std::function<void(absl::Status)> done) {
  struct Appending {
    AuditEntry entry;
    std::string at;
    int64_t seq = 0;
    std::string mac;
  };
  auto appending = std::make_shared<Appending>();
  appending->at = AuditTime(entry.at);
  appending->entry = std::move(entry);
  committer_->Submit(
      [this, appending](store::Database& db) -> absl::Status {
        const AuditEntry& e = appending->entry;
        // Chained on the head this transaction sees (one primary-key lookup), not on a copy in
        // memory: an entry of a batch that failed is never chained on.
        int64_t seq = 0;
        std::string previous_mac;
        RETURN_IF_ERROR(ReadHead(db, seq, previous_mac));
        ++seq;
        const std::string mac = ChainMac(key_, previous_mac, seq, appending->at, e);
        ASSIGN_OR_RETURN(store::Statement insert, db.Prepare(kInsertSql));
        RETURN_IF_ERROR(insert.BindInt64(1, seq));
        RETURN_IF_ERROR(insert.BindText(2, appending->at));
        RETURN_IF_ERROR(insert.BindText(3, e.system));
        RETURN_IF_ERROR(insert.BindText(4, e.subject));
        RETURN_IF_ERROR(insert.BindText(5, e.role));
        RETURN_IF_ERROR(insert.BindText(6, e.region));
        RETURN_IF_ERROR(insert.BindText(7, e.method));
        RETURN_IF_ERROR(insert.BindText(8, e.record));
        RETURN_IF_ERROR(insert.BindText(9, e.result));
        RETURN_IF_ERROR(insert.BindBlob(10, std::string_view(mac)));
        RETURN_IF_ERROR(insert.Run());
        appending->seq = seq;
        appending->mac = mac;
        return absl::OkStatus();
      },
      [this, appending, done = std::move(done)](absl::Status committed) {
        (committed.ok() ? appended_ : append_failures_).fetch_add(1, std::memory_order_relaxed);
        if (committed.ok()) Appended(appending->seq, appending->mac);
        done(std::move(committed));
      });
}

absl::StatusOr<AuditVerification> AuditLog::Verify() {
  absl::StatusOr<AuditVerification> result;
  RETURN_IF_ERROR(committer_->Run([&](store::Database& db) -> absl::Status {
    result = VerifyDatabase(db, key_);
    return absl::OkStatus();
  }));
  return result;
}

std::string AuditPersonHash(absl::string_view key, absl::string_view id_number) {
  std::string normalized = absl::AsciiStrToUpper(absl::StripAsciiWhitespace(id_number));
  std::string data;
  AppendField(data, kPersonTag);
  AppendField(data, normalized);
  return absl::BytesToHexString(HmacSha256(key, data)).substr(0, 32);
}

absl::StatusOr<AuditVerification> VerifyAuditFile(const std::string& path, const std::string& key) {
  store::DatabaseOptions options;
  options.path = path;
  options.read_only = true;
  options.create_if_missing = false;
  ASSIGN_OR_RETURN(std::unique_ptr<store::Database> db, store::Database::Open(options));
  return VerifyDatabase(*db, key);
}

absl::StatusOr<AuditCheckpoint> VerifyAuditAnchor(const std::string& path,
                                                  const std::string& anchor_path,
                                                  const std::string& key) {
  ASSIGN_OR_RETURN(std::vector<AuditCheckpoint> checkpoints, ReadAuditAnchor(anchor_path, key));
  store::DatabaseOptions options;
  options.path = path;
  options.read_only = true;
  options.create_if_missing = false;
  ASSIGN_OR_RETURN(std::unique_ptr<store::Database> db, store::Database::Open(options));
  AuditCheckpoint last = checkpoints.empty() ? AuditCheckpoint{} : checkpoints.back();
  RETURN_IF_ERROR(CheckLogAgainst(*db, last));
  return last;
}

}  // namespace unemployment::security
