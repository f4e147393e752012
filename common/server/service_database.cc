#include "common/server/service_database.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/server/store_metrics.h"

namespace unemployment::server {

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
  if (settings.metrics != nullptr) {
    options.commit_observer = MakeStoreCommitMetrics(
        *settings.metrics, std::string(absl::StripSuffix(file_name, ".db")));
  }
  absl::StatusOr<std::unique_ptr<store::Database>> db = store::Database::Open(options);
  if (!db.ok()) return db.status();
  if (absl::Status migrated = store::Migrate(**db, migrations); !migrated.ok()) {
    return absl::Status(migrated.code(),
                        absl::StrCat("migrating ", options.path, ": ", migrated.message()));
  }
  return db;
}

}  // namespace unemployment::server
