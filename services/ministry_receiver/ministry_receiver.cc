#include "services/ministry_receiver/ministry_receiver.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/proto_util/message_util.h"
#include "common/status/macros.h"
#include "common/status/status_util.h"
#include "common/store/statement.h"
#include "common/store/transaction.h"
#include "common/validation/date.h"

namespace unemployment::ministry_receiver {
namespace {

constexpr std::string_view kSchemaV1 = R"sql(
CREATE TABLE results (
  result_id TEXT PRIMARY KEY,
  ministry_application_id TEXT NOT NULL,
  receive_micros INTEGER NOT NULL,
  request BLOB NOT NULL
);
CREATE INDEX results_by_application ON results (ministry_application_id);
)sql";

constexpr store::Migration kMigrations[] = {{1, "ministry_results", kSchemaV1}};

constexpr std::string_view kFindResultSql =
    "SELECT request, receive_micros FROM results WHERE result_id = ?1";
constexpr std::string_view kFindByApplicationSql =
    "SELECT result_id FROM results WHERE ministry_application_id = ?1 LIMIT 1";
constexpr std::string_view kInsertResultSql =
    "INSERT INTO results (result_id, ministry_application_id, receive_micros, request) "
    "VALUES (?1, ?2, ?3, ?4)";
constexpr std::string_view kListSql =
    "SELECT request, receive_micros FROM results ORDER BY receive_micros, result_id";

using proto_util::DeterministicBytes;
using proto_util::ToTimestamp;

}  // namespace

absl::Span<const store::Migration> ReceiverMigrations() { return kMigrations; }

absl::StatusOr<absl::Time> ResultStore::Record(const v1::ReceiveReviewResultRequest& request,
                                               absl::Time now) {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Begin(*db_));
  {
    ASSIGN_OR_RETURN(store::Statement find, db_->Prepare(kFindResultSql));
    RETURN_IF_ERROR(find.BindAll(request.result_id()));
    ASSIGN_OR_RETURN(bool found, find.Step());
    if (found) {
      v1::ReceiveReviewResultRequest first;
      std::string_view bytes = find.ColumnBlob(0);
      if (!first.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
        return absl::DataLossError("stored result cannot be parsed");
      }
      if (DeterministicBytes(first) != DeterministicBytes(request)) {
        return status::WithErrorInfo(
            absl::AlreadyExistsError("result_id was received before with different content"),
            "RESULT_ID_REUSED", {{"result_id", request.result_id()}});
      }
      return absl::FromUnixMicros(find.ColumnInt64(1));
    }
  }
  {
    ASSIGN_OR_RETURN(store::Statement other, db_->Prepare(kFindByApplicationSql));
    RETURN_IF_ERROR(other.BindAll(request.ministry_application_id()));
    ASSIGN_OR_RETURN(bool found, other.Step());
    if (found) {
      return status::WithErrorInfo(
          absl::AlreadyExistsError("a different result for this application was received before"),
          "RESULT_ALREADY_RECORDED", {{"result_id", other.ColumnString(0)}});
    }
  }
  {
    ASSIGN_OR_RETURN(store::Statement insert, db_->Prepare(kInsertResultSql));
    RETURN_IF_ERROR(insert.BindAll(request.result_id(), request.ministry_application_id(),
                                   absl::ToUnixMicros(now)));
    RETURN_IF_ERROR(insert.BindBlob(4, DeterministicBytes(request)));
    RETURN_IF_ERROR(insert.Run());
  }
  RETURN_IF_ERROR(tx.Commit());
  return now;
}

absl::StatusOr<std::vector<ReceivedResult>> ResultStore::List() {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(store::Statement list, db_->Prepare(kListSql));
  std::vector<ReceivedResult> results;
  while (true) {
    ASSIGN_OR_RETURN(bool row, list.Step());
    if (!row) break;
    ReceivedResult result;
    std::string_view bytes = list.ColumnBlob(0);
    if (!result.request.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
      return absl::DataLossError("stored result cannot be parsed");
    }
    result.receive_time = absl::FromUnixMicros(list.ColumnInt64(1));
    results.push_back(std::move(result));
  }
  return results;
}

absl::Status ValidateReceiveReviewResult(const v1::ReceiveReviewResultRequest& request) {
  std::vector<status::FieldViolation> violations;
  auto add = [&](std::string field, std::string rule, std::string description) {
    violations.push_back({std::move(field), std::move(rule), std::move(description)});
  };
  if (request.result_id().empty()) {
    add("result_id", "REQUIRED", "result_id is required");
  } else if (request.result_id().size() > 64) {
    add("result_id", "TOO_LONG", "result_id has at most 64 characters");
  }
  if (request.ministry_application_id().empty()) {
    add("ministry_application_id", "REQUIRED", "the ministry application number is required");
  }
  if (request.outcome() != common::v1::REVIEW_OUTCOME_ACCEPTED &&
      request.outcome() != common::v1::REVIEW_OUTCOME_REJECTED) {
    add("outcome", request.outcome() == 0 ? "REQUIRED" : "CODE_UNKNOWN",
        "the outcome is accepted or rejected");
  }
  if (request.outcome() == common::v1::REVIEW_OUTCOME_REJECTED && request.reason().empty()) {
    add("reason", "REQUIRED", "a rejection carries its reason");
  }
  if (request.decided_on().empty()) {
    add("decided_on", "REQUIRED", "the decision date is required");
  } else if (absl::Status date = validation::ParseDate(request.decided_on()).status(); !date.ok()) {
    add("decided_on", "DATE_FORMAT", "the decision date is YYYY-MM-DD");
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
  if (!request.has_create_time()) {
    add("create_time", "REQUIRED", "create_time is required");
  }
  if (violations.empty()) return absl::OkStatus();
  return status::InvalidArgumentError("invalid ReceiveReviewResultRequest", violations);
}

MinistryReceiverService::MinistryReceiverService(ResultStore& store, const time::Clock& clock,
                                                 log::Logger logger, int unavailable_first_n)
    : store_(store),
      clock_(clock),
      logger_(std::move(logger)),
      unavailable_first_n_(unavailable_first_n) {}

grpc::ServerUnaryReactor* MinistryReceiverService::ReceiveReviewResult(
    grpc::CallbackServerContext* context, const v1::ReceiveReviewResultRequest* request,
    v1::ReceiveReviewResultResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  const int call = ++calls_;
  absl::Status status;
  if (call <= unavailable_first_n_) {
    status = absl::UnavailableError("the receiver refuses this call (--unavailable_first_n)");
  } else {
    status = ValidateReceiveReviewResult(*request);
  }
  if (status.ok()) {
    absl::StatusOr<absl::Time> received = store_.Record(*request, clock_.Now());
    if (received.ok()) *response->mutable_receive_time() = ToTimestamp(*received);
    status = received.status();
  }
  logger_.Info("review_result", {{"result_id", request->result_id()},
                                 {"ministry_application_id", request->ministry_application_id()},
                                 {"outcome", common::v1::ReviewOutcome_Name(request->outcome())},
                                 {"registration_id", request->registration_id()},
                                 {"status", status}});
  reactor->Finish(status::ToGrpcStatus(status));
  return reactor;
}

}  // namespace unemployment::ministry_receiver
