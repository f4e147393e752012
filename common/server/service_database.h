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

// Opens "<data_dir>/<file_name>" and applies `migrations`. Errors name the path and say what is
// wrong (unwritable folder, schema newer than this binary, bad synchronous setting).
absl::StatusOr<std::unique_ptr<store::Database>> OpenServiceDatabase(
    const CommonSettings& settings, absl::string_view file_name,
    absl::Span<const store::Migration> migrations);

}  // namespace unemployment::server
