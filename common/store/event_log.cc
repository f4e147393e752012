#include "common/store/event_log.h"

#include "common/store/internal.h"

namespace unemployment::store {
namespace {

constexpr std::string_view kFeedCursorSql = "SELECT sequence FROM feed_cursors WHERE feed = ?1";
constexpr std::string_view kSetFeedCursorSql =
    "INSERT INTO feed_cursors (feed, sequence) VALUES (?1, ?2) "
    "ON CONFLICT (feed) DO UPDATE SET sequence = excluded.sequence";
constexpr std::string_view kNextNumberSql =
    "INSERT INTO counters (series, value) VALUES (?1, 1) "
    "ON CONFLICT (series) DO UPDATE SET value = value + 1 RETURNING value";
constexpr std::string_view kAppendEventSql =
    "INSERT INTO events (occurred_micros, data) VALUES (?1, ?2) RETURNING sequence";
constexpr std::string_view kReadEventsSql =
    "SELECT sequence, data FROM events WHERE sequence > ?1 ORDER BY sequence LIMIT ?2";
constexpr std::string_view kLastEventSequenceSql = "SELECT coalesce(max(sequence), 0) FROM events";

}  // namespace

absl::StatusOr<int64_t> FeedCursor(Database& db, std::string_view feed) {
  UE_STORE_ASSIGN_OR_RETURN(Statement statement, db.Prepare(kFeedCursorSql));
  UE_STORE_RETURN_IF_ERROR(statement.BindText(1, feed));
  UE_STORE_ASSIGN_OR_RETURN(bool row, statement.Step());
  return row ? statement.ColumnInt64(0) : int64_t{0};
}

absl::Status SetFeedCursor(Database& db, std::string_view feed, int64_t sequence) {
  UE_STORE_ASSIGN_OR_RETURN(Statement statement, db.Prepare(kSetFeedCursorSql));
  UE_STORE_RETURN_IF_ERROR(statement.BindText(1, feed));
  UE_STORE_RETURN_IF_ERROR(statement.BindInt64(2, sequence));
  return statement.Run();
}

absl::StatusOr<int64_t> NextNumber(Database& db, std::string_view series) {
  UE_STORE_ASSIGN_OR_RETURN(Statement statement, db.Prepare(kNextNumberSql));
  UE_STORE_RETURN_IF_ERROR(statement.BindText(1, series));
  UE_STORE_ASSIGN_OR_RETURN(bool row, statement.Step());
  if (!row) return absl::InternalError("counter update returned no row");
  return statement.ColumnInt64(0);
}

absl::StatusOr<int64_t> LastEventSequence(Database& db) {
  UE_STORE_ASSIGN_OR_RETURN(Statement statement, db.Prepare(kLastEventSequenceSql));
  UE_STORE_ASSIGN_OR_RETURN(bool row, statement.Step());
  return row ? statement.ColumnInt64(0) : int64_t{0};
}

absl::StatusOr<int64_t> AppendEvent(Database& db, int64_t occurred_micros,
                                    const google::protobuf::Message& event,
                                    std::string_view context) {
  UE_STORE_ASSIGN_OR_RETURN(Statement statement, db.Prepare(kAppendEventSql));
  UE_STORE_RETURN_IF_ERROR(statement.BindInt64(1, occurred_micros));
  UE_STORE_RETURN_IF_ERROR(BindSealedMessage(db, statement, 2, context, event));
  UE_STORE_ASSIGN_OR_RETURN(bool row, statement.Step());
  if (!row) return absl::InternalError("event insert returned no sequence");
  return statement.ColumnInt64(0);
}

absl::StatusOr<Statement> PrepareReadEvents(Database& db, int64_t after, int limit) {
  UE_STORE_ASSIGN_OR_RETURN(Statement statement, db.Prepare(kReadEventsSql));
  UE_STORE_RETURN_IF_ERROR(statement.BindInt64(1, after));
  UE_STORE_RETURN_IF_ERROR(statement.BindInt64(2, limit));
  return statement;
}

}  // namespace unemployment::store
