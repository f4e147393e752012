// The tables every service store shares besides its own: its event feed (`events`), the cursors
// of the feeds it consumes (`feed_cursors`) and its number series (`counters`). One definition of
// each table and one set of statements; a store's Tx forwards to these.
#pragma once

#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/store/database.h"
#include "common/store/sealed_message.h"
#include "common/store/statement.h"
#include "google/protobuf/message.h"

namespace unemployment::store {

// --- Schema: the table definitions as every service's first migration created them. ---
// A new service puts these in its first migration; released migrations keep their own text (it
// creates exactly these tables).

// This service's own feed; `data` is the event without its sequence, sealed under the store's
// events context. AUTOINCREMENT never reuses a committed sequence.
inline constexpr std::string_view kEventsTableSql = R"sql(
CREATE TABLE events (
  sequence INTEGER PRIMARY KEY AUTOINCREMENT,
  occurred_micros INTEGER NOT NULL,
  data BLOB NOT NULL
);
)sql";

// The last applied sequence of each feed this service consumes.
inline constexpr std::string_view kFeedCursorsTableSql = R"sql(
CREATE TABLE feed_cursors (
  feed TEXT PRIMARY KEY,
  sequence INTEGER NOT NULL
) WITHOUT ROWID;
)sql";

// Number series (1, 2, 3, ... per series, never reused) for identifiers.
inline constexpr std::string_view kCountersTableSql = R"sql(
CREATE TABLE counters (
  series TEXT PRIMARY KEY,
  value INTEGER NOT NULL
) WITHOUT ROWID;
)sql";

// --- feed_cursors ---

// The last applied sequence of `feed`; 0 when none.
absl::StatusOr<int64_t> FeedCursor(Database& db, std::string_view feed);
// Inserts or moves the cursor of `feed`.
absl::Status SetFeedCursor(Database& db, std::string_view feed, int64_t sequence);

// --- counters ---

// The next number of `series`: 1, 2, 3, ..., never reused (rolled-back numbers come again).
absl::StatusOr<int64_t> NextNumber(Database& db, std::string_view series);

// --- events ---

// The highest sequence of the event log; 0 when empty.
absl::StatusOr<int64_t> LastEventSequence(Database& db);

// Appends `event` (serialized, sealed under `context`) at `occurred_micros`; returns its sequence.
absl::StatusOr<int64_t> AppendEvent(Database& db, int64_t occurred_micros,
                                    const google::protobuf::Message& event,
                                    std::string_view context);

// The statement ReadEvents steps: (sequence, sealed data) above ?1, oldest first, at most ?2.
absl::StatusOr<Statement> PrepareReadEvents(Database& db, int64_t after, int limit);

// Events with a sequence above `after`, oldest first, at most `limit`, each with its sequence set
// (the sequence is the row's key, not part of the stored payload).
template <typename Event>
absl::StatusOr<std::vector<Event>> ReadEvents(Database& db, int64_t after, int limit,
                                              std::string_view context) {
  absl::StatusOr<Statement> statement = PrepareReadEvents(db, after, limit);
  if (!statement.ok()) return statement.status();
  std::vector<Event> events;
  while (true) {
    absl::StatusOr<bool> row = statement->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    absl::StatusOr<Event> event = OpenMessage<Event>(db, *statement, 1, context);
    if (!event.ok()) return event.status();
    event->set_sequence(statement->ColumnInt64(0));
    events.push_back(*std::move(event));
  }
  return events;
}

// The event log as one write transaction sees it: appends, and remembers the highest sequence
// appended (what WriterStore::Work returns, so the commit listener hears of it).
class EventLog {
 public:
  EventLog(Database& db, std::string_view context) : db_(db), context_(context) {}

  absl::StatusOr<int64_t> Append(int64_t occurred_micros, const google::protobuf::Message& event) {
    absl::StatusOr<int64_t> sequence = AppendEvent(db_, occurred_micros, event, context_);
    if (sequence.ok()) last_appended_ = *sequence;
    return sequence;
  }

  // The highest sequence appended through this object; 0 when none.
  int64_t last_appended() const { return last_appended_; }

 private:
  Database& db_;
  std::string_view context_;
  int64_t last_appended_ = 0;
};

}  // namespace unemployment::store
