#include "services/followup/sqlite_followup_store.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/proto_util/message_util.h"
#include "common/status/macros.h"
#include "common/store/event_log.h"
#include "common/store/request_log.h"
#include "common/store/sealed.h"
#include "common/store/sealed_message.h"
#include "common/store/statement.h"
#include "google/protobuf/util/time_util.h"

namespace unemployment::followup {
namespace {

using store::Database;
using store::Statement;

// --- Schema. A released migration is never edited; changes are new migrations. ---

constexpr std::string_view kSchemaV1 = R"sql(
CREATE TABLE counters (
  series TEXT PRIMARY KEY,
  value INTEGER NOT NULL
) WITHOUT ROWID;

-- The consumer cursors of the feeds this service reads (registration's StreamEvents).
CREATE TABLE feed_cursors (
  feed TEXT PRIMARY KEY,
  sequence INTEGER NOT NULL
) WITHOUT ROWID;

-- The read model of registrations. end_date is the deregistration's effective date: the
-- registration is active on the days d with registered_date <= d < end_date.
CREATE TABLE registrations (
  id TEXT PRIMARY KEY,
  id_type INTEGER NOT NULL,
  id_number TEXT NOT NULL,
  name TEXT NOT NULL,
  office_region_code TEXT NOT NULL,
  registered_date TEXT NOT NULL,
  end_date TEXT,
  end_reason INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX registrations_by_office ON registrations (office_region_code, registered_date, id);

CREATE TABLE follow_ups (
  id TEXT PRIMARY KEY,
  registration_id TEXT NOT NULL,
  method INTEGER NOT NULL,
  contact_date TEXT NOT NULL,
  is_contact INTEGER NOT NULL,
  recorded_micros INTEGER NOT NULL,
  data BLOB NOT NULL
);
CREATE INDEX follow_ups_by_registration
  ON follow_ups (registration_id, contact_date, recorded_micros, id);

CREATE TABLE self_reports (
  id TEXT PRIMARY KEY,
  registration_id TEXT NOT NULL,
  data BLOB NOT NULL
);

CREATE TABLE candidates (
  id TEXT PRIMARY KEY,
  registration_id TEXT NOT NULL,
  office_region_code TEXT NOT NULL,
  state INTEGER NOT NULL,
  source INTEGER NOT NULL,
  month TEXT NOT NULL,
  create_micros INTEGER NOT NULL,
  data BLOB NOT NULL
);
CREATE INDEX candidates_by_registration ON candidates (registration_id, state);
CREATE INDEX candidates_by_office ON candidates (office_region_code, create_micros, id);

CREATE TABLE fraud_cases (
  id TEXT PRIMARY KEY,
  city_code TEXT NOT NULL,
  office_region_code TEXT NOT NULL,
  state INTEGER NOT NULL,
  opened_on TEXT NOT NULL,
  concluded_on TEXT,
  reported_month TEXT,
  data BLOB NOT NULL
);
CREATE INDEX fraud_cases_by_office ON fraud_cases (office_region_code, opened_on, id);
CREATE INDEX fraud_cases_confirmed ON fraud_cases (concluded_on, id) WHERE state = 3;

CREATE TABLE fraud_reports (
  city_code TEXT NOT NULL,
  month TEXT NOT NULL,
  data BLOB NOT NULL,
  PRIMARY KEY (city_code, month)
) WITHOUT ROWID;

CREATE TABLE requests (
  kind TEXT NOT NULL,
  request_id TEXT NOT NULL,
  fingerprint BLOB NOT NULL,
  response BLOB NOT NULL,
  PRIMARY KEY (kind, request_id)
) WITHOUT ROWID;

-- This service's own event feed: AUTOINCREMENT never reuses a committed sequence.
CREATE TABLE events (
  sequence INTEGER PRIMARY KEY AUTOINCREMENT,
  occurred_micros INTEGER NOT NULL,
  data BLOB NOT NULL
);
)sql";

// The monthly information comparison: one row per RunMonthlyComparison call, and the hits
// recorded per (month, registration, hit kind) so that a re-run of the month never records one
// twice, whichever run or region found it first.
constexpr std::string_view kSchemaV2 = R"sql(
CREATE TABLE comparison_runs (
  id TEXT PRIMARY KEY,
  month TEXT NOT NULL,
  region_code TEXT NOT NULL,
  as_of TEXT NOT NULL,
  staff_id TEXT NOT NULL,
  state TEXT NOT NULL,
  compared_count INTEGER NOT NULL DEFAULT 0,
  hit_count INTEGER NOT NULL DEFAULT 0,
  new_follow_up_count INTEGER NOT NULL DEFAULT 0,
  new_candidate_count INTEGER NOT NULL DEFAULT 0,
  start_micros INTEGER NOT NULL,
  end_micros INTEGER,
  error TEXT NOT NULL DEFAULT ''
);
CREATE INDEX comparison_runs_by_month ON comparison_runs (month, region_code, start_micros);

CREATE TABLE comparison_hits (
  month TEXT NOT NULL,
  registration_id TEXT NOT NULL,
  hit_kind INTEGER NOT NULL,
  run_id TEXT NOT NULL,
  follow_up_id TEXT NOT NULL,
  candidate_id TEXT NOT NULL,
  PRIMARY KEY (month, registration_id, hit_kind)
) WITHOUT ROWID;
)sql";

// Personal data at rest (issue 9): the registration read model's ID number and name and every
// stored record, response and event are sealed. Existing rows are converted in place.
constexpr std::string_view kSchemaV3 = R"sql(
UPDATE registrations SET id_number = ue_seal('followup/registrations.id_number', id_number),
  name = ue_seal('followup/registrations.name', name);
UPDATE follow_ups SET data = ue_seal('followup/follow_ups.data', data);
UPDATE self_reports SET data = ue_seal('followup/self_reports.data', data);
UPDATE candidates SET data = ue_seal('followup/candidates.data', data);
UPDATE fraud_cases SET data = ue_seal('followup/fraud_cases.data', data);
UPDATE fraud_reports SET data = ue_seal('followup/fraud_reports.data', data);
UPDATE requests SET response = ue_seal('followup/requests.response', response),
  fingerprint = ue_seal('followup/requests.fingerprint', fingerprint);
UPDATE events SET data = ue_seal('followup/events.data', data);
)sql";

// Amendments (AmendFollowUp): a follow-up withdrawn as recorded in error stays in the table (its
// amendments are in data) but no longer covers its month nor counts as a contact; every counting
// query filters on the flag. The partial index covers those queries (the due list's look-ups by
// registration and date, the last contact, coverage by method): none reads the table, as with
// follow_ups_by_registration before the flag (withdrawn is listed so that SQLite sees it covered).
constexpr std::string_view kSchemaV4 = R"sql(
ALTER TABLE follow_ups ADD COLUMN withdrawn INTEGER NOT NULL DEFAULT 0;
CREATE INDEX follow_ups_counted
  ON follow_ups (registration_id, contact_date, is_contact, method, withdrawn) WHERE withdrawn = 0;
)sql";

// A clean comparison counts as the month's follow-up (kept in comparison_hits as hit kind 0);
// the runs count the clean and the unchecked subjects.
constexpr std::string_view kSchemaV5 = R"sql(
ALTER TABLE comparison_runs ADD COLUMN clean_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE comparison_runs ADD COLUMN unchecked_count INTEGER NOT NULL DEFAULT 0;
)sql";

// The credit hand-over outbox (one row per confirmed fraud case; state is CreditDeliveryState:
// 1 PENDING, 2 DELIVERED, 3 FAILED). The request sent is built from the stored case on each
// attempt (a concluded case no longer changes, reported_month is not part of it), so the rows of
// the cases confirmed before this migration are queued here too, as of the migration.
constexpr std::string_view kSchemaV6 = R"sql(
CREATE TABLE credit_deliveries (
  case_id TEXT PRIMARY KEY,
  city_code TEXT NOT NULL,
  office_region_code TEXT NOT NULL,
  state INTEGER NOT NULL,
  attempt_count INTEGER NOT NULL DEFAULT 0,
  last_error TEXT NOT NULL DEFAULT '',
  create_micros INTEGER NOT NULL,
  last_attempt_micros INTEGER,
  next_attempt_micros INTEGER,
  delivered_micros INTEGER
) WITHOUT ROWID;
CREATE INDEX credit_deliveries_due ON credit_deliveries (next_attempt_micros) WHERE state = 1;
CREATE INDEX credit_deliveries_undelivered
  ON credit_deliveries (office_region_code, create_micros, case_id) WHERE state <> 2;
INSERT INTO credit_deliveries (case_id, city_code, office_region_code, state, create_micros,
  next_attempt_micros)
  SELECT id, city_code, office_region_code, 1,
    CAST((julianday('now') - 2440587.5) * 86400000000 AS INTEGER), 0
  FROM fraud_cases WHERE state = 3;
)sql";

constexpr store::Migration kMigrations[] = {
    {1, "followup_schema", kSchemaV1},
    {2, "monthly_comparison", kSchemaV2},
    {3, "personal_data_at_rest", kSchemaV3},
    {4, "follow_up_amendments", kSchemaV4},
    {5, "clean_comparison", kSchemaV5},
    {6, "credit_deliveries", kSchemaV6},
};

constexpr std::string_view kIdNumberContext = "followup/registrations.id_number";
constexpr std::string_view kNameContext = "followup/registrations.name";
constexpr std::string_view kRequestsResponse = "followup/requests.response";
constexpr std::string_view kRequestsFingerprint = "followup/requests.fingerprint";
constexpr store::RequestLogContexts kRequestLog = {kRequestsFingerprint, kRequestsResponse};

// The sealing context of each stored message type (one table per type).
template <typename Message>
struct Sealing;
template <>
struct Sealing<v1::FollowUp> {
  static constexpr std::string_view kContext = "followup/follow_ups.data";
};
template <>
struct Sealing<v1::SelfReport> {
  static constexpr std::string_view kContext = "followup/self_reports.data";
};
template <>
struct Sealing<v1::DeregistrationCandidate> {
  static constexpr std::string_view kContext = "followup/candidates.data";
};
template <>
struct Sealing<v1::FraudCase> {
  static constexpr std::string_view kContext = "followup/fraud_cases.data";
};
template <>
struct Sealing<v1::MonthlyFraudReport> {
  static constexpr std::string_view kContext = "followup/fraud_reports.data";
};
template <>
struct Sealing<v1::FollowupEvent> {
  static constexpr std::string_view kContext = "followup/events.data";
};

constexpr store::SealedColumn kSealedColumns[] = {
    {"registrations", "id_number", kIdNumberContext},
    {"registrations", "name", kNameContext},
    {"follow_ups", "data", Sealing<v1::FollowUp>::kContext},
    {"self_reports", "data", Sealing<v1::SelfReport>::kContext},
    {"candidates", "data", Sealing<v1::DeregistrationCandidate>::kContext},
    {"fraud_cases", "data", Sealing<v1::FraudCase>::kContext},
    {"fraud_reports", "data", Sealing<v1::MonthlyFraudReport>::kContext},
    {"requests", "response", kRequestsResponse},
    {"requests", "fingerprint", kRequestsFingerprint},
    {"events", "data", Sealing<v1::FollowupEvent>::kContext},
};

// --- Statements. ---

constexpr std::string_view kGetRegistrationSql =
    "SELECT id, id_type, id_number, name, office_region_code, registered_date, end_date, "
    "end_reason FROM registrations WHERE id = ?1";
constexpr std::string_view kPutRegistrationSql =
    "INSERT INTO registrations (id, id_type, id_number, name, office_region_code, "
    "registered_date, end_date, end_reason) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) "
    "ON CONFLICT (id) DO UPDATE SET id_type = excluded.id_type, id_number = excluded.id_number, "
    "name = excluded.name, office_region_code = excluded.office_region_code, "
    "registered_date = excluded.registered_date, end_date = excluded.end_date, "
    "end_reason = excluded.end_reason";
constexpr std::string_view kInsertFollowUpSql =
    "INSERT INTO follow_ups (id, registration_id, method, contact_date, is_contact, "
    "recorded_micros, data) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
constexpr std::string_view kGetFollowUpSql = "SELECT data FROM follow_ups WHERE id = ?1";
// The amended values; registration_id and recorded_micros (the listing's tie order) never change.
constexpr std::string_view kUpdateFollowUpSql =
    "UPDATE follow_ups SET method = ?2, contact_date = ?3, is_contact = ?4, withdrawn = ?5, "
    "data = ?6 WHERE id = ?1";
constexpr std::string_view kInsertSelfReportSql =
    "INSERT INTO self_reports (id, registration_id, data) VALUES (?1, ?2, ?3)";
constexpr std::string_view kGetCandidateSql = "SELECT data FROM candidates WHERE id = ?1";
constexpr std::string_view kPutCandidateSql =
    "INSERT INTO candidates (id, registration_id, office_region_code, state, source, month, "
    "create_micros, data) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) "
    "ON CONFLICT (id) DO UPDATE SET state = excluded.state, data = excluded.data";
constexpr std::string_view kPendingCandidatesOfRegistrationSql =
    "SELECT data FROM candidates WHERE registration_id = ?1 AND state = 1 AND id <> ?2";
constexpr std::string_view kListCandidatesSql =
    "SELECT data FROM candidates "
    "WHERE office_region_code >= ?1 AND office_region_code < ?2 AND state = ?3 "
    "AND (?4 = 0 OR source = ?4) AND (?5 = '' OR month = ?5) "
    "AND (?6 IS NULL OR create_micros > ?6 OR (create_micros = ?6 AND id > ?7)) "
    "ORDER BY create_micros, id LIMIT ?8";
constexpr std::string_view kGetFraudCaseSql = "SELECT data FROM fraud_cases WHERE id = ?1";
constexpr std::string_view kPutFraudCaseSql =
    "INSERT INTO fraud_cases (id, city_code, office_region_code, state, opened_on, concluded_on, "
    "reported_month, data) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) "
    "ON CONFLICT (id) DO UPDATE SET state = excluded.state, concluded_on = excluded.concluded_on, "
    "reported_month = excluded.reported_month, data = excluded.data";
constexpr std::string_view kUnreportedConfirmedSql =
    "SELECT data FROM fraud_cases WHERE state = 3 AND reported_month IS NULL AND city_code = ?1 "
    "AND concluded_on <= ?2 ORDER BY concluded_on, id";
// Filters of ListFraudCases; ?1..?8 shared by the page and the count.
#define UE_FRAUD_CASE_FILTER                                                               \
  "WHERE office_region_code >= ?1 AND office_region_code < ?2 AND (?3 = 0 OR state = ?3) " \
  "AND (?4 = '' OR opened_on >= ?4) AND (?5 = '' OR opened_on <= ?5) "                     \
  "AND (?6 = '' OR concluded_on >= ?6) AND (?7 = '' OR concluded_on <= ?7) "
constexpr std::string_view kListFraudCasesSql =
    "SELECT data FROM fraud_cases " UE_FRAUD_CASE_FILTER
    "AND (?8 IS NULL OR opened_on > ?8 OR (opened_on = ?8 AND id > ?9)) "
    "ORDER BY opened_on, id LIMIT ?10";
constexpr std::string_view kCountFraudCasesSql =
    "SELECT count(*) FROM fraud_cases " UE_FRAUD_CASE_FILTER;
#undef UE_FRAUD_CASE_FILTER
constexpr std::string_view kConfirmedCasesSql =
    "SELECT data FROM fraud_cases WHERE state = 3 AND office_region_code >= ?1 "
    "AND office_region_code < ?2 AND concluded_on >= ?3 AND concluded_on <= ?4 "
    "ORDER BY concluded_on, id LIMIT ?5";
constexpr std::string_view kGetReportSql =
    "SELECT data FROM fraud_reports WHERE city_code = ?1 AND month = ?2";
constexpr std::string_view kInsertReportSql =
    "INSERT INTO fraud_reports (city_code, month, data) VALUES (?1, ?2, ?3)";
constexpr std::string_view kListFollowUpsSql =
    "SELECT data FROM follow_ups WHERE registration_id = ?1 "
    "AND (?2 = '' OR contact_date >= ?2) AND (?3 = '' OR contact_date <= ?3) "
    "AND (?4 IS NULL OR contact_date < ?4 OR (contact_date = ?4 AND (recorded_micros < ?5 "
    "OR (recorded_micros = ?5 AND id < ?6)))) "
    "ORDER BY contact_date DESC, recorded_micros DESC, id DESC LIMIT ?7";
// Active on the evaluation day ?4 and without a follow-up dated in [?3, ?4].
constexpr std::string_view kListDueSql =
    "SELECT r.id, r.id_type, r.id_number, r.name, r.office_region_code, r.registered_date, "
    "r.end_date, r.end_reason, "
    "(SELECT max(f.contact_date) FROM follow_ups f WHERE f.registration_id = r.id "
    "  AND f.withdrawn = 0 AND f.contact_date < ?3), "
    "(SELECT max(f.contact_date) FROM follow_ups f WHERE f.registration_id = r.id "
    "  AND f.withdrawn = 0 AND f.is_contact = 1 AND f.contact_date <= ?4) "
    "FROM registrations r "
    "WHERE r.office_region_code >= ?1 AND r.office_region_code < ?2 "
    "AND r.registered_date <= ?4 AND (r.end_date IS NULL OR r.end_date > ?4) "
    "AND NOT EXISTS (SELECT 1 FROM follow_ups f WHERE f.registration_id = r.id "
    "  AND f.withdrawn = 0 AND f.contact_date >= ?3 AND f.contact_date <= ?4) "
    "AND (?5 IS NULL OR r.registered_date > ?5 OR (r.registered_date = ?5 AND r.id > ?6)) "
    "ORDER BY r.registered_date, r.id LIMIT ?7";
constexpr std::string_view kActiveCountSql =
    "SELECT count(*) FROM registrations r "
    "WHERE r.office_region_code >= ?1 AND r.office_region_code < ?2 "
    "AND r.registered_date <= ?3 AND (r.end_date IS NULL OR r.end_date > ?3)";
constexpr std::string_view kCoveredCountSql =
    "SELECT count(DISTINCT f.registration_id) FROM follow_ups f "
    "JOIN registrations r ON r.id = f.registration_id "
    "WHERE r.office_region_code >= ?1 AND r.office_region_code < ?2 "
    "AND r.registered_date <= ?4 AND (r.end_date IS NULL OR r.end_date > ?4) "
    "AND f.contact_date >= ?3 AND f.contact_date <= ?4 AND f.withdrawn = 0";
constexpr std::string_view kCoverageByMethodSql =
    "SELECT f.method, count(DISTINCT f.registration_id) FROM follow_ups f "
    "JOIN registrations r ON r.id = f.registration_id "
    "WHERE r.office_region_code >= ?1 AND r.office_region_code < ?2 "
    "AND r.registered_date <= ?4 AND (r.end_date IS NULL OR r.end_date > ?4) "
    "AND f.contact_date >= ?3 AND f.contact_date <= ?4 AND f.withdrawn = 0 "
    "GROUP BY f.method ORDER BY f.method";
constexpr std::string_view kActiveWithLastContactSql =
    "SELECT r.id, r.id_type, r.id_number, r.name, r.office_region_code, r.registered_date, "
    "r.end_date, r.end_reason, "
    "(SELECT max(f.contact_date) FROM follow_ups f WHERE f.registration_id = r.id "
    "  AND f.withdrawn = 0 AND f.is_contact = 1 AND f.contact_date <= ?3) "
    "FROM registrations r WHERE r.office_region_code >= ?1 AND r.office_region_code < ?2 "
    "AND r.end_date IS NULL AND r.registered_date <= ?3 ORDER BY r.registered_date, r.id";

constexpr std::string_view kActiveRegistrationsSql =
    "SELECT id, id_type, id_number, registered_date, office_region_code FROM registrations "
    "WHERE office_region_code >= ?1 AND office_region_code < ?2 "
    "AND registered_date <= ?3 AND (end_date IS NULL OR end_date > ?3) AND id > ?4 "
    "ORDER BY id LIMIT ?5";
constexpr std::string_view kInsertComparisonRunSql =
    "INSERT INTO comparison_runs (id, month, region_code, as_of, staff_id, state, start_micros) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
constexpr std::string_view kAddComparisonProgressSql =
    "UPDATE comparison_runs SET compared_count = compared_count + ?2, hit_count = hit_count + ?3, "
    "new_follow_up_count = new_follow_up_count + ?4, "
    "new_candidate_count = new_candidate_count + ?5, clean_count = clean_count + ?6, "
    "unchecked_count = unchecked_count + ?7 WHERE id = ?1";
constexpr std::string_view kFinishComparisonRunSql =
    "UPDATE comparison_runs SET state = ?2, end_micros = ?3, error = ?4 WHERE id = ?1";
constexpr std::string_view kInterruptComparisonRunsSql =
    "UPDATE comparison_runs SET state = 'INTERRUPTED', end_micros = ?1 WHERE state = 'RUNNING'";
constexpr std::string_view kGetComparisonRunSql =
    "SELECT id, month, region_code, as_of, staff_id, state, compared_count, hit_count, "
    "new_follow_up_count, new_candidate_count, start_micros, end_micros, error, clean_count, "
    "unchecked_count FROM comparison_runs WHERE id = ?1";
constexpr std::string_view kFindComparisonHitSql =
    "SELECT run_id, follow_up_id, candidate_id FROM comparison_hits "
    "WHERE month = ?1 AND registration_id = ?2 AND hit_kind = ?3";
constexpr std::string_view kGetComparisonStateSql =
    "SELECT r.office_region_code, r.registered_date, r.end_date, EXISTS (SELECT 1 FROM "
    "comparison_hits h WHERE h.month = ?1 AND h.registration_id = r.id) "
    "FROM registrations r WHERE r.id = ?2";
constexpr std::string_view kReserveNumbersSql =
    "INSERT INTO counters (series, value) VALUES (?1, ?2) "
    "ON CONFLICT (series) DO UPDATE SET value = value + ?2 RETURNING value";
constexpr std::string_view kEnqueueCreditDeliverySql =
    "INSERT INTO credit_deliveries (case_id, city_code, office_region_code, state, create_micros, "
    "next_attempt_micros) VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (case_id) DO NOTHING";
constexpr std::string_view kUpdateCreditDeliverySql =
    "UPDATE credit_deliveries SET state = ?2, attempt_count = ?3, last_error = ?4, "
    "last_attempt_micros = ?5, next_attempt_micros = ?6, delivered_micros = ?7 WHERE case_id = ?1";
#define UE_CREDIT_COLUMNS                                                                     \
  "case_id, city_code, office_region_code, state, attempt_count, last_error, create_micros, " \
  "last_attempt_micros, next_attempt_micros, delivered_micros "
constexpr std::string_view kDueCreditDeliveriesSql =
    "SELECT " UE_CREDIT_COLUMNS
    "FROM credit_deliveries WHERE state = 1 "
    "AND next_attempt_micros <= ?1 ORDER BY next_attempt_micros, case_id LIMIT ?2";
constexpr std::string_view kNextCreditDueSql =
    "SELECT min(next_attempt_micros) FROM credit_deliveries WHERE state = 1";
constexpr std::string_view kListUndeliveredCreditSql =
    "SELECT " UE_CREDIT_COLUMNS
    "FROM credit_deliveries WHERE state <> 2 "
    "AND office_region_code >= ?1 AND office_region_code < ?2 "
    "AND (?3 IS NULL OR create_micros > ?3 OR (create_micros = ?3 AND case_id > ?4)) "
    "ORDER BY create_micros, case_id LIMIT ?5";
#undef UE_CREDIT_COLUMNS
constexpr std::string_view kCountUndeliveredCreditSql =
    "SELECT count(*) FROM credit_deliveries WHERE state <> 2 "
    "AND office_region_code >= ?1 AND office_region_code < ?2";
constexpr std::string_view kCreditBacklogSql =
    "SELECT coalesce(sum(state = 1), 0), coalesce(sum(state = 3), 0), min(create_micros) "
    "FROM credit_deliveries WHERE state <> 2";
constexpr std::string_view kInsertComparisonHitSql =
    "INSERT INTO comparison_hits (month, registration_id, hit_kind, run_id, follow_up_id, "
    "candidate_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6)";

CreditDeliveryRow ReadCreditDelivery(const Statement& s) {
  CreditDeliveryRow row;
  row.case_id = s.ColumnString(0);
  row.city_code = s.ColumnString(1);
  row.office_region_code = s.ColumnString(2);
  row.state = static_cast<int>(s.ColumnInt64(3));
  row.attempt_count = static_cast<int>(s.ColumnInt64(4));
  row.last_error = s.ColumnString(5);
  row.create_micros = s.ColumnInt64(6);
  row.last_attempt_micros = s.ColumnOptionalInt64(7);
  row.next_attempt_micros = s.ColumnOptionalInt64(8);
  row.delivered_micros = s.ColumnOptionalInt64(9);
  return row;
}

template <typename Message>
absl::StatusOr<Message> ParseColumn(const Database& db, const Statement& statement, int column) {
  return store::OpenMessage<Message>(db, statement, column, Sealing<Message>::kContext);
}

template <typename Message>
absl::Status BindMessage(const Database& db, Statement& statement, int index,
                         const Message& message) {
  return store::BindSealedMessage(db, statement, index, Sealing<Message>::kContext, message);
}

std::optional<std::string> NullIfEmpty(const std::string& value) {
  if (value.empty()) return std::nullopt;
  return value;
}

// Reads the 8 registration columns starting at `first`.
absl::StatusOr<RegistrationRecord> ReadRegistration(const Database& db, const Statement& s,
                                                    int first = 0) {
  RegistrationRecord r;
  r.registration_id = s.ColumnString(first);
  r.id_type = static_cast<int>(s.ColumnInt64(first + 1));
  ASSIGN_OR_RETURN(r.id_number, store::OpenColumn(db, s, first + 2, kIdNumberContext));
  ASSIGN_OR_RETURN(r.name, store::OpenColumn(db, s, first + 3, kNameContext));
  r.office_region_code = s.ColumnString(first + 4);
  r.registered_date = s.ColumnString(first + 5);
  r.end_date = s.ColumnString(first + 6);
  r.end_reason = static_cast<int>(s.ColumnInt64(first + 7));
  return r;
}

template <typename Message>
absl::StatusOr<std::optional<Message>> QueryOne(Database& db, std::string_view sql,
                                                const std::string& key) {
  ASSIGN_OR_RETURN(Statement statement, db.Prepare(sql));
  RETURN_IF_ERROR(statement.BindAll(key));
  ASSIGN_OR_RETURN(bool row, statement.Step());
  if (!row) return std::optional<Message>();
  ASSIGN_OR_RETURN(Message message, ParseColumn<Message>(db, statement, 0));
  return std::optional<Message>(std::move(message));
}

template <typename Message>
absl::StatusOr<std::vector<Message>> QueryAll(const Database& db, Statement& statement) {
  std::vector<Message> out;
  while (true) {
    ASSIGN_OR_RETURN(bool row, statement.Step());
    if (!row) break;
    ASSIGN_OR_RETURN(Message message, ParseColumn<Message>(db, statement, 0));
    out.push_back(std::move(message));
  }
  return out;
}

// Turns limit+1 rows into a page.
template <typename T>
Page<T> ToPage(std::vector<T> rows, int limit) {
  Page<T> page;
  if (static_cast<int>(rows.size()) > limit) {
    page.more = true;
    rows.resize(static_cast<size_t>(limit));
  }
  page.items = std::move(rows);
  return page;
}

// --- Queries shared by the writer's transaction and the readers. ---

absl::StatusOr<std::optional<RegistrationRecord>> QueryRegistration(Database& db,
                                                                    const std::string& id) {
  ASSIGN_OR_RETURN(Statement statement, db.Prepare(kGetRegistrationSql));
  RETURN_IF_ERROR(statement.BindAll(id));
  ASSIGN_OR_RETURN(bool row, statement.Step());
  if (!row) return std::optional<RegistrationRecord>();
  ASSIGN_OR_RETURN(RegistrationRecord record, ReadRegistration(db, statement));
  return std::optional<RegistrationRecord>(std::move(record));
}

absl::StatusOr<std::vector<v1::FraudCase>> QueryUnreported(Database& db, const std::string& city,
                                                           const std::string& day) {
  ASSIGN_OR_RETURN(Statement statement, db.Prepare(kUnreportedConfirmedSql));
  RETURN_IF_ERROR(statement.BindAll(city, day));
  return QueryAll<v1::FraudCase>(db, statement);
}

absl::StatusOr<std::optional<v1::MonthlyFraudReport>> QueryReport(Database& db,
                                                                  const std::string& city,
                                                                  const std::string& month) {
  ASSIGN_OR_RETURN(Statement statement, db.Prepare(kGetReportSql));
  RETURN_IF_ERROR(statement.BindAll(city, month));
  ASSIGN_OR_RETURN(bool row, statement.Step());
  if (!row) return std::optional<v1::MonthlyFraudReport>();
  ASSIGN_OR_RETURN(v1::MonthlyFraudReport report,
                   ParseColumn<v1::MonthlyFraudReport>(db, statement, 0));
  return std::optional<v1::MonthlyFraudReport>(std::move(report));
}

class SqliteTransaction final : public FollowupTransaction {
 public:
  SqliteTransaction(Database& db, const time::Clock* clock)
      : db_(db), clock_(clock), events_(db, Sealing<v1::FollowupEvent>::kContext) {}

  absl::StatusOr<int64_t> NextNumber(const std::string& series) override {
    return store::NextNumber(db_, series);
  }

  absl::StatusOr<std::optional<StoredRequest>> FindRequest(const std::string& kind,
                                                           const std::string& request_id) override {
    return store::FindRequest(db_, kRequestLog, kind, request_id);
  }

  absl::Status InsertRequest(const std::string& kind, const std::string& request_id,
                             const StoredRequest& request) override {
    return store::PutRequest(db_, kRequestLog, kind, request_id, request);
  }

  absl::StatusOr<int64_t> GetCursor(const std::string& feed) override {
    return store::FeedCursor(db_, feed);
  }

  absl::Status SetCursor(const std::string& feed, int64_t sequence) override {
    return store::SetFeedCursor(db_, feed, sequence);
  }

  absl::StatusOr<std::optional<RegistrationRecord>> GetRegistration(
      const std::string& id) override {
    return QueryRegistration(db_, id);
  }

  absl::Status PutRegistration(const RegistrationRecord& r) override {
    ASSIGN_OR_RETURN(Statement statement, db_.Prepare(kPutRegistrationSql));
    RETURN_IF_ERROR(statement.BindAll(r.registration_id, r.id_type));
    RETURN_IF_ERROR(store::BindSealed(db_, statement, 3, kIdNumberContext, r.id_number));
    RETURN_IF_ERROR(store::BindSealed(db_, statement, 4, kNameContext, r.name));
    RETURN_IF_ERROR(statement.Bind(5, r.office_region_code));
    RETURN_IF_ERROR(statement.Bind(6, r.registered_date));
    RETURN_IF_ERROR(statement.Bind(7, NullIfEmpty(r.end_date)));
    RETURN_IF_ERROR(statement.Bind(8, r.end_reason));
    return statement.Run();
  }

  absl::Status InsertFollowUp(const v1::FollowUp& f, bool is_contact) override {
    ASSIGN_OR_RETURN(Statement statement, db_.Prepare(kInsertFollowUpSql));
    RETURN_IF_ERROR(statement.BindAll(f.follow_up_id(), f.registration_id(),
                                      static_cast<int>(f.method()), f.contact_date(), is_contact,
                                      proto_util::TimestampMicros(f.recorded_at())));
    RETURN_IF_ERROR(BindMessage(db_, statement, 7, f));
    return statement.Run();
  }

  absl::StatusOr<std::optional<v1::FollowUp>> GetFollowUp(const std::string& id) override {
    return QueryOne<v1::FollowUp>(db_, kGetFollowUpSql, id);
  }

  absl::Status UpdateFollowUp(const v1::FollowUp& f, bool is_contact) override {
    ASSIGN_OR_RETURN(Statement statement, db_.Prepare(kUpdateFollowUpSql));
    RETURN_IF_ERROR(statement.BindAll(f.follow_up_id(), static_cast<int>(f.method()),
                                      f.contact_date(), is_contact, f.withdrawn()));
    RETURN_IF_ERROR(BindMessage(db_, statement, 6, f));
    return statement.Run();
  }

  absl::Status InsertSelfReport(const v1::SelfReport& report) override {
    ASSIGN_OR_RETURN(Statement statement, db_.Prepare(kInsertSelfReportSql));
    RETURN_IF_ERROR(statement.BindAll(report.self_report_id(), report.registration_id()));
    RETURN_IF_ERROR(BindMessage(db_, statement, 3, report));
    return statement.Run();
  }

  absl::StatusOr<std::optional<v1::DeregistrationCandidate>> GetCandidate(
      const std::string& id) override {
    return QueryOne<v1::DeregistrationCandidate>(db_, kGetCandidateSql, id);
  }

  absl::Status PutCandidate(const v1::DeregistrationCandidate& c) override {
    ASSIGN_OR_RETURN(Statement statement, db_.Prepare(kPutCandidateSql));
    RETURN_IF_ERROR(statement.BindAll(c.candidate_id(), c.registration_id(), c.office_region_code(),
                                      static_cast<int>(c.state()), static_cast<int>(c.source()),
                                      c.month(), proto_util::TimestampMicros(c.create_time())));
    RETURN_IF_ERROR(BindMessage(db_, statement, 8, c));
    return statement.Run();
  }

  absl::Status WithdrawPendingCandidates(const std::string& registration_id,
                                         const std::string& keep_id) override {
    std::vector<v1::DeregistrationCandidate> pending;
    {
      ASSIGN_OR_RETURN(Statement statement, db_.Prepare(kPendingCandidatesOfRegistrationSql));
      RETURN_IF_ERROR(statement.BindAll(registration_id, keep_id));
      ASSIGN_OR_RETURN(pending, QueryAll<v1::DeregistrationCandidate>(db_, statement));
    }
    for (v1::DeregistrationCandidate& candidate : pending) {
      candidate.set_state(v1::CANDIDATE_STATE_WITHDRAWN);
      RETURN_IF_ERROR(PutCandidate(candidate));
    }
    return absl::OkStatus();
  }

  absl::StatusOr<std::optional<v1::FraudCase>> GetFraudCase(const std::string& id) override {
    return QueryOne<v1::FraudCase>(db_, kGetFraudCaseSql, id);
  }

  absl::Status PutFraudCase(const v1::FraudCase& c) override {
    ASSIGN_OR_RETURN(Statement statement, db_.Prepare(kPutFraudCaseSql));
    RETURN_IF_ERROR(statement.BindAll(
        c.case_id(), c.city_code(), c.office_region_code(), static_cast<int>(c.state()),
        c.opened_on(), NullIfEmpty(c.concluded_on()), NullIfEmpty(c.reported_month())));
    RETURN_IF_ERROR(BindMessage(db_, statement, 8, c));
    return statement.Run();
  }

  absl::StatusOr<std::vector<v1::FraudCase>> UnreportedConfirmedCases(
      const std::string& city_code, const std::string& day) override {
    return QueryUnreported(db_, city_code, day);
  }

  absl::StatusOr<std::optional<v1::MonthlyFraudReport>> GetReport(
      const std::string& city_code, const std::string& month) override {
    return QueryReport(db_, city_code, month);
  }

  absl::Status InsertReport(const v1::MonthlyFraudReport& report) override {
    ASSIGN_OR_RETURN(Statement statement, db_.Prepare(kInsertReportSql));
    RETURN_IF_ERROR(statement.BindAll(report.city_code(), report.month()));
    RETURN_IF_ERROR(BindMessage(db_, statement, 3, report));
    return statement.Run();
  }

  absl::Status AppendEvent(v1::FollowupEvent event) override {
    // The caller's time (its injected clock) when it set one, else the store's clock.
    const absl::Time now =
        event.has_occurred_at()
            ? absl::FromUnixMicros(
                  google::protobuf::util::TimeUtil::TimestampToMicroseconds(event.occurred_at()))
            : (clock_ != nullptr ? clock_->Now() : absl::Now());
    *event.mutable_occurred_at() =
        google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(now));
    // The sequence is only known after the insert; it is not part of the stored payload.
    return events_.Append(absl::ToUnixMicros(now), event).status();
  }

  absl::Status InsertComparisonRun(const ComparisonRunRecord& record) override {
    const v1::ComparisonRun& run = record.run;
    ASSIGN_OR_RETURN(Statement statement, db_.Prepare(kInsertComparisonRunSql));
    RETURN_IF_ERROR(statement.BindAll(run.run_id(), run.month(), run.region_code(), run.as_of(),
                                      record.staff_id, record.state,
                                      proto_util::TimestampMicros(run.start_time())));
    return statement.Run();
  }

  absl::Status AddComparisonProgress(const std::string& run_id,
                                     const ComparisonProgress& progress) override {
    ASSIGN_OR_RETURN(Statement statement, db_.Prepare(kAddComparisonProgressSql));
    RETURN_IF_ERROR(statement.BindAll(run_id, progress.compared, progress.hits,
                                      progress.new_follow_ups, progress.new_candidates,
                                      progress.clean, progress.unchecked));
    return statement.Run();
  }

  absl::Status FinishComparisonRun(const std::string& run_id, const std::string& state,
                                   const google::protobuf::Timestamp& end_time,
                                   const std::string& error) override {
    ASSIGN_OR_RETURN(Statement statement, db_.Prepare(kFinishComparisonRunSql));
    RETURN_IF_ERROR(statement.BindAll(run_id, state, proto_util::TimestampMicros(end_time), error));
    return statement.Run();
  }

  absl::Status InterruptRunningComparisons(const google::protobuf::Timestamp& end_time) override {
    ASSIGN_OR_RETURN(Statement statement, db_.Prepare(kInterruptComparisonRunsSql));
    RETURN_IF_ERROR(statement.BindAll(proto_util::TimestampMicros(end_time)));
    return statement.Run();
  }

  absl::StatusOr<std::optional<ComparisonHitRecord>> FindComparisonHit(
      const std::string& month, const std::string& registration_id, int hit_kind) override {
    ASSIGN_OR_RETURN(Statement statement, db_.Prepare(kFindComparisonHitSql));
    RETURN_IF_ERROR(statement.BindAll(month, registration_id, hit_kind));
    ASSIGN_OR_RETURN(bool row, statement.Step());
    if (!row) return std::optional<ComparisonHitRecord>();
    ComparisonHitRecord hit;
    hit.month = month;
    hit.registration_id = registration_id;
    hit.hit_kind = hit_kind;
    hit.run_id = statement.ColumnString(0);
    hit.follow_up_id = statement.ColumnString(1);
    hit.candidate_id = statement.ColumnString(2);
    return std::optional<ComparisonHitRecord>(std::move(hit));
  }

  absl::StatusOr<std::optional<RegistrationPeriod>> GetComparisonState(
      const std::string& month, const std::string& registration_id) override {
    ASSIGN_OR_RETURN(Statement statement, db_.Prepare(kGetComparisonStateSql));
    RETURN_IF_ERROR(statement.BindAll(month, registration_id));
    ASSIGN_OR_RETURN(bool row, statement.Step());
    if (!row) return std::optional<RegistrationPeriod>();
    RegistrationPeriod period;
    period.office_region_code = statement.ColumnString(0);
    period.registered_date = statement.ColumnString(1);
    period.end_date = statement.ColumnString(2);
    period.compared_in_month = statement.ColumnInt64(3) != 0;
    return std::optional<RegistrationPeriod>(std::move(period));
  }

  absl::StatusOr<int64_t> ReserveNumbers(const std::string& series, int64_t count) override {
    if (count < 1) return absl::InvalidArgumentError("reserve at least one number");
    ASSIGN_OR_RETURN(Statement statement, db_.Prepare(kReserveNumbersSql));
    RETURN_IF_ERROR(statement.BindAll(series, count));
    ASSIGN_OR_RETURN(bool row, statement.Step());
    if (!row) return absl::InternalError("counter update returned no row");
    return statement.ColumnInt64(0) - count + 1;
  }

  absl::Status EnqueueCreditDelivery(const CreditDeliveryRow& row) override {
    ASSIGN_OR_RETURN(Statement statement, db_.Prepare(kEnqueueCreditDeliverySql));
    RETURN_IF_ERROR(statement.BindAll(row.case_id, row.city_code, row.office_region_code,
                                      static_cast<int64_t>(row.state), row.create_micros,
                                      row.next_attempt_micros));
    return statement.Run();
  }

  absl::Status UpdateCreditDelivery(const CreditDeliveryRow& row) override {
    ASSIGN_OR_RETURN(Statement statement, db_.Prepare(kUpdateCreditDeliverySql));
    RETURN_IF_ERROR(statement.BindAll(
        row.case_id, static_cast<int64_t>(row.state), static_cast<int64_t>(row.attempt_count),
        row.last_error, row.last_attempt_micros, row.next_attempt_micros, row.delivered_micros));
    return statement.Run();
  }

  absl::Status InsertComparisonHit(const ComparisonHitRecord& hit) override {
    ASSIGN_OR_RETURN(Statement statement, db_.Prepare(kInsertComparisonHitSql));
    RETURN_IF_ERROR(statement.BindAll(hit.month, hit.registration_id, hit.hit_kind, hit.run_id,
                                      hit.follow_up_id, hit.candidate_id));
    return statement.Run();
  }

  // The highest sequence this unit of work appended (0 when none).
  int64_t last_appended() const { return events_.last_appended(); }

 private:
  Database& db_;
  // Stamps the events' occurred_at; null: the system clock.
  const time::Clock* clock_;
  store::EventLog events_;
};

}  // namespace

absl::Span<const store::Migration> FollowupMigrations() { return kMigrations; }
absl::Span<const store::SealedColumn> FollowupSealedColumns() { return kSealedColumns; }

namespace {

// A reader connection of the store for the scope of a read.
using ReaderLease = store::WriterStore::ReaderLease;

}  // namespace

absl::StatusOr<std::unique_ptr<SqliteFollowupStore>> SqliteFollowupStore::Create(
    std::unique_ptr<Database> writer, int reader_count, const time::Clock* clock) {
  store::WriterStoreOptions options;
  options.reader_count = reader_count;
  options.name = "follow-up store";
  ASSIGN_OR_RETURN(std::unique_ptr<store::WriterStore> base,
                   store::WriterStore::Create(std::move(writer), options));
  return std::unique_ptr<SqliteFollowupStore>(new SqliteFollowupStore(std::move(base), clock));
}

absl::StatusOr<std::unique_ptr<SqliteFollowupStore>> SqliteFollowupStore::Open(
    const std::string& path, int reader_count) {
  ASSIGN_OR_RETURN(std::unique_ptr<Database> writer,
                   store::WriterStore::OpenMigrated(path, kMigrations));
  return Create(std::move(writer), reader_count);
}

SqliteFollowupStore::SqliteFollowupStore(std::unique_ptr<store::WriterStore> base,
                                         const time::Clock* clock)
    : base_(std::move(base)), clock_(clock) {}

SqliteFollowupStore::~SqliteFollowupStore() { Shutdown(); }

void SqliteFollowupStore::Shutdown() { base_->Shutdown(); }

void SqliteFollowupStore::SetEventsCommittedListener(std::function<void(int64_t)> listener) {
  base_->SetCommitListener(std::move(listener));
}

store::WriterStore::Work SqliteFollowupStore::Bind(Work work) const {
  return [work = std::move(work), clock = clock_](Database& db) -> absl::StatusOr<int64_t> {
    SqliteTransaction tx(db, clock);
    RETURN_IF_ERROR(work(tx));
    return tx.last_appended();
  };
}

void SqliteFollowupStore::Write(Work work, Done done) {
  // Streams are woken (the commit listener) before the caller hears of the commit, so a caller
  // that then reads the feed finds the event.
  base_->Write(Bind(std::move(work)), std::move(done));
}

absl::Status SqliteFollowupStore::WriteAndWait(Work work) {
  return base_->WriteAndWait(Bind(std::move(work)));
}

absl::StatusOr<int64_t> SqliteFollowupStore::GetCursor(const std::string& feed) {
  ReaderLease lease(*base_);
  return store::FeedCursor(lease.db(), feed);
}

absl::StatusOr<std::optional<RegistrationRecord>> SqliteFollowupStore::GetRegistration(
    const std::string& id) {
  ReaderLease lease(*base_);
  return QueryRegistration(lease.db(), id);
}

absl::StatusOr<std::optional<StoredRequest>> SqliteFollowupStore::FindRequest(
    const std::string& kind, const std::string& request_id) {
  ReaderLease lease(*base_);
  return store::FindRequest(lease.db(), kRequestLog, kind, request_id);
}

absl::StatusOr<Page<v1::FollowUp>> SqliteFollowupStore::ListFollowUps(const FollowUpQuery& q) {
  ReaderLease lease(*base_);
  ASSIGN_OR_RETURN(Statement statement, lease.db().Prepare(kListFollowUpsSql));
  RETURN_IF_ERROR(statement.BindAll(q.registration_id, q.from, q.to));
  if (q.after.has_value()) {
    RETURN_IF_ERROR(statement.BindText(4, q.after->key));
    RETURN_IF_ERROR(statement.BindInt64(5, q.after->micros));
    RETURN_IF_ERROR(statement.BindText(6, q.after->id));
  }
  RETURN_IF_ERROR(statement.BindInt64(7, q.limit + 1));
  ASSIGN_OR_RETURN(std::vector<v1::FollowUp> rows, QueryAll<v1::FollowUp>(lease.db(), statement));
  return ToPage(std::move(rows), q.limit);
}

absl::StatusOr<Page<DueRow>> SqliteFollowupStore::ListDue(const DueQuery& q) {
  ReaderLease lease(*base_);
  ASSIGN_OR_RETURN(Statement statement, lease.db().Prepare(kListDueSql));
  RETURN_IF_ERROR(
      statement.BindAll(q.offices.low, q.offices.high, q.month_start, q.evaluation_day));
  if (q.after.has_value()) {
    RETURN_IF_ERROR(statement.BindText(5, q.after->key));
    RETURN_IF_ERROR(statement.BindText(6, q.after->id));
  }
  RETURN_IF_ERROR(statement.BindInt64(7, q.limit + 1));
  std::vector<DueRow> rows;
  while (true) {
    ASSIGN_OR_RETURN(bool row, statement.Step());
    if (!row) break;
    DueRow due;
    ASSIGN_OR_RETURN(due.registration, ReadRegistration(lease.db(), statement));
    due.last_follow_up_date = statement.ColumnString(8);
    due.last_contact_date = statement.ColumnString(9);
    rows.push_back(std::move(due));
  }
  return ToPage(std::move(rows), q.limit);
}

absl::StatusOr<CoverageCounts> SqliteFollowupStore::Coverage(const OfficeRange& offices,
                                                             const std::string& month_start,
                                                             const std::string& evaluation_day) {
  ReaderLease lease(*base_);
  Database& db = lease.db();
  CoverageCounts counts;
  {
    ASSIGN_OR_RETURN(Statement statement, db.Prepare(kActiveCountSql));
    RETURN_IF_ERROR(statement.BindAll(offices.low, offices.high, evaluation_day));
    ASSIGN_OR_RETURN(bool row, statement.Step());
    if (row) counts.active = statement.ColumnInt64(0);
  }
  {
    ASSIGN_OR_RETURN(Statement statement, db.Prepare(kCoveredCountSql));
    RETURN_IF_ERROR(statement.BindAll(offices.low, offices.high, month_start, evaluation_day));
    ASSIGN_OR_RETURN(bool row, statement.Step());
    if (row) counts.covered = statement.ColumnInt64(0);
  }
  {
    ASSIGN_OR_RETURN(Statement statement, db.Prepare(kCoverageByMethodSql));
    RETURN_IF_ERROR(statement.BindAll(offices.low, offices.high, month_start, evaluation_day));
    while (true) {
      ASSIGN_OR_RETURN(bool row, statement.Step());
      if (!row) break;
      counts.by_method.emplace_back(static_cast<int>(statement.ColumnInt64(0)),
                                    statement.ColumnInt64(1));
    }
  }
  return counts;
}

absl::StatusOr<std::vector<ContactRow>> SqliteFollowupStore::ActiveWithLastContact(
    const OfficeRange& offices, const std::string& day) {
  ReaderLease lease(*base_);
  ASSIGN_OR_RETURN(Statement statement, lease.db().Prepare(kActiveWithLastContactSql));
  RETURN_IF_ERROR(statement.BindAll(offices.low, offices.high, day));
  std::vector<ContactRow> rows;
  while (true) {
    ASSIGN_OR_RETURN(bool row, statement.Step());
    if (!row) break;
    ContactRow contact;
    ASSIGN_OR_RETURN(contact.registration, ReadRegistration(lease.db(), statement));
    contact.last_contact_date = statement.ColumnString(8);
    rows.push_back(std::move(contact));
  }
  return rows;
}

absl::StatusOr<std::optional<v1::FollowUp>> SqliteFollowupStore::GetFollowUp(
    const std::string& id) {
  ReaderLease lease(*base_);
  return QueryOne<v1::FollowUp>(lease.db(), kGetFollowUpSql, id);
}

absl::StatusOr<std::optional<v1::DeregistrationCandidate>> SqliteFollowupStore::GetCandidate(
    const std::string& id) {
  ReaderLease lease(*base_);
  return QueryOne<v1::DeregistrationCandidate>(lease.db(), kGetCandidateSql, id);
}

absl::StatusOr<Page<v1::DeregistrationCandidate>> SqliteFollowupStore::ListCandidates(
    const CandidateQuery& q) {
  ReaderLease lease(*base_);
  ASSIGN_OR_RETURN(Statement statement, lease.db().Prepare(kListCandidatesSql));
  RETURN_IF_ERROR(statement.BindAll(q.offices.low, q.offices.high, q.state, q.source, q.month));
  if (q.after.has_value()) {
    RETURN_IF_ERROR(statement.BindInt64(6, q.after->micros));
    RETURN_IF_ERROR(statement.BindText(7, q.after->id));
  }
  RETURN_IF_ERROR(statement.BindInt64(8, q.limit + 1));
  ASSIGN_OR_RETURN(std::vector<v1::DeregistrationCandidate> rows,
                   QueryAll<v1::DeregistrationCandidate>(lease.db(), statement));
  return ToPage(std::move(rows), q.limit);
}

absl::StatusOr<std::optional<v1::FraudCase>> SqliteFollowupStore::GetFraudCase(
    const std::string& id) {
  ReaderLease lease(*base_);
  return QueryOne<v1::FraudCase>(lease.db(), kGetFraudCaseSql, id);
}

absl::StatusOr<std::pair<Page<v1::FraudCase>, int64_t>> SqliteFollowupStore::ListFraudCases(
    const FraudCaseQuery& q) {
  ReaderLease lease(*base_);
  Database& db = lease.db();
  int64_t total = 0;
  {
    ASSIGN_OR_RETURN(Statement statement, db.Prepare(kCountFraudCasesSql));
    RETURN_IF_ERROR(statement.BindAll(q.offices.low, q.offices.high, q.state, q.opened_from,
                                      q.opened_to, q.concluded_from, q.concluded_to));
    ASSIGN_OR_RETURN(bool row, statement.Step());
    if (row) total = statement.ColumnInt64(0);
  }
  ASSIGN_OR_RETURN(Statement statement, db.Prepare(kListFraudCasesSql));
  RETURN_IF_ERROR(statement.BindAll(q.offices.low, q.offices.high, q.state, q.opened_from,
                                    q.opened_to, q.concluded_from, q.concluded_to));
  if (q.after.has_value()) {
    RETURN_IF_ERROR(statement.BindText(8, q.after->key));
    RETURN_IF_ERROR(statement.BindText(9, q.after->id));
  }
  RETURN_IF_ERROR(statement.BindInt64(10, q.limit + 1));
  ASSIGN_OR_RETURN(std::vector<v1::FraudCase> rows, QueryAll<v1::FraudCase>(lease.db(), statement));
  return std::make_pair(ToPage(std::move(rows), q.limit), total);
}

absl::StatusOr<std::vector<v1::FraudCase>> SqliteFollowupStore::UnreportedConfirmedCases(
    const std::string& city_code, const std::string& day) {
  ReaderLease lease(*base_);
  return QueryUnreported(lease.db(), city_code, day);
}

absl::StatusOr<std::optional<v1::MonthlyFraudReport>> SqliteFollowupStore::GetReport(
    const std::string& city_code, const std::string& month) {
  ReaderLease lease(*base_);
  return QueryReport(lease.db(), city_code, month);
}

absl::StatusOr<std::vector<v1::FraudCase>> SqliteFollowupStore::ConfirmedCases(
    const OfficeRange& offices, const std::string& from, const std::string& to, int limit) {
  ReaderLease lease(*base_);
  ASSIGN_OR_RETURN(Statement statement, lease.db().Prepare(kConfirmedCasesSql));
  RETURN_IF_ERROR(statement.BindAll(offices.low, offices.high, from, to, limit));
  return QueryAll<v1::FraudCase>(lease.db(), statement);
}

absl::StatusOr<std::vector<ComparisonSubjectRow>> SqliteFollowupStore::ActiveRegistrations(
    const ActiveRegistrationsQuery& q) {
  ReaderLease lease(*base_);
  ASSIGN_OR_RETURN(Statement statement, lease.db().Prepare(kActiveRegistrationsSql));
  RETURN_IF_ERROR(statement.BindAll(q.offices.low, q.offices.high, q.day, q.after_id, q.limit));
  std::vector<ComparisonSubjectRow> rows;
  while (true) {
    ASSIGN_OR_RETURN(bool row, statement.Step());
    if (!row) break;
    ComparisonSubjectRow subject;
    subject.registration_id = statement.ColumnString(0);
    subject.id_type = static_cast<int>(statement.ColumnInt64(1));
    ASSIGN_OR_RETURN(subject.id_number,
                     store::OpenColumn(lease.db(), statement, 2, kIdNumberContext));
    subject.registered_date = statement.ColumnString(3);
    subject.office_region_code = statement.ColumnString(4);
    rows.push_back(std::move(subject));
  }
  return rows;
}

absl::StatusOr<std::optional<ComparisonRunRecord>> SqliteFollowupStore::GetComparisonRun(
    const std::string& run_id) {
  ReaderLease lease(*base_);
  ASSIGN_OR_RETURN(Statement statement, lease.db().Prepare(kGetComparisonRunSql));
  RETURN_IF_ERROR(statement.BindAll(run_id));
  ASSIGN_OR_RETURN(bool row, statement.Step());
  if (!row) return std::optional<ComparisonRunRecord>();
  ComparisonRunRecord record;
  v1::ComparisonRun& run = record.run;
  run.set_run_id(statement.ColumnString(0));
  run.set_month(statement.ColumnString(1));
  run.set_region_code(statement.ColumnString(2));
  run.set_as_of(statement.ColumnString(3));
  record.staff_id = statement.ColumnString(4);
  record.state = statement.ColumnString(5);
  run.set_compared_count(statement.ColumnInt64(6));
  run.set_hit_count(statement.ColumnInt64(7));
  run.set_new_follow_up_count(statement.ColumnInt64(8));
  run.set_new_candidate_count(statement.ColumnInt64(9));
  *run.mutable_start_time() =
      google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(statement.ColumnInt64(10));
  if (!statement.ColumnIsNull(11)) {
    *run.mutable_end_time() =
        google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(statement.ColumnInt64(11));
  }
  record.error = statement.ColumnString(12);
  run.set_clean_count(statement.ColumnInt64(13));
  run.set_unchecked_count(statement.ColumnInt64(14));
  return std::optional<ComparisonRunRecord>(std::move(record));
}

absl::StatusOr<std::vector<CreditDeliveryRow>> SqliteFollowupStore::DueCreditDeliveries(
    int64_t now_micros, int limit) {
  ReaderLease lease(*base_);
  ASSIGN_OR_RETURN(Statement statement, lease.db().Prepare(kDueCreditDeliveriesSql));
  RETURN_IF_ERROR(statement.BindAll(now_micros, static_cast<int64_t>(limit)));
  std::vector<CreditDeliveryRow> rows;
  while (true) {
    ASSIGN_OR_RETURN(bool row, statement.Step());
    if (!row) break;
    rows.push_back(ReadCreditDelivery(statement));
  }
  return rows;
}

absl::StatusOr<std::optional<int64_t>> SqliteFollowupStore::NextCreditDeliveryDue() {
  ReaderLease lease(*base_);
  ASSIGN_OR_RETURN(Statement statement, lease.db().Prepare(kNextCreditDueSql));
  ASSIGN_OR_RETURN(bool row, statement.Step());
  if (!row) return std::optional<int64_t>();
  return statement.ColumnOptionalInt64(0);
}

absl::StatusOr<std::pair<Page<CreditDeliveryRow>, int64_t>>
SqliteFollowupStore::ListUndeliveredCredit(const CreditDeliveryQuery& q) {
  ReaderLease lease(*base_);
  Database& db = lease.db();
  int64_t total = 0;
  {
    ASSIGN_OR_RETURN(Statement statement, db.Prepare(kCountUndeliveredCreditSql));
    RETURN_IF_ERROR(statement.BindAll(q.offices.low, q.offices.high));
    ASSIGN_OR_RETURN(bool row, statement.Step());
    if (row) total = statement.ColumnInt64(0);
  }
  ASSIGN_OR_RETURN(Statement statement, db.Prepare(kListUndeliveredCreditSql));
  RETURN_IF_ERROR(statement.BindAll(q.offices.low, q.offices.high));
  if (q.after.has_value()) {
    RETURN_IF_ERROR(statement.BindInt64(3, q.after->micros));
    RETURN_IF_ERROR(statement.BindText(4, q.after->id));
  }
  RETURN_IF_ERROR(statement.BindInt64(5, q.limit + 1));
  std::vector<CreditDeliveryRow> rows;
  while (true) {
    ASSIGN_OR_RETURN(bool row, statement.Step());
    if (!row) break;
    rows.push_back(ReadCreditDelivery(statement));
  }
  return std::make_pair(ToPage(std::move(rows), q.limit), total);
}

absl::StatusOr<CreditBacklog> SqliteFollowupStore::CreditDeliveryBacklog() {
  ReaderLease lease(*base_);
  ASSIGN_OR_RETURN(Statement statement, lease.db().Prepare(kCreditBacklogSql));
  ASSIGN_OR_RETURN(bool row, statement.Step());
  CreditBacklog backlog;
  if (!row) return backlog;
  backlog.pending = statement.ColumnInt64(0);
  backlog.failed = statement.ColumnInt64(1);
  backlog.oldest_create_micros = statement.ColumnOptionalInt64(2);
  return backlog;
}

absl::StatusOr<std::vector<v1::FollowupEvent>> SqliteFollowupStore::ReadEvents(int64_t after,
                                                                               int limit) {
  ReaderLease lease(*base_);
  return store::ReadEvents<v1::FollowupEvent>(lease.db(), after, limit,
                                              Sealing<v1::FollowupEvent>::kContext);
}

absl::StatusOr<int64_t> SqliteFollowupStore::LastEventSequence() {
  ReaderLease lease(*base_);
  return store::LastEventSequence(lease.db());
}

}  // namespace unemployment::followup
