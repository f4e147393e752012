#include "services/registration/sqlite_registration_store.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/proto_util/message_util.h"
#include "common/status/macros.h"
#include "common/store/event_log.h"
#include "common/store/request_log.h"
#include "common/store/sealed.h"
#include "common/store/sealed_message.h"
#include "common/store/statement.h"

namespace unemployment::registration {
namespace {

using store::Database;
using store::Statement;

// --- Schema. A released migration is never edited; changes are new migrations. ---

constexpr std::string_view kSchemaV1 = R"sql(
CREATE TABLE counters (
  series TEXT PRIMARY KEY,
  value INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE applications (
  id TEXT PRIMARY KEY,
  channel INTEGER NOT NULL,
  channel_application_id TEXT NOT NULL,
  id_type INTEGER NOT NULL,
  id_number TEXT NOT NULL,
  office_region_code TEXT NOT NULL,
  queue_kind INTEGER NOT NULL,
  state INTEGER NOT NULL,
  undecided INTEGER NOT NULL,
  received_micros INTEGER NOT NULL,
  due_date TEXT NOT NULL,
  fingerprint BLOB NOT NULL,
  data BLOB NOT NULL,
  UNIQUE (channel, channel_application_id)
);
CREATE INDEX applications_queue ON applications (office_region_code, received_micros, id)
  WHERE undecided = 1;
CREATE INDEX applications_undecided_person ON applications (id_type, id_number)
  WHERE undecided = 1;

CREATE TABLE registrations (
  id TEXT PRIMARY KEY,
  application_id TEXT NOT NULL,
  id_type INTEGER NOT NULL,
  id_number TEXT NOT NULL,
  state INTEGER NOT NULL,
  data BLOB NOT NULL
);
-- One person, at most one active registration (state 1 = REGISTRATION_STATE_ACTIVE), enforced by
-- the database as well as by the domain check.
CREATE UNIQUE INDEX registrations_one_active ON registrations (id_type, id_number) WHERE state = 1;

CREATE TABLE notifications (
  id TEXT PRIMARY KEY,
  application_id TEXT NOT NULL,
  create_micros INTEGER NOT NULL,
  method INTEGER NOT NULL,
  delivery_state INTEGER NOT NULL,
  next_attempt_micros INTEGER NOT NULL,
  target TEXT NOT NULL,
  payload BLOB NOT NULL,
  data BLOB NOT NULL
);
CREATE INDEX notifications_by_application ON notifications (application_id, create_micros, id);
-- delivery_state 1 = DELIVERY_STATE_PENDING.
CREATE INDEX notifications_pending ON notifications (next_attempt_micros, id)
  WHERE delivery_state = 1;

CREATE TABLE requests (
  kind TEXT NOT NULL,
  request_id TEXT NOT NULL,
  fingerprint BLOB NOT NULL,
  response BLOB NOT NULL,
  PRIMARY KEY (kind, request_id)
) WITHOUT ROWID;

-- The event feed: AUTOINCREMENT never reuses a committed sequence.
CREATE TABLE events (
  sequence INTEGER PRIMARY KEY AUTOINCREMENT,
  occurred_micros INTEGER NOT NULL,
  data BLOB NOT NULL
);
)sql";

// Verification of applications (issue 4): the queued VerifyApplicant requests, one per application
// at most, retried by the verification worker until answered.
constexpr std::string_view kSchemaV2 = R"sql(
CREATE TABLE verification_jobs (
  application_id TEXT PRIMARY KEY,
  request BLOB NOT NULL,
  attempt_count INTEGER NOT NULL,
  next_attempt_micros INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX verification_jobs_due ON verification_jobs (next_attempt_micros, application_id);
)sql";

// Personal data at rest (issue 9): ID numbers become keyed hashes, every record that carries
// personal data (forms with phones and addresses, notification targets, events, stored responses,
// queued verification requests) is sealed. Existing rows are converted in place.
constexpr std::string_view kSchemaV3 = R"sql(
UPDATE applications SET id_number = ue_search_hash(id_number),
  data = ue_seal('registration/applications.data', data),
  fingerprint = ue_seal('registration/applications.fingerprint', fingerprint);
UPDATE registrations SET id_number = ue_search_hash(id_number),
  data = ue_seal('registration/registrations.data', data);
UPDATE notifications SET target = ue_seal('registration/notifications.target', target),
  payload = ue_seal('registration/notifications.payload', payload),
  data = ue_seal('registration/notifications.data', data);
UPDATE requests SET response = ue_seal('registration/requests.response', response),
  fingerprint = ue_seal('registration/requests.fingerprint', fingerprint);
UPDATE events SET data = ue_seal('registration/events.data', data);
UPDATE verification_jobs SET request = ue_seal('registration/verification_jobs.request', request);
)sql";

// Feedback that reaches people (issue 16): the office of each notification, so that an office can
// list what has not reached its people (PENDING or FAILED; 2 = DELIVERY_STATE_DELIVERED).
constexpr std::string_view kSchemaV4 = R"sql(
ALTER TABLE notifications ADD COLUMN office_region_code TEXT NOT NULL DEFAULT '';
UPDATE notifications SET office_region_code = coalesce(
  (SELECT a.office_region_code FROM applications a WHERE a.id = notifications.application_id), '');
CREATE INDEX notifications_undelivered ON notifications (office_region_code, create_micros, id)
  WHERE delivery_state <> 2;
)sql";

// Channel application ids the person index fenced (FenceChannelApplicationId): never stored later.
constexpr std::string_view kSchemaV5 = R"sql(
CREATE TABLE fenced_channel_ids (
  channel INTEGER NOT NULL,
  channel_application_id TEXT NOT NULL,
  fenced_micros INTEGER NOT NULL,
  PRIMARY KEY (channel, channel_application_id)
) WITHOUT ROWID;
)sql";

// Provisional decision deadlines (due dates counted without a year's holiday data), so that they
// can be found and recomputed when that year's calendar file appears. Rows stored before this
// migration are sealed and cannot be read here: every undecided one is marked as a candidate, and
// the first recomputation reads it and clears the mark where its due date was not provisional.
constexpr std::string_view kSchemaV6 = R"sql(
ALTER TABLE applications ADD COLUMN due_provisional INTEGER NOT NULL DEFAULT 0;
UPDATE applications SET due_provisional = 1 WHERE undecided = 1;
CREATE INDEX applications_provisional ON applications (id) WHERE due_provisional = 1;
)sql";

// The duty reviewers of each office's review queue (指定专人每日登录); staff ids, no personal data.
constexpr std::string_view kSchemaV7 = R"sql(
CREATE TABLE duty_rosters (
  office_region_code TEXT NOT NULL,
  queue_kind INTEGER NOT NULL,
  data BLOB NOT NULL,
  PRIMARY KEY (office_region_code, queue_kind)
) WITHOUT ROWID;
)sql";

// The contact reports of regions (附件3): names and phones of staff, sealed like personal data.
constexpr std::string_view kSchemaV8 = R"sql(
CREATE TABLE region_contacts (
  region_code TEXT PRIMARY KEY,
  data BLOB NOT NULL
) WITHOUT ROWID;
)sql";

constexpr store::Migration kMigrations[] = {
    {1, "registration_schema", kSchemaV1},
    {2, "verification_jobs", kSchemaV2},
    {3, "personal_data_at_rest", kSchemaV3},
    {4, "notification_offices", kSchemaV4},
    {5, "fenced_channel_ids", kSchemaV5},
    {6, "provisional_deadlines", kSchemaV6},
    {7, "duty_rosters", kSchemaV7},
    {8, "region_contacts", kSchemaV8},
};

constexpr std::string_view kApplicationsData = "registration/applications.data";
// Fingerprints are the deterministic bytes of the request (the whole form): sealed too.
constexpr std::string_view kApplicationsFingerprint = "registration/applications.fingerprint";
constexpr std::string_view kRequestsFingerprint = "registration/requests.fingerprint";
constexpr std::string_view kRegistrationsData = "registration/registrations.data";
constexpr std::string_view kNotificationsTarget = "registration/notifications.target";
constexpr std::string_view kNotificationsPayload = "registration/notifications.payload";
constexpr std::string_view kNotificationsData = "registration/notifications.data";
constexpr std::string_view kRequestsResponse = "registration/requests.response";
constexpr std::string_view kEventsData = "registration/events.data";
constexpr store::RequestLogContexts kRequestLog = {kRequestsFingerprint, kRequestsResponse};
constexpr std::string_view kJobsRequest = "registration/verification_jobs.request";
constexpr std::string_view kRegionContactsData = "registration/region_contacts.data";

constexpr store::SealedColumn kSealedColumns[] = {
    {"applications", "data", kApplicationsData},
    {"applications", "fingerprint", kApplicationsFingerprint},
    {"requests", "fingerprint", kRequestsFingerprint},
    {"registrations", "data", kRegistrationsData},
    {"notifications", "target", kNotificationsTarget},
    {"notifications", "payload", kNotificationsPayload},
    {"notifications", "data", kNotificationsData},
    {"requests", "response", kRequestsResponse},
    {"events", "data", kEventsData},
    {"verification_jobs", "request", kJobsRequest},
    {"region_contacts", "data", kRegionContactsData},
};

// --- Statements. ---

constexpr std::string_view kPutDutyRosterSql =
    "INSERT INTO duty_rosters (office_region_code, queue_kind, data) VALUES (?1, ?2, ?3) "
    "ON CONFLICT (office_region_code, queue_kind) DO UPDATE SET data = excluded.data";
constexpr std::string_view kDutyRostersSql =
    "SELECT data FROM duty_rosters "
    "WHERE office_region_code >= ?1 AND office_region_code < ?2 AND (?3 = 0 OR queue_kind = ?3) "
    "AND (?4 IS NULL OR office_region_code > ?4 OR (office_region_code = ?4 AND queue_kind > ?5)) "
    "ORDER BY office_region_code, queue_kind LIMIT ?6";
constexpr std::string_view kPutRegionContactSql =
    "INSERT INTO region_contacts (region_code, data) VALUES (?1, ?2) "
    "ON CONFLICT (region_code) DO UPDATE SET data = excluded.data";
constexpr std::string_view kRegionContactSql =
    "SELECT data FROM region_contacts WHERE region_code = ?1";
constexpr std::string_view kRegionContactsSql =
    "SELECT data FROM region_contacts WHERE region_code >= ?1 AND region_code < ?2 "
    "AND region_code > ?3 ORDER BY region_code LIMIT ?4";
constexpr std::string_view kFencedChannelIdSql =
    "SELECT 1 FROM fenced_channel_ids WHERE channel = ?1 AND channel_application_id = ?2";
constexpr std::string_view kInsertFencedChannelIdSql =
    "INSERT OR IGNORE INTO fenced_channel_ids (channel, channel_application_id, fenced_micros) "
    "VALUES (?1, ?2, ?3)";
constexpr std::string_view kApplicationByChannelIdSql =
    "SELECT data, fingerprint FROM applications WHERE channel = ?1 AND channel_application_id = ?2";
constexpr std::string_view kApplicationByIdSql =
    "SELECT data, fingerprint FROM applications WHERE id = ?1";
constexpr std::string_view kUndecidedApplicationOfPersonSql =
    "SELECT id FROM applications WHERE undecided = 1 AND id_type = ?1 AND id_number = ?2 "
    "ORDER BY received_micros LIMIT 1";
constexpr std::string_view kInsertApplicationSql =
    "INSERT INTO applications (id, channel, channel_application_id, id_type, id_number, "
    "office_region_code, queue_kind, state, undecided, received_micros, due_date, fingerprint, "
    "data, due_provisional) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)";
constexpr std::string_view kUpdateApplicationSql =
    "UPDATE applications SET state = ?2, undecided = ?3, due_date = ?4, data = ?5, "
    "due_provisional = ?6 WHERE id = ?1";
// Undecided applications whose due date is (or, for rows older than migration 6, may be)
// provisional, in id order after a position.
constexpr std::string_view kProvisionalDeadlinesSql =
    "SELECT id FROM applications WHERE due_provisional = 1 AND id > ?1 ORDER BY id LIMIT ?2";
constexpr std::string_view kRegistrationByIdSql = "SELECT data FROM registrations WHERE id = ?1";
constexpr std::string_view kActiveRegistrationOfPersonSql =
    "SELECT data FROM registrations WHERE state = 1 AND id_type = ?1 AND id_number = ?2";
constexpr std::string_view kInsertRegistrationSql =
    "INSERT INTO registrations (id, application_id, id_type, id_number, state, data) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
constexpr std::string_view kUpdateRegistrationSql =
    "UPDATE registrations SET state = ?2, data = ?3 WHERE id = ?1";
constexpr std::string_view kInsertNotificationSql =
    "INSERT INTO notifications (id, application_id, create_micros, method, delivery_state, "
    "next_attempt_micros, office_region_code, target, payload, data) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)";
constexpr std::string_view kUpdateNotificationSql =
    "UPDATE notifications SET delivery_state = ?2, next_attempt_micros = ?3, data = ?4 WHERE id = "
    "?1";
constexpr std::string_view kNotificationByIdSql =
    "SELECT data, target, payload, next_attempt_micros FROM notifications WHERE id = ?1";
constexpr std::string_view kNotificationsOfApplicationSql =
    "SELECT data FROM notifications WHERE application_id = ?1 "
    "AND (?2 IS NULL OR create_micros > ?2 OR (create_micros = ?2 AND id > ?3)) "
    "ORDER BY create_micros, id LIMIT ?4";
constexpr std::string_view kDueNotificationsSql =
    "SELECT data, target, payload, next_attempt_micros FROM notifications "
    "WHERE delivery_state = 1 AND next_attempt_micros <= ?1 ORDER BY next_attempt_micros, id LIMIT "
    "?2";
constexpr std::string_view kNextDueSql =
    "SELECT min(next_attempt_micros) FROM notifications WHERE delivery_state = 1";
constexpr std::string_view kUndeliveredSql =
    "SELECT data FROM notifications "
    "WHERE delivery_state <> 2 AND office_region_code >= ?1 AND office_region_code < ?2 "
    "AND (?3 IS NULL OR create_micros > ?3 OR (create_micros = ?3 AND id > ?4)) "
    "ORDER BY create_micros, id LIMIT ?5";
constexpr std::string_view kUndeliveredCountSql =
    "SELECT count(*), min(create_micros) FROM notifications "
    "WHERE delivery_state <> 2 AND office_region_code >= ?1 AND office_region_code < ?2";
// Operational figures (metrics): undecided applications by office city and queue kind, pending
// notifications by method, queued verification jobs.
constexpr std::string_view kQueueFiguresSql =
    "SELECT substr(office_region_code, 1, 4), queue_kind, count(*), "
    "sum(CASE WHEN due_date < ?1 THEN 1 ELSE 0 END) FROM applications WHERE undecided = 1 "
    "GROUP BY 1, 2";
constexpr std::string_view kOutboxFiguresSql =
    "SELECT method, count(*), min(create_micros) FROM notifications WHERE delivery_state = 1 "
    "GROUP BY method";
constexpr std::string_view kVerificationFiguresSql =
    "SELECT count(*), sum(CASE WHEN attempt_count > 0 THEN 1 ELSE 0 END) FROM verification_jobs";
constexpr std::string_view kInsertVerificationJobSql =
    "INSERT INTO verification_jobs (application_id, request, attempt_count, next_attempt_micros) "
    "VALUES (?1, ?2, ?3, ?4)";
constexpr std::string_view kVerificationJobSql =
    "SELECT application_id, request, attempt_count, next_attempt_micros FROM verification_jobs "
    "WHERE application_id = ?1";
constexpr std::string_view kUpdateVerificationJobSql =
    "UPDATE verification_jobs SET attempt_count = ?2, next_attempt_micros = ?3 "
    "WHERE application_id = ?1";
constexpr std::string_view kDeleteVerificationJobSql =
    "DELETE FROM verification_jobs WHERE application_id = ?1";
constexpr std::string_view kDueVerificationJobsSql =
    "SELECT application_id, request, attempt_count, next_attempt_micros FROM verification_jobs "
    "WHERE next_attempt_micros <= ?1 ORDER BY next_attempt_micros, application_id LIMIT ?2";
constexpr std::string_view kNextVerificationDueSql =
    "SELECT min(next_attempt_micros) FROM verification_jobs";
constexpr std::string_view kReviewQueueSql =
    "SELECT data FROM applications "
    "WHERE undecided = 1 AND office_region_code >= ?1 AND office_region_code < ?2 "
    "AND (?3 = 0 OR queue_kind = ?3) AND (?4 IS NULL OR due_date < ?4) "
    "AND (?5 IS NULL OR received_micros > ?5 OR (received_micros = ?5 AND id > ?6)) "
    "ORDER BY received_micros, id LIMIT ?7";
constexpr std::string_view kReviewQueueCountSql =
    "SELECT count(*) FROM applications "
    "WHERE undecided = 1 AND office_region_code >= ?1 AND office_region_code < ?2 "
    "AND (?3 = 0 OR queue_kind = ?3) AND (?4 IS NULL OR due_date < ?4)";

bool IsUndecided(int state) {
  return state == common::v1::APPLICATION_STATE_RECEIVED ||
         state == common::v1::APPLICATION_STATE_PENDING_VERIFICATION ||
         state == common::v1::APPLICATION_STATE_AWAITING_REVIEW;
}

using store::BindSealedMessage;
using store::OpenMessage;

absl::StatusOr<std::optional<StoredApplication>> QueryStoredApplication(const Database& db,
                                                                        Statement& statement) {
  ASSIGN_OR_RETURN(bool row, statement.Step());
  if (!row) return std::optional<StoredApplication>();
  StoredApplication stored;
  ASSIGN_OR_RETURN(stored.application,
                   OpenMessage<v1::Application>(db, statement, 0, kApplicationsData));
  ASSIGN_OR_RETURN(stored.fingerprint,
                   store::OpenColumn(db, statement, 1, kApplicationsFingerprint));
  return std::optional<StoredApplication>(std::move(stored));
}

absl::StatusOr<std::optional<v1::Registration>> QueryRegistration(const Database& db,
                                                                  Statement& statement) {
  ASSIGN_OR_RETURN(bool row, statement.Step());
  if (!row) return std::optional<v1::Registration>();
  ASSIGN_OR_RETURN(v1::Registration registration,
                   OpenMessage<v1::Registration>(db, statement, 0, kRegistrationsData));
  return std::optional<v1::Registration>(std::move(registration));
}

absl::StatusOr<OutboxEntry> ReadOutboxRow(const Database& db, const Statement& statement) {
  OutboxEntry entry;
  ASSIGN_OR_RETURN(entry.notification,
                   OpenMessage<v1::Notification>(db, statement, 0, kNotificationsData));
  ASSIGN_OR_RETURN(entry.target, store::OpenColumn(db, statement, 1, kNotificationsTarget));
  ASSIGN_OR_RETURN(entry.payload, store::OpenColumn(db, statement, 2, kNotificationsPayload));
  entry.next_attempt_at = absl::FromUnixMicros(statement.ColumnInt64(3));
  return entry;
}

absl::StatusOr<VerificationJob> ReadVerificationJobRow(const Database& db,
                                                       const Statement& statement) {
  VerificationJob job;
  job.application_id = statement.ColumnString(0);
  ASSIGN_OR_RETURN(job.request, store::OpenColumn(db, statement, 1, kJobsRequest));
  job.attempt_count = static_cast<int>(statement.ColumnInt64(2));
  job.next_attempt_at = absl::FromUnixMicros(statement.ColumnInt64(3));
  return job;
}

absl::StatusOr<std::optional<v1::Application>> ApplicationOnly(
    absl::StatusOr<std::optional<StoredApplication>> stored) {
  if (!stored.ok()) return stored.status();
  if (!stored->has_value()) return std::optional<v1::Application>();
  return std::optional<v1::Application>(std::move((*stored)->application));
}

// The unit-of-work view of the writer connection.
class SqliteTransaction final : public RegistrationTransaction {
 public:
  explicit SqliteTransaction(Database& db) : db_(db), events_(db, kEventsData) {}

  // The highest sequence appended through this transaction; 0 when none.
  int64_t last_appended() const { return events_.last_appended(); }

  absl::StatusOr<int64_t> NextNumber(const std::string& series) override {
    return store::NextNumber(db_, series);
  }

  absl::StatusOr<std::optional<StoredApplication>> FindApplicationByChannelId(
      int channel, const std::string& channel_application_id) override {
    ASSIGN_OR_RETURN(Statement statement, db_.Prepare(kApplicationByChannelIdSql));
    RETURN_IF_ERROR(statement.BindAll(channel, channel_application_id));
    return QueryStoredApplication(db_, statement);
  }

  absl::StatusOr<bool> IsChannelIdFenced(int channel,
                                         const std::string& channel_application_id) override {
    ASSIGN_OR_RETURN(Statement statement, db_.Prepare(kFencedChannelIdSql));
    RETURN_IF_ERROR(statement.BindAll(channel, channel_application_id));
    return statement.Step();
  }

  absl::Status PutDutyRoster(const v1::DutyRoster& roster) override {
    ASSIGN_OR_RETURN(Statement statement, db_.Prepare(kPutDutyRosterSql));
    RETURN_IF_ERROR(statement.BindAll(roster.office_region_code(),
                                      static_cast<int>(roster.queue_kind())));
    RETURN_IF_ERROR(statement.BindBlob(3, roster.SerializeAsString()));
    return statement.Run();
  }

  absl::Status PutRegionContact(const v1::ReportedRegionContact& contact) override {
    ASSIGN_OR_RETURN(Statement statement, db_.Prepare(kPutRegionContactSql));
    RETURN_IF_ERROR(statement.BindAll(contact.region_code()));
    RETURN_IF_ERROR(BindSealedMessage(db_, statement, 2, kRegionContactsData, contact));
    return statement.Run();
  }

  absl::Status FenceChannelId(int channel, const std::string& channel_application_id,
                              absl::Time now) override {
    ASSIGN_OR_RETURN(Statement statement, db_.Prepare(kInsertFencedChannelIdSql));
    RETURN_IF_ERROR(statement.BindAll(channel, channel_application_id, absl::ToUnixMicros(now)));
    return statement.Run();
  }

  absl::StatusOr<std::optional<StoredApplication>> GetApplication(const std::string& id) override {
    ASSIGN_OR_RETURN(Statement statement, db_.Prepare(kApplicationByIdSql));
    RETURN_IF_ERROR(statement.BindAll(id));
    return QueryStoredApplication(db_, statement);
  }

  absl::StatusOr<std::optional<std::string>> FindUndecidedApplicationId(
      int id_type, const std::string& id_number) override {
    ASSIGN_OR_RETURN(Statement statement, db_.Prepare(kUndecidedApplicationOfPersonSql));
    RETURN_IF_ERROR(statement.BindAll(id_type, store::SearchHash(db_, id_number)));
    ASSIGN_OR_RETURN(bool row, statement.Step());
    if (!row) return std::optional<std::string>();
    return std::optional<std::string>(statement.ColumnString(0));
  }

  absl::Status InsertApplication(const v1::Application& application,
                                 const std::string& fingerprint) override {
    ASSIGN_OR_RETURN(Statement statement, db_.Prepare(kInsertApplicationSql));
    RETURN_IF_ERROR(statement.BindAll(
        application.id(), static_cast<int>(application.channel()),
        application.channel_application_id(),
        static_cast<int>(application.form().person_id().id_type()),
        store::SearchHash(db_, application.form().person_id().id_number()),
        application.office_region_code(), static_cast<int>(application.queue_kind()),
        static_cast<int>(application.state()), IsUndecided(application.state()),
        proto_util::TimestampMicros(application.received_at()), application.due_date()));
    RETURN_IF_ERROR(store::BindSealed(db_, statement, 12, kApplicationsFingerprint, fingerprint));
    RETURN_IF_ERROR(BindSealedMessage(db_, statement, 13, kApplicationsData, application));
    RETURN_IF_ERROR(statement.BindBool(14, IsUndecided(application.state()) &&
                                               application.due_date_provisional()));
    return statement.Run();
  }

  absl::Status UpdateApplication(const v1::Application& application) override {
    ASSIGN_OR_RETURN(Statement statement, db_.Prepare(kUpdateApplicationSql));
    RETURN_IF_ERROR(statement.BindAll(application.id(), static_cast<int>(application.state()),
                                      IsUndecided(application.state()), application.due_date()));
    RETURN_IF_ERROR(BindSealedMessage(db_, statement, 5, kApplicationsData, application));
    RETURN_IF_ERROR(statement.BindBool(6, IsUndecided(application.state()) &&
                                              application.due_date_provisional()));
    RETURN_IF_ERROR(statement.Run());
    if (db_.changes() != 1) return absl::NotFoundError("application to update does not exist");
    return absl::OkStatus();
  }

  absl::StatusOr<std::optional<v1::Registration>> GetRegistration(const std::string& id) override {
    ASSIGN_OR_RETURN(Statement statement, db_.Prepare(kRegistrationByIdSql));
    RETURN_IF_ERROR(statement.BindAll(id));
    return QueryRegistration(db_, statement);
  }

  absl::StatusOr<std::optional<v1::Registration>> FindActiveRegistration(
      int id_type, const std::string& id_number) override {
    ASSIGN_OR_RETURN(Statement statement, db_.Prepare(kActiveRegistrationOfPersonSql));
    RETURN_IF_ERROR(statement.BindAll(id_type, store::SearchHash(db_, id_number)));
    return QueryRegistration(db_, statement);
  }

  absl::Status InsertRegistration(const v1::Registration& registration) override {
    ASSIGN_OR_RETURN(Statement statement, db_.Prepare(kInsertRegistrationSql));
    RETURN_IF_ERROR(statement.BindAll(registration.id(), registration.application_id(),
                                      static_cast<int>(registration.person_id().id_type()),
                                      store::SearchHash(db_, registration.person_id().id_number()),
                                      static_cast<int>(registration.state())));
    RETURN_IF_ERROR(BindSealedMessage(db_, statement, 6, kRegistrationsData, registration));
    return statement.Run();
  }

  absl::Status UpdateRegistration(const v1::Registration& registration) override {
    ASSIGN_OR_RETURN(Statement statement, db_.Prepare(kUpdateRegistrationSql));
    RETURN_IF_ERROR(statement.BindAll(registration.id(), static_cast<int>(registration.state())));
    RETURN_IF_ERROR(BindSealedMessage(db_, statement, 3, kRegistrationsData, registration));
    RETURN_IF_ERROR(statement.Run());
    if (db_.changes() != 1) return absl::NotFoundError("registration to update does not exist");
    return absl::OkStatus();
  }

  absl::Status InsertNotification(const OutboxEntry& entry) override {
    const v1::Notification& n = entry.notification;
    ASSIGN_OR_RETURN(Statement statement, db_.Prepare(kInsertNotificationSql));
    RETURN_IF_ERROR(statement.BindAll(
        n.id(), n.application_id(), proto_util::TimestampMicros(n.create_time()),
        static_cast<int>(n.method()),
        static_cast<int>(n.delivery_state()), absl::ToUnixMicros(entry.next_attempt_at),
        n.office_region_code()));
    RETURN_IF_ERROR(store::BindSealed(db_, statement, 8, kNotificationsTarget, entry.target));
    RETURN_IF_ERROR(store::BindSealed(db_, statement, 9, kNotificationsPayload, entry.payload));
    RETURN_IF_ERROR(BindSealedMessage(db_, statement, 10, kNotificationsData, n));
    return statement.Run();
  }

  absl::Status UpdateNotificationDelivery(const OutboxEntry& entry) override {
    const v1::Notification& n = entry.notification;
    ASSIGN_OR_RETURN(Statement statement, db_.Prepare(kUpdateNotificationSql));
    RETURN_IF_ERROR(statement.BindAll(n.id(), static_cast<int>(n.delivery_state()),
                                      absl::ToUnixMicros(entry.next_attempt_at)));
    RETURN_IF_ERROR(BindSealedMessage(db_, statement, 4, kNotificationsData, n));
    RETURN_IF_ERROR(statement.Run());
    if (db_.changes() != 1) return absl::NotFoundError("notification to update does not exist");
    return absl::OkStatus();
  }

  absl::Status InsertVerificationJob(const VerificationJob& job) override {
    ASSIGN_OR_RETURN(Statement statement, db_.Prepare(kInsertVerificationJobSql));
    RETURN_IF_ERROR(statement.Bind(1, job.application_id));
    RETURN_IF_ERROR(store::BindSealed(db_, statement, 2, kJobsRequest, job.request));
    RETURN_IF_ERROR(statement.Bind(3, job.attempt_count));
    RETURN_IF_ERROR(statement.Bind(4, absl::ToUnixMicros(job.next_attempt_at)));
    return statement.Run();
  }

  absl::StatusOr<std::optional<VerificationJob>> GetVerificationJob(
      const std::string& application_id) override {
    ASSIGN_OR_RETURN(Statement statement, db_.Prepare(kVerificationJobSql));
    RETURN_IF_ERROR(statement.BindAll(application_id));
    ASSIGN_OR_RETURN(bool row, statement.Step());
    if (!row) return std::optional<VerificationJob>();
    ASSIGN_OR_RETURN(VerificationJob job, ReadVerificationJobRow(db_, statement));
    return std::optional<VerificationJob>(std::move(job));
  }

  absl::Status UpdateVerificationJob(const VerificationJob& job) override {
    ASSIGN_OR_RETURN(Statement statement, db_.Prepare(kUpdateVerificationJobSql));
    RETURN_IF_ERROR(statement.BindAll(job.application_id, job.attempt_count,
                                      absl::ToUnixMicros(job.next_attempt_at)));
    RETURN_IF_ERROR(statement.Run());
    if (db_.changes() != 1) return absl::NotFoundError("verification job to update does not exist");
    return absl::OkStatus();
  }

  absl::Status DeleteVerificationJob(const std::string& application_id) override {
    ASSIGN_OR_RETURN(Statement statement, db_.Prepare(kDeleteVerificationJobSql));
    RETURN_IF_ERROR(statement.BindAll(application_id));
    return statement.Run();
  }

  absl::StatusOr<std::optional<StoredRequest>> FindRequest(const std::string& kind,
                                                           const std::string& request_id) override {
    return store::FindRequest(db_, kRequestLog, kind, request_id);
  }

  absl::Status InsertRequest(const std::string& kind, const std::string& request_id,
                             const StoredRequest& request) override {
    return store::PutRequest(db_, kRequestLog, kind, request_id, request);
  }

  absl::StatusOr<int64_t> AppendEvent(const v1::Event& event) override {
    v1::Event stored = event;
    stored.clear_sequence();  // the column is the truth
    return events_.Append(proto_util::TimestampMicros(event.occurred_at()), stored);
  }

 private:
  Database& db_;
  store::EventLog events_;
};

// At most `limit` notifications of a statement selecting their sealed data (asked for limit + 1
// rows: one more row means another page).
absl::StatusOr<NotificationPage> ReadNotificationPage(Database& db, Statement& statement,
                                                      int limit) {
  NotificationPage page;
  while (true) {
    ASSIGN_OR_RETURN(bool row, statement.Step());
    if (!row) break;
    if (static_cast<int>(page.notifications.size()) == limit) {
      page.more = true;
      break;
    }
    ASSIGN_OR_RETURN(v1::Notification n,
                     OpenMessage<v1::Notification>(db, statement, 0, kNotificationsData));
    page.notifications.push_back(std::move(n));
  }
  return page;
}


}  // namespace

absl::Span<const store::Migration> RegistrationMigrations() { return kMigrations; }
absl::Span<const store::SealedColumn> RegistrationSealedColumns() { return kSealedColumns; }

namespace {

// A reader connection of the store for the scope of a read.
using ReaderLease = store::WriterStore::ReaderLease;

// `work` as a unit of work of the writer: run on a transaction object over the writer connection.
store::WriterStore::Work AsUnit(RegistrationStore::Work work) {
  return [work = std::move(work)](Database& db) -> absl::StatusOr<int64_t> {
    SqliteTransaction transaction(db);
    RETURN_IF_ERROR(work(transaction));
    return transaction.last_appended();
  };
}

}  // namespace

absl::StatusOr<std::unique_ptr<SqliteRegistrationStore>> SqliteRegistrationStore::Create(
    std::unique_ptr<Database> writer, Options options) {
  store::WriterStoreOptions store_options;
  store_options.reader_count = options.reader_count;
  store_options.name = "registration store";
  ASSIGN_OR_RETURN(std::unique_ptr<store::WriterStore> base,
                   store::WriterStore::Create(std::move(writer), store_options));
  base->SetCommitListener(std::move(options.on_events_committed));
  return std::unique_ptr<SqliteRegistrationStore>(new SqliteRegistrationStore(std::move(base)));
}

absl::StatusOr<std::unique_ptr<SqliteRegistrationStore>> SqliteRegistrationStore::Open(
    const std::string& path, Options options) {
  ASSIGN_OR_RETURN(std::unique_ptr<Database> writer,
                   store::WriterStore::OpenMigrated(path, kMigrations));
  return Create(std::move(writer), std::move(options));
}

SqliteRegistrationStore::SqliteRegistrationStore(std::unique_ptr<store::WriterStore> base)
    : base_(std::move(base)) {}

SqliteRegistrationStore::~SqliteRegistrationStore() { Shutdown(); }

void SqliteRegistrationStore::SetEventsCommittedListener(std::function<void(int64_t)> listener) {
  base_->SetCommitListener(std::move(listener));
}

void SqliteRegistrationStore::Shutdown() { base_->Shutdown(); }

void SqliteRegistrationStore::Write(Work work, Done done) {
  base_->Write(AsUnit(std::move(work)), std::move(done));
}

absl::Status SqliteRegistrationStore::WriteAndWait(Work work) {
  return base_->WriteAndWait(AsUnit(std::move(work)));
}

absl::StatusOr<std::optional<v1::Application>> SqliteRegistrationStore::GetApplication(
    const std::string& id) {
  ReaderLease lease(*base_);
  ASSIGN_OR_RETURN(Statement statement, lease.db().Prepare(kApplicationByIdSql));
  RETURN_IF_ERROR(statement.BindAll(id));
  return ApplicationOnly(QueryStoredApplication(lease.db(), statement));
}

absl::StatusOr<std::vector<std::string>> SqliteRegistrationStore::ListProvisionalDeadlines(
    const std::string& after_id, int limit) {
  ReaderLease lease(*base_);
  ASSIGN_OR_RETURN(Statement statement, lease.db().Prepare(kProvisionalDeadlinesSql));
  RETURN_IF_ERROR(statement.BindAll(after_id, static_cast<int64_t>(limit)));
  std::vector<std::string> ids;
  while (true) {
    ASSIGN_OR_RETURN(bool row, statement.Step());
    if (!row) break;
    ids.push_back(statement.ColumnString(0));
  }
  return ids;
}

absl::StatusOr<std::optional<v1::Application>> SqliteRegistrationStore::GetApplicationByChannelId(
    int channel, const std::string& channel_application_id) {
  ReaderLease lease(*base_);
  ASSIGN_OR_RETURN(Statement statement, lease.db().Prepare(kApplicationByChannelIdSql));
  RETURN_IF_ERROR(statement.BindAll(channel, channel_application_id));
  return ApplicationOnly(QueryStoredApplication(lease.db(), statement));
}

absl::StatusOr<std::optional<v1::Registration>> SqliteRegistrationStore::GetRegistration(
    const std::string& id) {
  ReaderLease lease(*base_);
  ASSIGN_OR_RETURN(Statement statement, lease.db().Prepare(kRegistrationByIdSql));
  RETURN_IF_ERROR(statement.BindAll(id));
  return QueryRegistration(lease.db(), statement);
}

absl::StatusOr<std::optional<v1::Registration>> SqliteRegistrationStore::FindActiveRegistration(
    int id_type, const std::string& id_number) {
  ReaderLease lease(*base_);
  ASSIGN_OR_RETURN(Statement statement, lease.db().Prepare(kActiveRegistrationOfPersonSql));
  RETURN_IF_ERROR(statement.BindAll(id_type, store::SearchHash(lease.db(), id_number)));
  return QueryRegistration(lease.db(), statement);
}

absl::StatusOr<ReviewQueuePage> SqliteRegistrationStore::ListReviewQueue(
    const ReviewQueueQuery& query) {
  ReaderLease lease(*base_);
  ReviewQueuePage page;
  const int kind = static_cast<int>(query.kind);
  {
    ASSIGN_OR_RETURN(Statement count, lease.db().Prepare(kReviewQueueCountSql));
    RETURN_IF_ERROR(count.BindAll(query.region_low, query.region_high, kind, query.overdue_before));
    ASSIGN_OR_RETURN(bool row, count.Step());
    page.total_size = row ? static_cast<int>(count.ColumnInt64(0)) : 0;
  }
  ASSIGN_OR_RETURN(Statement statement, lease.db().Prepare(kReviewQueueSql));
  std::optional<int64_t> after_time;
  std::string after_id;
  if (query.after.has_value()) {
    after_time = query.after->time_micros;
    after_id = query.after->id;
  }
  RETURN_IF_ERROR(statement.BindAll(query.region_low, query.region_high, kind, query.overdue_before,
                                    after_time, after_id, query.limit + 1));
  while (true) {
    ASSIGN_OR_RETURN(bool row, statement.Step());
    if (!row) break;
    if (static_cast<int>(page.applications.size()) == query.limit) {
      page.more = true;
      break;
    }
    ASSIGN_OR_RETURN(v1::Application application,
                     OpenMessage<v1::Application>(lease.db(), statement, 0, kApplicationsData));
    page.applications.push_back(std::move(application));
  }
  return page;
}

absl::StatusOr<NotificationPage> SqliteRegistrationStore::ListNotifications(
    const std::string& application_id, const std::optional<ListPosition>& after, int limit) {
  ReaderLease lease(*base_);
  ASSIGN_OR_RETURN(Statement statement, lease.db().Prepare(kNotificationsOfApplicationSql));
  std::optional<int64_t> after_time;
  std::string after_id;
  if (after.has_value()) {
    after_time = after->time_micros;
    after_id = after->id;
  }
  RETURN_IF_ERROR(statement.BindAll(application_id, after_time, after_id, limit + 1));
  return ReadNotificationPage(lease.db(), statement, limit);
}

absl::StatusOr<UndeliveredSummary> SqliteRegistrationStore::SummarizeUndelivered(
    const std::string& region_low, const std::string& region_high) {
  ReaderLease lease(*base_);
  ASSIGN_OR_RETURN(Statement count, lease.db().Prepare(kUndeliveredCountSql));
  RETURN_IF_ERROR(count.BindAll(region_low, region_high));
  ASSIGN_OR_RETURN(bool row, count.Step());
  UndeliveredSummary summary;
  if (row) {
    summary.count = count.ColumnInt64(0);
    if (!count.ColumnIsNull(1)) summary.oldest_create_time = absl::FromUnixMicros(count.ColumnInt64(1));
  }
  return summary;
}

absl::StatusOr<NotificationPage> SqliteRegistrationStore::ListUndelivered(
    const std::string& region_low, const std::string& region_high,
    const std::optional<ListPosition>& after, int limit) {
  ReaderLease lease(*base_);
  ASSIGN_OR_RETURN(Statement statement, lease.db().Prepare(kUndeliveredSql));
  std::optional<int64_t> after_time;
  std::string after_id;
  if (after.has_value()) {
    after_time = after->time_micros;
    after_id = after->id;
  }
  RETURN_IF_ERROR(statement.BindAll(region_low, region_high, after_time, after_id, limit + 1));
  return ReadNotificationPage(lease.db(), statement, limit);
}

absl::StatusOr<std::optional<v1::ReportedRegionContact>> SqliteRegistrationStore::GetRegionContact(
    const std::string& region_code) {
  ReaderLease lease(*base_);
  ASSIGN_OR_RETURN(Statement statement, lease.db().Prepare(kRegionContactSql));
  RETURN_IF_ERROR(statement.BindAll(region_code));
  ASSIGN_OR_RETURN(bool row, statement.Step());
  if (!row) return std::optional<v1::ReportedRegionContact>();
  ASSIGN_OR_RETURN(v1::ReportedRegionContact contact,
                   OpenMessage<v1::ReportedRegionContact>(lease.db(), statement, 0,
                                                          kRegionContactsData));
  return std::optional<v1::ReportedRegionContact>(std::move(contact));
}

absl::StatusOr<std::pair<std::vector<v1::ReportedRegionContact>, bool>>
SqliteRegistrationStore::ListRegionContacts(const std::string& region_low,
                                            const std::string& region_high,
                                            const std::string& after, int limit) {
  ReaderLease lease(*base_);
  ASSIGN_OR_RETURN(Statement statement, lease.db().Prepare(kRegionContactsSql));
  RETURN_IF_ERROR(statement.BindAll(region_low, region_high, after, limit + 1));
  std::vector<v1::ReportedRegionContact> contacts;
  bool more = false;
  while (true) {
    ASSIGN_OR_RETURN(bool row, statement.Step());
    if (!row) break;
    if (static_cast<int>(contacts.size()) == limit) {
      more = true;
      break;
    }
    ASSIGN_OR_RETURN(v1::ReportedRegionContact contact,
                     OpenMessage<v1::ReportedRegionContact>(lease.db(), statement, 0,
                                                            kRegionContactsData));
    contacts.push_back(std::move(contact));
  }
  return std::make_pair(std::move(contacts), more);
}

absl::StatusOr<DutyRosterPage> SqliteRegistrationStore::ListDutyRosters(
    const std::string& region_low, const std::string& region_high, int queue_kind,
    const std::optional<ListPosition>& after, int limit) {
  ReaderLease lease(*base_);
  ASSIGN_OR_RETURN(Statement statement, lease.db().Prepare(kDutyRostersSql));
  std::optional<std::string> after_office;
  int64_t after_kind = 0;
  if (after.has_value()) {
    after_office = after->id;
    after_kind = after->time_micros;
  }
  RETURN_IF_ERROR(statement.BindAll(region_low, region_high, queue_kind, after_office, after_kind,
                                    limit + 1));
  DutyRosterPage page;
  while (true) {
    ASSIGN_OR_RETURN(bool row, statement.Step());
    if (!row) break;
    if (static_cast<int>(page.rosters.size()) == limit) {
      page.more = true;
      break;
    }
    v1::DutyRoster roster;
    const std::string_view bytes = statement.ColumnBlob(0);
    if (!roster.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
      return absl::DataLossError("a stored duty roster does not parse");
    }
    page.rosters.push_back(std::move(roster));
  }
  return page;
}

absl::StatusOr<std::optional<OutboxEntry>> SqliteRegistrationStore::GetOutboxEntry(
    const std::string& id) {
  ReaderLease lease(*base_);
  ASSIGN_OR_RETURN(Statement statement, lease.db().Prepare(kNotificationByIdSql));
  RETURN_IF_ERROR(statement.BindAll(id));
  ASSIGN_OR_RETURN(bool row, statement.Step());
  if (!row) return std::optional<OutboxEntry>();
  ASSIGN_OR_RETURN(OutboxEntry entry, ReadOutboxRow(lease.db(), statement));
  return std::optional<OutboxEntry>(std::move(entry));
}

absl::StatusOr<std::vector<OutboxEntry>> SqliteRegistrationStore::DueNotifications(absl::Time now,
                                                                                   int limit) {
  ReaderLease lease(*base_);
  ASSIGN_OR_RETURN(Statement statement, lease.db().Prepare(kDueNotificationsSql));
  RETURN_IF_ERROR(statement.BindAll(absl::ToUnixMicros(now), limit));
  std::vector<OutboxEntry> entries;
  while (true) {
    ASSIGN_OR_RETURN(bool row, statement.Step());
    if (!row) break;
    ASSIGN_OR_RETURN(OutboxEntry entry, ReadOutboxRow(lease.db(), statement));
    entries.push_back(std::move(entry));
  }
  return entries;
}

absl::StatusOr<std::optional<absl::Time>> SqliteRegistrationStore::NextDueTime() {
  ReaderLease lease(*base_);
  ASSIGN_OR_RETURN(Statement statement, lease.db().Prepare(kNextDueSql));
  ASSIGN_OR_RETURN(bool row, statement.Step());
  if (!row || statement.ColumnIsNull(0)) return std::optional<absl::Time>();
  return std::optional<absl::Time>(absl::FromUnixMicros(statement.ColumnInt64(0)));
}

absl::StatusOr<OperationalFigures> SqliteRegistrationStore::ReadOperationalFigures(
    const std::string& today) {
  ReaderLease lease(*base_);
  OperationalFigures figures;
  {
    ASSIGN_OR_RETURN(Statement statement, lease.db().Prepare(kQueueFiguresSql));
    RETURN_IF_ERROR(statement.BindAll(today));
    while (true) {
      ASSIGN_OR_RETURN(bool row, statement.Step());
      if (!row) break;
      figures.queues.push_back({statement.ColumnString(0),
                                static_cast<int>(statement.ColumnInt64(1)),
                                statement.ColumnInt64(2), statement.ColumnInt64(3)});
    }
  }
  {
    ASSIGN_OR_RETURN(Statement statement, lease.db().Prepare(kOutboxFiguresSql));
    while (true) {
      ASSIGN_OR_RETURN(bool row, statement.Step());
      if (!row) break;
      OperationalFigures::Outbox outbox;
      outbox.method = static_cast<int>(statement.ColumnInt64(0));
      outbox.pending = statement.ColumnInt64(1);
      if (!statement.ColumnIsNull(2)) outbox.oldest = absl::FromUnixMicros(statement.ColumnInt64(2));
      figures.outboxes.push_back(outbox);
    }
  }
  {
    ASSIGN_OR_RETURN(Statement statement, lease.db().Prepare(kVerificationFiguresSql));
    ASSIGN_OR_RETURN(bool row, statement.Step());
    if (row) {
      figures.verification_jobs = statement.ColumnInt64(0);
      figures.verification_retries = statement.ColumnIsNull(1) ? 0 : statement.ColumnInt64(1);
    }
  }
  return figures;
}

absl::StatusOr<std::vector<VerificationJob>> SqliteRegistrationStore::DueVerificationJobs(
    absl::Time now, int limit) {
  ReaderLease lease(*base_);
  ASSIGN_OR_RETURN(Statement statement, lease.db().Prepare(kDueVerificationJobsSql));
  RETURN_IF_ERROR(statement.BindAll(absl::ToUnixMicros(now), limit));
  std::vector<VerificationJob> jobs;
  while (true) {
    ASSIGN_OR_RETURN(bool row, statement.Step());
    if (!row) break;
    ASSIGN_OR_RETURN(VerificationJob job, ReadVerificationJobRow(lease.db(), statement));
    jobs.push_back(std::move(job));
  }
  return jobs;
}

absl::StatusOr<std::optional<absl::Time>> SqliteRegistrationStore::NextVerificationDueTime() {
  ReaderLease lease(*base_);
  ASSIGN_OR_RETURN(Statement statement, lease.db().Prepare(kNextVerificationDueSql));
  ASSIGN_OR_RETURN(bool row, statement.Step());
  if (!row || statement.ColumnIsNull(0)) return std::optional<absl::Time>();
  return std::optional<absl::Time>(absl::FromUnixMicros(statement.ColumnInt64(0)));
}

absl::StatusOr<std::vector<v1::Event>> SqliteRegistrationStore::ReadEvents(int64_t after_sequence,
                                                                           int limit) {
  ReaderLease lease(*base_);
  return store::ReadEvents<v1::Event>(lease.db(), after_sequence, limit, kEventsData);
}

absl::StatusOr<int64_t> SqliteRegistrationStore::LastSequence() {
  ReaderLease lease(*base_);
  return store::LastEventSequence(lease.db());
}

}  // namespace unemployment::registration
