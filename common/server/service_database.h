#pragma once

// Opens a service's own SQLite file under its data folder with the suite's settings (WAL,
// busy timeout, the configured synchronous mode) and brings its schema up to date.

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "common/server/service_main.h"
#include "common/store/database.h"
#include "common/store/migration.h"

namespace unemployment::server {

// When `settings.backup_dir` is set and the database exists with a schema older than the last of
// `migrations`, it is first copied (store::BackupTo) into
//   <backup_dir>/<name>-before-migration-v<from>-to-v<to>-<UTC YYYYMMDDTHHMMSSZ>.db
// and nothing is migrated when that copy fails: an upgrade always leaves the data it started from
// on the backup volume. These copies are not removed by the backup schedule's retention.
absl::StatusOr<std::string> BackupBeforeMigration(store::Database& db,
                                                  const CommonSettings& settings,
                                                  absl::string_view file_name, int target_version);

// Opens "<data_dir>/<file_name>" and applies `migrations` (after BackupBeforeMigration). Errors name the path and say what is
// wrong (unwritable folder, schema newer than this binary, bad synchronous setting).
absl::StatusOr<std::unique_ptr<store::Database>> OpenServiceDatabase(
    const CommonSettings& settings, absl::string_view file_name,
    absl::Span<const store::Migration> migrations);

}  // namespace unemployment::server
