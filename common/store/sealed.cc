#include "common/store/sealed.h"

#include <sqlite3.h>

#include "absl/strings/str_cat.h"
#include "common/store/internal.h"

namespace unemployment::store {
namespace {

const crypto::Keyring& KeyringOf(sqlite3_context* context) {
  return *static_cast<const crypto::Keyring*>(sqlite3_user_data(context));
}

std::string_view ValueBytes(sqlite3_value* value) {
  const void* data = sqlite3_value_blob(value);
  int size = sqlite3_value_bytes(value);
  return std::string_view(static_cast<const char*>(data), static_cast<size_t>(size));
}

void ReturnStatus(sqlite3_context* context, const absl::StatusOr<std::string>& result) {
  if (!result.ok()) {
    std::string message(result.status().message());
    sqlite3_result_error(context, message.c_str(), static_cast<int>(message.size()));
    return;
  }
  sqlite3_result_blob(context, result->data(), static_cast<int>(result->size()), SQLITE_TRANSIENT);
}

// ue_seal(context, value): value sealed with the active key; NULL stays NULL.
void SealFunction(sqlite3_context* context, int, sqlite3_value** argv) {
  if (sqlite3_value_type(argv[1]) == SQLITE_NULL) return sqlite3_result_null(context);
  std::string purpose(ValueBytes(argv[0]));
  ReturnStatus(context, KeyringOf(context).Seal(purpose, ValueBytes(argv[1])));
}

// ue_reseal(context, value): value opened and sealed with the active key.
void ResealFunction(sqlite3_context* context, int, sqlite3_value** argv) {
  if (sqlite3_value_type(argv[1]) == SQLITE_NULL) return sqlite3_result_null(context);
  std::string purpose(ValueBytes(argv[0]));
  ReturnStatus(context, KeyringOf(context).Reseal(purpose, ValueBytes(argv[1])));
}

// ue_key_id(value): the data key id of a sealed value; NULL when the value is not sealed.
void KeyIdFunction(sqlite3_context* context, int, sqlite3_value** argv) {
  if (sqlite3_value_type(argv[0]) != SQLITE_BLOB) return sqlite3_result_null(context);
  std::optional<uint32_t> id = crypto::Keyring::KeyIdOf(ValueBytes(argv[0]));
  if (!id.has_value()) return sqlite3_result_null(context);
  sqlite3_result_int64(context, *id);
}

void ActiveKeyIdFunction(sqlite3_context* context, int, sqlite3_value**) {
  sqlite3_result_int64(context, KeyringOf(context).active_key_id());
}

// ue_search_hash(value): the keyed hash, as text; NULL stays NULL.
void SearchHashFunction(sqlite3_context* context, int, sqlite3_value** argv) {
  if (sqlite3_value_type(argv[0]) == SQLITE_NULL) return sqlite3_result_null(context);
  std::string hash = KeyringOf(context).SearchHash(ValueBytes(argv[0]));
  sqlite3_result_text(context, hash.data(), static_cast<int>(hash.size()), SQLITE_TRANSIENT);
}

}  // namespace

absl::Status BindSealed(const Database& db, Statement& statement, int index,
                        std::string_view context, std::string_view plaintext) {
  UE_STORE_ASSIGN_OR_RETURN(std::string sealed, db.keyring().Seal(context, plaintext));
  return statement.BindBlob(index, sealed);
}

absl::StatusOr<std::string> OpenColumn(const Database& db, const Statement& statement, int column,
                                       std::string_view context) {
  if (statement.ColumnIsNull(column)) return std::string();
  absl::StatusOr<std::string> opened = db.keyring().Open(context, statement.ColumnBlob(column));
  if (!opened.ok()) {
    return absl::Status(opened.status().code(),
                        absl::StrCat(internal::ToAbsl(context), ": ", opened.status().message()));
  }
  return opened;
}

std::string SearchHash(const Database& db, std::string_view value) {
  return db.keyring().SearchHash(value);
}

absl::StatusOr<int64_t> ResealColumns(Database& db, absl::Span<const SealedColumn> columns) {
  int64_t changed = 0;
  absl::Status status = db.InTransaction([&]() -> absl::Status {
    for (const SealedColumn& c : columns) {
      // Names are compile-time constants of the store (never input); the context is bound.
      std::string sql = absl::StrCat(
          "UPDATE ", internal::ToAbsl(c.table), " SET ", internal::ToAbsl(c.column),
          " = ue_reseal(?1, ", internal::ToAbsl(c.column), ") WHERE ", internal::ToAbsl(c.column),
          " IS NOT NULL AND ue_key_id(", internal::ToAbsl(c.column), ") IS NOT ue_active_key_id()");
      UE_STORE_ASSIGN_OR_RETURN(Statement update, db.Prepare(sql));
      UE_STORE_RETURN_IF_ERROR(update.BindText(1, c.context));
      UE_STORE_RETURN_IF_ERROR(update.Run());
      changed += db.changes();
    }
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return changed;
}

absl::StatusOr<int64_t> CountStaleValues(Database& db, absl::Span<const SealedColumn> columns) {
  int64_t stale = 0;
  for (const SealedColumn& c : columns) {
    std::string sql = absl::StrCat("SELECT count(*) FROM ", internal::ToAbsl(c.table), " WHERE ",
                                   internal::ToAbsl(c.column), " IS NOT NULL AND ue_key_id(",
                                   internal::ToAbsl(c.column), ") IS NOT ue_active_key_id()");
    UE_STORE_ASSIGN_OR_RETURN(Statement count, db.Prepare(sql));
    UE_STORE_ASSIGN_OR_RETURN(bool row, count.Step());
    if (row) stale += count.ColumnInt64(0);
  }
  return stale;
}

absl::Status RegisterSealingFunctions(Database& db) {
  void* keyring = const_cast<crypto::Keyring*>(&db.keyring());
  struct Function {
    const char* name;
    int arity;
    int flags;
    void (*fn)(sqlite3_context*, int, sqlite3_value**);
  };
  const Function functions[] = {
      {"ue_seal", 2, SQLITE_UTF8, SealFunction},
      {"ue_reseal", 2, SQLITE_UTF8, ResealFunction},
      {"ue_key_id", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC, KeyIdFunction},
      {"ue_active_key_id", 0, SQLITE_UTF8 | SQLITE_DETERMINISTIC, ActiveKeyIdFunction},
      {"ue_search_hash", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC, SearchHashFunction},
  };
  for (const Function& f : functions) {
    int rc = sqlite3_create_function_v2(db.handle(), f.name, f.arity, f.flags, keyring, f.fn,
                                        nullptr, nullptr, nullptr);
    if (rc != SQLITE_OK) {
      return absl::InternalError(absl::StrCat("cannot register SQL function ", f.name));
    }
  }
  return absl::OkStatus();
}

}  // namespace unemployment::store
