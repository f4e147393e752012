#include "common/store/statement.h"

#include <sqlite3.h>

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/store/database.h"
#include "common/store/internal.h"
#include "common/store/sqlite_status.h"

namespace unemployment::store {
namespace {

// How much of the SQL text goes into error messages. SQL text is a constant of the calling code
// (never user data), so quoting its start is safe and tells which statement failed.
constexpr size_t kSqlExcerptLength = 60;

std::string SqlExcerpt(sqlite3_stmt* stmt) {
  std::string_view sql = sqlite3_sql(stmt) != nullptr ? sqlite3_sql(stmt) : "";
  if (sql.size() <= kSqlExcerptLength) return std::string(sql);
  return absl::StrCat(internal::ToAbsl(sql.substr(0, kSqlExcerptLength)), "...");
}

}  // namespace

Statement::Statement(Statement&& other) noexcept
    : db_(std::exchange(other.db_, nullptr)), stmt_(std::exchange(other.stmt_, nullptr)) {}

Statement& Statement::operator=(Statement&& other) noexcept {
  if (this != &other) {
    Release();
    db_ = std::exchange(other.db_, nullptr);
    stmt_ = std::exchange(other.stmt_, nullptr);
  }
  return *this;
}

Statement::~Statement() { Release(); }

void Statement::Release() {
  if (stmt_ == nullptr) return;
  db_->ReturnStatement(stmt_);
  stmt_ = nullptr;
  db_ = nullptr;
}

absl::Status Statement::BindResult(int index, int sqlite_result) {
  if (sqlite_result == SQLITE_OK) return absl::OkStatus();
  // Deliberately no value in the message: it may be personal data.
  return SqliteError(sqlite_result, sqlite3_db_handle(stmt_),
                     absl::StrCat("bind parameter ", index, " of \"", SqlExcerpt(stmt_), "\""));
}

absl::Status Statement::BindInt64(int index, int64_t value) {
  return BindResult(index, sqlite3_bind_int64(stmt_, index, value));
}

absl::Status Statement::BindDouble(int index, double value) {
  return BindResult(index, sqlite3_bind_double(stmt_, index, value));
}

absl::Status Statement::BindBool(int index, bool value) {
  return BindResult(index, sqlite3_bind_int64(stmt_, index, value ? 1 : 0));
}

absl::Status Statement::BindText(int index, std::string_view value) {
  // A null data pointer would bind NULL instead of the empty string.
  const char* data = value.data() != nullptr ? value.data() : "";
  return BindResult(
      index, sqlite3_bind_text64(stmt_, index, data, value.size(), SQLITE_TRANSIENT, SQLITE_UTF8));
}

absl::Status Statement::BindBlob(int index, std::string_view bytes) {
  if (bytes.empty()) return BindResult(index, sqlite3_bind_zeroblob(stmt_, index, 0));
  return BindResult(
      index, sqlite3_bind_blob64(stmt_, index, bytes.data(), bytes.size(), SQLITE_TRANSIENT));
}

absl::Status Statement::BindBlob(int index, absl::Span<const uint8_t> bytes) {
  return BindBlob(index,
                  std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

absl::Status Statement::BindNull(int index) {
  return BindResult(index, sqlite3_bind_null(stmt_, index));
}

absl::StatusOr<int> Statement::ParameterIndex(std::string_view name) const {
  std::string terminated(name);
  int index = sqlite3_bind_parameter_index(stmt_, terminated.c_str());
  if (index == 0) {
    return absl::NotFoundError(
        absl::StrCat("no parameter ", internal::ToAbsl(name), " in \"", SqlExcerpt(stmt_), "\""));
  }
  return index;
}

absl::StatusOr<bool> Statement::Step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  sqlite3* db = sqlite3_db_handle(stmt_);
  absl::Status status = SqliteError(rc, db, absl::StrCat("step \"", SqlExcerpt(stmt_), "\""));
  // Release the statement's locks now rather than when it is next used or destroyed.
  sqlite3_reset(stmt_);
  return status;
}

absl::Status Statement::Run() {
  for (;;) {
    absl::StatusOr<bool> row = Step();
    if (!row.ok()) return row.status();
    if (!*row) return absl::OkStatus();
  }
}

void Statement::Reset() {
  // sqlite3_reset repeats the error of the last Step, which Step already reported.
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

int Statement::ColumnCount() const { return sqlite3_column_count(stmt_); }

std::string_view Statement::ColumnName(int column) const {
  const char* name = sqlite3_column_name(stmt_, column);
  return name != nullptr ? std::string_view(name) : std::string_view();
}

bool Statement::ColumnIsNull(int column) const {
  return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

int64_t Statement::ColumnInt64(int column) const { return sqlite3_column_int64(stmt_, column); }

double Statement::ColumnDouble(int column) const { return sqlite3_column_double(stmt_, column); }

bool Statement::ColumnBool(int column) const { return sqlite3_column_int64(stmt_, column) != 0; }

std::string_view Statement::ColumnText(int column) const {
  const unsigned char* text = sqlite3_column_text(stmt_, column);
  if (text == nullptr) return std::string_view();
  return std::string_view(reinterpret_cast<const char*>(text),
                          static_cast<size_t>(sqlite3_column_bytes(stmt_, column)));
}

std::string Statement::ColumnString(int column) const { return std::string(ColumnText(column)); }

std::string_view Statement::ColumnBlob(int column) const {
  const void* blob = sqlite3_column_blob(stmt_, column);
  if (blob == nullptr) return std::string_view();
  return std::string_view(static_cast<const char*>(blob),
                          static_cast<size_t>(sqlite3_column_bytes(stmt_, column)));
}

std::optional<int64_t> Statement::ColumnOptionalInt64(int column) const {
  if (ColumnIsNull(column)) return std::nullopt;
  return ColumnInt64(column);
}

std::optional<double> Statement::ColumnOptionalDouble(int column) const {
  if (ColumnIsNull(column)) return std::nullopt;
  return ColumnDouble(column);
}

std::optional<std::string> Statement::ColumnOptionalString(int column) const {
  if (ColumnIsNull(column)) return std::nullopt;
  return ColumnString(column);
}

std::string_view Statement::sql() const {
  const char* sql = sqlite3_sql(stmt_);
  return sql != nullptr ? std::string_view(sql) : std::string_view();
}

}  // namespace unemployment::store
