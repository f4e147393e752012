#include "common/store/backup.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <memory>
#include <optional>
#include <system_error>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/store/internal.h"
#include "common/store/sqlite_status.h"
#include "common/store/transaction.h"

namespace unemployment::store {
namespace {

constexpr std::string_view kJournalModeSql = "PRAGMA journal_mode";
// Any read starts the read transaction (the WAL snapshot) that a deferred BEGIN only announces.
constexpr std::string_view kStartReadSql = "SELECT count(*) FROM sqlite_master";

std::string ErrnoText(int error) {
  return std::error_code(error, std::generic_category()).message();
}

absl::Status Prefixed(const absl::Status& status, std::string_view prefix) {
  if (status.ok()) return status;
  return absl::Status(status.code(),
                      absl::StrCat(internal::ToAbsl(prefix), ": ", status.message()));
}

bool PathExists(const std::string& path) {
  struct stat info {};
  return stat(path.c_str(), &info) == 0;
}

absl::StatusOr<bool> IsWal(Database& db) {
  UE_STORE_ASSIGN_OR_RETURN(Statement statement, db.Prepare(kJournalModeSql));
  UE_STORE_ASSIGN_OR_RETURN(bool row, statement.Step());
  return row && absl::AsciiStrToLower(internal::ToAbsl(statement.ColumnText(0))) == "wal";
}

// Copies all of `from` into `to` with the backup API, `pages_per_step` pages at a time (-1: all).
absl::Status CopyPages(Database& from, Database& to, int pages_per_step, absl::Duration pause) {
  sqlite3_backup* backup = sqlite3_backup_init(to.handle(), "main", from.handle(), "main");
  if (backup == nullptr) {
    return SqliteError(sqlite3_extended_errcode(to.handle()), to.handle(), "backup init");
  }
  int rc = SQLITE_OK;
  for (;;) {
    rc = sqlite3_backup_step(backup, pages_per_step);
    if (rc != SQLITE_OK) break;
    if (pause > absl::ZeroDuration()) absl::SleepFor(pause);
  }
  // finish reports the first error of the steps (SQLITE_OK after DONE) and releases everything.
  int finish = sqlite3_backup_finish(backup);
  if (rc == SQLITE_DONE) rc = finish;
  if (rc == SQLITE_OK) return absl::OkStatus();
  return SqliteError(rc, to.handle(), "backup step");
}

absl::Status SyncDirectoryOf(const std::string& path) {
  size_t slash = path.rfind('/');
  std::string dir = slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
  int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    int error = errno;
    return absl::UnavailableError(
        absl::StrCat("cannot open directory \"", dir, "\" to sync it: ", ErrnoText(error)));
  }
  int rc = fsync(fd);
  int error = errno;
  close(fd);
  if (rc != 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot sync directory \"", dir, "\": ", ErrnoText(error)));
  }
  return absl::OkStatus();
}

absl::Status WriteBackup(Database& src, const std::string& partial, const BackupOptions& options) {
  DatabaseOptions dest_options;
  dest_options.path = partial;
  // A plain rollback-journal file: no -wal/-shm companions, so one rename publishes it.
  dest_options.wal = false;
  dest_options.synchronous = SynchronousMode::kFull;
  dest_options.foreign_keys = false;
  dest_options.statement_cache_capacity = 0;
  UE_STORE_ASSIGN_OR_RETURN(std::unique_ptr<Database> dest, Database::Open(dest_options));

  UE_STORE_ASSIGN_OR_RETURN(bool wal, IsWal(src));
  std::optional<Transaction> snapshot;
  if (wal) {
    // Hold one read snapshot across all steps: consistent copy, writers never blocked, no restarts.
    UE_STORE_ASSIGN_OR_RETURN(Transaction read,
                              Transaction::Begin(src, Transaction::Mode::kDeferred));
    snapshot.emplace(std::move(read));
    UE_STORE_ASSIGN_OR_RETURN(Statement start, src.Prepare(kStartReadSql));
    UE_STORE_RETURN_IF_ERROR(start.Run());
  }
  int pages = options.pages_per_step > 0 ? options.pages_per_step : -1;
  UE_STORE_RETURN_IF_ERROR(CopyPages(src, *dest, pages, options.pause_between_steps));
  if (snapshot.has_value()) UE_STORE_RETURN_IF_ERROR(snapshot->Rollback());
  return dest->CheckIntegrity();
}

void RemovePartial(const std::string& partial) {
  std::remove(partial.c_str());
  std::remove(absl::StrCat(partial, "-journal").c_str());
}

}  // namespace

absl::Status BackupTo(Database& src, const std::string& dest_path, const BackupOptions& options) {
  std::string prefix = absl::StrCat("backup to \"", dest_path, "\"");
  if (src.in_transaction()) {
    return absl::FailedPreconditionError(
        absl::StrCat(prefix, ": the source connection is inside a transaction"));
  }
  if (dest_path.empty() || dest_path == ":memory:") {
    return absl::InvalidArgumentError(absl::StrCat(prefix, ": not a file path"));
  }
  if (PathExists(dest_path)) {
    return absl::AlreadyExistsError(absl::StrCat(prefix, ": the file already exists"));
  }
  std::string partial = absl::StrCat(dest_path, ".partial");
  RemovePartial(partial);  // left over from an interrupted backup
  absl::Status status = WriteBackup(src, partial, options);
  if (!status.ok()) {
    RemovePartial(partial);
    return Prefixed(status, prefix);
  }
  if (std::rename(partial.c_str(), dest_path.c_str()) != 0) {
    int error = errno;
    RemovePartial(partial);
    return absl::UnavailableError(
        absl::StrCat(prefix, ": cannot rename the finished copy: ", ErrnoText(error)));
  }
  return Prefixed(SyncDirectoryOf(dest_path), prefix);
}

absl::Status RestoreFrom(const std::string& backup_path, const std::string& dest_path) {
  std::string prefix = absl::StrCat("restore from \"", backup_path, "\" into \"", dest_path, "\"");
  DatabaseOptions backup_options;
  backup_options.path = backup_path;
  backup_options.read_only = true;
  backup_options.foreign_keys = false;
  backup_options.statement_cache_capacity = 0;
  absl::StatusOr<std::unique_ptr<Database>> backup = Database::Open(backup_options);
  if (!backup.ok()) return Prefixed(backup.status(), prefix);
  UE_STORE_RETURN_IF_ERROR(Prefixed((*backup)->CheckIntegrity(), prefix));

  DatabaseOptions dest_options;
  dest_options.path = dest_path;
  absl::StatusOr<std::unique_ptr<Database>> dest = Database::Open(dest_options);
  if (!dest.ok()) return Prefixed(dest.status(), prefix);
  return Prefixed(CopyPages(**backup, **dest, -1, absl::ZeroDuration()), prefix);
}

}  // namespace unemployment::store
