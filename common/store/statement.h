// RAII prepared statement for ue::store.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"

struct sqlite3_stmt;

namespace unemployment::store {

class Database;

// One prepared SQL statement, obtained from Database::Prepare.
//
// Move-only. When destroyed, the statement is reset, its bindings are cleared and it goes back to
// its Database's statement cache (or is finalized when the cache already holds one for that SQL).
// A Statement must be destroyed before the Database it came from. Thread-compatible, like Database.
//
// Parameters are numbered from 1 (as in SQLite's `?1`/`?`); columns from 0. Bound values never
// appear in error messages, because they may be personal data.
//
//   ASSIGN_OR_RETURN(Statement insert, db.Prepare(kInsertPersonSql));
//   RETURN_IF_ERROR(insert.BindAll(id_number, name, std::optional<int64_t>()));
//   RETURN_IF_ERROR(insert.Run());
class Statement final {
 public:
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&& other) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  // Binding. Each returns kOutOfRange for an index the statement does not have; text and blobs
  // are copied, so the arguments need not outlive the call.
  absl::Status BindInt64(int index, int64_t value);
  absl::Status BindDouble(int index, double value);
  absl::Status BindBool(int index, bool value);  // stored as INTEGER 0/1
  absl::Status BindText(int index, std::string_view value);
  absl::Status BindBlob(int index, std::string_view bytes);
  absl::Status BindBlob(int index, absl::Span<const uint8_t> bytes);
  absl::Status BindNull(int index);

  // Binds by C++ type: bool -> INTEGER 0/1; other integers -> INTEGER; floating point -> REAL;
  // anything convertible to std::string_view -> TEXT; std::nullopt -> NULL; std::optional<T> ->
  // NULL or T. Unsigned 64-bit integers are rejected at compile time (they do not fit INTEGER).
  // Use BindBlob for BLOB values.
  template <typename T>
  absl::Status Bind(int index, const T& value);

  // Binds `values` to parameters 1..N in order, as Bind would, stopping at the first error.
  template <typename... Ts>
  absl::Status BindAll(const Ts&... values);

  // The index of a named parameter (":name", "@name", "$name" including its prefix), or kNotFound.
  absl::StatusOr<int> ParameterIndex(std::string_view name) const;

  // Advances the statement: true when a row is available through the column getters, false when
  // the statement has finished. After false (or an error), the next Step restarts the statement
  // with the same bindings.
  absl::StatusOr<bool> Step();

  // Steps until the statement finishes, discarding rows; for INSERT, UPDATE, DELETE and DDL.
  absl::Status Run();

  // Makes the statement ready to run again and clears its bindings.
  void Reset();

  // Column getters for the current row (valid after Step returned true). A NULL column reads as
  // 0, 0.0, false or an empty string; the Optional variants tell NULL apart.
  // Views returned by ColumnText/ColumnBlob are valid until the next Step, Reset or destruction.
  int ColumnCount() const;
  std::string_view ColumnName(int column) const;
  bool ColumnIsNull(int column) const;
  int64_t ColumnInt64(int column) const;
  double ColumnDouble(int column) const;
  bool ColumnBool(int column) const;
  std::string_view ColumnText(int column) const;
  std::string ColumnString(int column) const;
  std::string_view ColumnBlob(int column) const;
  std::optional<int64_t> ColumnOptionalInt64(int column) const;
  std::optional<double> ColumnOptionalDouble(int column) const;
  std::optional<std::string> ColumnOptionalString(int column) const;

  // The SQL text the statement was prepared from (never with bound values expanded).
  std::string_view sql() const;

 private:
  friend class Database;
  Statement(Database* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}

  absl::Status BindResult(int index, int sqlite_result);
  void Release();

  Database* db_ = nullptr;
  sqlite3_stmt* stmt_ = nullptr;
};

namespace internal {
template <typename T>
struct IsOptional : std::false_type {};
template <typename T>
struct IsOptional<std::optional<T>> : std::true_type {};
template <typename T>
inline constexpr bool kAlwaysFalse = false;
}  // namespace internal

template <typename T>
absl::Status Statement::Bind(int index, const T& value) {
  using U = std::decay_t<T>;
  if constexpr (std::is_same_v<U, bool>) {
    return BindBool(index, value);
  } else if constexpr (std::is_integral_v<U>) {
    static_assert(sizeof(U) < sizeof(int64_t) || std::is_signed_v<U>,
                  "unsigned 64-bit integers do not fit SQLite INTEGER; convert explicitly");
    return BindInt64(index, static_cast<int64_t>(value));
  } else if constexpr (std::is_enum_v<U>) {
    return BindInt64(index, static_cast<int64_t>(value));
  } else if constexpr (std::is_floating_point_v<U>) {
    return BindDouble(index, static_cast<double>(value));
  } else if constexpr (std::is_same_v<U, std::nullopt_t> || std::is_same_v<U, std::nullptr_t>) {
    return BindNull(index);
  } else if constexpr (internal::IsOptional<U>::value) {
    if (!value.has_value()) return BindNull(index);
    return Bind(index, *value);
  } else if constexpr (std::is_convertible_v<const T&, std::string_view>) {
    return BindText(index, std::string_view(value));
  } else {
    static_assert(internal::kAlwaysFalse<T>, "no SQLite binding for this type");
    return absl::InternalError("unreachable");
  }
}

template <typename... Ts>
absl::Status Statement::BindAll(const Ts&... values) {
  absl::Status status;
  int index = 0;
  // Left-to-right; stops binding after the first failure.
  ((status.ok() ? (status = Bind(++index, values), void()) : void()), ...);
  (void)index;  // unused when there are no values
  return status;
}

}  // namespace unemployment::store
