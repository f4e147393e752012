// Translation of SQLite result codes into absl::Status.
//
// Every error that leaves ue::store goes through these functions so that callers can rely on the
// codes below and services can turn them into gRPC codes without knowing about SQLite:
//
//   SQLite result (extended)                       absl code            why
//   ---------------------------------------------  ------------------- ----------------------------
//   CONSTRAINT_UNIQUE, _PRIMARYKEY, _ROWID         kAlreadyExists       the row (key) exists
//   CONSTRAINT_NOTNULL, _CHECK, _DATATYPE          kInvalidArgument     the value itself is invalid
//   CONSTRAINT_FOREIGNKEY, _TRIGGER, other         kFailedPrecondition  depends on other rows/state
//   BUSY*, LOCKED*                                 kUnavailable         retry later (lock
//   contention) FULL, IOERR_NOMEM, NOMEM                       kResourceExhausted   disk (or
//   memory) is full IOERR*                                         kUnavailable         device
//   error, retry/alert CANTOPEN*, READONLY*                           kFailedPrecondition
//   deployment problem (path, perms) PERM, AUTH kPermissionDenied CORRUPT*, NOTADB kDataLoss
//   INTERRUPT                                      kCancelled
//   ABORT, SCHEMA                                  kAborted             retry the transaction
//   RANGE                                          kOutOfRange          bind/column index
//   TOOBIG, MISMATCH                               kInvalidArgument
//   everything else (ERROR, MISUSE, INTERNAL, ...)  kInternal            a bug in our SQL or usage
//
// "Disk full" is therefore a clean kResourceExhausted status (the transaction is rolled back by the
// Transaction/GroupCommitter helpers), never a crash.
//
// Messages carry a short context, SQLite's own error text and the numeric extended code, e.g.
//   "step \"INSERT INTO person ...\": UNIQUE constraint failed: person.id_number (sqlite error
//   2067)"
// and, for file-level failures, the operating system's reason in brackets, e.g.
//   "... unable to open database file (sqlite error 14) [No such file or directory]".
// They never contain bound parameter values: SQLite's messages name tables, columns and constraint
// expressions from the schema, and ue::store never expands bound parameters into messages (bound
// values may be personal data such as ID numbers).
#pragma once

#include <string_view>

#include "absl/status/status.h"

struct sqlite3;

namespace unemployment::store {

// The absl code for an SQLite primary or extended result code (see the table above).
// SQLITE_OK, SQLITE_ROW and SQLITE_DONE map to kOk.
absl::StatusCode SqliteResultToStatusCode(int sqlite_result);

// A status for `sqlite_result` with `context` and the connection's current error message.
// Call it right after the failing sqlite3_* call on the same thread. `db` may be null, in which
// case the generic text for the result code (sqlite3_errstr) is used.
absl::Status SqliteError(int sqlite_result, sqlite3* db, std::string_view context);

}  // namespace unemployment::store
