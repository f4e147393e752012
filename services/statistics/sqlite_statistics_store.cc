#include "services/statistics/sqlite_statistics_store.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/status/macros.h"
#include "common/store/event_log.h"
#include "common/store/statement.h"

namespace unemployment::statistics {
namespace {

using store::Database;
using store::Statement;

// --- Schema. A released migration is never edited; changes are new migrations. ---
//
// Days are packed yyyymmdd integers (facts.h); 2147483647 stands for "never" (an active
// registration's end, an undecided application's decision). Codes are the numbers of
// unemployment.common.v1 enums.
constexpr std::string_view kSchemaV1 = R"sql(
-- One cursor per feed ("registration/<shard_id>"): the sequence of the last event applied.
CREATE TABLE feed_cursors (
  feed TEXT PRIMARY KEY,
  sequence INTEGER NOT NULL,
  last_event_micros INTEGER NOT NULL,
  last_applied_micros INTEGER NOT NULL
) WITHOUT ROWID;

-- Registrations with the day each fact took effect and the day it was recorded.
CREATE TABLE registrations (
  id TEXT PRIMARY KEY,
  office_region_code TEXT NOT NULL,
  registered_day INTEGER NOT NULL,
  recorded_day INTEGER NOT NULL,
  urban_rural_class TEXT NOT NULL,
  urban INTEGER NOT NULL,
  sex INTEGER NOT NULL,
  education INTEGER NOT NULL,
  channel INTEGER NOT NULL,
  household_local INTEGER NOT NULL,
  birth_day INTEGER NOT NULL,
  end_effective_day INTEGER NOT NULL,
  end_recorded_day INTEGER NOT NULL,
  end_reason INTEGER NOT NULL
) WITHOUT ROWID;

-- Applications with their decision, for flows and the 7-working-day indicator.
CREATE TABLE applications (
  id TEXT PRIMARY KEY,
  office_region_code TEXT NOT NULL,
  channel INTEGER NOT NULL,
  received_day INTEGER NOT NULL,
  due_day INTEGER NOT NULL,
  outcome INTEGER NOT NULL,
  decided_day INTEGER NOT NULL,
  decision_recorded_day INTEGER NOT NULL
) WITHOUT ROWID;
)sql";

// The facts of tiering's and follow-up's feeds.
constexpr std::string_view kSchemaV2 = R"sql(
-- Type changes of registrations, in the order they were applied (seq).
CREATE TABLE type_changes (
  seq INTEGER PRIMARY KEY,
  registration_id TEXT NOT NULL,
  office_region_code TEXT NOT NULL,
  type INTEGER NOT NULL,
  effective_day INTEGER NOT NULL,
  recorded_day INTEGER NOT NULL
);

-- Service deliveries of the plan (tiering.v1.ServiceType numbers).
CREATE TABLE deliveries (
  id TEXT PRIMARY KEY,
  registration_id TEXT NOT NULL,
  office_region_code TEXT NOT NULL,
  type INTEGER NOT NULL,
  delivered_day INTEGER NOT NULL,
  recorded_day INTEGER NOT NULL
) WITHOUT ROWID;

-- Follow-up contacts.
CREATE TABLE follow_ups (
  id TEXT PRIMARY KEY,
  registration_id TEXT NOT NULL,
  office_region_code TEXT NOT NULL,
  contact_day INTEGER NOT NULL,
  recorded_day INTEGER NOT NULL
) WITHOUT ROWID;

-- Fraud cases: opened, and concluded (confirmed 1 when CONFIRMED).
CREATE TABLE fraud_cases (
  case_id TEXT PRIMARY KEY,
  office_region_code TEXT NOT NULL,
  opened_day INTEGER NOT NULL,
  opened_recorded_day INTEGER NOT NULL,
  concluded_day INTEGER NOT NULL,
  concluded_recorded_day INTEGER NOT NULL,
  confirmed INTEGER NOT NULL
) WITHOUT ROWID;
)sql";

// Rejection reason codes (registration 2026-12); rejections stored before keep 0 (unspecified).
constexpr std::string_view kSchemaV3 = R"sql(
ALTER TABLE applications ADD COLUMN rejection_reason INTEGER NOT NULL DEFAULT 0;
)sql";

// The latest duty roster of each office queue (reviewer ids joined by a line feed; staff ids
// hold none).
constexpr std::string_view kSchemaV4 = R"sql(
CREATE TABLE duty_rosters (
  office_region_code TEXT NOT NULL,
  queue_kind INTEGER NOT NULL,
  reviewer_ids TEXT NOT NULL,
  update_micros INTEGER NOT NULL,
  PRIMARY KEY (office_region_code, queue_kind)
) WITHOUT ROWID;
)sql";

// The regions that reported their contacts (附件3), with the time of the last report.
constexpr std::string_view kSchemaV5 = R"sql(
CREATE TABLE contact_reports (
  region_code TEXT PRIMARY KEY,
  reported_micros INTEGER NOT NULL
) WITHOUT ROWID;
)sql";

constexpr store::Migration kMigrations[] = {
    {1, "statistics_schema", kSchemaV1},
    {2, "tiering_and_followup_facts", kSchemaV2},
    {3, "rejection_reasons", kSchemaV3},
    {4, "duty_rosters", kSchemaV4},
    {5, "contact_reports", kSchemaV5},
};

// --- Statements. ---

constexpr std::string_view kSetCursorSql =
    "INSERT INTO feed_cursors (feed, sequence, last_event_micros, last_applied_micros) "
    "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (feed) DO UPDATE SET sequence = excluded.sequence, "
    "last_event_micros = excluded.last_event_micros, "
    "last_applied_micros = excluded.last_applied_micros";
constexpr std::string_view kListCursorsSql =
    "SELECT feed, sequence, last_event_micros, last_applied_micros FROM feed_cursors "
    "ORDER BY feed";
// A registration is inserted whole; a known one only learns its deregistration (the other facts
// of a registration never change).
constexpr std::string_view kPutRegistrationSql =
    "INSERT INTO registrations (id, office_region_code, registered_day, recorded_day, "
    "urban_rural_class, urban, sex, education, channel, household_local, birth_day, "
    "end_effective_day, end_recorded_day, end_reason) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14) "
    "ON CONFLICT (id) DO UPDATE SET end_effective_day = excluded.end_effective_day, "
    "end_recorded_day = excluded.end_recorded_day, end_reason = excluded.end_reason "
    "WHERE excluded.end_effective_day < 2147483647";
// Likewise an application only learns its decision.
constexpr std::string_view kPutApplicationSql =
    "INSERT INTO applications (id, office_region_code, channel, received_day, due_day, outcome, "
    "decided_day, decision_recorded_day, rejection_reason) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) "
    "ON CONFLICT (id) DO UPDATE SET outcome = excluded.outcome, "
    "decided_day = excluded.decided_day, decision_recorded_day = excluded.decision_recorded_day, "
    "rejection_reason = excluded.rejection_reason "
    "WHERE excluded.outcome <> 0";
// A recomputed deadline moves only an undecided application's due day.
constexpr std::string_view kSetDueDaySql =
    "UPDATE applications SET due_day = ?2 WHERE id = ?1 AND outcome = 0";
constexpr std::string_view kAllRegistrationsSql =
    "SELECT id, office_region_code, registered_day, recorded_day, urban_rural_class, urban, sex, "
    "education, channel, household_local, birth_day, end_effective_day, end_recorded_day, "
    "end_reason FROM registrations";
constexpr std::string_view kAllApplicationsSql =
    "SELECT id, office_region_code, channel, received_day, due_day, outcome, decided_day, "
    "decision_recorded_day, rejection_reason FROM applications";

constexpr std::string_view kAddTypeChangeSql =
    "INSERT INTO type_changes (registration_id, office_region_code, type, effective_day, "
    "recorded_day) VALUES (?1, ?2, ?3, ?4, ?5)";
constexpr std::string_view kAddDeliverySql =
    "INSERT OR IGNORE INTO deliveries (id, registration_id, office_region_code, type, "
    "delivered_day, recorded_day) VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
constexpr std::string_view kAddFollowUpSql =
    "INSERT OR IGNORE INTO follow_ups (id, registration_id, office_region_code, contact_day, "
    "recorded_day) VALUES (?1, ?2, ?3, ?4, ?5)";
// An amendment (ServiceDeliveryAmended, FollowUpAmended) replaces the type and date of a delivery
// or the date of a follow-up, keeping the day it was first recorded, or deletes it when withdrawn.
// Both are idempotent: a repeat changes nothing more.
constexpr std::string_view kCorrectDeliverySql =
    "UPDATE deliveries SET type = ?2, delivered_day = ?3 WHERE id = ?1";
constexpr std::string_view kWithdrawDeliverySql = "DELETE FROM deliveries WHERE id = ?1";
constexpr std::string_view kCorrectFollowUpSql =
    "UPDATE follow_ups SET contact_day = ?2 WHERE id = ?1";
constexpr std::string_view kWithdrawFollowUpSql = "DELETE FROM follow_ups WHERE id = ?1";
// A case is opened once; its conclusion is added later (2147483647 = not set in this fact).
constexpr std::string_view kPutFraudCaseSql =
    "INSERT INTO fraud_cases (case_id, office_region_code, opened_day, opened_recorded_day, "
    "concluded_day, concluded_recorded_day, confirmed) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) "
    "ON CONFLICT (case_id) DO UPDATE SET "
    "opened_day = CASE WHEN excluded.opened_day < 2147483647 THEN excluded.opened_day "
    "ELSE opened_day END, "
    "opened_recorded_day = CASE WHEN excluded.opened_day < 2147483647 "
    "THEN excluded.opened_recorded_day ELSE opened_recorded_day END, "
    "concluded_day = CASE WHEN excluded.concluded_day < 2147483647 THEN excluded.concluded_day "
    "ELSE concluded_day END, "
    "concluded_recorded_day = CASE WHEN excluded.concluded_day < 2147483647 "
    "THEN excluded.concluded_recorded_day ELSE concluded_recorded_day END, "
    "confirmed = CASE WHEN excluded.concluded_day < 2147483647 THEN excluded.confirmed "
    "ELSE confirmed END";
constexpr std::string_view kPutDutyRosterSql =
    "INSERT INTO duty_rosters (office_region_code, queue_kind, reviewer_ids, update_micros) "
    "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (office_region_code, queue_kind) DO UPDATE SET "
    "reviewer_ids = excluded.reviewer_ids, update_micros = excluded.update_micros";
constexpr std::string_view kAllDutyRostersSql =
    "SELECT office_region_code, queue_kind, reviewer_ids, update_micros FROM duty_rosters";
constexpr std::string_view kPutContactReportSql =
    "INSERT INTO contact_reports (region_code, reported_micros) VALUES (?1, ?2) "
    "ON CONFLICT (region_code) DO UPDATE SET reported_micros = excluded.reported_micros";
constexpr std::string_view kAllContactReportsSql =
    "SELECT region_code, reported_micros FROM contact_reports";
constexpr std::string_view kAllTypeChangesSql =
    "SELECT registration_id, office_region_code, type, effective_day, recorded_day "
    "FROM type_changes ORDER BY seq";
constexpr std::string_view kAllDeliveriesSql =
    "SELECT id, registration_id, office_region_code, type, delivered_day, recorded_day "
    "FROM deliveries";
constexpr std::string_view kAllFollowUpsSql =
    "SELECT id, registration_id, office_region_code, contact_day, recorded_day FROM follow_ups";
constexpr std::string_view kAllFraudCasesSql =
    "SELECT case_id, office_region_code, opened_day, opened_recorded_day, concluded_day, "
    "concluded_recorded_day, confirmed FROM fraud_cases";

absl::Status PutRegistration(Database& db, const RegistrationFact& r) {
  ASSIGN_OR_RETURN(Statement statement, db.Prepare(kPutRegistrationSql));
  RETURN_IF_ERROR(statement.BindAll(r.id, r.office_region_code, r.registered, r.recorded,
                                    r.urban_rural_class, r.urban, r.sex, r.education, r.channel,
                                    r.household_local, r.birth, r.end_effective, r.end_recorded,
                                    r.end_reason));
  return statement.Run();
}

absl::Status PutApplication(Database& db, const ApplicationFact& a) {
  ASSIGN_OR_RETURN(Statement statement, db.Prepare(kPutApplicationSql));
  RETURN_IF_ERROR(statement.BindAll(a.id, a.office_region_code, a.channel, a.received, a.due,
                                    a.outcome, a.decided_on, a.decision_recorded,
                                    a.rejection_reason));
  return statement.Run();
}

// Prepares, binds and runs one statement.
template <typename... Args>
absl::Status RunSql(Database& db, std::string_view sql, const Args&... args) {
  ASSIGN_OR_RETURN(Statement statement, db.Prepare(sql));
  RETURN_IF_ERROR(statement.BindAll(args...));
  return statement.Run();
}

absl::Status PutServiceFacts(Database& db, const FactChange& c) {
  if (c.type_change.has_value()) {
    const TypeFact& t = *c.type_change;
    ASSIGN_OR_RETURN(Statement statement, db.Prepare(kAddTypeChangeSql));
    RETURN_IF_ERROR(statement.BindAll(t.registration_id, t.office_region_code, t.type,
                                      t.effective, t.recorded));
    RETURN_IF_ERROR(statement.Run());
  }
  if (c.delivery.has_value()) {
    const DeliveryFact& d = *c.delivery;
    ASSIGN_OR_RETURN(Statement statement, db.Prepare(kAddDeliverySql));
    RETURN_IF_ERROR(statement.BindAll(d.id, d.registration_id, d.office_region_code, d.type,
                                      d.delivered, d.recorded));
    RETURN_IF_ERROR(statement.Run());
  }
  if (c.follow_up.has_value()) {
    const FollowUpFact& f = *c.follow_up;
    ASSIGN_OR_RETURN(Statement statement, db.Prepare(kAddFollowUpSql));
    RETURN_IF_ERROR(statement.BindAll(f.id, f.registration_id, f.office_region_code, f.contact,
                                      f.recorded));
    RETURN_IF_ERROR(statement.Run());
  }
  if (c.delivery_amendment.has_value()) {
    const DeliveryAmendment& a = *c.delivery_amendment;
    RETURN_IF_ERROR(a.withdrawn ? RunSql(db, kWithdrawDeliverySql, a.id)
                                : RunSql(db, kCorrectDeliverySql, a.id, a.type, a.delivered));
  }
  if (c.follow_up_amendment.has_value()) {
    const FollowUpAmendment& a = *c.follow_up_amendment;
    RETURN_IF_ERROR(a.withdrawn ? RunSql(db, kWithdrawFollowUpSql, a.id)
                                : RunSql(db, kCorrectFollowUpSql, a.id, a.contact));
  }
  if (c.duty_roster.has_value()) {
    const DutyRosterFact& d = *c.duty_roster;
    ASSIGN_OR_RETURN(Statement statement, db.Prepare(kPutDutyRosterSql));
    RETURN_IF_ERROR(statement.BindAll(d.office_region_code, d.queue_kind,
                                      absl::StrJoin(d.reviewer_ids, "\n"), d.update_micros));
    RETURN_IF_ERROR(statement.Run());
  }
  if (c.contact_report.has_value()) {
    ASSIGN_OR_RETURN(Statement statement, db.Prepare(kPutContactReportSql));
    RETURN_IF_ERROR(statement.BindAll(c.contact_report->region_code,
                                      c.contact_report->reported_micros));
    RETURN_IF_ERROR(statement.Run());
  }
  if (c.fraud_case.has_value()) {
    const FraudFact& f = *c.fraud_case;
    ASSIGN_OR_RETURN(Statement statement, db.Prepare(kPutFraudCaseSql));
    RETURN_IF_ERROR(statement.BindAll(f.case_id, f.office_region_code, f.opened,
                                      f.opened_recorded, f.concluded, f.concluded_recorded,
                                      f.confirmed));
    RETURN_IF_ERROR(statement.Run());
  }
  return absl::OkStatus();
}

PackedDay Day(const Statement& s, int column) { return static_cast<PackedDay>(s.ColumnInt64(column)); }
int Int(const Statement& s, int column) { return static_cast<int>(s.ColumnInt64(column)); }

}  // namespace

absl::Span<const store::Migration> StatisticsMigrations() { return kMigrations; }

SqliteStatisticsStore::SqliteStatisticsStore(std::unique_ptr<store::Database> db)
    : db_(std::move(db)) {}

absl::StatusOr<std::unique_ptr<SqliteStatisticsStore>> SqliteStatisticsStore::Open(
    const std::string& path, store::SynchronousMode synchronous) {
  store::DatabaseOptions options;
  options.path = path;
  options.synchronous = synchronous;
  ASSIGN_OR_RETURN(std::unique_ptr<store::Database> db, store::Database::Open(options));
  RETURN_IF_ERROR(store::Migrate(*db, StatisticsMigrations()));
  return std::make_unique<SqliteStatisticsStore>(std::move(db));
}

absl::StatusOr<int64_t> SqliteStatisticsStore::Apply(const std::string& feed,
                                                     const std::vector<FeedEvent>& events,
                                                     int64_t applied_micros) {
  for (size_t i = 1; i < events.size(); ++i) {
    if (events[i].sequence <= events[i - 1].sequence) {
      return absl::InvalidArgumentError("feed events must be in increasing sequence order");
    }
  }
  absl::MutexLock lock(&mu_);
  Database& db = *db_;
  int64_t before = 0;
  absl::Status written = db.InTransaction([&]() -> absl::Status {
    ASSIGN_OR_RETURN(before, store::FeedCursor(db, feed));
    const FeedEvent* last = nullptr;
    for (const FeedEvent& event : events) {
      if (event.sequence <= before) continue;  // applied before (a repeat after a reconnect)
      if (event.change.registration.has_value()) {
        RETURN_IF_ERROR(PutRegistration(db, *event.change.registration));
      }
      if (event.change.application.has_value()) {
        RETURN_IF_ERROR(PutApplication(db, *event.change.application));
      }
      RETURN_IF_ERROR(PutServiceFacts(db, event.change));
      if (event.change.deadline.has_value()) {
        ASSIGN_OR_RETURN(Statement statement, db.Prepare(kSetDueDaySql));
        RETURN_IF_ERROR(statement.BindAll(event.change.deadline->application_id,
                                          event.change.deadline->due));
        RETURN_IF_ERROR(statement.Run());
      }
      last = &event;
    }
    if (last == nullptr) return absl::OkStatus();
    ASSIGN_OR_RETURN(Statement statement, db.Prepare(kSetCursorSql));
    RETURN_IF_ERROR(
        statement.BindAll(feed, last->sequence, last->occurred_micros, applied_micros));
    return statement.Run();
  });
  if (!written.ok()) return written;
  return before;
}

absl::StatusOr<int64_t> SqliteStatisticsStore::GetCursor(const std::string& feed) {
  absl::MutexLock lock(&mu_);
  return store::FeedCursor(*db_, feed);
}

absl::StatusOr<std::vector<StoredCursor>> SqliteStatisticsStore::ListCursors() {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(Statement statement, db_->Prepare(kListCursorsSql));
  std::vector<StoredCursor> out;
  while (true) {
    ASSIGN_OR_RETURN(bool row, statement.Step());
    if (!row) break;
    StoredCursor cursor;
    cursor.feed = statement.ColumnString(0);
    cursor.sequence = statement.ColumnInt64(1);
    cursor.last_event_micros = statement.ColumnInt64(2);
    cursor.last_applied_micros = statement.ColumnInt64(3);
    out.push_back(std::move(cursor));
  }
  return out;
}

absl::Status SqliteStatisticsStore::LoadFacts(
    const std::function<void(const RegistrationFact&)>& on_registration,
    const std::function<void(const ApplicationFact&)>& on_application) {
  absl::MutexLock lock(&mu_);
  {
    ASSIGN_OR_RETURN(Statement s, db_->Prepare(kAllRegistrationsSql));
    RegistrationFact r;
    while (true) {
      ASSIGN_OR_RETURN(bool row, s.Step());
      if (!row) break;
      r.id = s.ColumnString(0);
      r.office_region_code = s.ColumnString(1);
      r.registered = Day(s, 2);
      r.recorded = Day(s, 3);
      r.urban_rural_class = s.ColumnString(4);
      r.urban = s.ColumnBool(5);
      r.sex = Int(s, 6);
      r.education = Int(s, 7);
      r.channel = Int(s, 8);
      r.household_local = s.ColumnBool(9);
      r.birth = Day(s, 10);
      r.end_effective = Day(s, 11);
      r.end_recorded = Day(s, 12);
      r.end_reason = Int(s, 13);
      on_registration(r);
    }
  }
  ASSIGN_OR_RETURN(Statement s, db_->Prepare(kAllApplicationsSql));
  ApplicationFact a;
  while (true) {
    ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    a.id = s.ColumnString(0);
    a.office_region_code = s.ColumnString(1);
    a.channel = Int(s, 2);
    a.received = Day(s, 3);
    a.due = Day(s, 4);
    a.outcome = Int(s, 5);
    a.decided_on = Day(s, 6);
    a.decision_recorded = Day(s, 7);
    a.rejection_reason = Int(s, 8);
    on_application(a);
  }
  return absl::OkStatus();
}

absl::Status SqliteStatisticsStore::LoadServiceFacts(
    const std::function<void(const FactChange&)>& on_fact) {
  absl::MutexLock lock(&mu_);
  {
    ASSIGN_OR_RETURN(Statement s, db_->Prepare(kAllTypeChangesSql));
    while (true) {
      ASSIGN_OR_RETURN(bool row, s.Step());
      if (!row) break;
      FactChange change;
      TypeFact& t = change.type_change.emplace();
      t.registration_id = s.ColumnString(0);
      t.office_region_code = s.ColumnString(1);
      t.type = Int(s, 2);
      t.effective = Day(s, 3);
      t.recorded = Day(s, 4);
      on_fact(change);
    }
  }
  {
    ASSIGN_OR_RETURN(Statement s, db_->Prepare(kAllDeliveriesSql));
    while (true) {
      ASSIGN_OR_RETURN(bool row, s.Step());
      if (!row) break;
      FactChange change;
      DeliveryFact& d = change.delivery.emplace();
      d.id = s.ColumnString(0);
      d.registration_id = s.ColumnString(1);
      d.office_region_code = s.ColumnString(2);
      d.type = Int(s, 3);
      d.delivered = Day(s, 4);
      d.recorded = Day(s, 5);
      on_fact(change);
    }
  }
  {
    ASSIGN_OR_RETURN(Statement s, db_->Prepare(kAllFollowUpsSql));
    while (true) {
      ASSIGN_OR_RETURN(bool row, s.Step());
      if (!row) break;
      FactChange change;
      FollowUpFact& f = change.follow_up.emplace();
      f.id = s.ColumnString(0);
      f.registration_id = s.ColumnString(1);
      f.office_region_code = s.ColumnString(2);
      f.contact = Day(s, 3);
      f.recorded = Day(s, 4);
      on_fact(change);
    }
  }
  {
    ASSIGN_OR_RETURN(Statement s, db_->Prepare(kAllDutyRostersSql));
    while (true) {
      ASSIGN_OR_RETURN(bool row, s.Step());
      if (!row) break;
      FactChange change;
      DutyRosterFact& d = change.duty_roster.emplace();
      d.office_region_code = s.ColumnString(0);
      d.queue_kind = Int(s, 1);
      const std::string ids = s.ColumnString(2);
      if (!ids.empty()) d.reviewer_ids = absl::StrSplit(ids, '\n');
      d.update_micros = s.ColumnInt64(3);
      on_fact(change);
    }
  }
  {
    ASSIGN_OR_RETURN(Statement s, db_->Prepare(kAllContactReportsSql));
    while (true) {
      ASSIGN_OR_RETURN(bool row, s.Step());
      if (!row) break;
      FactChange change;
      ContactReportFact& c = change.contact_report.emplace();
      c.region_code = s.ColumnString(0);
      c.reported_micros = s.ColumnInt64(1);
      on_fact(change);
    }
  }
  ASSIGN_OR_RETURN(Statement s, db_->Prepare(kAllFraudCasesSql));
  while (true) {
    ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    FactChange change;
    FraudFact& f = change.fraud_case.emplace();
    f.case_id = s.ColumnString(0);
    f.office_region_code = s.ColumnString(1);
    f.opened = Day(s, 2);
    f.opened_recorded = Day(s, 3);
    f.concluded = Day(s, 4);
    f.concluded_recorded = Day(s, 5);
    f.confirmed = s.ColumnBool(6);
    on_fact(change);
  }
  return absl::OkStatus();
}

}  // namespace unemployment::statistics
