// Helpers shared by the ue::store tests.
#pragma once

#include <stdlib.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <memory>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/store/database.h"
#include "tests/common/require_ok.h"
#include "tests/testing/resident_id.h"
#include "tests/testing/temp_dir.h"

namespace unemployment::store::testing {

// Temporary folders come from the shared test support (tests/testing/temp_dir.h).
using ::unemployment::testing::TempDir;

inline absl::Status StatusOf(const absl::Status& status) { return status; }
template <typename T>
absl::Status StatusOf(const absl::StatusOr<T>& status_or) {
  return status_or.status();
}

inline std::string ToString(const absl::Status& status) { return std::string(status.ToString()); }

// Opens a database or fails the test.
inline std::unique_ptr<Database> OpenOrFail(const DatabaseOptions& options) {
  absl::StatusOr<std::unique_ptr<Database>> db = Database::Open(options);
  UE_REQUIRE_OK(db);
  return std::move(*db);
}

inline std::unique_ptr<Database> OpenOrFail(const std::string& path) {
  DatabaseOptions options;
  options.path = path;
  return OpenOrFail(options);
}

// Runs a one-row, one-column query and returns column 0 as an integer.
inline int64_t QueryInt(Database& db, std::string_view sql) {
  absl::StatusOr<Statement> statement = db.Prepare(sql);
  UE_REQUIRE_OK(statement);
  absl::StatusOr<bool> row = statement->Step();
  UE_REQUIRE_OK(row);
  REQUIRE(*row);
  return statement->ColumnInt64(0);
}

// Runs a one-row, one-column query and returns column 0 as text.
inline std::string QueryString(Database& db, std::string_view sql) {
  absl::StatusOr<Statement> statement = db.Prepare(sql);
  UE_REQUIRE_OK(statement);
  absl::StatusOr<bool> row = statement->Step();
  UE_REQUIRE_OK(row);
  REQUIRE(*row);
  return statement->ColumnString(0);
}

inline bool TableExists(Database& db, const std::string& table) {
  absl::StatusOr<Statement> statement =
      db.Prepare("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?1");
  UE_REQUIRE_OK(statement);
  UE_REQUIRE_OK(statement->BindText(1, table));
  absl::StatusOr<bool> row = statement->Step();
  UE_REQUIRE_OK(row);
  return statement->ColumnInt64(0) > 0;
}

}  // namespace unemployment::store::testing
