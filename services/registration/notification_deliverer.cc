#include "services/registration/notification_deliverer.h"

#include <chrono>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status/macros.h"
#include "common/status/status_util.h"
#include "grpcpp/channel.h"
#include "grpcpp/client_context.h"
#include "services/registration/proto_util.h"

namespace unemployment::registration {
namespace {

// How long the worker sleeps when nothing is pending and nobody wakes it (a safety net; commits
// that queue notifications call Wake()).
constexpr absl::Duration kIdleWait = absl::Minutes(1);

bool IsPermanentRefusal(absl::StatusCode code) {
  return code == absl::StatusCode::kInvalidArgument || code == absl::StatusCode::kNotFound ||
         code == absl::StatusCode::kAlreadyExists;
}

}  // namespace

GrpcMinistryFeedbackClient::GrpcMinistryFeedbackClient(std::shared_ptr<grpc::Channel> channel,
                                                       absl::Duration deadline)
    : stub_(v1::MinistryFeedbackService::NewStub(std::move(channel))), deadline_(deadline) {}

absl::Status GrpcMinistryFeedbackClient::Send(const v1::ReceiveReviewResultRequest& request) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::microseconds(absl::ToInt64Microseconds(deadline_)));
  v1::ReceiveReviewResultResponse response;
  return status::FromGrpcStatus(stub_->ReceiveReviewResult(&context, request, &response));
}

absl::Status LogSmsSender::Send(const std::string& mobile, const std::string& text) {
  logger_.Info("sms_sent", {{"mobile", mobile}, {"text", text}});
  return absl::OkStatus();
}

NotificationDeliverer::NotificationDeliverer(RegistrationStore& store, const time::Clock& clock,
                                             MinistryFeedbackClient* ministry, SmsSender* sms,
                                             log::Logger logger, Options options)
    : store_(store),
      clock_(clock),
      ministry_(ministry),
      sms_(sms),
      logger_(std::move(logger)),
      options_(options) {}

NotificationDeliverer::~NotificationDeliverer() { Stop(); }

absl::Duration NotificationDeliverer::Backoff(int attempts_made) const {
  absl::Duration delay = options_.initial_backoff;
  for (int i = 1; i < attempts_made && delay < options_.max_backoff; ++i) delay *= 2;
  return delay < options_.max_backoff ? delay : options_.max_backoff;
}

OutboxEntry NotificationDeliverer::Attempt(OutboxEntry entry, absl::Time now) {
  v1::Notification& n = entry.notification;
  absl::Status result;
  switch (n.method()) {
    case v1::NOTIFICATION_METHOD_MINISTRY_RESULT_UPLOAD: {
      if (ministry_ == nullptr) {
        // No receiver configured: keep it pending without counting an attempt.
        entry.next_attempt_at = now + options_.max_backoff;
        return entry;
      }
      v1::ReceiveReviewResultRequest request;
      if (!request.ParseFromString(entry.payload)) {
        result = absl::DataLossError("the stored upload cannot be parsed");
      } else {
        result = ministry_->Send(request);
      }
      break;
    }
    case v1::NOTIFICATION_METHOD_SMS:
      result = sms_ != nullptr ? sms_->Send(entry.target, n.text())
                               : absl::UnavailableError("no SMS sender");
      break;
    default:
      result = absl::InternalError("notification method has no deliverer");
  }
  n.set_attempt_count(n.attempt_count() + 1);
  *n.mutable_last_attempt_time() = ToTimestamp(now);
  if (result.ok()) {
    n.set_delivery_state(v1::DELIVERY_STATE_DELIVERED);
    *n.mutable_delivered_time() = ToTimestamp(now);
    n.clear_last_error();
  } else {
    n.set_last_error(absl::StrCat(absl::StatusCodeToString(result.code()), ": ", result.message()));
    // A refusal by the receiver, or an entry that can never be sent, is final.
    const bool local_fault = n.method() != v1::NOTIFICATION_METHOD_MINISTRY_RESULT_UPLOAD &&
                             result.code() == absl::StatusCode::kInternal;
    if (IsPermanentRefusal(result.code()) || result.code() == absl::StatusCode::kDataLoss ||
        local_fault) {
      n.set_delivery_state(v1::DELIVERY_STATE_FAILED);
    } else {
      entry.next_attempt_at = now + Backoff(n.attempt_count());
    }
  }
  logger_.Info("notification_attempt",
               {{"notification_id", n.id()},
                {"method", v1::NotificationMethod_Name(n.method())},
                {"attempt", n.attempt_count()},
                {"state", v1::DeliveryState_Name(n.delivery_state())},
                {"result", result}});
  return entry;
}

absl::StatusOr<std::optional<absl::Time>> NotificationDeliverer::RunOnce(absl::Time now) {
  ASSIGN_OR_RETURN(std::vector<OutboxEntry> due, store_.DueNotifications(now, options_.batch_size));
  for (OutboxEntry& entry : due) {
    OutboxEntry updated = Attempt(std::move(entry), now);
    RETURN_IF_ERROR(store_.WriteAndWait([&updated](RegistrationTransaction& tx) {
      return tx.UpdateNotificationDelivery(updated);
    }));
  }
  return store_.NextDueTime();
}

void NotificationDeliverer::Start() {
  absl::MutexLock lock(&mu_);
  if (worker_.joinable()) return;
  stop_ = false;
  worker_ = std::thread([this] { WorkerLoop(); });
}

void NotificationDeliverer::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stop_ = true;
  }
  if (worker_.joinable()) worker_.join();
}

void NotificationDeliverer::Wake() {
  absl::MutexLock lock(&mu_);
  wake_ = true;
}

void NotificationDeliverer::WorkerLoop() {
  while (true) {
    const absl::Time now = clock_.Now();
    absl::Duration wait = kIdleWait;
    absl::StatusOr<std::optional<absl::Time>> next = RunOnce(now);
    if (!next.ok()) {
      logger_.Error("delivery_round_failed", {{"status", next.status()}});
      wait = options_.initial_backoff;
    } else if (next->has_value()) {
      wait = std::min(kIdleWait, std::max(absl::ZeroDuration(), **next - clock_.Now()));
    }
    absl::MutexLock lock(&mu_);
    mu_.AwaitWithTimeout(
        absl::Condition(+[](NotificationDeliverer* self) { return self->wake_ || self->stop_; },
                        this),
        wait);
    if (stop_) return;
    wake_ = false;
  }
}

}  // namespace unemployment::registration
