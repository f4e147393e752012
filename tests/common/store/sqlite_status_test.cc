#include "common/store/sqlite_status.h"

#include <sqlite3.h>

#include <catch2/catch.hpp>
#include <string>

namespace unemployment::store {
namespace {

TEST_CASE("SQLite result codes map to absl codes", "[store][status]") {
  struct Case {
    int sqlite_result;
    absl::StatusCode code;
  };
  const Case cases[] = {
      {SQLITE_OK, absl::StatusCode::kOk},
      {SQLITE_DONE, absl::StatusCode::kOk},
      {SQLITE_CONSTRAINT_UNIQUE, absl::StatusCode::kAlreadyExists},
      {SQLITE_CONSTRAINT_PRIMARYKEY, absl::StatusCode::kAlreadyExists},
      {SQLITE_CONSTRAINT_ROWID, absl::StatusCode::kAlreadyExists},
      {SQLITE_CONSTRAINT_NOTNULL, absl::StatusCode::kInvalidArgument},
      {SQLITE_CONSTRAINT_CHECK, absl::StatusCode::kInvalidArgument},
      {SQLITE_CONSTRAINT_FOREIGNKEY, absl::StatusCode::kFailedPrecondition},
      {SQLITE_CONSTRAINT_TRIGGER, absl::StatusCode::kFailedPrecondition},
      {SQLITE_CONSTRAINT, absl::StatusCode::kFailedPrecondition},
      {SQLITE_BUSY, absl::StatusCode::kUnavailable},
      {SQLITE_BUSY_SNAPSHOT, absl::StatusCode::kUnavailable},
      {SQLITE_LOCKED, absl::StatusCode::kUnavailable},
      {SQLITE_FULL, absl::StatusCode::kResourceExhausted},
      {SQLITE_NOMEM, absl::StatusCode::kResourceExhausted},
      {SQLITE_IOERR_NOMEM, absl::StatusCode::kResourceExhausted},
      {SQLITE_IOERR, absl::StatusCode::kUnavailable},
      {SQLITE_IOERR_FSYNC, absl::StatusCode::kUnavailable},
      {SQLITE_CANTOPEN, absl::StatusCode::kFailedPrecondition},
      {SQLITE_READONLY, absl::StatusCode::kFailedPrecondition},
      {SQLITE_PERM, absl::StatusCode::kPermissionDenied},
      {SQLITE_CORRUPT, absl::StatusCode::kDataLoss},
      {SQLITE_NOTADB, absl::StatusCode::kDataLoss},
      {SQLITE_INTERRUPT, absl::StatusCode::kCancelled},
      {SQLITE_ABORT, absl::StatusCode::kAborted},
      {SQLITE_SCHEMA, absl::StatusCode::kAborted},
      {SQLITE_RANGE, absl::StatusCode::kOutOfRange},
      {SQLITE_TOOBIG, absl::StatusCode::kInvalidArgument},
      {SQLITE_MISMATCH, absl::StatusCode::kInvalidArgument},
      {SQLITE_ERROR, absl::StatusCode::kInternal},
      {SQLITE_MISUSE, absl::StatusCode::kInternal},
  };
  for (const Case& c : cases) {
    INFO("sqlite result " << c.sqlite_result);
    CHECK(SqliteResultToStatusCode(c.sqlite_result) == c.code);
  }
}

TEST_CASE("SqliteError without a connection uses the generic text", "[store][status]") {
  absl::Status status = SqliteError(SQLITE_FULL, nullptr, "commit");
  CHECK(status ==
        absl::ResourceExhaustedError("commit: database or disk is full (sqlite error 13)"));
}

}  // namespace
}  // namespace unemployment::store
