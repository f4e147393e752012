#include "services/gateway/idempotency_store.h"

#include <utility>

#include "absl/time/time.h"
#include "common/status/macros.h"
#include "common/store/statement.h"

namespace unemployment::gateway {
namespace {

constexpr store::Migration kMigrations[] = {
    {1, "intake_records", R"sql(
CREATE TABLE intake_records (
  channel INTEGER NOT NULL,
  channel_application_id TEXT NOT NULL,
  content_hash TEXT NOT NULL,
  shard TEXT NOT NULL,
  office_region_code TEXT NOT NULL,
  application_id TEXT,
  created_at TEXT NOT NULL,
  PRIMARY KEY (channel, channel_application_id)
) WITHOUT ROWID;
)sql"},
};

constexpr std::string_view kSelectSql =
    "SELECT content_hash, shard, office_region_code, application_id FROM intake_records "
    "WHERE channel = ?1 AND channel_application_id = ?2";
constexpr std::string_view kInsertSql =
    "INSERT INTO intake_records (channel, channel_application_id, content_hash, shard, "
    "office_region_code, application_id, created_at) VALUES (?1, ?2, ?3, ?4, ?5, NULL, ?6)";
constexpr std::string_view kCompleteSql =
    "UPDATE intake_records SET application_id = ?3 "
    "WHERE channel = ?1 AND channel_application_id = ?2 AND application_id IS NULL";
constexpr std::string_view kReleaseSql =
    "DELETE FROM intake_records WHERE channel = ?1 AND channel_application_id = ?2 "
    "AND content_hash = ?3 AND application_id IS NULL";

absl::StatusOr<std::optional<IntakeRecord>> Select(store::Database& db,
                                                   common::v1::Channel channel,
                                                   const std::string& channel_application_id) {
  ASSIGN_OR_RETURN(store::Statement select, db.Prepare(kSelectSql));
  RETURN_IF_ERROR(select.BindAll(static_cast<int>(channel), channel_application_id));
  ASSIGN_OR_RETURN(bool found, select.Step());
  if (!found) return std::optional<IntakeRecord>();
  IntakeRecord record;
  record.channel = channel;
  record.channel_application_id = channel_application_id;
  record.content_hash = select.ColumnString(0);
  record.shard = select.ColumnString(1);
  record.office_region_code = select.ColumnString(2);
  record.application_id = select.ColumnString(3);
  return std::optional<IntakeRecord>(std::move(record));
}

}  // namespace

absl::Span<const store::Migration> GatewayMigrations() { return kMigrations; }

SqliteIdempotencyStore::SqliteIdempotencyStore(store::Database& db, const time::Clock& clock)
    : clock_(clock), committer_(db) {}

SqliteIdempotencyStore::~SqliteIdempotencyStore() { committer_.Shutdown(); }

void SqliteIdempotencyStore::Shutdown() { committer_.Shutdown(); }

void SqliteIdempotencyStore::Reserve(const IntakeRecord& record,
                                     std::function<void(absl::StatusOr<ReserveResult>)> done) {
  auto result = std::make_shared<ReserveResult>();
  const std::string created_at = absl::FormatTime(absl::RFC3339_full, clock_.Now(),
                                                  absl::UTCTimeZone());
  committer_.Submit(
      [record, result, created_at](store::Database& db) -> absl::Status {
        ASSIGN_OR_RETURN(std::optional<IntakeRecord> existing,
                         Select(db, record.channel, record.channel_application_id));
        if (existing.has_value()) {
          result->record = *std::move(existing);
          result->created = false;
          return absl::OkStatus();
        }
        ASSIGN_OR_RETURN(store::Statement insert, db.Prepare(kInsertSql));
        RETURN_IF_ERROR(insert.BindAll(static_cast<int>(record.channel),
                                       record.channel_application_id, record.content_hash,
                                       record.shard, record.office_region_code, created_at));
        RETURN_IF_ERROR(insert.Run());
        result->record = record;
        result->record.application_id.clear();
        result->created = true;
        return absl::OkStatus();
      },
      [result, done = std::move(done)](absl::Status status) {
        if (!status.ok()) {
          done(std::move(status));
          return;
        }
        done(std::move(*result));
      });
}

void SqliteIdempotencyStore::Complete(common::v1::Channel channel,
                                      const std::string& channel_application_id,
                                      const std::string& application_id,
                                      std::function<void(absl::Status)> done) {
  committer_.Submit(
      [channel, channel_application_id, application_id](store::Database& db) -> absl::Status {
        ASSIGN_OR_RETURN(store::Statement update, db.Prepare(kCompleteSql));
        RETURN_IF_ERROR(
            update.BindAll(static_cast<int>(channel), channel_application_id, application_id));
        return update.Run();
      },
      std::move(done));
}

void SqliteIdempotencyStore::Release(common::v1::Channel channel,
                                     const std::string& channel_application_id,
                                     const std::string& content_hash,
                                     std::function<void(absl::Status)> done) {
  committer_.Submit(
      [channel, channel_application_id, content_hash](store::Database& db) -> absl::Status {
        ASSIGN_OR_RETURN(store::Statement remove, db.Prepare(kReleaseSql));
        RETURN_IF_ERROR(
            remove.BindAll(static_cast<int>(channel), channel_application_id, content_hash));
        return remove.Run();
      },
      std::move(done));
}

void SqliteIdempotencyStore::Find(
    common::v1::Channel channel, const std::string& channel_application_id,
    std::function<void(absl::StatusOr<std::optional<IntakeRecord>>)> done) {
  auto result = std::make_shared<std::optional<IntakeRecord>>();
  committer_.Submit(
      [channel, channel_application_id, result](store::Database& db) -> absl::Status {
        ASSIGN_OR_RETURN(*result, Select(db, channel, channel_application_id));
        return absl::OkStatus();
      },
      [result, done = std::move(done)](absl::Status status) {
        if (!status.ok()) {
          done(std::move(status));
          return;
        }
        done(std::move(*result));
      });
}

}  // namespace unemployment::gateway
