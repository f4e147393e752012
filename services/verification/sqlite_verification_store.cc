#include "services/verification/sqlite_verification_store.h"

#include <algorithm>
#include <tuple>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/status/macros.h"
#include "common/status/status_util.h"
#include "common/store/event_log.h"
#include "common/store/request_log.h"
#include "common/store/sealed.h"
#include "common/store/sealed_message.h"
#include "common/store/statement.h"
#include "common/validation/date.h"

namespace unemployment::verification {
namespace {

using store::Database;
using store::Statement;

// --- Schema. A released migration is never edited; changes are new migrations. ---

constexpr std::string_view kSchemaV1 = R"sql(
CREATE TABLE counters (
  series TEXT PRIMARY KEY,
  value INTEGER NOT NULL
) WITHOUT ROWID;

-- Every load; state 0 = loading (rows invisible), 1 = loaded. A version is unique per source
-- among loaded snapshots.
CREATE TABLE snapshots (
  snapshot_id INTEGER PRIMARY KEY AUTOINCREMENT,
  source INTEGER NOT NULL,
  version TEXT NOT NULL,
  data_as_of TEXT NOT NULL,
  row_count INTEGER NOT NULL,
  content_sha256 TEXT NOT NULL,
  loaded_micros INTEGER NOT NULL,
  state INTEGER NOT NULL
);
CREATE UNIQUE INDEX snapshots_version ON snapshots (source, version) WHERE state = 1;
CREATE INDEX snapshots_by_load ON snapshots (loaded_micros DESC, snapshot_id DESC) WHERE state = 1;

-- The snapshot served per source; swapping it is the whole replacement.
CREATE TABLE current_snapshots (
  source INTEGER PRIMARY KEY,
  snapshot_id INTEGER NOT NULL
);

CREATE TABLE population_rows (
  snapshot_id INTEGER NOT NULL,
  id_type INTEGER NOT NULL,
  id_number TEXT NOT NULL,
  name TEXT NOT NULL,
  sex INTEGER NOT NULL,
  birth_date TEXT NOT NULL,
  deceased INTEGER NOT NULL,
  death_date TEXT,
  household_region_code TEXT NOT NULL
);
CREATE INDEX population_person ON population_rows (snapshot_id, id_type, id_number);

CREATE TABLE insurance_rows (
  snapshot_id INTEGER NOT NULL,
  id_type INTEGER NOT NULL,
  id_number TEXT NOT NULL,
  name TEXT NOT NULL,
  kind INTEGER NOT NULL,
  employer_code TEXT NOT NULL,
  employer_name TEXT NOT NULL,
  start_date TEXT NOT NULL,
  end_date TEXT
);
CREATE INDEX insurance_person ON insurance_rows (snapshot_id, id_type, id_number);

CREATE TABLE employment_rows (
  snapshot_id INTEGER NOT NULL,
  id_type INTEGER NOT NULL,
  id_number TEXT NOT NULL,
  name TEXT NOT NULL,
  employer_code TEXT NOT NULL,
  employer_name TEXT NOT NULL,
  hired_on TEXT NOT NULL,
  terminated_on TEXT
);
CREATE INDEX employment_person ON employment_rows (snapshot_id, id_type, id_number);

CREATE TABLE business_rows (
  snapshot_id INTEGER NOT NULL,
  id_type INTEGER NOT NULL,
  id_number TEXT NOT NULL,
  name TEXT NOT NULL,
  role INTEGER NOT NULL,
  business_code TEXT NOT NULL,
  business_name TEXT NOT NULL,
  licence INTEGER NOT NULL,
  established_on TEXT NOT NULL,
  closed_on TEXT
);
CREATE INDEX business_person ON business_rows (snapshot_id, id_type, id_number);

CREATE TABLE verifications (
  verification_id TEXT PRIMARY KEY,
  request_id TEXT,
  fingerprint BLOB NOT NULL,
  data BLOB NOT NULL
);
CREATE UNIQUE INDEX verifications_request ON verifications (request_id) WHERE request_id IS NOT NULL;

CREATE TABLE requests (
  kind TEXT NOT NULL,
  request_id TEXT NOT NULL,
  fingerprint BLOB NOT NULL,
  response BLOB NOT NULL,
  PRIMARY KEY (kind, request_id)
) WITHOUT ROWID;
)sql";

// Personal data at rest (issue 9): snapshot rows are found by the keyed hash of the ID number
// (the number itself is not stored), verification results and stored responses are sealed.
constexpr std::string_view kSchemaV2 = R"sql(
UPDATE population_rows SET id_number = ue_search_hash(id_number);
UPDATE insurance_rows SET id_number = ue_search_hash(id_number);
UPDATE employment_rows SET id_number = ue_search_hash(id_number);
UPDATE business_rows SET id_number = ue_search_hash(id_number);
UPDATE verifications SET data = ue_seal('verification/verifications.data', data),
  fingerprint = ue_seal('verification/verifications.fingerprint', fingerprint);
UPDATE requests SET response = ue_seal('verification/requests.response', response),
  fingerprint = ue_seal('verification/requests.fingerprint', fingerprint);
)sql";

// Names in the snapshot rows are personal data too: sealed like the results.
constexpr std::string_view kSchemaV3 = R"sql(
UPDATE population_rows SET name = ue_seal('verification/population_rows.name', name);
UPDATE insurance_rows SET name = ue_seal('verification/insurance_rows.name', name);
UPDATE employment_rows SET name = ue_seal('verification/employment_rows.name', name);
UPDATE business_rows SET name = ue_seal('verification/business_rows.name', name);
)sql";

constexpr store::Migration kMigrations[] = {
    {1, "verification_schema", kSchemaV1},
    {2, "personal_data_at_rest", kSchemaV2},
    {3, "sealed_snapshot_names", kSchemaV3},
};

constexpr std::string_view kPopulationName = "verification/population_rows.name";
constexpr std::string_view kInsuranceName = "verification/insurance_rows.name";
constexpr std::string_view kEmploymentName = "verification/employment_rows.name";
constexpr std::string_view kBusinessName = "verification/business_rows.name";

constexpr std::string_view kVerificationsData = "verification/verifications.data";
constexpr std::string_view kRequestsResponse = "verification/requests.response";
// Fingerprints are the deterministic bytes of the request (with the ID number): sealed too.
constexpr std::string_view kVerificationsFingerprint = "verification/verifications.fingerprint";
constexpr std::string_view kRequestsFingerprint = "verification/requests.fingerprint";
constexpr store::RequestLogContexts kRequestLog = {kRequestsFingerprint, kRequestsResponse};

constexpr store::SealedColumn kSealedColumns[] = {
    {"verifications", "data", kVerificationsData},
    {"requests", "response", kRequestsResponse},
    {"verifications", "fingerprint", kVerificationsFingerprint},
    {"requests", "fingerprint", kRequestsFingerprint},
    {"population_rows", "name", kPopulationName},
    {"insurance_rows", "name", kInsuranceName},
    {"employment_rows", "name", kEmploymentName},
    {"business_rows", "name", kBusinessName},
};

// --- Statements. ---

constexpr std::string_view kStartLoadSql =
    "INSERT INTO snapshots (source, version, data_as_of, row_count, content_sha256, "
    "loaded_micros, state) VALUES (?1, '', '', 0, '', 0, 0)";
constexpr std::string_view kInsertPopulationSql =
    "INSERT INTO population_rows (snapshot_id, id_type, id_number, name, sex, birth_date, "
    "deceased, death_date, household_region_code) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";
constexpr std::string_view kInsertInsuranceSql =
    "INSERT INTO insurance_rows (snapshot_id, id_type, id_number, name, kind, employer_code, "
    "employer_name, start_date, end_date) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";
constexpr std::string_view kInsertEmploymentSql =
    "INSERT INTO employment_rows (snapshot_id, id_type, id_number, name, employer_code, "
    "employer_name, hired_on, terminated_on) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
constexpr std::string_view kInsertBusinessSql =
    "INSERT INTO business_rows (snapshot_id, id_type, id_number, name, role, business_code, "
    "business_name, licence, established_on, closed_on) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)";
constexpr std::string_view kLoadedVersionExistsSql =
    "SELECT 1 FROM snapshots WHERE source = ?1 AND version = ?2 AND state = 1";
constexpr std::string_view kLoadSourceSql =
    "SELECT source FROM snapshots WHERE snapshot_id = ?1 AND state = 0";
constexpr std::string_view kFinishLoadSql =
    "UPDATE snapshots SET version = ?2, data_as_of = ?3, row_count = ?4, content_sha256 = ?5, "
    "loaded_micros = ?6, state = 1 WHERE snapshot_id = ?1";
constexpr std::string_view kCurrentSnapshotIdSql =
    "SELECT snapshot_id FROM current_snapshots WHERE source = ?1";
constexpr std::string_view kSetCurrentSql =
    "INSERT INTO current_snapshots (source, snapshot_id) VALUES (?1, ?2) "
    "ON CONFLICT (source) DO UPDATE SET snapshot_id = excluded.snapshot_id";
constexpr std::string_view kDeleteLoadSql = "DELETE FROM snapshots WHERE snapshot_id = ?1";
constexpr std::string_view kDeletePopulationRowsSql =
    "DELETE FROM population_rows WHERE rowid IN "
    "(SELECT rowid FROM population_rows WHERE snapshot_id = ?1 LIMIT ?2)";
constexpr std::string_view kDeleteInsuranceRowsSql =
    "DELETE FROM insurance_rows WHERE rowid IN "
    "(SELECT rowid FROM insurance_rows WHERE snapshot_id = ?1 LIMIT ?2)";
constexpr std::string_view kDeleteEmploymentRowsSql =
    "DELETE FROM employment_rows WHERE rowid IN "
    "(SELECT rowid FROM employment_rows WHERE snapshot_id = ?1 LIMIT ?2)";
constexpr std::string_view kDeleteBusinessRowsSql =
    "DELETE FROM business_rows WHERE rowid IN "
    "(SELECT rowid FROM business_rows WHERE snapshot_id = ?1 LIMIT ?2)";
// Start-up clean-up after a crash: unfinished loads and rows no current snapshot refers to.
constexpr std::string_view kCleanUpSql = R"sql(
DELETE FROM snapshots WHERE state = 0;
DELETE FROM population_rows WHERE snapshot_id NOT IN (SELECT snapshot_id FROM current_snapshots);
DELETE FROM insurance_rows WHERE snapshot_id NOT IN (SELECT snapshot_id FROM current_snapshots);
DELETE FROM employment_rows WHERE snapshot_id NOT IN (SELECT snapshot_id FROM current_snapshots);
DELETE FROM business_rows WHERE snapshot_id NOT IN (SELECT snapshot_id FROM current_snapshots);
)sql";
constexpr std::string_view kCurrentSnapshotSql =
    "SELECT s.snapshot_id, s.source, s.version, s.data_as_of, s.row_count, s.content_sha256, "
    "s.loaded_micros, 1 FROM current_snapshots c JOIN snapshots s ON s.snapshot_id = c.snapshot_id "
    "WHERE c.source = ?1";
constexpr std::string_view kSnapshotByVersionSql =
    "SELECT s.snapshot_id, s.source, s.version, s.data_as_of, s.row_count, s.content_sha256, "
    "s.loaded_micros, c.snapshot_id IS NOT NULL FROM snapshots s "
    "LEFT JOIN current_snapshots c ON c.snapshot_id = s.snapshot_id "
    "WHERE s.source = ?1 AND s.version = ?2 AND s.state = 1";
// Newest load first; the position is the last (loaded_micros, snapshot_id) returned.
constexpr std::string_view kListSnapshotsSql =
    "SELECT s.snapshot_id, s.source, s.version, s.data_as_of, s.row_count, s.content_sha256, "
    "s.loaded_micros, c.snapshot_id IS NOT NULL FROM snapshots s "
    "LEFT JOIN current_snapshots c ON c.snapshot_id = s.snapshot_id "
    "WHERE s.state = 1 AND (?1 = 0 OR s.source = ?1) AND (?2 = 0 OR "
    "(s.loaded_micros, s.snapshot_id) < (SELECT loaded_micros, snapshot_id FROM snapshots "
    "WHERE snapshot_id = ?2)) ORDER BY s.loaded_micros DESC, s.snapshot_id DESC LIMIT ?3";
constexpr std::string_view kFindPopulationSql =
    "SELECT s.version, r.name, r.sex, r.birth_date, r.deceased, r.death_date, "
    "r.household_region_code FROM current_snapshots c "
    "JOIN snapshots s ON s.snapshot_id = c.snapshot_id "
    "LEFT JOIN population_rows r ON r.snapshot_id = c.snapshot_id AND r.id_type = ?2 "
    "AND r.id_number = ?3 WHERE c.source = ?1";
constexpr std::string_view kFindInsuranceSql =
    "SELECT s.version, r.name, r.kind, r.employer_code, r.employer_name, r.start_date, "
    "r.end_date FROM current_snapshots c JOIN snapshots s ON s.snapshot_id = c.snapshot_id "
    "LEFT JOIN insurance_rows r ON r.snapshot_id = c.snapshot_id AND r.id_type = ?2 "
    "AND r.id_number = ?3 WHERE c.source = ?1 ORDER BY r.start_date, r.rowid";
constexpr std::string_view kFindEmploymentSql =
    "SELECT s.version, r.name, r.employer_code, r.employer_name, r.hired_on, r.terminated_on "
    "FROM current_snapshots c JOIN snapshots s ON s.snapshot_id = c.snapshot_id "
    "LEFT JOIN employment_rows r ON r.snapshot_id = c.snapshot_id AND r.id_type = ?2 "
    "AND r.id_number = ?3 WHERE c.source = ?1 ORDER BY r.hired_on, r.rowid";
constexpr std::string_view kFindBusinessSql =
    "SELECT s.version, r.name, r.role, r.business_code, r.business_name, r.licence, "
    "r.established_on, r.closed_on FROM current_snapshots c "
    "JOIN snapshots s ON s.snapshot_id = c.snapshot_id "
    "LEFT JOIN business_rows r ON r.snapshot_id = c.snapshot_id AND r.id_type = ?2 "
    "AND r.id_number = ?3 WHERE c.source = ?1 ORDER BY r.established_on, r.rowid";
// The bulk comparison's reads (FindMany): the served snapshot once per batch, then the rows of each
// person by the person index alone (no join per person, names not read).
// Memory-mapped reads on the reader the comparison uses: the look-ups of a batch touch pages all
// over four large indexes and tables, and mapped pages are read without a system call and copy
// per page (SQLite caps the size at its compile-time limit; pages written to the WAL are still
// read from it).
constexpr std::string_view kComparisonMmapSql = "PRAGMA mmap_size = 2147418112";
constexpr std::string_view kBeginReadSql = "BEGIN DEFERRED";
constexpr std::string_view kEndReadSql = "COMMIT";
constexpr std::string_view kAbandonReadSql = "ROLLBACK";
constexpr std::string_view kServedSnapshotSql =
    "SELECT c.snapshot_id, s.version FROM current_snapshots c "
    "JOIN snapshots s ON s.snapshot_id = c.snapshot_id WHERE c.source = ?1";
constexpr std::string_view kPopulationOfSql =
    "SELECT sex, birth_date, deceased, death_date, household_region_code FROM population_rows "
    "WHERE snapshot_id = ?1 AND id_type = ?2 AND id_number = ?3";
constexpr std::string_view kInsuranceOfSql =
    "SELECT kind, employer_code, employer_name, start_date, end_date FROM insurance_rows "
    "WHERE snapshot_id = ?1 AND id_type = ?2 AND id_number = ?3 ORDER BY start_date, rowid";
constexpr std::string_view kEmploymentOfSql =
    "SELECT employer_code, employer_name, hired_on, terminated_on FROM employment_rows "
    "WHERE snapshot_id = ?1 AND id_type = ?2 AND id_number = ?3 ORDER BY hired_on, rowid";
constexpr std::string_view kBusinessOfSql =
    "SELECT role, business_code, business_name, licence, established_on, closed_on "
    "FROM business_rows WHERE snapshot_id = ?1 AND id_type = ?2 AND id_number = ?3 "
    "ORDER BY established_on, rowid";
constexpr std::string_view kVerificationByRequestSql =
    "SELECT fingerprint, data FROM verifications WHERE request_id = ?1";
constexpr std::string_view kVerificationByIdSql =
    "SELECT data FROM verifications WHERE verification_id = ?1";
constexpr std::string_view kInsertVerificationSql =
    "INSERT INTO verifications (verification_id, request_id, fingerprint, data) "
    "VALUES (?1, ?2, ?3, ?4)";
constexpr std::string_view kUpdateVerificationSql =
    "UPDATE verifications SET data = ?2 WHERE verification_id = ?1";
constexpr std::string_view kInvestigationKind = "field_investigation";

std::optional<std::string> OptionalDate(const std::optional<absl::CivilDay>& day) {
  if (!day.has_value()) return std::nullopt;
  return validation::FormatDate(*day);
}

// Dates in the row tables were validated at import; a failure here means a damaged file.
absl::StatusOr<absl::CivilDay> ColumnDate(const Statement& statement, int column) {
  std::string_view text = statement.ColumnText(column);
  absl::StatusOr<absl::CivilDay> day =
      validation::ParseDate(absl::string_view(text.data(), text.size()));
  if (!day.ok()) return absl::DataLossError("a stored snapshot date cannot be parsed");
  return *day;
}

absl::StatusOr<std::optional<absl::CivilDay>> ColumnOptionalDate(const Statement& statement,
                                                                 int column) {
  if (statement.ColumnIsNull(column)) return std::optional<absl::CivilDay>();
  ASSIGN_OR_RETURN(absl::CivilDay day, ColumnDate(statement, column));
  return std::optional<absl::CivilDay>(day);
}

google::protobuf::Timestamp TimestampFromMicros(int64_t micros) {
  google::protobuf::Timestamp timestamp;
  timestamp.set_seconds(micros / 1000000);
  timestamp.set_nanos(static_cast<int32_t>(micros % 1000000) * 1000);
  return timestamp;
}

int64_t MicrosOf(const google::protobuf::Timestamp& timestamp) {
  return timestamp.seconds() * 1000000 + timestamp.nanos() / 1000;
}

StoredSnapshot ReadSnapshotRow(const Statement& statement) {
  StoredSnapshot stored;
  stored.snapshot_id = statement.ColumnInt64(0);
  stored.info.set_source(static_cast<v1::Source>(statement.ColumnInt64(1)));
  stored.info.set_snapshot_version(statement.ColumnString(2));
  stored.info.set_data_as_of(statement.ColumnString(3));
  stored.info.set_row_count(statement.ColumnInt64(4));
  stored.info.set_content_sha256(statement.ColumnString(5));
  *stored.info.mutable_loaded_at() = TimestampFromMicros(statement.ColumnInt64(6));
  stored.info.set_current(statement.ColumnBool(7));
  return stored;
}

absl::Status RequestReused() {
  return status::WithErrorInfo(
      absl::AlreadyExistsError("the request_id was already used with different content"),
      "REQUEST_ID_REUSED");
}

absl::Status InsertRows(Database& db, int64_t load_id, const RowBatch& rows) {
  if (!rows.population.empty()) {
    ASSIGN_OR_RETURN(Statement insert, db.Prepare(kInsertPopulationSql));
    for (const PopulationRecord& r : rows.population) {
      RETURN_IF_ERROR(insert.BindAll(load_id, r.person.id_type,
                                     store::SearchHash(db, r.person.id_number), "", r.sex,
                                     validation::FormatDate(r.birth_date), r.deceased,
                                     OptionalDate(r.death_date), r.household_region_code));
      RETURN_IF_ERROR(store::BindSealed(db, insert, 4, kPopulationName, r.name));
      RETURN_IF_ERROR(insert.Run());
      insert.Reset();
    }
  }
  if (!rows.insurance.empty()) {
    ASSIGN_OR_RETURN(Statement insert, db.Prepare(kInsertInsuranceSql));
    for (const InsuranceRecord& r : rows.insurance) {
      RETURN_IF_ERROR(
          insert.BindAll(load_id, r.person.id_type, store::SearchHash(db, r.person.id_number),
                         "", static_cast<int>(r.kind), r.employer_code, r.employer_name,
                         validation::FormatDate(r.start_date), OptionalDate(r.end_date)));
      RETURN_IF_ERROR(store::BindSealed(db, insert, 4, kInsuranceName, r.name));
      RETURN_IF_ERROR(insert.Run());
      insert.Reset();
    }
  }
  if (!rows.employment.empty()) {
    ASSIGN_OR_RETURN(Statement insert, db.Prepare(kInsertEmploymentSql));
    for (const EmploymentRecord& r : rows.employment) {
      RETURN_IF_ERROR(
          insert.BindAll(load_id, r.person.id_type, store::SearchHash(db, r.person.id_number),
                         "", r.employer_code, r.employer_name,
                         validation::FormatDate(r.hired_on), OptionalDate(r.terminated_on)));
      RETURN_IF_ERROR(store::BindSealed(db, insert, 4, kEmploymentName, r.name));
      RETURN_IF_ERROR(insert.Run());
      insert.Reset();
    }
  }
  if (!rows.business.empty()) {
    ASSIGN_OR_RETURN(Statement insert, db.Prepare(kInsertBusinessSql));
    for (const BusinessRecord& r : rows.business) {
      RETURN_IF_ERROR(insert.BindAll(
          load_id, r.person.id_type, store::SearchHash(db, r.person.id_number), "",
          static_cast<int>(r.role), r.business_code, r.business_name, static_cast<int>(r.licence),
          validation::FormatDate(r.established_on), OptionalDate(r.closed_on)));
      RETURN_IF_ERROR(store::BindSealed(db, insert, 4, kBusinessName, r.name));
      RETURN_IF_ERROR(insert.Run());
      insert.Reset();
    }
  }
  return absl::OkStatus();
}

// Deletes at most `limit` rows of `snapshot_id` from the row tables; returns how many it deleted.
absl::StatusOr<int64_t> DeleteSomeRowsOf(Database& db, int64_t snapshot_id, int64_t limit) {
  int64_t deleted = 0;
  for (std::string_view sql : {kDeletePopulationRowsSql, kDeleteInsuranceRowsSql,
                               kDeleteEmploymentRowsSql, kDeleteBusinessRowsSql}) {
    if (deleted >= limit) break;
    ASSIGN_OR_RETURN(Statement statement, db.Prepare(sql));
    RETURN_IF_ERROR(statement.BindAll(snapshot_id, limit - deleted));
    RETURN_IF_ERROR(statement.Run());
    deleted += db.changes();
  }
  return deleted;
}

// Runs the lookup `sql` for `person` in `source` and turns each joined row into a record; the
// name (column 1) is sealed under `name_context`.
template <typename Record, typename ReadRecord>
absl::StatusOr<std::optional<SourceReading<Record>>> FindIn(Database& db, std::string_view sql,
                                                            v1::Source source,
                                                            std::string_view name_context,
                                                            const PersonKey& person,
                                                            ReadRecord read_record) {
  ASSIGN_OR_RETURN(Statement statement, db.Prepare(sql));
  RETURN_IF_ERROR(statement.BindAll(static_cast<int>(source), person.id_type,
                                    store::SearchHash(db, person.id_number)));
  std::optional<SourceReading<Record>> reading;
  while (true) {
    ASSIGN_OR_RETURN(bool row, statement.Step());
    if (!row) break;
    if (!reading.has_value()) {
      reading.emplace();
      reading->snapshot_version = statement.ColumnString(0);
    }
    if (statement.ColumnIsNull(1)) continue;  // snapshot loaded, nothing about the person
    Record record;
    record.person = person;
    ASSIGN_OR_RETURN(record.name, store::OpenColumn(db, statement, 1, name_context));
    RETURN_IF_ERROR(read_record(statement, record));
    reading->records.push_back(std::move(record));
  }
  return reading;
}

// A read transaction on a reader connection, so that a batch sees one state of the file;
// abandoned when not ended.
class ReadTransaction {
 public:
  static absl::StatusOr<ReadTransaction> Begin(Database& db) {
    RETURN_IF_ERROR(db.Execute(kBeginReadSql));
    return ReadTransaction(db);
  }
  ReadTransaction(ReadTransaction&& other) noexcept : db_(std::exchange(other.db_, nullptr)) {}
  ReadTransaction& operator=(ReadTransaction&&) = delete;
  ~ReadTransaction() {
    if (db_ != nullptr) db_->Execute(kAbandonReadSql).IgnoreError();
  }
  absl::Status End() { return std::exchange(db_, nullptr)->Execute(kEndReadSql); }

 private:
  explicit ReadTransaction(Database& db) : db_(&db) {}
  Database* db_;
};

// FindMany of one source: the served snapshot once, then every person's rows with `rows_sql`
// (bound to snapshot id, ID type, keyed hash of the ID number: `hashes`, one per person), the
// people taken in the order of the person index (ID type, hash) so that its pages are walked
// forward; `read_record` reads the columns after the name, which is left empty. The answers keep
// the order of `people`.
template <typename Record, typename ReadRecord>
absl::StatusOr<std::vector<std::optional<SourceReading<Record>>>> FindManyIn(
    Database& db, std::string_view rows_sql, v1::Source source, absl::Span<const PersonKey> people,
    std::vector<std::string> hashes, ReadRecord read_record) {
  std::vector<std::optional<SourceReading<Record>>> readings(people.size());
  if (people.empty()) return readings;
  RETURN_IF_ERROR(db.Execute(kComparisonMmapSql));
  ASSIGN_OR_RETURN(ReadTransaction transaction, ReadTransaction::Begin(db));
  {
    ASSIGN_OR_RETURN(Statement current, db.Prepare(kServedSnapshotSql));
    RETURN_IF_ERROR(current.BindAll(static_cast<int>(source)));
    ASSIGN_OR_RETURN(bool found, current.Step());
    if (!found) return readings;  // nothing loaded: every reading is nullopt
    const int64_t snapshot_id = current.ColumnInt64(0);
    const std::string version = current.ColumnString(1);

    struct Key {
      int id_type;
      std::string hash;
      size_t index;
    };
    std::vector<Key> keys;
    keys.reserve(people.size());
    for (size_t i = 0; i < people.size(); ++i) {
      keys.push_back(Key{people[i].id_type, std::move(hashes[i]), i});
    }
    std::sort(keys.begin(), keys.end(), [](const Key& a, const Key& b) {
      return std::tie(a.id_type, a.hash, a.index) < std::tie(b.id_type, b.hash, b.index);
    });
    ASSIGN_OR_RETURN(Statement rows, db.Prepare(rows_sql));
    for (const Key& key : keys) {
      SourceReading<Record>& reading = readings[key.index].emplace();
      reading.snapshot_version = version;
      rows.Reset();
      RETURN_IF_ERROR(rows.BindAll(snapshot_id, key.id_type, key.hash));
      while (true) {
        ASSIGN_OR_RETURN(bool row, rows.Step());
        if (!row) break;
        Record record;
        record.person = people[key.index];
        RETURN_IF_ERROR(read_record(rows, record));
        reading.records.push_back(std::move(record));
      }
    }
  }
  RETURN_IF_ERROR(transaction.End());
  return readings;
}

absl::Status ReadPopulationOf(const Statement& s, PopulationRecord& r) {
  r.sex = static_cast<int>(s.ColumnInt64(0));
  ASSIGN_OR_RETURN(r.birth_date, ColumnDate(s, 1));
  r.deceased = s.ColumnBool(2);
  ASSIGN_OR_RETURN(r.death_date, ColumnOptionalDate(s, 3));
  r.household_region_code = s.ColumnString(4);
  return absl::OkStatus();
}

absl::Status ReadInsuranceOf(const Statement& s, InsuranceRecord& r) {
  r.kind = static_cast<InsuranceRecord::Kind>(s.ColumnInt64(0));
  r.employer_code = s.ColumnString(1);
  r.employer_name = s.ColumnString(2);
  ASSIGN_OR_RETURN(r.start_date, ColumnDate(s, 3));
  ASSIGN_OR_RETURN(r.end_date, ColumnOptionalDate(s, 4));
  return absl::OkStatus();
}

absl::Status ReadEmploymentOf(const Statement& s, EmploymentRecord& r) {
  r.employer_code = s.ColumnString(0);
  r.employer_name = s.ColumnString(1);
  ASSIGN_OR_RETURN(r.hired_on, ColumnDate(s, 2));
  ASSIGN_OR_RETURN(r.terminated_on, ColumnOptionalDate(s, 3));
  return absl::OkStatus();
}

absl::Status ReadBusinessOf(const Statement& s, BusinessRecord& r) {
  r.role = static_cast<BusinessRecord::Role>(s.ColumnInt64(0));
  r.business_code = s.ColumnString(1);
  r.business_name = s.ColumnString(2);
  r.licence = static_cast<BusinessRecord::Licence>(s.ColumnInt64(3));
  ASSIGN_OR_RETURN(r.established_on, ColumnDate(s, 4));
  ASSIGN_OR_RETURN(r.closed_on, ColumnOptionalDate(s, 5));
  return absl::OkStatus();
}

}  // namespace

absl::Span<const store::Migration> VerificationMigrations() { return kMigrations; }
absl::Span<const store::SealedColumn> VerificationSealedColumns() { return kSealedColumns; }

// The keyed hashes of `people`'s ID numbers for a comparison batch, from the store's memo when the
// batch's other sources computed them already (the keyring is the same for every connection).
class ComparisonHashes {
 public:
  static std::vector<std::string> Of(SqliteVerificationStore& store, const Database& db,
                                     absl::Span<const PersonKey> people) {
    std::vector<std::string> hashes;
    hashes.reserve(people.size());
    absl::MutexLock lock(&store.comparison_hashes_mu_);
    auto& memo = store.comparison_hashes_;
    if (memo.size() + people.size() > kMaxEntries) memo.clear();
    for (const PersonKey& person : people) {
      auto [it, inserted] = memo.try_emplace(person.id_number);
      if (inserted) it->second = store::SearchHash(db, person.id_number);
      hashes.push_back(it->second);
    }
    return hashes;
  }

 private:
  static constexpr size_t kMaxEntries = 4096;
};

// --- The snapshot sources. ---

class SqliteVerificationStore::Population final : public PopulationSource {
 public:
  explicit Population(SqliteVerificationStore& store) : store_(store) {}
  absl::StatusOr<std::optional<SourceReading<PopulationRecord>>> Find(
      const PersonKey& person) override {
    using Result = absl::StatusOr<std::optional<SourceReading<PopulationRecord>>>;
    return store_.WithReader<Result>([&](Database& db) -> Result {
      return FindIn<PopulationRecord>(db, kFindPopulationSql, v1::SOURCE_POPULATION,
                                      kPopulationName, person,
                                      [](const Statement& s, PopulationRecord& r) -> absl::Status {
                                        r.sex = static_cast<int>(s.ColumnInt64(2));
                                        ASSIGN_OR_RETURN(r.birth_date, ColumnDate(s, 3));
                                        r.deceased = s.ColumnBool(4);
                                        ASSIGN_OR_RETURN(r.death_date, ColumnOptionalDate(s, 5));
                                        r.household_region_code = s.ColumnString(6);
                                        return absl::OkStatus();
                                      });
    });
  }

  absl::StatusOr<std::vector<std::optional<SourceReading<PopulationRecord>>>> FindMany(
      absl::Span<const PersonKey> people) override {
    using Result = absl::StatusOr<std::vector<std::optional<SourceReading<PopulationRecord>>>>;
    return store_.WithReader<Result>([&](Database& db) -> Result {
      return FindManyIn<PopulationRecord>(db, kPopulationOfSql, v1::SOURCE_POPULATION, people,
                                          ComparisonHashes::Of(store_, db, people),
                                          ReadPopulationOf);
    });
  }

 private:
  SqliteVerificationStore& store_;
};

class SqliteVerificationStore::Insurance final : public SocialInsuranceSource {
 public:
  explicit Insurance(SqliteVerificationStore& store) : store_(store) {}
  absl::StatusOr<std::optional<SourceReading<InsuranceRecord>>> Find(
      const PersonKey& person) override {
    using Result = absl::StatusOr<std::optional<SourceReading<InsuranceRecord>>>;
    return store_.WithReader<Result>([&](Database& db) -> Result {
      return FindIn<InsuranceRecord>(db, kFindInsuranceSql, v1::SOURCE_SOCIAL_INSURANCE,
                                     kInsuranceName, person,
                                     [](const Statement& s, InsuranceRecord& r) -> absl::Status {
                                       r.kind =
                                           static_cast<InsuranceRecord::Kind>(s.ColumnInt64(2));
                                       r.employer_code = s.ColumnString(3);
                                       r.employer_name = s.ColumnString(4);
                                       ASSIGN_OR_RETURN(r.start_date, ColumnDate(s, 5));
                                       ASSIGN_OR_RETURN(r.end_date, ColumnOptionalDate(s, 6));
                                       return absl::OkStatus();
                                     });
    });
  }

  absl::StatusOr<std::vector<std::optional<SourceReading<InsuranceRecord>>>> FindMany(
      absl::Span<const PersonKey> people) override {
    using Result = absl::StatusOr<std::vector<std::optional<SourceReading<InsuranceRecord>>>>;
    return store_.WithReader<Result>([&](Database& db) -> Result {
      return FindManyIn<InsuranceRecord>(db, kInsuranceOfSql, v1::SOURCE_SOCIAL_INSURANCE, people,
                                         ComparisonHashes::Of(store_, db, people), ReadInsuranceOf);
    });
  }

 private:
  SqliteVerificationStore& store_;
};

class SqliteVerificationStore::Employment final : public EmploymentFilingSource {
 public:
  explicit Employment(SqliteVerificationStore& store) : store_(store) {}
  absl::StatusOr<std::optional<SourceReading<EmploymentRecord>>> Find(
      const PersonKey& person) override {
    using Result = absl::StatusOr<std::optional<SourceReading<EmploymentRecord>>>;
    return store_.WithReader<Result>([&](Database& db) -> Result {
      return FindIn<EmploymentRecord>(db, kFindEmploymentSql, v1::SOURCE_EMPLOYMENT_FILING,
                                      kEmploymentName, person,
                                      [](const Statement& s, EmploymentRecord& r) -> absl::Status {
                                        r.employer_code = s.ColumnString(2);
                                        r.employer_name = s.ColumnString(3);
                                        ASSIGN_OR_RETURN(r.hired_on, ColumnDate(s, 4));
                                        ASSIGN_OR_RETURN(r.terminated_on, ColumnOptionalDate(s, 5));
                                        return absl::OkStatus();
                                      });
    });
  }

  absl::StatusOr<std::vector<std::optional<SourceReading<EmploymentRecord>>>> FindMany(
      absl::Span<const PersonKey> people) override {
    using Result = absl::StatusOr<std::vector<std::optional<SourceReading<EmploymentRecord>>>>;
    return store_.WithReader<Result>([&](Database& db) -> Result {
      return FindManyIn<EmploymentRecord>(db, kEmploymentOfSql, v1::SOURCE_EMPLOYMENT_FILING,
                                          people, ComparisonHashes::Of(store_, db, people),
                                          ReadEmploymentOf);
    });
  }

 private:
  SqliteVerificationStore& store_;
};

class SqliteVerificationStore::Business final : public BusinessRegistrationSource {
 public:
  explicit Business(SqliteVerificationStore& store) : store_(store) {}
  absl::StatusOr<std::optional<SourceReading<BusinessRecord>>> Find(
      const PersonKey& person) override {
    using Result = absl::StatusOr<std::optional<SourceReading<BusinessRecord>>>;
    return store_.WithReader<Result>([&](Database& db) -> Result {
      return FindIn<BusinessRecord>(db, kFindBusinessSql, v1::SOURCE_BUSINESS_REGISTRATION,
                                    kBusinessName, person,
                                    [](const Statement& s, BusinessRecord& r) -> absl::Status {
                                      r.role = static_cast<BusinessRecord::Role>(s.ColumnInt64(2));
                                      r.business_code = s.ColumnString(3);
                                      r.business_name = s.ColumnString(4);
                                      r.licence =
                                          static_cast<BusinessRecord::Licence>(s.ColumnInt64(5));
                                      ASSIGN_OR_RETURN(r.established_on, ColumnDate(s, 6));
                                      ASSIGN_OR_RETURN(r.closed_on, ColumnOptionalDate(s, 7));
                                      return absl::OkStatus();
                                    });
    });
  }

  absl::StatusOr<std::vector<std::optional<SourceReading<BusinessRecord>>>> FindMany(
      absl::Span<const PersonKey> people) override {
    using Result = absl::StatusOr<std::vector<std::optional<SourceReading<BusinessRecord>>>>;
    return store_.WithReader<Result>([&](Database& db) -> Result {
      return FindManyIn<BusinessRecord>(db, kBusinessOfSql, v1::SOURCE_BUSINESS_REGISTRATION,
                                        people, ComparisonHashes::Of(store_, db, people),
                                        ReadBusinessOf);
    });
  }

 private:
  SqliteVerificationStore& store_;
};

// --- Construction. ---

absl::StatusOr<std::unique_ptr<SqliteVerificationStore>> SqliteVerificationStore::Create(
    std::unique_ptr<Database> writer, Options options) {
  if (writer == nullptr) return absl::InvalidArgumentError("no database");
  if (writer->path() == ":memory:") {
    return absl::InvalidArgumentError("the verification store needs a database file");
  }
  RETURN_IF_ERROR(writer->InTransaction([&] { return writer->Execute(kCleanUpSql); }));
  store::WriterStoreOptions store_options;
  store_options.reader_count = options.reader_count;
  store_options.name = "verification store";
  ASSIGN_OR_RETURN(std::unique_ptr<store::WriterStore> base,
                   store::WriterStore::Create(std::move(writer), store_options));
  return std::unique_ptr<SqliteVerificationStore>(new SqliteVerificationStore(
      std::move(base), std::max<int64_t>(1, options.delete_chunk_rows)));
}

absl::StatusOr<std::unique_ptr<SqliteVerificationStore>> SqliteVerificationStore::Open(
    const std::string& path, Options options) {
  ASSIGN_OR_RETURN(std::unique_ptr<Database> writer,
                   store::WriterStore::OpenMigrated(path, kMigrations));
  return Create(std::move(writer), std::move(options));
}

SqliteVerificationStore::SqliteVerificationStore(std::unique_ptr<store::WriterStore> base,
                                                 int64_t delete_chunk_rows)
    : base_(std::move(base)),
      delete_chunk_rows_(delete_chunk_rows),
      population_(std::make_unique<Population>(*this)),
      insurance_(std::make_unique<Insurance>(*this)),
      employment_(std::make_unique<Employment>(*this)),
      business_(std::make_unique<Business>(*this)) {}

SqliteVerificationStore::~SqliteVerificationStore() { Shutdown(); }

void SqliteVerificationStore::Shutdown() { base_->Shutdown(); }

ReferenceSources SqliteVerificationStore::Sources() {
  return ReferenceSources{population_.get(), insurance_.get(), employment_.get(), business_.get()};
}

// --- Snapshots. ---

void SqliteVerificationStore::StartLoad(v1::Source source, DoneWith<int64_t> done) {
  auto load_id = std::make_shared<int64_t>(0);
  base_->Submit(
      [source, load_id](Database& db) -> absl::Status {
        ASSIGN_OR_RETURN(Statement insert, db.Prepare(kStartLoadSql));
        RETURN_IF_ERROR(insert.BindAll(static_cast<int>(source)));
        RETURN_IF_ERROR(insert.Run());
        *load_id = db.last_insert_rowid();
        return absl::OkStatus();
      },
      [load_id, done = std::move(done)](absl::Status status) {
        if (!status.ok()) return done(status);
        done(*load_id);
      });
}

void SqliteVerificationStore::AppendRows(int64_t load_id, RowBatch rows, Done done) {
  auto shared = std::make_shared<RowBatch>(std::move(rows));
  base_->Submit([load_id, shared](Database& db) { return InsertRows(db, load_id, *shared); },
                     std::move(done));
}

void SqliteVerificationStore::CommitLoad(int64_t load_id, v1::SnapshotInfo info,
                                         DoneWith<v1::SnapshotInfo> done) {
  auto previous = std::make_shared<int64_t>(0);
  auto committed = std::make_shared<v1::SnapshotInfo>(std::move(info));
  committed->set_current(true);
  base_->Submit(
      [load_id, previous, committed](Database& db) -> absl::Status {
        ASSIGN_OR_RETURN(Statement source_of, db.Prepare(kLoadSourceSql));
        RETURN_IF_ERROR(source_of.BindAll(load_id));
        ASSIGN_OR_RETURN(bool loading, source_of.Step());
        if (!loading || source_of.ColumnInt64(0) != committed->source()) {
          return absl::FailedPreconditionError("the load is not in progress");
        }
        ASSIGN_OR_RETURN(Statement exists, db.Prepare(kLoadedVersionExistsSql));
        RETURN_IF_ERROR(
            exists.BindAll(static_cast<int>(committed->source()), committed->snapshot_version()));
        ASSIGN_OR_RETURN(bool taken, exists.Step());
        if (taken) {
          return status::WithErrorInfo(
              absl::AlreadyExistsError("the source already has a snapshot with this version"),
              "SNAPSHOT_VERSION_EXISTS");
        }
        ASSIGN_OR_RETURN(Statement finish, db.Prepare(kFinishLoadSql));
        RETURN_IF_ERROR(finish.BindAll(
            load_id, committed->snapshot_version(), committed->data_as_of(), committed->row_count(),
            committed->content_sha256(), MicrosOf(committed->loaded_at())));
        RETURN_IF_ERROR(finish.Run());
        ASSIGN_OR_RETURN(Statement current, db.Prepare(kCurrentSnapshotIdSql));
        RETURN_IF_ERROR(current.BindAll(static_cast<int>(committed->source())));
        ASSIGN_OR_RETURN(bool had_current, current.Step());
        if (had_current) *previous = current.ColumnInt64(0);
        ASSIGN_OR_RETURN(Statement set_current, db.Prepare(kSetCurrentSql));
        RETURN_IF_ERROR(set_current.BindAll(static_cast<int>(committed->source()), load_id));
        return set_current.Run();
      },
      [this, previous, committed, done = std::move(done)](absl::Status status) {
        if (!status.ok()) return done(status);
        // The previous snapshot's rows are no longer read; drop them in later transactions (a
        // crash meanwhile leaves them to the start-up clean-up).
        if (*previous != 0) PurgeRows(*previous, [](absl::Status) {});
        done(*committed);
      });
}

void SqliteVerificationStore::PurgeRows(int64_t snapshot_id, Done done) {
  auto deleted = std::make_shared<int64_t>(0);
  base_->Submit(
      [snapshot_id, deleted, limit = delete_chunk_rows_](Database& db) -> absl::Status {
        ASSIGN_OR_RETURN(*deleted, DeleteSomeRowsOf(db, snapshot_id, limit));
        return absl::OkStatus();
      },
      [this, snapshot_id, deleted, done = std::move(done)](absl::Status status) {
        if (!status.ok() || *deleted < delete_chunk_rows_) return done(status);
        PurgeRows(snapshot_id, done);
      });
}

void SqliteVerificationStore::AbandonLoad(int64_t load_id, Done done) {
  PurgeRows(load_id, [this, load_id, done = std::move(done)](absl::Status purged) {
    if (!purged.ok()) return done(purged);
    base_->Submit(
        [load_id](Database& db) -> absl::Status {
          ASSIGN_OR_RETURN(Statement remove, db.Prepare(kDeleteLoadSql));
          RETURN_IF_ERROR(remove.BindAll(load_id));
          return remove.Run();
        },
        done);
  });
}

absl::StatusOr<std::optional<StoredSnapshot>> SqliteVerificationStore::GetSnapshot(
    v1::Source source, const std::string& version) {
  using Result = absl::StatusOr<std::optional<StoredSnapshot>>;
  return WithReader<Result>([&](Database& db) -> Result {
    ASSIGN_OR_RETURN(Statement statement,
                     db.Prepare(version.empty() ? kCurrentSnapshotSql : kSnapshotByVersionSql));
    if (version.empty()) {
      RETURN_IF_ERROR(statement.BindAll(static_cast<int>(source)));
    } else {
      RETURN_IF_ERROR(statement.BindAll(static_cast<int>(source), version));
    }
    ASSIGN_OR_RETURN(bool row, statement.Step());
    if (!row) return std::optional<StoredSnapshot>();
    return std::optional<StoredSnapshot>(ReadSnapshotRow(statement));
  });
}

absl::StatusOr<SnapshotPage> SqliteVerificationStore::ListSnapshots(v1::Source source,
                                                                    int64_t after_id, int limit) {
  using Result = absl::StatusOr<SnapshotPage>;
  return WithReader<Result>([&](Database& db) -> Result {
    ASSIGN_OR_RETURN(Statement statement, db.Prepare(kListSnapshotsSql));
    RETURN_IF_ERROR(statement.BindAll(static_cast<int>(source), after_id, limit + 1));
    SnapshotPage page;
    while (true) {
      ASSIGN_OR_RETURN(bool row, statement.Step());
      if (!row) break;
      if (static_cast<int>(page.snapshots.size()) == limit) {
        page.more = true;
        break;
      }
      page.snapshots.push_back(ReadSnapshotRow(statement));
    }
    return page;
  });
}

// --- Verification results. ---

void SqliteVerificationStore::SaveVerification(const std::string& request_id,
                                               const std::string& fingerprint,
                                               v1::VerificationResult result,
                                               DoneWith<v1::VerificationResult> done) {
  auto stored = std::make_shared<v1::VerificationResult>(std::move(result));
  base_->Submit(
      [request_id, fingerprint, stored](Database& db) -> absl::Status {
        if (!request_id.empty()) {
          ASSIGN_OR_RETURN(Statement find, db.Prepare(kVerificationByRequestSql));
          RETURN_IF_ERROR(find.BindAll(request_id));
          ASSIGN_OR_RETURN(bool found, find.Step());
          if (found) {
            ASSIGN_OR_RETURN(std::string stored_fingerprint,
                             store::OpenColumn(db, find, 0, kVerificationsFingerprint));
            if (!store::SameFingerprint(stored_fingerprint, fingerprint)) return RequestReused();
            ASSIGN_OR_RETURN(*stored, store::OpenMessage<v1::VerificationResult>(
                                          db, find, 1, kVerificationsData));
            return absl::OkStatus();
          }
        }
        ASSIGN_OR_RETURN(int64_t number, store::NextNumber(db, "verification"));
        stored->set_verification_id(absl::StrFormat("vrf-%010d", number));

        ASSIGN_OR_RETURN(Statement insert, db.Prepare(kInsertVerificationSql));
        RETURN_IF_ERROR(insert.BindAll(stored->verification_id(),
                                       request_id.empty()
                                           ? std::optional<std::string>()
                                           : std::optional<std::string>(request_id)));
        RETURN_IF_ERROR(store::BindSealed(db, insert, 3, kVerificationsFingerprint, fingerprint));
        RETURN_IF_ERROR(store::BindSealedMessage(db, insert, 4, kVerificationsData, *stored));
        return insert.Run();
      },
      [stored, done = std::move(done)](absl::Status status) {
        if (!status.ok()) return done(status);
        done(*stored);
      });
}

absl::StatusOr<std::optional<v1::VerificationResult>> SqliteVerificationStore::GetVerification(
    const std::string& verification_id) {
  using Result = absl::StatusOr<std::optional<v1::VerificationResult>>;
  return WithReader<Result>([&](Database& db) -> Result {
    ASSIGN_OR_RETURN(Statement statement, db.Prepare(kVerificationByIdSql));
    RETURN_IF_ERROR(statement.BindAll(verification_id));
    ASSIGN_OR_RETURN(bool row, statement.Step());
    if (!row) return std::optional<v1::VerificationResult>();
    ASSIGN_OR_RETURN(v1::VerificationResult result, store::OpenMessage<v1::VerificationResult>(
                                                        db, statement, 0, kVerificationsData));
    return std::optional<v1::VerificationResult>(std::move(result));
  });
}

void SqliteVerificationStore::ChangeVerification(const std::string& request_id,
                                                 const std::string& fingerprint,
                                                 const std::string& verification_id, Change change,
                                                 DoneWith<v1::VerificationResult> done) {
  auto changed = std::make_shared<v1::VerificationResult>();
  base_->Submit(
      [request_id, fingerprint, verification_id, change = std::move(change),
       changed](Database& db) -> absl::Status {
        ASSIGN_OR_RETURN(std::optional<store::StoredRequest> previous,
                         store::FindRequest(db, kRequestLog, kInvestigationKind, request_id));
        ASSIGN_OR_RETURN(std::optional<v1::VerificationResult> replayed,
                         store::Replay<v1::VerificationResult>(previous, fingerprint,
                                                               [] { return RequestReused(); }));
        if (replayed.has_value()) {
          *changed = *std::move(replayed);
          return absl::OkStatus();
        }
        ASSIGN_OR_RETURN(Statement find, db.Prepare(kVerificationByIdSql));
        RETURN_IF_ERROR(find.BindAll(verification_id));
        ASSIGN_OR_RETURN(bool found, find.Step());
        if (!found) {
          return status::WithErrorInfo(absl::NotFoundError("no verification has this id"),
                                       "VERIFICATION_NOT_FOUND");
        }
        ASSIGN_OR_RETURN(v1::VerificationResult current, store::OpenMessage<v1::VerificationResult>(
                                                             db, find, 0, kVerificationsData));
        ASSIGN_OR_RETURN(*changed, change(std::move(current)));

        ASSIGN_OR_RETURN(Statement update, db.Prepare(kUpdateVerificationSql));
        RETURN_IF_ERROR(update.BindAll(verification_id));
        RETURN_IF_ERROR(store::BindSealedMessage(db, update, 2, kVerificationsData, *changed));
        RETURN_IF_ERROR(update.Run());
        return store::PutRequest(db, kRequestLog, kInvestigationKind, request_id,
                                 store::MakeStoredRequest(fingerprint, *changed));
      },
      [changed, done = std::move(done)](absl::Status status) {
        if (!status.ok()) return done(status);
        done(*changed);
      });
}

}  // namespace unemployment::verification
