#include "common/store/sqlite_status.h"

#include <sqlite3.h>

#include <string>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "common/store/internal.h"

namespace unemployment::store {

absl::StatusCode SqliteResultToStatusCode(int sqlite_result) {
  // Extended codes first: they refine their primary code.
  switch (sqlite_result) {
    case SQLITE_OK:
    case SQLITE_ROW:
    case SQLITE_DONE:
      return absl::StatusCode::kOk;
    case SQLITE_CONSTRAINT_UNIQUE:
    case SQLITE_CONSTRAINT_PRIMARYKEY:
    case SQLITE_CONSTRAINT_ROWID:
      return absl::StatusCode::kAlreadyExists;
    case SQLITE_CONSTRAINT_NOTNULL:
    case SQLITE_CONSTRAINT_CHECK:
    case SQLITE_CONSTRAINT_DATATYPE:
      return absl::StatusCode::kInvalidArgument;
    case SQLITE_IOERR_NOMEM:
      return absl::StatusCode::kResourceExhausted;
    default:
      break;
  }
  switch (sqlite_result & 0xff) {
    case SQLITE_CONSTRAINT:  // FOREIGNKEY, TRIGGER (RAISE), FUNCTION, VTAB, COMMITHOOK, PINNED
      return absl::StatusCode::kFailedPrecondition;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_PROTOCOL:
      return absl::StatusCode::kUnavailable;
    case SQLITE_FULL:
    case SQLITE_NOMEM:
      return absl::StatusCode::kResourceExhausted;
    case SQLITE_IOERR:
      return absl::StatusCode::kUnavailable;
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
      return absl::StatusCode::kFailedPrecondition;
    case SQLITE_PERM:
    case SQLITE_AUTH:
      return absl::StatusCode::kPermissionDenied;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return absl::StatusCode::kDataLoss;
    case SQLITE_INTERRUPT:
      return absl::StatusCode::kCancelled;
    case SQLITE_ABORT:
    case SQLITE_SCHEMA:
      return absl::StatusCode::kAborted;
    case SQLITE_RANGE:
      return absl::StatusCode::kOutOfRange;
    case SQLITE_TOOBIG:
    case SQLITE_MISMATCH:
      return absl::StatusCode::kInvalidArgument;
    case SQLITE_NOLFS:
      return absl::StatusCode::kUnimplemented;
    default:
      return absl::StatusCode::kInternal;
  }
}

absl::Status SqliteError(int sqlite_result, sqlite3* db, std::string_view context) {
  // sqlite3_errmsg describes the most recent failure on this connection; use it (and its more
  // specific extended code) only when it belongs to this failure, else the generic text for the
  // code.
  const char* text = nullptr;
  if (db != nullptr) {
    int extended = sqlite3_extended_errcode(db);
    if ((extended & 0xff) == (sqlite_result & 0xff)) {
      sqlite_result = extended;
      text = sqlite3_errmsg(db);
    }
  }
  if (text == nullptr) text = sqlite3_errstr(sqlite_result);
  absl::StatusCode code = SqliteResultToStatusCode(sqlite_result);
  if (code == absl::StatusCode::kOk) {
    // A caller asked for an error on success; that is a bug in ue::store itself.
    return absl::InternalError(absl::StrCat(internal::ToAbsl(context),
                                            ": unexpected SQLite success code ", sqlite_result));
  }
  std::string message =
      absl::StrCat(internal::ToAbsl(context), ": ", text, " (sqlite error ", sqlite_result, ")");
  // For file-level failures the operating system's reason (ENOENT, EACCES, EROFS, ENOSPC, ...) is
  // what an operator needs; SQLite keeps it per connection.
  int primary = sqlite_result & 0xff;
  if (db != nullptr && (primary == SQLITE_CANTOPEN || primary == SQLITE_IOERR ||
                        primary == SQLITE_FULL || primary == SQLITE_READONLY)) {
    int system_error = sqlite3_system_errno(db);
    if (system_error != 0) {
      absl::StrAppend(&message, " [",
                      std::error_code(system_error, std::generic_category()).message(), "]");
    }
  }
  return absl::Status(code, message);
}

}  // namespace unemployment::store
