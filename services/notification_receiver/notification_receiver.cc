#include "services/notification_receiver/notification_receiver.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/proto_util/message_util.h"
#include "common/log/mask.h"
#include "common/status/macros.h"
#include "common/status/status_util.h"
#include "common/store/sealed.h"
#include "common/store/statement.h"
#include "common/store/transaction.h"
#include "common/validation/phone.h"

namespace unemployment::notification_receiver {
namespace {

// fingerprint: the keyed hash of the request's deterministic bytes (the idempotency comparison
// without opening the sealed request); recipient: masked mobile or the portal application id.
constexpr std::string_view kSchemaV1 = R"sql(
CREATE TABLE notices (
  notification_id TEXT PRIMARY KEY,
  channel INTEGER NOT NULL,
  kind INTEGER NOT NULL,
  office_region_code TEXT NOT NULL,
  recipient TEXT NOT NULL,
  receive_micros INTEGER NOT NULL,
  fingerprint TEXT NOT NULL,
  request BLOB NOT NULL
);
)sql";

// The credit records of confirmed fraud cases (reference credit platform); id_number_masked for
// reading the table without opening the sealed request.
constexpr std::string_view kSchemaV2 = R"sql(
CREATE TABLE credit_records (
  record_id TEXT PRIMARY KEY,
  city_code TEXT NOT NULL,
  id_number_masked TEXT NOT NULL,
  receive_micros INTEGER NOT NULL,
  fingerprint TEXT NOT NULL,
  request BLOB NOT NULL
);
)sql";

constexpr store::Migration kMigrations[] = {{1, "notices", kSchemaV1},
                                            {2, "credit_records", kSchemaV2}};

constexpr std::string_view kCreditRequestContext = "notification_receiver/credit_records.request";
constexpr std::string_view kFindCreditSql =
    "SELECT fingerprint, receive_micros FROM credit_records WHERE record_id = ?1";
constexpr std::string_view kInsertCreditSql =
    "INSERT INTO credit_records (record_id, city_code, id_number_masked, receive_micros, "
    "fingerprint, request) VALUES (?1, ?2, ?3, ?4, ?5, ?6)";

constexpr std::string_view kRequestContext = "notification_receiver/notices.request";

constexpr std::string_view kFindNoticeSql =
    "SELECT fingerprint, receive_micros FROM notices WHERE notification_id = ?1";
constexpr std::string_view kInsertNoticeSql =
    "INSERT INTO notices (notification_id, channel, kind, office_region_code, recipient, "
    "receive_micros, fingerprint, request) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
constexpr std::string_view kListSql =
    "SELECT request, receive_micros FROM notices ORDER BY receive_micros, notification_id";

using proto_util::DeterministicBytes;
using proto_util::ToTimestamp;

std::string RecipientOf(const v1::DeliverNotificationRequest& request) {
  return request.channel() == v1::DELIVERY_CHANNEL_SMS ? log::MaskPhone(request.mobile())
                                                       : request.channel_application_id();
}

// The refusal a test asked for (--refuse_all, --unavailable_first_n) for the `call`-th call of a
// service, or OK.
absl::Status TestRefusal(bool refuse_all, int unavailable_first_n, int call) {
  if (refuse_all) {
    return absl::UnavailableError("the reference receiver refuses every call (--refuse_all)");
  }
  if (call <= unavailable_first_n) {
    return absl::UnavailableError(
        "the reference receiver refuses this call (--unavailable_first_n)");
  }
  return absl::OkStatus();
}

}  // namespace

absl::Span<const store::Migration> ReceiverMigrations() { return kMigrations; }

absl::StatusOr<absl::Time> NoticeStore::Record(const v1::DeliverNotificationRequest& request,
                                               absl::Time now) {
  absl::MutexLock lock(&mu_);
  const std::string bytes = DeterministicBytes(request);
  const std::string fingerprint = store::SearchHash(*db_, bytes);
  ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Begin(*db_));
  {
    ASSIGN_OR_RETURN(store::Statement find, db_->Prepare(kFindNoticeSql));
    RETURN_IF_ERROR(find.BindAll(request.notification_id()));
    ASSIGN_OR_RETURN(bool found, find.Step());
    if (found) {
      if (find.ColumnString(0) != fingerprint) {
        return status::WithErrorInfo(
            absl::AlreadyExistsError("notification_id was received before with different content"),
            "NOTIFICATION_ID_REUSED", {{"notification_id", request.notification_id()}});
      }
      return absl::FromUnixMicros(find.ColumnInt64(1));
    }
  }
  {
    ASSIGN_OR_RETURN(store::Statement insert, db_->Prepare(kInsertNoticeSql));
    RETURN_IF_ERROR(insert.BindAll(request.notification_id(), static_cast<int64_t>(request.channel()),
                                   static_cast<int64_t>(request.kind()),
                                   request.office_region_code(), RecipientOf(request),
                                   absl::ToUnixMicros(now), fingerprint));
    RETURN_IF_ERROR(store::BindSealed(*db_, insert, 8, kRequestContext, bytes));
    RETURN_IF_ERROR(insert.Run());
  }
  RETURN_IF_ERROR(tx.Commit());
  return now;
}

absl::StatusOr<absl::Time> NoticeStore::RecordCredit(const v1::DeliverCreditRecordRequest& request,
                                                     absl::Time now) {
  absl::MutexLock lock(&mu_);
  const std::string bytes = DeterministicBytes(request);
  const std::string fingerprint = store::SearchHash(*db_, bytes);
  ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Begin(*db_));
  {
    ASSIGN_OR_RETURN(store::Statement find, db_->Prepare(kFindCreditSql));
    RETURN_IF_ERROR(find.BindAll(request.record_id()));
    ASSIGN_OR_RETURN(bool found, find.Step());
    if (found) {
      if (find.ColumnString(0) != fingerprint) {
        return status::WithErrorInfo(
            absl::AlreadyExistsError("record_id was received before with different content"),
            "CREDIT_RECORD_ID_REUSED", {{"record_id", request.record_id()}});
      }
      return absl::FromUnixMicros(find.ColumnInt64(1));
    }
  }
  {
    ASSIGN_OR_RETURN(store::Statement insert, db_->Prepare(kInsertCreditSql));
    RETURN_IF_ERROR(insert.BindAll(request.record_id(), request.city_code(),
                                   log::MaskIdNumber(request.person_id().id_number()),
                                   absl::ToUnixMicros(now), fingerprint));
    RETURN_IF_ERROR(store::BindSealed(*db_, insert, 6, kCreditRequestContext, bytes));
    RETURN_IF_ERROR(insert.Run());
  }
  RETURN_IF_ERROR(tx.Commit());
  return now;
}

absl::StatusOr<std::vector<ReceivedNotice>> NoticeStore::List() {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(store::Statement list, db_->Prepare(kListSql));
  std::vector<ReceivedNotice> notices;
  while (true) {
    ASSIGN_OR_RETURN(bool row, list.Step());
    if (!row) break;
    ReceivedNotice notice;
    ASSIGN_OR_RETURN(std::string bytes, store::OpenColumn(*db_, list, 0, kRequestContext));
    if (!notice.request.ParseFromString(bytes)) {
      return absl::DataLossError("stored notice cannot be parsed");
    }
    notice.receive_time = absl::FromUnixMicros(list.ColumnInt64(1));
    notices.push_back(std::move(notice));
  }
  return notices;
}

absl::Status ValidateDeliverNotification(const v1::DeliverNotificationRequest& request) {
  std::vector<status::FieldViolation> violations;
  auto add = [&](std::string field, std::string rule, std::string description) {
    violations.push_back({std::move(field), std::move(rule), std::move(description)});
  };
  if (request.notification_id().empty()) {
    add("notification_id", "REQUIRED", "notification_id is required");
  } else if (request.notification_id().size() > 64) {
    add("notification_id", "TOO_LONG", "notification_id has at most 64 characters");
  }
  switch (request.channel()) {
    case v1::DELIVERY_CHANNEL_SMS:
      if (request.mobile().empty()) {
        add("mobile", "REQUIRED", "an SMS needs the mobile number");
      } else if (!validation::ValidateMobileNumber(request.mobile()).ok()) {
        add("mobile", "FORMAT", "the mobile number is 11 digits starting with 1");
      }
      break;
    case v1::DELIVERY_CHANNEL_ONLINE_REPLY:
      if (request.channel_application_id().empty()) {
        add("channel_application_id", "REQUIRED", "an online reply needs the portal application id");
      }
      break;
    default:
      add("channel", request.channel() == 0 ? "REQUIRED" : "CODE_UNKNOWN",
          "the channel is SMS or online reply");
  }
  if (!v1::NoticeKind_IsValid(request.kind()) || request.kind() == v1::NOTICE_KIND_UNSPECIFIED) {
    add("kind", request.kind() == 0 ? "REQUIRED" : "CODE_UNKNOWN", "the notice kind is required");
  }
  if (request.text().empty()) {
    add("text", "REQUIRED", "the text is required");
  } else if (request.text().size() > 500 * 3) {
    add("text", "TOO_LONG", "the text has at most 500 characters");
  }
  bool six_digits = request.office_region_code().size() == 6;
  for (char c : request.office_region_code()) {
    six_digits = six_digits && absl::ascii_isdigit(static_cast<unsigned char>(c));
  }
  if (request.office_region_code().empty()) {
    add("office_region_code", "REQUIRED", "the office region code is required");
  } else if (!six_digits) {
    add("office_region_code", "FORMAT", "the office region code has 6 digits");
  }
  if (!request.has_create_time()) add("create_time", "REQUIRED", "create_time is required");
  if (violations.empty()) return absl::OkStatus();
  return status::InvalidArgumentError("invalid DeliverNotificationRequest", violations);
}

absl::Status ValidateDeliverCreditRecord(const v1::DeliverCreditRecordRequest& request) {
  std::vector<status::FieldViolation> violations;
  auto add = [&](std::string field, std::string rule, std::string description) {
    violations.push_back({std::move(field), std::move(rule), std::move(description)});
  };
  auto six_digits = [](const std::string& code) {
    bool ok = code.size() == 6;
    for (char c : code) ok = ok && absl::ascii_isdigit(static_cast<unsigned char>(c));
    return ok;
  };
  if (request.record_id().empty()) {
    add("record_id", "REQUIRED", "record_id is required");
  } else if (request.record_id().size() > 64) {
    add("record_id", "TOO_LONG", "record_id has at most 64 characters");
  }
  if (request.person_id().id_number().empty()) {
    add("person_id.id_number", "REQUIRED", "the ID number is required");
  }
  if (request.person_id().id_type() == 0) {
    add("person_id.id_type", "REQUIRED", "the ID type is required");
  }
  if (request.name().empty()) add("name", "REQUIRED", "the name is required");
  for (const auto& [field, code] :
       {std::pair<const char*, const std::string*>{"city_code", &request.city_code()},
        {"office_region_code", &request.office_region_code()}}) {
    if (code->empty()) {
      add(field, "REQUIRED", absl::StrCat(field, " is required"));
    } else if (!six_digits(*code)) {
      add(field, "FORMAT", absl::StrCat(field, " has 6 digits"));
    }
  }
  if (!v1::CreditBehaviour_IsValid(request.behaviour()) ||
      request.behaviour() == v1::CREDIT_BEHAVIOUR_UNSPECIFIED) {
    add("behaviour", request.behaviour() == 0 ? "REQUIRED" : "CODE_UNKNOWN",
        "the behaviour is required");
  }
  if (request.description().empty()) add("description", "REQUIRED", "the description is required");
  if (request.amount_fen() < 0) add("amount_fen", "OUT_OF_RANGE", "the amount is never negative");
  if (request.concluded_on().size() != 10) {
    add("concluded_on", request.concluded_on().empty() ? "REQUIRED" : "FORMAT",
        "concluded_on is a date YYYY-MM-DD");
  }
  if (!request.has_create_time()) add("create_time", "REQUIRED", "create_time is required");
  if (violations.empty()) return absl::OkStatus();
  return status::InvalidArgumentError("invalid DeliverCreditRecordRequest", violations);
}

CreditRecordReceiverService::CreditRecordReceiverService(NoticeStore& store,
                                                         const time::Clock& clock,
                                                         log::Logger logger, Options options)
    : store_(store), clock_(clock), logger_(std::move(logger)), options_(options) {}

grpc::ServerUnaryReactor* CreditRecordReceiverService::DeliverCreditRecord(
    grpc::CallbackServerContext* context, const v1::DeliverCreditRecordRequest* request,
    v1::DeliverCreditRecordResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  absl::Status status = TestRefusal(options_.refuse_all, options_.unavailable_first_n, ++calls_);
  if (status.ok()) status = ValidateDeliverCreditRecord(*request);
  if (status.ok()) {
    absl::StatusOr<absl::Time> received = store_.RecordCredit(*request, clock_.Now());
    if (received.ok()) *response->mutable_receive_time() = ToTimestamp(*received);
    status = received.status();
  }
  logger_.Info("credit_record_received",
               {{"record_id", request->record_id()},
                {"id_number", log::MaskIdNumber(request->person_id().id_number())},
                {"city_code", request->city_code()},
                {"status", status}});
  reactor->Finish(status::ToGrpcStatus(status));
  return reactor;
}

NotificationReceiverService::NotificationReceiverService(NoticeStore& store,
                                                         const time::Clock& clock,
                                                         log::Logger logger, Options options)
    : store_(store), clock_(clock), logger_(std::move(logger)), options_(options) {}

grpc::ServerUnaryReactor* NotificationReceiverService::DeliverNotification(
    grpc::CallbackServerContext* context, const v1::DeliverNotificationRequest* request,
    v1::DeliverNotificationResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  absl::Status status = TestRefusal(options_.refuse_all, options_.unavailable_first_n, ++calls_);
  if (status.ok()) status = ValidateDeliverNotification(*request);
  if (status.ok()) {
    absl::StatusOr<absl::Time> received = store_.Record(*request, clock_.Now());
    if (received.ok()) *response->mutable_receive_time() = ToTimestamp(*received);
    status = received.status();
  }
  logger_.Info("notice_received",
               {{"notification_id", request->notification_id()},
                {"channel", v1::DeliveryChannel_Name(request->channel())},
                {"recipient", RecipientOf(*request)},
                {"office_region_code", request->office_region_code()},
                {"status", status}});
  reactor->Finish(status::ToGrpcStatus(status));
  return reactor;
}

}  // namespace unemployment::notification_receiver
