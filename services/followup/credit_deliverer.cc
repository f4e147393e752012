#include "services/followup/credit_deliverer.h"

#include <algorithm>
#include <chrono>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/proto_util/message_util.h"
#include "common/status/macros.h"
#include "common/status/status_util.h"
#include "grpcpp/client_context.h"
#include "services/followup/domain_util.h"

namespace unemployment::followup {
namespace {

// CreditDeliveryState as stored.
constexpr int kPending = v1::CREDIT_DELIVERY_STATE_PENDING;
constexpr int kDelivered = v1::CREDIT_DELIVERY_STATE_DELIVERED;
constexpr int kFailed = v1::CREDIT_DELIVERY_STATE_FAILED;

bool IsPermanentRefusal(absl::StatusCode code) {
  return code == absl::StatusCode::kInvalidArgument || code == absl::StatusCode::kNotFound ||
         code == absl::StatusCode::kAlreadyExists || code == absl::StatusCode::kDataLoss;
}

}  // namespace

GrpcCreditRecordSender::GrpcCreditRecordSender(std::shared_ptr<grpc::Channel> channel,
                                               absl::Duration deadline)
    : stub_(notv1::CreditRecordReceiverService::NewStub(std::move(channel))), deadline_(deadline) {}

absl::Status GrpcCreditRecordSender::Send(const notv1::DeliverCreditRecordRequest& request) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::microseconds(absl::ToInt64Microseconds(deadline_)));
  notv1::DeliverCreditRecordResponse response;
  return status::FromGrpcStatus(stub_->DeliverCreditRecord(&context, request, &response));
}

notv1::DeliverCreditRecordRequest CreditRecordRequestOf(const v1::FraudCase& c,
                                                        int64_t create_micros) {
  notv1::DeliverCreditRecordRequest request;
  request.set_record_id(c.case_id());
  *request.mutable_person_id() = c.person_id();
  request.set_name(c.name());
  request.set_city_code(c.city_code());
  request.set_office_region_code(c.office_region_code());
  request.set_behaviour(c.benefit() == v1::FRAUD_BENEFIT_SUPPORT_POLICY
                            ? notv1::CREDIT_BEHAVIOUR_SUPPORT_POLICY_FRAUD
                            : notv1::CREDIT_BEHAVIOUR_UNEMPLOYMENT_INSURANCE_FRAUD);
  request.set_description(c.description());
  request.set_amount_fen(c.amount_involved_fen());
  request.set_concluded_on(c.concluded_on());
  request.set_decision_document(c.decision_document());
  *request.mutable_create_time() = proto_util::MicrosToTimestamp(create_micros);
  return request;
}

v1::CreditDelivery CreditDeliveryOf(const CreditDeliveryRow& row, absl::Time now) {
  v1::CreditDelivery out;
  out.set_case_id(row.case_id);
  out.set_city_code(row.city_code);
  out.set_office_region_code(row.office_region_code);
  out.set_state(static_cast<v1::CreditDeliveryState>(row.state));
  out.set_attempt_count(row.attempt_count);
  out.set_last_error(row.last_error);
  *out.mutable_create_time() = proto_util::MicrosToTimestamp(row.create_micros);
  if (row.last_attempt_micros.has_value()) {
    *out.mutable_last_attempt_time() = proto_util::MicrosToTimestamp(*row.last_attempt_micros);
  }
  if (row.state == kPending && row.next_attempt_micros.has_value()) {
    *out.mutable_next_attempt_time() = proto_util::MicrosToTimestamp(*row.next_attempt_micros);
  }
  if (row.delivered_micros.has_value()) {
    *out.mutable_delivered_time() = proto_util::MicrosToTimestamp(*row.delivered_micros);
  }
  out.set_age_seconds(
      std::max<int64_t>(0, (absl::ToUnixMicros(now) - row.create_micros) / 1000000));
  return out;
}

CreditDeliverer::CreditDeliverer(FollowupStore& store, const time::Clock& clock,
                                 CreditRecordSender* sender, log::Logger logger, Options options)
    : store_(store),
      sender_(sender),
      logger_(std::move(logger)),
      options_(options),
      worker_(
          clock, [this](absl::Time now) { return RunOnce(now); }, logger_,
          options.initial_backoff) {}

CreditDeliverer::~CreditDeliverer() { Stop(); }

absl::Duration CreditDeliverer::Backoff(int attempts_made) const {
  return server::ExponentialBackoff(options_.initial_backoff, options_.max_backoff, attempts_made);
}

CreditDeliveryRow CreditDeliverer::Attempt(CreditDeliveryRow row, absl::Time now) {
  absl::Status result;
  absl::StatusOr<std::optional<v1::FraudCase>> fraud_case = store_.GetFraudCase(row.case_id);
  if (!fraud_case.ok()) {
    result = fraud_case.status();  // a read error: retried
  } else if (!fraud_case->has_value() || (*fraud_case)->state() != v1::FRAUD_CASE_STATE_CONFIRMED) {
    result = absl::DataLossError("the case of the hand-over is missing or not confirmed");
  } else {
    result = sender_->Send(CreditRecordRequestOf(**fraud_case, row.create_micros));
  }
  const int64_t now_micros = absl::ToUnixMicros(now);
  ++row.attempt_count;
  row.last_attempt_micros = now_micros;
  if (result.ok()) {
    row.state = kDelivered;
    row.delivered_micros = now_micros;
    row.next_attempt_micros.reset();
    row.last_error.clear();
  } else {
    row.last_error = absl::StrCat(absl::StatusCodeToString(result.code()), ": ", result.message());
    if (IsPermanentRefusal(result.code())) {
      row.state = kFailed;
      row.next_attempt_micros.reset();
    } else {
      row.next_attempt_micros = absl::ToUnixMicros(now + Backoff(row.attempt_count));
    }
  }
  logger_.Info(
      "credit_record_attempt",
      {{"case_id", row.case_id},
       {"attempt", row.attempt_count},
       {"state", v1::CreditDeliveryState_Name(static_cast<v1::CreditDeliveryState>(row.state))},
       {"result", result}});
  return row;
}

absl::StatusOr<std::optional<absl::Time>> CreditDeliverer::RunOnce(absl::Time now) {
  if (sender_ == nullptr) return std::optional<absl::Time>();
  ASSIGN_OR_RETURN(std::vector<CreditDeliveryRow> due,
                   store_.DueCreditDeliveries(absl::ToUnixMicros(now), options_.batch_size));
  for (CreditDeliveryRow& row : due) {
    CreditDeliveryRow updated = Attempt(std::move(row), now);
    RETURN_IF_ERROR(store_.WriteAndWait(
        [&updated](FollowupTransaction& tx) { return tx.UpdateCreditDelivery(updated); }));
  }
  ASSIGN_OR_RETURN(std::optional<int64_t> next, store_.NextCreditDeliveryDue());
  if (!next.has_value()) return std::optional<absl::Time>();
  return std::optional<absl::Time>(absl::FromUnixMicros(*next));
}

void CreditDeliverer::Start() {
  if (sender_ != nullptr) worker_.Start();
}

void CreditDeliverer::Stop() { worker_.Stop(); }

void CreditDeliverer::Wake() { worker_.Wake(); }

}  // namespace unemployment::followup
