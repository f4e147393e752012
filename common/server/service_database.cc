#include "common/server/service_database.h"

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/store/backup.h"
#include "absl/strings/strip.h"
#include "common/server/store_metrics.h"

namespace unemployment::server {

absl::StatusOr<std::string> BackupBeforeMigration(store::Database& db,
                                                  const CommonSettings& settings,
                                                  absl::string_view file_name, int target_version) {
  absl::StatusOr<int> current = store::SchemaVersion(db);
  if (!current.ok()) return current.status();
  // A new database (version 0) has nothing to lose; an up-to-date one is not migrated.
  if (*current == 0 || *current >= target_version) return std::string();
  absl::Time now = settings.clock != nullptr ? settings.clock->Now() : absl::Now();
  std::string path = absl::StrCat(
      settings.backup_dir, "/", absl::StripSuffix(file_name, ".db"), "-before-migration-v",
      *current, "-to-v", target_version, "-",
      absl::FormatTime("%Y%m%dT%H%M%SZ", now, absl::UTCTimeZone()), ".db");
  if (absl::Status saved = store::BackupTo(db, path); !saved.ok()) {
    return absl::Status(saved.code(),
                        absl::StrCat("backup before migrating ", settings.data_dir, "/", file_name,
                                     " from version ", *current, " to ", target_version,
                                     " (nothing migrated): ", saved.message()));
  }
  return path;
}

absl::StatusOr<std::unique_ptr<store::Database>> OpenServiceDatabase(
    const CommonSettings& settings, absl::string_view file_name,
    absl::Span<const store::Migration> migrations) {
  absl::StatusOr<store::SynchronousMode> mode =
      store::ParseSynchronousMode(settings.sqlite_synchronous);
  if (!mode.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("setting --sqlite_synchronous: ",
                                                   mode.status().message()));
  }
  store::DatabaseOptions options;
  options.path = absl::StrCat(settings.data_dir, "/", file_name);
  options.synchronous = *mode;
  options.keyring = settings.keyring;  // readers opened with a copy of these options share it
  if (settings.metrics != nullptr) {
    options.commit_observer = MakeStoreCommitMetrics(
        *settings.metrics, std::string(absl::StripSuffix(file_name, ".db")));
  }
  absl::StatusOr<std::unique_ptr<store::Database>> db = store::Database::Open(options);
  if (!db.ok()) return db.status();
  if (!settings.backup_dir.empty() && !migrations.empty()) {
    absl::StatusOr<std::string> saved =
        BackupBeforeMigration(**db, settings, file_name, migrations.back().version);
    if (!saved.ok()) return saved.status();
  }
  if (absl::Status migrated = store::Migrate(**db, migrations); !migrated.ok()) {
    return absl::Status(migrated.code(),
                        absl::StrCat("migrating ", options.path, ": ", migrated.message()));
  }
  return db;
}

}  // namespace unemployment::server
