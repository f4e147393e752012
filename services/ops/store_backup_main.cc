// ue_store_backup: online backup and restore of a service's SQLite database (SQLite backup API,
// common/store/backup.h), for operators and the container test.
//
//   ue_store_backup backup DATABASE BACKUP    copy a live database (the service keeps running) into
//                                             the new file BACKUP; an existing BACKUP is never
//                                             overwritten
//   ue_store_backup restore BACKUP DATABASE   check BACKUP (PRAGMA integrity_check) and replace the
//                                             contents of DATABASE with it; stop the service first
//
// Exit 0 on success (one line says what was copied), 1 on failure (one line says why), 2 on bad
// usage. DATABASE is a service's file, e.g. /var/lib/unemployment/registration.db.

#include <sys/stat.h>

#include <iostream>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/store/backup.h"
#include "common/store/data_dir_lock.h"
#include "common/store/database.h"

namespace {

int Usage() {
  std::cerr << "usage: ue_store_backup backup DATABASE BACKUP\n"
               "       ue_store_backup restore BACKUP DATABASE\n";
  return 2;
}

std::string SizeOf(const std::string& path) {
  struct stat info {};
  if (stat(path.c_str(), &info) != 0) return "?";
  return absl::StrCat(info.st_size / 1024, " KiB");
}

int Backup(const std::string& database, const std::string& backup) {
  unemployment::store::DatabaseOptions options;
  options.path = database;
  // A connection of its own that cannot write: the service's writer keeps going meanwhile.
  options.read_only = true;
  options.statement_cache_capacity = 0;
  absl::StatusOr<std::unique_ptr<unemployment::store::Database>> db =
      unemployment::store::Database::Open(options);
  if (!db.ok()) {
    std::cerr << "ue_store_backup: error: opening " << database << ": " << db.status().message()
              << "\n";
    return 1;
  }
  if (absl::Status done = unemployment::store::BackupTo(**db, backup); !done.ok()) {
    std::cerr << "ue_store_backup: error: backup of " << database << " to " << backup << ": "
              << done.message() << "\n";
    return 1;
  }
  return 0;
}

int Restore(const std::string& backup, const std::string& database) {
  // Never under a live service: it holds its data folder's lock for as long as it runs, and a
  // database replaced beneath it would be overwritten by its next commit.
  const std::string::size_type slash = database.find_last_of('/');
  const std::string folder = slash == std::string::npos ? "." : database.substr(0, slash);
  absl::StatusOr<unemployment::store::DataDirLock> lock =
      unemployment::store::DataDirLock::Acquire(folder);
  if (!lock.ok()) {
    std::cerr << "ue_store_backup: error: restore of " << database << " refused: "
              << lock.status().message() << "\n";
    return 1;
  }
  if (absl::Status done = unemployment::store::RestoreFrom(backup, database); !done.ok()) {
    std::cerr << "ue_store_backup: error: restore of " << database << " from " << backup << ": "
              << done.message() << "\n";
    return 1;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) return Usage();
  const std::string command = argv[1];
  const absl::Time started = absl::Now();
  int result;
  if (command == "backup") {
    result = Backup(argv[2], argv[3]);
    if (result == 0) {
      std::cout << "backed up " << argv[2] << " to " << argv[3] << " (" << SizeOf(argv[3]) << ", "
                << absl::FormatDuration(absl::Trunc(absl::Now() - started, absl::Milliseconds(1)))
                << ")\n";
    }
  } else if (command == "restore") {
    result = Restore(argv[2], argv[3]);
    if (result == 0) {
      std::cout << "restored " << argv[3] << " from " << argv[2] << " (" << SizeOf(argv[3]) << ", "
                << absl::FormatDuration(absl::Trunc(absl::Now() - started, absl::Milliseconds(1)))
                << ")\n";
    }
  } else {
    return Usage();
  }
  return result;
}
