#include "services/tiering/sqlite_tiering_store.h"

#include <algorithm>
#include <optional>
#include <tuple>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status/macros.h"
#include "common/store/sealed.h"
#include "common/store/event_log.h"
#include "common/store/sealed_message.h"
#include "common/store/statement.h"
#include "common/store/transaction.h"
#include "common/time/date.h"
#include "google/protobuf/util/time_util.h"

namespace unemployment::tiering {
namespace {

using google::protobuf::util::TimeUtil;
using store::Database;
using store::Statement;

// --- Schema. A released migration is never edited; changes are new migrations. ---

constexpr std::string_view kSchemaV1 = R"sql(
CREATE TABLE feed_cursors (
  feed TEXT PRIMARY KEY,
  sequence INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE counters (
  series TEXT PRIMARY KEY,
  value INTEGER NOT NULL
) WITHOUT ROWID;

-- One row per registration learnt from the feed; data is a tiering.v1.Profile.
CREATE TABLE profiles (
  registration_id TEXT PRIMARY KEY,
  office_region_code TEXT NOT NULL,
  registered_date TEXT NOT NULL,
  end_date TEXT NOT NULL,
  difficulty_approved_on TEXT NOT NULL,
  data BLOB NOT NULL
);
CREATE INDEX profiles_by_office ON profiles (office_region_code, registered_date, registration_id);
CREATE INDEX profiles_by_date ON profiles (registered_date, registration_id);

-- data is a tiering.v1.ServiceDelivery.
CREATE TABLE deliveries (
  delivery_id TEXT PRIMARY KEY,
  registration_id TEXT NOT NULL,
  type INTEGER NOT NULL,
  delivered_on TEXT NOT NULL,
  recorded_micros INTEGER NOT NULL,
  data BLOB NOT NULL
);
CREATE INDEX deliveries_by_registration
  ON deliveries (registration_id, delivered_on, recorded_micros, delivery_id);

-- data is a tiering.v1.DifficultyIdentification; state 3 = PENDING_DECISION.
CREATE TABLE identifications (
  identification_id TEXT PRIMARY KEY,
  registration_id TEXT NOT NULL,
  state INTEGER NOT NULL,
  data BLOB NOT NULL
);
CREATE INDEX identifications_pending ON identifications (registration_id) WHERE state = 3;

-- data is a tiering.v1.Catalog.
CREATE TABLE catalogs (
  region_code TEXT NOT NULL,
  kind INTEGER NOT NULL,
  version INTEGER NOT NULL,
  data BLOB NOT NULL,
  PRIMARY KEY (region_code, kind, version)
) WITHOUT ROWID;

CREATE TABLE requests (
  kind TEXT NOT NULL,
  request_id TEXT NOT NULL,
  fingerprint BLOB NOT NULL,
  response BLOB NOT NULL,
  PRIMARY KEY (kind, request_id)
) WITHOUT ROWID;

-- This service's own feed (TieringService.StreamEvents); data is a tiering.v1.TieringEvent
-- without its sequence. AUTOINCREMENT never reuses a committed sequence.
CREATE TABLE events (
  sequence INTEGER PRIMARY KEY AUTOINCREMENT,
  occurred_micros INTEGER NOT NULL,
  data BLOB NOT NULL
);
)sql";

// The plan pass (ScanPlanInputs) reads each registration's deliveries by (registration_id,
// delivered_on, recorded_micros, delivery_id) and needs their type: with the type in the index the
// join never visits the deliveries table. It replaces deliveries_by_registration (same prefix).
constexpr std::string_view kSchemaV2 = R"sql(
CREATE INDEX deliveries_for_plans
  ON deliveries (registration_id, delivered_on, recorded_micros, delivery_id, type);
DROP INDEX deliveries_by_registration;
)sql";

// One cursor per registration shard ("registration/<shard_id>"). The single cursor of a
// one-shard deployment ("registration") becomes the default shard's, so an upgrade neither
// repeats nor loses events.
constexpr std::string_view kSchemaV3 = R"sql(
UPDATE feed_cursors SET feed = 'registration/hlj' WHERE feed = 'registration'
  AND NOT EXISTS (SELECT 1 FROM feed_cursors WHERE feed = 'registration/hlj');
)sql";

// Personal data at rest (issue 9): profiles carry the person's ID number, so they and every
// record, response and event derived from them are sealed. Catalogs (agencies) are not personal.
constexpr std::string_view kSchemaV4 = R"sql(
UPDATE profiles SET data = ue_seal('tiering/profiles.data', data);
UPDATE deliveries SET data = ue_seal('tiering/deliveries.data', data);
UPDATE identifications SET data = ue_seal('tiering/identifications.data', data);
UPDATE requests SET response = ue_seal('tiering/requests.response', response),
  fingerprint = ue_seal('tiering/requests.fingerprint', fingerprint);
UPDATE events SET data = ue_seal('tiering/events.data', data);
)sql";

// Amendments (AmendServiceDelivery): a delivery withdrawn as recorded in error stays in the table
// (its amendments are in data) but no longer counts in plans. The plan pass filters on the flag,
// so deliveries_for_plans carries it and stays covering.
constexpr std::string_view kSchemaV5 = R"sql(
ALTER TABLE deliveries ADD COLUMN withdrawn INTEGER NOT NULL DEFAULT 0;
DROP INDEX deliveries_for_plans;
CREATE INDEX deliveries_for_plans
  ON deliveries (registration_id, delivered_on, recorded_micros, delivery_id, type, withdrawn);
)sql";

constexpr store::Migration kMigrations[] = {
    {1, "tiering_schema", kSchemaV1},
    {2, "deliveries_for_plans", kSchemaV2},
    {3, "cursor_per_registration_shard", kSchemaV3},
    {4, "personal_data_at_rest", kSchemaV4},
    {5, "delivery_amendments", kSchemaV5},
};

constexpr std::string_view kProfilesData = "tiering/profiles.data";
constexpr std::string_view kDeliveriesData = "tiering/deliveries.data";
constexpr std::string_view kIdentificationsData = "tiering/identifications.data";
constexpr std::string_view kRequestsResponse = "tiering/requests.response";
constexpr std::string_view kRequestsFingerprint = "tiering/requests.fingerprint";
constexpr std::string_view kEventsData = "tiering/events.data";
constexpr store::RequestLogContexts kRequestLog = {kRequestsFingerprint, kRequestsResponse};

constexpr store::SealedColumn kSealedColumns[] = {
    {"profiles", "data", kProfilesData},
    {"deliveries", "data", kDeliveriesData},
    {"identifications", "data", kIdentificationsData},
    {"requests", "response", kRequestsResponse},
    {"requests", "fingerprint", kRequestsFingerprint},
    {"events", "data", kEventsData},
};

// --- Statements. ---

constexpr std::string_view kProfileSql =
    "SELECT data, difficulty_approved_on FROM profiles WHERE registration_id = ?1";
constexpr std::string_view kPutProfileSql =
    "INSERT INTO profiles (registration_id, office_region_code, registered_date, end_date, "
    "difficulty_approved_on, data) VALUES (?1, ?2, ?3, ?4, ?5, ?6) "
    "ON CONFLICT (registration_id) DO UPDATE SET office_region_code = excluded.office_region_code, "
    "registered_date = excluded.registered_date, end_date = excluded.end_date, "
    "difficulty_approved_on = excluded.difficulty_approved_on, data = excluded.data";
// ?1 region prefix, ?2 as_of, ?3/?4 position ('' and '': from the start), ?5 limit. The position
// is always bound (never "?3 IS NULL OR ..."), so SQLite can seek the (registered_date,
// registration_id) index to it instead of re-walking it from the start for every page.
constexpr std::string_view kActiveProfilesSql =
    "SELECT data, difficulty_approved_on FROM profiles "
    "WHERE substr(office_region_code, 1, length(?1)) = ?1 AND registered_date <= ?2 "
    "AND (end_date = '' OR end_date > ?2) "
    "AND (registered_date, registration_id) > (?3, ?4) "
    "ORDER BY registered_date, registration_id LIMIT ?5";
// ?1 region prefix, ?2 first, ?3 last, ?4/?5 position ('' and '': from the start), ?6 limit.
constexpr std::string_view kProfilesBetweenSql =
    "SELECT data, difficulty_approved_on FROM profiles "
    "WHERE substr(office_region_code, 1, length(?1)) = ?1 AND registered_date <= ?3 "
    "AND (end_date = '' OR end_date > ?2) "
    "AND (registered_date, registration_id) > (?4, ?5) "
    "ORDER BY registered_date, registration_id LIMIT ?6";
// ?1 region prefix, ?2 first, ?3 last, ?4/?5 position. The profiles of kProfilesBetweenSql, each
// followed by its deliveries (none: one row of NULLs). The outer loop walks profiles_by_date and
// the inner one the covering index deliveries_for_plans, so the ORDER BY needs no sort and rows
// stream as they are read. The order of one registration's deliveries is not left to the query
// plan: ScanPlanInputs sorts them (a few rows) by (delivered_on, recorded_micros, delivery_id).
constexpr std::string_view kPlanInputsSql =
    "SELECT p.registration_id, p.data, p.difficulty_approved_on, d.type, d.delivered_on, "
    "d.delivery_id, d.recorded_micros FROM profiles AS p LEFT JOIN deliveries AS d "
    "ON d.registration_id = p.registration_id AND d.withdrawn = 0 "
    "WHERE substr(p.office_region_code, 1, length(?1)) = ?1 AND p.registered_date <= ?3 "
    "AND (p.end_date = '' OR p.end_date > ?2) "
    "AND (p.registered_date, p.registration_id) > (?4, ?5) "
    "ORDER BY p.registered_date, p.registration_id";
// ScanPlanInputsAnyOrder over a whole province: the registrations of kProfilesBetweenSql in
// registration id order (a walk of the primary key), merged with every delivery in (registration
// id, ListDeliveries' order) read from the covering index deliveries_for_plans: two sequential
// reads, no seek per registration, no sort. ?1 region prefix, ?2 first, ?3 last.
constexpr std::string_view kProfilesByIdSql =
    "SELECT registration_id, data, difficulty_approved_on FROM profiles "
    "WHERE substr(office_region_code, 1, length(?1)) = ?1 AND registered_date <= ?3 "
    "AND (end_date = '' OR end_date > ?2) ORDER BY registration_id";
constexpr std::string_view kAllDeliveriesSql =
    "SELECT registration_id, type, delivered_on, delivery_id FROM deliveries WHERE withdrawn = 0 "
    "ORDER BY registration_id, delivered_on, recorded_micros, delivery_id";
// A region prefix this long or shorter (a province) is read by the merge above.
constexpr size_t kMergePrefixLength = 2;
constexpr std::string_view kInsertDeliverySql =
    "INSERT INTO deliveries (delivery_id, registration_id, type, delivered_on, recorded_micros, "
    "data) VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
constexpr std::string_view kDeliverySql = "SELECT data FROM deliveries WHERE delivery_id = ?1";
// The amended values; recorded_micros (the listing's tie order) and registration_id never change.
constexpr std::string_view kUpdateDeliverySql =
    "UPDATE deliveries SET type = ?2, delivered_on = ?3, withdrawn = ?4, data = ?5 "
    "WHERE delivery_id = ?1";
// ?1 registration, ?2 type (0 = all), ?3/?4/?5 position (NULL: from the start), ?6 limit.
constexpr std::string_view kDeliveriesSql =
    "SELECT data FROM deliveries WHERE registration_id = ?1 AND (?2 = 0 OR type = ?2) "
    "AND (?3 IS NULL OR (delivered_on, recorded_micros, delivery_id) > (?3, ?4, ?5)) "
    "ORDER BY delivered_on, recorded_micros, delivery_id LIMIT ?6";
constexpr std::string_view kIdentificationSql =
    "SELECT data FROM identifications WHERE identification_id = ?1";
constexpr std::string_view kPutIdentificationSql =
    "INSERT INTO identifications (identification_id, registration_id, state, data) "
    "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (identification_id) DO UPDATE SET "
    "state = excluded.state, data = excluded.data";
constexpr std::string_view kPendingIdentificationSql =
    "SELECT 1 FROM identifications WHERE registration_id = ?1 AND state = 3 LIMIT 1";
constexpr std::string_view kCatalogVersionSql =
    "SELECT data FROM catalogs WHERE region_code = ?1 AND kind = ?2 AND version = ?3";
constexpr std::string_view kLatestCatalogSql =
    "SELECT data FROM catalogs WHERE region_code = ?1 AND kind = ?2 ORDER BY version DESC LIMIT 1";
constexpr std::string_view kInsertCatalogSql =
    "INSERT INTO catalogs (region_code, kind, version, data) VALUES (?1, ?2, ?3, ?4)";

// absl::string_view is not std::string_view in this Abseil; Statement binds the latter.
std::string_view Sv(absl::string_view text) { return std::string_view(text.data(), text.size()); }

template <typename Message>
absl::StatusOr<Message> ParseBlob(std::string_view bytes, absl::string_view what) {
  Message message;
  if (!message.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return absl::DataLossError(absl::StrCat("stored ", what, " does not parse"));
  }
  return message;
}

// A DeliveryRef from the columns type, delivered_on, delivery_id from `column` on.
absl::StatusOr<DeliveryRef> ReadDeliveryRef(const Statement& statement, int column) {
  DeliveryRef delivery;
  delivery.type = static_cast<v1::ServiceType>(statement.ColumnInt64(column));
  const std::string_view day_text = statement.ColumnText(column + 1);
  absl::StatusOr<absl::CivilDay> day =
      time::ParseDate(absl::string_view(day_text.data(), day_text.size()));
  if (!day.ok()) return absl::DataLossError("stored delivery date does not parse");
  delivery.delivered_on = *day;
  delivery.delivery_id = statement.ColumnString(column + 2);
  return delivery;
}

absl::StatusOr<ProfileRecord> ReadProfile(const Database& db, const Statement& statement) {
  ProfileRecord record;
  ASSIGN_OR_RETURN(record.profile,
                   store::OpenMessage<v1::Profile>(db, statement, 0, kProfilesData));
  record.difficulty_approved_on = statement.ColumnString(1);
  return record;
}

absl::StatusOr<std::vector<ProfileRecord>> ReadProfiles(const Database& db, Statement& statement) {
  std::vector<ProfileRecord> out;
  while (true) {
    ASSIGN_OR_RETURN(bool row, statement.Step());
    if (!row) break;
    ASSIGN_OR_RETURN(ProfileRecord record, ReadProfile(db, statement));
    out.push_back(std::move(record));
  }
  return out;
}

}  // namespace

absl::Span<const store::Migration> TieringMigrations() { return kMigrations; }
absl::Span<const store::SealedColumn> TieringSealedColumns() { return kSealedColumns; }

class SqliteTieringStore::Tx final : public TieringTx {
 public:
  explicit Tx(Database& db) : db_(db), events_(db, kEventsData) {}

  absl::StatusOr<int64_t> FeedCursor(absl::string_view feed) override {
    return store::FeedCursor(db_, Sv(feed));
  }

  absl::Status SetFeedCursor(absl::string_view feed, int64_t sequence) override {
    return store::SetFeedCursor(db_, Sv(feed), sequence);
  }

  absl::StatusOr<std::optional<ProfileRecord>> GetProfile(
      const std::string& registration_id) override {
    ASSIGN_OR_RETURN(Statement statement, db_.Prepare(kProfileSql));
    RETURN_IF_ERROR(statement.BindAll(registration_id));
    ASSIGN_OR_RETURN(bool row, statement.Step());
    if (!row) return std::optional<ProfileRecord>();
    ASSIGN_OR_RETURN(ProfileRecord record, ReadProfile(db_, statement));
    return std::optional<ProfileRecord>(std::move(record));
  }

  absl::Status PutProfile(const ProfileRecord& record) override {
    const v1::Profile& p = record.profile;
    ASSIGN_OR_RETURN(Statement statement, db_.Prepare(kPutProfileSql));
    RETURN_IF_ERROR(statement.BindAll(p.registration_id(), p.office_region_code(),
                                      p.registered_date(), p.end_date(),
                                      record.difficulty_approved_on));
    RETURN_IF_ERROR(store::BindSealedMessage(db_, statement, 6, kProfilesData, p));
    return statement.Run();
  }

  absl::StatusOr<std::vector<ProfileRecord>> ListActiveProfiles(
      absl::string_view region_prefix, absl::string_view as_of,
      const std::optional<ProfilePosition>& after, int limit) override {
    ASSIGN_OR_RETURN(Statement statement, db_.Prepare(kActiveProfilesSql));
    RETURN_IF_ERROR(statement.BindAll(Sv(region_prefix), Sv(as_of)));
    // The empty string sorts before every date and id: the first page.
    RETURN_IF_ERROR(statement.BindText(3, after.has_value() ? after->registered_date : ""));
    RETURN_IF_ERROR(statement.BindText(4, after.has_value() ? after->registration_id : ""));
    RETURN_IF_ERROR(statement.BindInt64(5, limit));
    return ReadProfiles(db_, statement);
  }

  absl::StatusOr<std::vector<ProfileRecord>> ListProfilesActiveBetween(
      absl::string_view region_prefix, absl::string_view first, absl::string_view last,
      const std::optional<ProfilePosition>& after, int limit) override {
    ASSIGN_OR_RETURN(Statement statement, db_.Prepare(kProfilesBetweenSql));
    RETURN_IF_ERROR(statement.BindAll(Sv(region_prefix), Sv(first), Sv(last)));
    RETURN_IF_ERROR(statement.BindText(4, after.has_value() ? after->registered_date : ""));
    RETURN_IF_ERROR(statement.BindText(5, after.has_value() ? after->registration_id : ""));
    RETURN_IF_ERROR(statement.BindInt64(6, limit));
    return ReadProfiles(db_, statement);
  }

  absl::Status ScanPlanInputs(absl::string_view region_prefix, absl::string_view first,
                              absl::string_view last, const std::optional<ProfilePosition>& after,
                              const PlanInputVisitor& visit) override {
    ASSIGN_OR_RETURN(Statement statement, db_.Prepare(kPlanInputsSql));
    RETURN_IF_ERROR(statement.BindAll(Sv(region_prefix), Sv(first), Sv(last)));
    RETURN_IF_ERROR(statement.BindText(4, after.has_value() ? after->registered_date : ""));
    RETURN_IF_ERROR(statement.BindText(5, after.has_value() ? after->registration_id : ""));
    std::optional<ProfileRecord> current;
    // With recorded_micros, for ListDeliveries' order.
    std::vector<std::pair<int64_t, DeliveryRef>> rows;
    std::vector<DeliveryRef> deliveries;
    while (true) {
      ASSIGN_OR_RETURN(bool row, statement.Step());
      if (row && current.has_value() &&
          statement.ColumnText(0) == std::string_view(current->profile.registration_id())) {
        // Another delivery of the current registration.
      } else {
        if (current.has_value()) {
          std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) {
            return std::tie(a.second.delivered_on, a.first, a.second.delivery_id) <
                   std::tie(b.second.delivered_on, b.first, b.second.delivery_id);
          });
          deliveries.clear();
          for (auto& [micros, delivery] : rows) deliveries.push_back(std::move(delivery));
          ASSIGN_OR_RETURN(bool more, visit(*current, deliveries));
          if (!more) return absl::OkStatus();
        }
        if (!row) return absl::OkStatus();
        current.emplace();
        ASSIGN_OR_RETURN(current->profile,
                         store::OpenMessage<v1::Profile>(db_, statement, 1, kProfilesData));
        current->difficulty_approved_on = statement.ColumnString(2);
        rows.clear();
      }
      if (statement.ColumnIsNull(3)) continue;  // no deliveries (LEFT JOIN)
      auto& [micros, delivery] = rows.emplace_back();
      micros = statement.ColumnInt64(6);
      ASSIGN_OR_RETURN(delivery, ReadDeliveryRef(statement, 3));
    }
  }

  absl::Status ScanPlanInputsAnyOrder(absl::string_view region_prefix, absl::string_view first,
                                      absl::string_view last,
                                      const PlanInputVisitor& visit) override {
    if (region_prefix.size() > kMergePrefixLength) {
      // A city or county: a seek per registration costs less than reading every delivery.
      return ScanPlanInputs(region_prefix, first, last, std::nullopt, visit);
    }
    ASSIGN_OR_RETURN(Statement profiles, db_.Prepare(kProfilesByIdSql));
    RETURN_IF_ERROR(profiles.BindAll(Sv(region_prefix), Sv(first), Sv(last)));
    ASSIGN_OR_RETURN(Statement deliveries, db_.Prepare(kAllDeliveriesSql));
    // Both are ordered by registration id under SQLite's BINARY collation, which compares as
    // std::string_view does (bytes, then length).
    ASSIGN_OR_RETURN(bool delivery_row, deliveries.Step());
    ProfileRecord record;
    std::vector<DeliveryRef> refs;
    while (true) {
      ASSIGN_OR_RETURN(bool profile_row, profiles.Step());
      if (!profile_row) return absl::OkStatus();
      const std::string_view id = profiles.ColumnText(0);
      refs.clear();
      // Deliveries of registrations outside the pass (another region, not active) are passed over.
      while (delivery_row && deliveries.ColumnText(0) < id) {
        ASSIGN_OR_RETURN(delivery_row, deliveries.Step());
      }
      while (delivery_row && deliveries.ColumnText(0) == id) {
        ASSIGN_OR_RETURN(refs.emplace_back(), ReadDeliveryRef(deliveries, 1));
        ASSIGN_OR_RETURN(delivery_row, deliveries.Step());
      }
      ASSIGN_OR_RETURN(record.profile,
                       store::OpenMessage<v1::Profile>(db_, profiles, 1, kProfilesData));
      record.difficulty_approved_on = profiles.ColumnString(2);
      ASSIGN_OR_RETURN(bool more, visit(record, refs));
      if (!more) return absl::OkStatus();
    }
  }

  absl::Status InsertDelivery(const v1::ServiceDelivery& delivery) override {
    ASSIGN_OR_RETURN(Statement statement, db_.Prepare(kInsertDeliverySql));
    RETURN_IF_ERROR(statement.BindAll(delivery.delivery_id(), delivery.registration_id(),
                                      static_cast<int>(delivery.type()), delivery.delivered_on(),
                                      TimeUtil::TimestampToMicroseconds(delivery.recorded_at())));
    RETURN_IF_ERROR(store::BindSealedMessage(db_, statement, 6, kDeliveriesData, delivery));
    return statement.Run();
  }

  absl::StatusOr<std::optional<v1::ServiceDelivery>> GetDelivery(
      const std::string& delivery_id) override {
    ASSIGN_OR_RETURN(Statement statement, db_.Prepare(kDeliverySql));
    RETURN_IF_ERROR(statement.BindAll(delivery_id));
    ASSIGN_OR_RETURN(bool row, statement.Step());
    if (!row) return std::optional<v1::ServiceDelivery>();
    ASSIGN_OR_RETURN(v1::ServiceDelivery delivery,
                     store::OpenMessage<v1::ServiceDelivery>(db_, statement, 0, kDeliveriesData));
    return std::optional<v1::ServiceDelivery>(std::move(delivery));
  }

  absl::Status UpdateDelivery(const v1::ServiceDelivery& delivery) override {
    ASSIGN_OR_RETURN(Statement statement, db_.Prepare(kUpdateDeliverySql));
    RETURN_IF_ERROR(statement.BindAll(delivery.delivery_id(), static_cast<int>(delivery.type()),
                                      delivery.delivered_on(), delivery.withdrawn() ? 1 : 0));
    RETURN_IF_ERROR(store::BindSealedMessage(db_, statement, 5, kDeliveriesData, delivery));
    return statement.Run();
  }

  absl::StatusOr<std::vector<v1::ServiceDelivery>> ListDeliveries(
      const std::string& registration_id, v1::ServiceType type,
      const std::optional<DeliveryPosition>& after, int limit) override {
    ASSIGN_OR_RETURN(Statement statement, db_.Prepare(kDeliveriesSql));
    RETURN_IF_ERROR(statement.BindAll(registration_id, static_cast<int>(type)));
    if (after.has_value()) {
      RETURN_IF_ERROR(statement.BindText(3, after->delivered_on));
      RETURN_IF_ERROR(statement.BindInt64(4, after->recorded_micros));
      RETURN_IF_ERROR(statement.BindText(5, after->delivery_id));
    }
    RETURN_IF_ERROR(statement.BindInt64(6, limit));
    std::vector<v1::ServiceDelivery> out;
    while (true) {
      ASSIGN_OR_RETURN(bool row, statement.Step());
      if (!row) break;
      ASSIGN_OR_RETURN(v1::ServiceDelivery delivery,
                       store::OpenMessage<v1::ServiceDelivery>(db_, statement, 0, kDeliveriesData));
      out.push_back(std::move(delivery));
    }
    return out;
  }

  absl::StatusOr<std::optional<v1::DifficultyIdentification>> GetIdentification(
      const std::string& identification_id) override {
    ASSIGN_OR_RETURN(Statement statement, db_.Prepare(kIdentificationSql));
    RETURN_IF_ERROR(statement.BindAll(identification_id));
    ASSIGN_OR_RETURN(bool row, statement.Step());
    if (!row) return std::optional<v1::DifficultyIdentification>();
    ASSIGN_OR_RETURN(
        v1::DifficultyIdentification identification,
        store::OpenMessage<v1::DifficultyIdentification>(db_, statement, 0, kIdentificationsData));
    return std::optional<v1::DifficultyIdentification>(std::move(identification));
  }

  absl::Status PutIdentification(const v1::DifficultyIdentification& identification) override {
    ASSIGN_OR_RETURN(Statement statement, db_.Prepare(kPutIdentificationSql));
    RETURN_IF_ERROR(statement.BindAll(identification.identification_id(),
                                      identification.registration_id(),
                                      static_cast<int>(identification.state())));
    RETURN_IF_ERROR(
        store::BindSealedMessage(db_, statement, 4, kIdentificationsData, identification));
    return statement.Run();
  }

  absl::StatusOr<bool> HasPendingIdentification(const std::string& registration_id) override {
    ASSIGN_OR_RETURN(Statement statement, db_.Prepare(kPendingIdentificationSql));
    RETURN_IF_ERROR(statement.BindAll(registration_id));
    return statement.Step();
  }

  absl::StatusOr<std::optional<StoredRequest>> FindRequest(absl::string_view kind,
                                                           absl::string_view request_id) override {
    return store::FindRequest(db_, kRequestLog, Sv(kind), Sv(request_id));
  }

  absl::Status PutRequest(absl::string_view kind, absl::string_view request_id,
                          const StoredRequest& request) override {
    return store::PutRequest(db_, kRequestLog, Sv(kind), Sv(request_id), request);
  }

  absl::StatusOr<int64_t> NextNumber(absl::string_view series) override {
    return store::NextNumber(db_, Sv(series));
  }

  absl::StatusOr<int64_t> AppendEvent(const v1::TieringEvent& event) override {
    return events_.Append(TimeUtil::TimestampToMicroseconds(event.occurred_at()), event);
  }

  absl::StatusOr<std::vector<v1::TieringEvent>> ReadEvents(int64_t after, int limit) override {
    return store::ReadEvents<v1::TieringEvent>(db_, after, limit, kEventsData);
  }

  absl::StatusOr<int64_t> LastEventSequence() override { return store::LastEventSequence(db_); }

  // The highest sequence appended through this transaction; 0 when none.
  int64_t last_appended() const { return events_.last_appended(); }

  absl::StatusOr<std::optional<v1::Catalog>> GetCatalog(absl::string_view region_code,
                                                        v1::CatalogKind kind,
                                                        int64_t version) override {
    ASSIGN_OR_RETURN(Statement statement,
                     db_.Prepare(version == 0 ? kLatestCatalogSql : kCatalogVersionSql));
    RETURN_IF_ERROR(statement.BindAll(Sv(region_code), static_cast<int>(kind)));
    if (version != 0) RETURN_IF_ERROR(statement.BindInt64(3, version));
    ASSIGN_OR_RETURN(bool row, statement.Step());
    if (!row) return std::optional<v1::Catalog>();
    ASSIGN_OR_RETURN(v1::Catalog catalog,
                     ParseBlob<v1::Catalog>(statement.ColumnBlob(0), "catalog"));
    return std::optional<v1::Catalog>(std::move(catalog));
  }

  absl::Status InsertCatalog(const v1::Catalog& catalog) override {
    ASSIGN_OR_RETURN(Statement statement, db_.Prepare(kInsertCatalogSql));
    RETURN_IF_ERROR(statement.BindAll(catalog.region_code(), static_cast<int>(catalog.kind()),
                                      catalog.version()));
    RETURN_IF_ERROR(statement.BindBlob(4, catalog.SerializeAsString()));
    return statement.Run();
  }

 private:
  Database& db_;
  store::EventLog events_;
};

absl::StatusOr<int64_t> LastSequenceOf(store::Database& db) {
  return store::LastEventSequence(db);
}

namespace {

store::WriterStoreOptions StoreOptions(int reader_count) {
  store::WriterStoreOptions options;
  options.reader_count = reader_count;
  // Each write is its own transaction on the caller's thread; a ":memory:" database (tests) has
  // no readers and reads share the writer connection.
  options.group_commit = false;
  options.allow_memory = true;
  // Pages read through a memory map instead of one pread each: a plan pass over a region reads
  // the profiles in registered-date order, i.e. scattered over the file.
  options.map_readers = true;
  options.name = "tiering store";
  return options;
}

}  // namespace

SqliteTieringStore::SqliteTieringStore(std::unique_ptr<Database> writer,
                                       std::vector<std::unique_ptr<Database>> readers)
    : base_(std::make_unique<store::WriterStore>(std::move(writer), std::move(readers),
                                                 /*group_commit=*/false)) {}

SqliteTieringStore::SqliteTieringStore(std::unique_ptr<Database> writer) {
  absl::StatusOr<std::vector<std::unique_ptr<Database>>> readers =
      store::WriterStore::OpenReaders(*writer, StoreOptions(kDefaultReaderCount));
  // When the readers cannot be opened, reads share the writer connection.
  base_ = std::make_unique<store::WriterStore>(
      std::move(writer),
      readers.ok() ? *std::move(readers) : std::vector<std::unique_ptr<Database>>(),
      /*group_commit=*/false);
}

absl::StatusOr<std::unique_ptr<SqliteTieringStore>> SqliteTieringStore::Create(
    std::unique_ptr<Database> writer, int reader_count) {
  if (writer == nullptr) return absl::InvalidArgumentError("no database");
  ASSIGN_OR_RETURN(std::vector<std::unique_ptr<Database>> readers,
                   store::WriterStore::OpenReaders(*writer, StoreOptions(reader_count)));
  return std::make_unique<SqliteTieringStore>(std::move(writer), std::move(readers));
}

absl::StatusOr<std::unique_ptr<SqliteTieringStore>> SqliteTieringStore::Open(
    const std::string& path, int reader_count) {
  ASSIGN_OR_RETURN(std::unique_ptr<Database> db,
                   store::WriterStore::OpenMigrated(path, TieringMigrations()));
  return Create(std::move(db), reader_count);
}

int SqliteTieringStore::reader_count() const { return base_->reader_count(); }

void SqliteTieringStore::SetEventsCommittedListener(std::function<void(int64_t)> listener) {
  base_->SetCommitListener(std::move(listener));
}

absl::Status SqliteTieringStore::Write(const std::function<absl::Status(TieringTx&)>& fn) {
  return base_->WriteAndWait([&fn](Database& db) -> absl::StatusOr<int64_t> {
    Tx tx(db);
    RETURN_IF_ERROR(fn(tx));
    return tx.last_appended();
  });
}

absl::Status SqliteTieringStore::Read(const std::function<absl::Status(TieringTx&)>& fn) {
  return base_->Read([&fn](Database& db) {
    Tx tx(db);
    return fn(tx);
  });
}

}  // namespace unemployment::tiering
