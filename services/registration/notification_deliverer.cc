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
namespace notv1 = ::unemployment::notification::v1;
namespace {

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

GrpcNotificationSender::GrpcNotificationSender(std::shared_ptr<grpc::Channel> channel,
                                               absl::Duration deadline)
    : stub_(notv1::NotificationReceiverService::NewStub(std::move(channel))), deadline_(deadline) {}

absl::Status GrpcNotificationSender::Send(const notv1::DeliverNotificationRequest& request) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::microseconds(absl::ToInt64Microseconds(deadline_)));
  notv1::DeliverNotificationResponse response;
  return status::FromGrpcStatus(stub_->DeliverNotification(&context, request, &response));
}

notv1::DeliverNotificationRequest DeliveryRequestOf(const OutboxEntry& entry) {
  const v1::Notification& n = entry.notification;
  notv1::DeliverNotificationRequest request;
  request.set_notification_id(n.id());
  if (n.method() == v1::NOTIFICATION_METHOD_SMS) {
    request.set_channel(notv1::DELIVERY_CHANNEL_SMS);
    request.set_mobile(entry.target);
  } else {
    request.set_channel(notv1::DELIVERY_CHANNEL_ONLINE_REPLY);
    request.set_channel_application_id(n.recipient());
  }
  switch (n.kind()) {
    case v1::NOTIFICATION_KIND_APPLICATION_ACCEPTED:
      request.set_kind(notv1::NOTICE_KIND_APPLICATION_ACCEPTED);
      break;
    case v1::NOTIFICATION_KIND_APPLICATION_REJECTED:
      request.set_kind(notv1::NOTICE_KIND_APPLICATION_REJECTED);
      break;
    case v1::NOTIFICATION_KIND_REGISTRATION_DEREGISTERED:
      request.set_kind(notv1::NOTICE_KIND_REGISTRATION_DEREGISTERED);
      break;
    default:
      break;
  }
  request.set_text(n.text());
  request.set_office_region_code(n.office_region_code());
  request.set_application_id(n.application_id());
  request.set_registration_id(n.registration_id());
  *request.mutable_create_time() = n.create_time();
  return request;
}

NotificationDeliverer::NotificationDeliverer(RegistrationStore& store, const time::Clock& clock,
                                             MinistryFeedbackClient* ministry,
                                             NotificationSender* notices, log::Logger logger,
                                             Options options)
    : store_(store),
      ministry_(ministry),
      notices_(notices),
      logger_(std::move(logger)),
      options_(options),
      worker_(
          clock, [this](absl::Time now) { return RunOnce(now); }, logger_,
          options.initial_backoff) {}

NotificationDeliverer::~NotificationDeliverer() { Stop(); }

absl::Duration NotificationDeliverer::Backoff(int attempts_made) const {
  return server::ExponentialBackoff(options_.initial_backoff, options_.max_backoff, attempts_made);
}

OutboxEntry NotificationDeliverer::Attempt(OutboxEntry entry, absl::Time now) {
  v1::Notification& n = entry.notification;
  absl::Status result;
  switch (n.method()) {
    case v1::NOTIFICATION_METHOD_MINISTRY_RESULT_UPLOAD: {
      if (ministry_ == nullptr) {
        // No receiver configured (development): keep it pending without counting an attempt.
        entry.next_attempt_at = now + options_.max_backoff;
        *n.mutable_next_attempt_time() = ToTimestamp(entry.next_attempt_at);
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
    case v1::NOTIFICATION_METHOD_ONLINE_REPLY:
      if (notices_ == nullptr) {
        entry.next_attempt_at = now + options_.max_backoff;
        *n.mutable_next_attempt_time() = ToTimestamp(entry.next_attempt_at);
        return entry;
      }
      result = notices_->Send(DeliveryRequestOf(entry));
      break;
    default:
      // Can never be sent: final.
      result = absl::DataLossError("notification method has no deliverer");
  }
  n.set_attempt_count(n.attempt_count() + 1);
  *n.mutable_last_attempt_time() = ToTimestamp(now);
  if (result.ok()) {
    n.set_delivery_state(v1::DELIVERY_STATE_DELIVERED);
    *n.mutable_delivered_time() = ToTimestamp(now);
    n.clear_last_error();
    n.clear_next_attempt_time();
  } else {
    n.set_last_error(absl::StrCat(absl::StatusCodeToString(result.code()), ": ", result.message()));
    // A refusal by the receiver, or an entry that can never be sent, is final.
    if (IsPermanentRefusal(result.code()) || result.code() == absl::StatusCode::kDataLoss) {
      n.set_delivery_state(v1::DELIVERY_STATE_FAILED);
      n.clear_next_attempt_time();
    } else {
      entry.next_attempt_at = now + Backoff(n.attempt_count());
      *n.mutable_next_attempt_time() = ToTimestamp(entry.next_attempt_at);
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

void NotificationDeliverer::Start() { worker_.Start(); }

void NotificationDeliverer::Stop() { worker_.Stop(); }

void NotificationDeliverer::Wake() { worker_.Wake(); }

}  // namespace unemployment::registration
