#include "services/person_index/person_index_store.h"

#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/forms/form_facts.h"
#include "common/status/macros.h"
#include "common/status/status_util.h"
#include "common/store/sealed.h"
#include "common/store/statement.h"

namespace unemployment::person_index {
namespace {

namespace reg = registration::v1;
using store::Database;
using store::Statement;

constexpr std::string_view kSchemaV1 = R"sql(
CREATE TABLE reservations (
  channel INTEGER NOT NULL,
  channel_application_id TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  shard TEXT NOT NULL,
  office_region_code TEXT NOT NULL,
  person_hash TEXT NOT NULL,
  application_id TEXT NOT NULL DEFAULT '',
  created_micros INTEGER NOT NULL,
  PRIMARY KEY (channel, channel_application_id)
) WITHOUT ROWID;
CREATE TABLE claims (
  person_hash TEXT PRIMARY KEY,
  state INTEGER NOT NULL,
  shard TEXT NOT NULL,
  channel INTEGER NOT NULL,
  channel_application_id TEXT NOT NULL,
  application_id TEXT NOT NULL DEFAULT '',
  registration_id TEXT NOT NULL DEFAULT '',
  updated_micros INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE claim_conflicts (
  id INTEGER PRIMARY KEY,
  person_hash TEXT NOT NULL,
  shard TEXT NOT NULL,
  record_id TEXT NOT NULL,
  holder_shard TEXT NOT NULL,
  seen_micros INTEGER NOT NULL
);
CREATE TABLE feed_cursors (
  feed TEXT PRIMARY KEY,
  sequence INTEGER NOT NULL
) WITHOUT ROWID;
)sql";

constexpr store::Migration kMigrations[] = {{1, "person_index_schema", kSchemaV1}};

constexpr std::string_view kSelectReservationSql =
    "SELECT fingerprint, shard, office_region_code, application_id FROM reservations "
    "WHERE channel = ?1 AND channel_application_id = ?2";
constexpr std::string_view kSelectReservationPersonSql =
    "SELECT person_hash FROM reservations WHERE channel = ?1 AND channel_application_id = ?2";
constexpr std::string_view kInsertReservationSql =
    "INSERT INTO reservations (channel, channel_application_id, fingerprint, shard, "
    "office_region_code, person_hash, application_id, created_micros) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
constexpr std::string_view kSetReservationApplicationSql =
    "UPDATE reservations SET application_id = ?3 "
    "WHERE channel = ?1 AND channel_application_id = ?2 AND application_id = ''";
constexpr std::string_view kDeleteUnfinishedReservationSql =
    "DELETE FROM reservations WHERE channel = ?1 AND channel_application_id = ?2 "
    "AND application_id = '' AND (?3 = '' OR fingerprint = ?3)";
constexpr std::string_view kSelectClaimSql =
    "SELECT state, shard, channel, channel_application_id, application_id, registration_id, "
    "updated_micros FROM claims WHERE person_hash = ?1";
constexpr std::string_view kInsertClaimSql =
    "INSERT INTO claims (person_hash, state, shard, channel, channel_application_id, "
    "application_id, registration_id, updated_micros) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
constexpr std::string_view kUpdateClaimSql =
    "UPDATE claims SET state = ?2, shard = ?3, channel = ?4, channel_application_id = ?5, "
    "application_id = ?6, registration_id = ?7, updated_micros = ?8 WHERE person_hash = ?1";
constexpr std::string_view kDeleteClaimSql = "DELETE FROM claims WHERE person_hash = ?1";
constexpr std::string_view kInsertConflictSql =
    "INSERT INTO claim_conflicts (person_hash, shard, record_id, holder_shard, seen_micros) "
    "VALUES (?1, ?2, ?3, ?4, ?5)";
constexpr std::string_view kCountConflictsSql = "SELECT COUNT(*) FROM claim_conflicts";
constexpr std::string_view kSelectCursorSql = "SELECT sequence FROM feed_cursors WHERE feed = ?1";
constexpr std::string_view kUpsertCursorSql =
    "INSERT INTO feed_cursors (feed, sequence) VALUES (?1, ?2) "
    "ON CONFLICT (feed) DO UPDATE SET sequence = excluded.sequence";

int64_t Micros(absl::Time time) { return absl::ToUnixMicros(time); }

absl::Time EventTime(const reg::Event& event) {
  return absl::FromUnixSeconds(event.occurred_at().seconds()) +
         absl::Nanoseconds(event.occurred_at().nanos());
}

absl::StatusOr<std::optional<v1::Reservation>> SelectReservation(
    Database& db, common::v1::Channel channel, const std::string& channel_application_id) {
  ASSIGN_OR_RETURN(Statement select, db.Prepare(kSelectReservationSql));
  RETURN_IF_ERROR(select.BindAll(static_cast<int>(channel), channel_application_id));
  ASSIGN_OR_RETURN(bool found, select.Step());
  if (!found) return std::optional<v1::Reservation>();
  v1::Reservation reservation;
  reservation.set_channel(channel);
  reservation.set_channel_application_id(channel_application_id);
  reservation.set_fingerprint(select.ColumnString(0));
  reservation.set_shard(select.ColumnString(1));
  reservation.set_office_region_code(select.ColumnString(2));
  reservation.set_application_id(select.ColumnString(3));
  return std::optional<v1::Reservation>(std::move(reservation));
}

absl::Status InsertReservation(Database& db, const v1::Reservation& reservation,
                               const std::string& person_hash, absl::Time now) {
  ASSIGN_OR_RETURN(Statement insert, db.Prepare(kInsertReservationSql));
  RETURN_IF_ERROR(insert.BindAll(static_cast<int>(reservation.channel()),
                                 reservation.channel_application_id(), reservation.fingerprint(),
                                 reservation.shard(), reservation.office_region_code(), person_hash,
                                 reservation.application_id(), Micros(now)));
  return insert.Run();
}

absl::Status SetReservationApplication(Database& db, common::v1::Channel channel,
                                       const std::string& channel_application_id,
                                       const std::string& application_id) {
  ASSIGN_OR_RETURN(Statement update, db.Prepare(kSetReservationApplicationSql));
  RETURN_IF_ERROR(
      update.BindAll(static_cast<int>(channel), channel_application_id, application_id));
  return update.Run();
}

absl::StatusOr<bool> DeleteUnfinishedReservation(Database& db, common::v1::Channel channel,
                                                 const std::string& channel_application_id,
                                                 const std::string& fingerprint) {
  ASSIGN_OR_RETURN(Statement remove, db.Prepare(kDeleteUnfinishedReservationSql));
  RETURN_IF_ERROR(remove.BindAll(static_cast<int>(channel), channel_application_id, fingerprint));
  RETURN_IF_ERROR(remove.Run());
  return db.changes() > 0;
}

absl::StatusOr<std::optional<Claim>> SelectClaim(Database& db, const std::string& person_hash) {
  ASSIGN_OR_RETURN(Statement select, db.Prepare(kSelectClaimSql));
  RETURN_IF_ERROR(select.BindAll(person_hash));
  ASSIGN_OR_RETURN(bool found, select.Step());
  if (!found) return std::optional<Claim>();
  Claim claim;
  claim.person_hash = person_hash;
  claim.state = static_cast<ClaimState>(select.ColumnInt64(0));
  claim.shard = select.ColumnString(1);
  claim.channel = static_cast<common::v1::Channel>(select.ColumnInt64(2));
  claim.channel_application_id = select.ColumnString(3);
  claim.application_id = select.ColumnString(4);
  claim.registration_id = select.ColumnString(5);
  claim.updated_at = absl::FromUnixMicros(select.ColumnInt64(6));
  return std::optional<Claim>(std::move(claim));
}

absl::Status WriteClaim(Database& db, const Claim& claim, bool insert) {
  ASSIGN_OR_RETURN(Statement write, db.Prepare(insert ? kInsertClaimSql : kUpdateClaimSql));
  RETURN_IF_ERROR(write.BindAll(claim.person_hash, static_cast<int>(claim.state), claim.shard,
                                static_cast<int>(claim.channel), claim.channel_application_id,
                                claim.application_id, claim.registration_id,
                                Micros(claim.updated_at)));
  return write.Run();
}

absl::Status DeleteClaim(Database& db, const std::string& person_hash) {
  ASSIGN_OR_RETURN(Statement remove, db.Prepare(kDeleteClaimSql));
  RETURN_IF_ERROR(remove.BindAll(person_hash));
  return remove.Run();
}

absl::Status RecordConflict(Database& db, const std::string& person_hash, const std::string& shard,
                            const std::string& record_id, const Claim& holder, absl::Time at) {
  ASSIGN_OR_RETURN(Statement insert, db.Prepare(kInsertConflictSql));
  RETURN_IF_ERROR(insert.BindAll(person_hash, shard, record_id, holder.shard, Micros(at)));
  return insert.Run();
}

bool SameChannelId(const Claim& claim, common::v1::Channel channel, const std::string& id) {
  return claim.channel == channel && claim.channel_application_id == id;
}

// ApplicationReceived: the reservation learns its application id (or is created, for an
// application the index never reserved: data from before the index, or a rebuild), and the person's
// claim becomes APPLIED by this application.
absl::Status ApplyReceived(Database& db, const std::string& shard, const reg::Application& app,
                           absl::Time at) {
  const std::string person_hash = PersonHash(db, app.form().person_id());
  ASSIGN_OR_RETURN(std::optional<v1::Reservation> reservation,
                   SelectReservation(db, app.channel(), app.channel_application_id()));
  if (!reservation.has_value()) {
    v1::Reservation created;
    created.set_channel(app.channel());
    created.set_channel_application_id(app.channel_application_id());
    created.set_fingerprint(forms::FormFingerprint(app.form()));
    created.set_shard(shard);
    created.set_office_region_code(app.office_region_code());
    created.set_application_id(app.id());
    RETURN_IF_ERROR(InsertReservation(db, created, person_hash, at));
  } else if (reservation->application_id().empty()) {
    RETURN_IF_ERROR(
        SetReservationApplication(db, app.channel(), app.channel_application_id(), app.id()));
  }
  ASSIGN_OR_RETURN(std::optional<Claim> claim, SelectClaim(db, person_hash));
  if (claim.has_value() && !SameChannelId(*claim, app.channel(), app.channel_application_id()) &&
      !(claim->shard == shard && claim->application_id == app.id())) {
    return RecordConflict(db, person_hash, shard, app.id(), *claim, at);
  }
  Claim applied;
  applied.person_hash = person_hash;
  applied.state = ClaimState::kApplied;
  applied.shard = shard;
  applied.channel = app.channel();
  applied.channel_application_id = app.channel_application_id();
  applied.application_id = app.id();
  applied.updated_at = at;
  if (claim.has_value() && claim->state == ClaimState::kRegistered) return absl::OkStatus();
  return WriteClaim(db, applied, /*insert=*/!claim.has_value());
}

absl::Status ApplyDecided(Database& db, const std::string& shard, const reg::Application& app) {
  if (app.decision().outcome() != common::v1::REVIEW_OUTCOME_REJECTED) {
    return absl::OkStatus();  // an acceptance is followed by RegistrationCreated
  }
  const std::string person_hash = PersonHash(db, app.form().person_id());
  ASSIGN_OR_RETURN(std::optional<Claim> claim, SelectClaim(db, person_hash));
  if (claim.has_value() && claim->shard == shard && claim->application_id == app.id() &&
      claim->state != ClaimState::kRegistered) {
    return DeleteClaim(db, person_hash);
  }
  return absl::OkStatus();
}

absl::Status ApplyRegistered(Database& db, const std::string& shard,
                             const reg::Registration& registration, absl::Time at) {
  const std::string person_hash = PersonHash(db, registration.person_id());
  ASSIGN_OR_RETURN(std::optional<Claim> claim, SelectClaim(db, person_hash));
  if (claim.has_value() &&
      !(claim->shard == shard && claim->application_id == registration.application_id())) {
    return RecordConflict(db, person_hash, shard, registration.id(), *claim, at);
  }
  Claim registered = claim.value_or(Claim());
  registered.person_hash = person_hash;
  registered.state = ClaimState::kRegistered;
  registered.shard = shard;
  registered.application_id = registration.application_id();
  registered.registration_id = registration.id();
  registered.updated_at = at;
  return WriteClaim(db, registered, /*insert=*/!claim.has_value());
}

absl::Status ApplyDeregistered(Database& db, const std::string& shard,
                               const reg::Registration& registration) {
  const std::string person_hash = PersonHash(db, registration.person_id());
  ASSIGN_OR_RETURN(std::optional<Claim> claim, SelectClaim(db, person_hash));
  if (claim.has_value() && claim->shard == shard && claim->registration_id == registration.id()) {
    return DeleteClaim(db, person_hash);
  }
  return absl::OkStatus();
}

}  // namespace

absl::Span<const store::Migration> PersonIndexMigrations() { return kMigrations; }

std::string PersonHash(const store::Database& db, const common::v1::PersonId& person) {
  return store::SearchHash(
      db, absl::StrCat("person|", static_cast<int>(person.id_type()), "|", person.id_number()));
}

PersonIndexStore::PersonIndexStore(store::Database& db) : committer_(db) {}

PersonIndexStore::~PersonIndexStore() { committer_.Shutdown(); }

void PersonIndexStore::Shutdown() { committer_.Shutdown(); }

void PersonIndexStore::Reserve(const v1::ReserveRequest& request, absl::Time now,
                               absl::Duration lease, Callback<ReserveOutcome> done) {
  auto outcome = std::make_shared<ReserveOutcome>();
  committer_.Submit(
      [request, now, lease, outcome](Database& db) -> absl::Status {
        ASSIGN_OR_RETURN(
            std::optional<v1::Reservation> existing,
            SelectReservation(db, request.channel(), request.channel_application_id()));
        if (existing.has_value()) {
          outcome->kind = existing->fingerprint() == request.fingerprint()
                              ? ReserveOutcome::Kind::kExisting
                              : ReserveOutcome::Kind::kIdReused;
          outcome->reservation = *std::move(existing);
          return absl::OkStatus();
        }
        const std::string person_hash = PersonHash(db, request.person_id());
        ASSIGN_OR_RETURN(std::optional<Claim> claim, SelectClaim(db, person_hash));
        if (claim.has_value()) {
          const bool stale =
              claim->state == ClaimState::kReserved && claim->updated_at + lease <= now;
          outcome->kind = stale ? ReserveOutcome::Kind::kHeldStale : ReserveOutcome::Kind::kHeld;
          outcome->holder = *std::move(claim);
          return absl::OkStatus();
        }
        v1::Reservation reservation;
        reservation.set_channel(request.channel());
        reservation.set_channel_application_id(request.channel_application_id());
        reservation.set_fingerprint(request.fingerprint());
        reservation.set_shard(request.shard());
        reservation.set_office_region_code(request.office_region_code());
        RETURN_IF_ERROR(InsertReservation(db, reservation, person_hash, now));
        Claim reserved;
        reserved.person_hash = person_hash;
        reserved.state = ClaimState::kReserved;
        reserved.shard = request.shard();
        reserved.channel = request.channel();
        reserved.channel_application_id = request.channel_application_id();
        reserved.updated_at = now;
        RETURN_IF_ERROR(WriteClaim(db, reserved, /*insert=*/true));
        outcome->kind = ReserveOutcome::Kind::kCreated;
        outcome->reservation = std::move(reservation);
        return absl::OkStatus();
      },
      [outcome, done = std::move(done)](absl::Status status) {
        if (!status.ok()) return done(std::move(status));
        done(std::move(*outcome));
      });
}

void PersonIndexStore::Complete(common::v1::Channel channel,
                                const std::string& channel_application_id,
                                const std::string& application_id, absl::Time now,
                                Callback<v1::Reservation> done) {
  auto result = std::make_shared<v1::Reservation>();
  committer_.Submit(
      [channel, channel_application_id, application_id, now, result](Database& db) -> absl::Status {
        ASSIGN_OR_RETURN(std::optional<v1::Reservation> reservation,
                         SelectReservation(db, channel, channel_application_id));
        if (!reservation.has_value()) {
          return status::WithErrorInfo(
              absl::NotFoundError("the channel application id was never reserved"),
              "RESERVATION_NOT_FOUND");
        }
        if (reservation->application_id().empty()) {
          RETURN_IF_ERROR(
              SetReservationApplication(db, channel, channel_application_id, application_id));
          reservation->set_application_id(application_id);
        }
        ASSIGN_OR_RETURN(Statement select, db.Prepare(kSelectReservationPersonSql));
        RETURN_IF_ERROR(select.BindAll(static_cast<int>(channel), channel_application_id));
        ASSIGN_OR_RETURN(bool found, select.Step());
        if (found) {
          const std::string person_hash = select.ColumnString(0);
          ASSIGN_OR_RETURN(std::optional<Claim> claim, SelectClaim(db, person_hash));
          if (claim.has_value() && claim->state == ClaimState::kReserved &&
              SameChannelId(*claim, channel, channel_application_id)) {
            claim->state = ClaimState::kApplied;
            claim->application_id = reservation->application_id();
            claim->updated_at = now;
            RETURN_IF_ERROR(WriteClaim(db, *claim, /*insert=*/false));
          }
        }
        *result = *std::move(reservation);
        return absl::OkStatus();
      },
      [result, done = std::move(done)](absl::Status status) {
        if (!status.ok()) return done(std::move(status));
        done(std::move(*result));
      });
}

void PersonIndexStore::Release(common::v1::Channel channel,
                               const std::string& channel_application_id,
                               const std::string& fingerprint, Callback<bool> done) {
  auto released = std::make_shared<bool>(false);
  committer_.Submit(
      [channel, channel_application_id, fingerprint, released](Database& db) -> absl::Status {
        if (fingerprint.empty()) return absl::OkStatus();
        ASSIGN_OR_RETURN(Statement select, db.Prepare(kSelectReservationPersonSql));
        RETURN_IF_ERROR(select.BindAll(static_cast<int>(channel), channel_application_id));
        ASSIGN_OR_RETURN(bool found, select.Step());
        if (!found) return absl::OkStatus();
        const std::string person_hash = select.ColumnString(0);
        ASSIGN_OR_RETURN(*released, DeleteUnfinishedReservation(db, channel, channel_application_id,
                                                                fingerprint));
        if (!*released) return absl::OkStatus();
        ASSIGN_OR_RETURN(std::optional<Claim> claim, SelectClaim(db, person_hash));
        if (claim.has_value() && claim->state == ClaimState::kReserved &&
            SameChannelId(*claim, channel, channel_application_id)) {
          RETURN_IF_ERROR(DeleteClaim(db, person_hash));
        }
        return absl::OkStatus();
      },
      [released, done = std::move(done)](absl::Status status) {
        if (!status.ok()) return done(std::move(status));
        done(*released);
      });
}

void PersonIndexStore::Get(common::v1::Channel channel, const std::string& channel_application_id,
                           Callback<std::optional<v1::Reservation>> done) {
  auto result = std::make_shared<std::optional<v1::Reservation>>();
  committer_.Submit(
      [channel, channel_application_id, result](Database& db) -> absl::Status {
        ASSIGN_OR_RETURN(*result, SelectReservation(db, channel, channel_application_id));
        return absl::OkStatus();
      },
      [result, done = std::move(done)](absl::Status status) {
        if (!status.ok()) return done(std::move(status));
        done(std::move(*result));
      });
}

void PersonIndexStore::ResolveStale(const Claim& holder,
                                    const std::optional<reg::Application>& application,
                                    absl::Time now, Callback<bool> done) {
  auto resolved = std::make_shared<bool>(false);
  committer_.Submit(
      [holder, application, now, resolved](Database& db) -> absl::Status {
        ASSIGN_OR_RETURN(std::optional<Claim> claim, SelectClaim(db, holder.person_hash));
        if (!claim.has_value() || claim->state != ClaimState::kReserved ||
            !SameChannelId(*claim, holder.channel, holder.channel_application_id) ||
            claim->updated_at != holder.updated_at) {
          return absl::OkStatus();  // the claim moved on meanwhile
        }
        if (application.has_value()) {
          RETURN_IF_ERROR(SetReservationApplication(
              db, holder.channel, holder.channel_application_id, application->id()));
          claim->state = ClaimState::kApplied;
          claim->application_id = application->id();
          claim->updated_at = now;
          RETURN_IF_ERROR(WriteClaim(db, *claim, /*insert=*/false));
        } else {
          ASSIGN_OR_RETURN(
              bool removed,
              DeleteUnfinishedReservation(db, holder.channel, holder.channel_application_id, ""));
          (void)removed;
          RETURN_IF_ERROR(DeleteClaim(db, holder.person_hash));
        }
        *resolved = true;
        return absl::OkStatus();
      },
      [resolved, done = std::move(done)](absl::Status status) {
        if (!status.ok()) return done(std::move(status));
        done(*resolved);
      });
}

absl::Status PersonIndexStore::ApplyEvent(const std::string& feed, const std::string& shard,
                                          const reg::Event& event) {
  return committer_.Run([&feed, &shard, &event](Database& db) -> absl::Status {
    ASSIGN_OR_RETURN(Statement cursor, db.Prepare(kSelectCursorSql));
    RETURN_IF_ERROR(cursor.BindAll(feed));
    ASSIGN_OR_RETURN(bool found, cursor.Step());
    if (found && cursor.ColumnInt64(0) >= event.sequence()) return absl::OkStatus();
    const absl::Time at = EventTime(event);
    switch (event.payload_case()) {
      case reg::Event::kApplicationReceived:
        RETURN_IF_ERROR(ApplyReceived(db, shard, event.application_received().application(), at));
        break;
      case reg::Event::kApplicationDecided:
        RETURN_IF_ERROR(ApplyDecided(db, shard, event.application_decided().application()));
        break;
      case reg::Event::kRegistrationCreated:
        RETURN_IF_ERROR(
            ApplyRegistered(db, shard, event.registration_created().registration(), at));
        break;
      case reg::Event::kRegistrationDeregistered:
        RETURN_IF_ERROR(
            ApplyDeregistered(db, shard, event.registration_deregistered().registration()));
        break;
      default:
        break;  // state changes within undecided, unknown payloads: cursor only
    }
    ASSIGN_OR_RETURN(Statement upsert, db.Prepare(kUpsertCursorSql));
    RETURN_IF_ERROR(upsert.BindAll(feed, event.sequence()));
    return upsert.Run();
  });
}

absl::StatusOr<int64_t> PersonIndexStore::FeedCursor(const std::string& feed) {
  auto sequence = std::make_shared<int64_t>(0);
  absl::Status read = committer_.Run([&feed, sequence](Database& db) -> absl::Status {
    ASSIGN_OR_RETURN(Statement cursor, db.Prepare(kSelectCursorSql));
    RETURN_IF_ERROR(cursor.BindAll(feed));
    ASSIGN_OR_RETURN(bool found, cursor.Step());
    if (found) *sequence = cursor.ColumnInt64(0);
    return absl::OkStatus();
  });
  if (!read.ok()) return read;
  return *sequence;
}

absl::StatusOr<std::optional<Claim>> PersonIndexStore::FindClaim(
    const common::v1::PersonId& person) {
  auto claim = std::make_shared<std::optional<Claim>>();
  absl::Status read = committer_.Run([&person, claim](Database& db) -> absl::Status {
    ASSIGN_OR_RETURN(*claim, SelectClaim(db, PersonHash(db, person)));
    return absl::OkStatus();
  });
  if (!read.ok()) return read;
  return *claim;
}

absl::StatusOr<int64_t> PersonIndexStore::ConflictCount() {
  auto count = std::make_shared<int64_t>(0);
  absl::Status read = committer_.Run([count](Database& db) -> absl::Status {
    ASSIGN_OR_RETURN(Statement select, db.Prepare(kCountConflictsSql));
    ASSIGN_OR_RETURN(bool found, select.Step());
    if (found) *count = select.ColumnInt64(0);
    return absl::OkStatus();
  });
  if (!read.ok()) return read;
  return *count;
}

}  // namespace unemployment::person_index
