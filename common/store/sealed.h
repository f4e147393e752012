// Personal data at rest: values sealed with the connection's keyring (common/crypto/keyring.h).
//
// A store seals every column that may hold an ID number, phone, address or a record carrying one
// (AES-256-GCM, context = "<service>/<table>.<column>") and stores the keyed hash of an ID number
// where it must find rows by it. Each store lists its sealed columns (a span of SealedColumn) so
// that ResealColumns can move them to the active key after a rotation.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "common/store/database.h"
#include "common/store/statement.h"

namespace unemployment::store {

// A column whose values are sealed under `context`. Names are compile-time constants of a store.
struct SealedColumn {
  std::string_view table;
  std::string_view column;
  std::string_view context;
};

// Seals `plaintext` and binds it as a BLOB.
absl::Status BindSealed(const Database& db, Statement& statement, int index,
                        std::string_view context, std::string_view plaintext);
// Opens the sealed BLOB in `column` of the current row. NULL reads as an empty string.
absl::StatusOr<std::string> OpenColumn(const Database& db, const Statement& statement, int column,
                                       std::string_view context);
// The keyed hash of `value` (32 hex digits) to store and search instead of the value.
std::string SearchHash(const Database& db, std::string_view value);

// Seals again with the active key every value of `columns` sealed with an older key, in one
// transaction; returns how many values changed. The old keys must still be in the keyring.
absl::StatusOr<int64_t> ResealColumns(Database& db, absl::Span<const SealedColumn> columns);

// Counts the values of `columns` that are not sealed with the active key (after a rotation, before
// ResealColumns) or not sealed at all.
absl::StatusOr<int64_t> CountStaleValues(Database& db, absl::Span<const SealedColumn> columns);

// Registers the ue_* SQL functions (see Database::keyring) on `db`. Called by Database::Open.
absl::Status RegisterSealingFunctions(Database& db);

}  // namespace unemployment::store
