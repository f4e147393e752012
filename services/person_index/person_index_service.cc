#include "services/person_index/person_index_service.h"

#include <chrono>
#include <utility>

#include "common/status/status_util.h"
#include "common/status/violations_status.h"
#include "common/validation/violations.h"

namespace unemployment::person_index {
namespace {

grpc::ServerUnaryReactor* FinishNow(grpc::CallbackServerContext* context,
                                    const absl::Status& status) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(status::ToGrpcStatus(status));
  return reactor;
}

}  // namespace

PersonIndexServiceImpl::PersonIndexServiceImpl(PersonIndex& index, absl::Duration fence_timeout)
    : index_(index), fence_timeout_(fence_timeout) {}

grpc::ServerUnaryReactor* PersonIndexServiceImpl::Reserve(grpc::CallbackServerContext* context,
                                                          const v1::ReserveRequest* request,
                                                          v1::ReserveResponse* response) {
  if (absl::Status valid = ValidateReserveRequest(*request); !valid.ok()) {
    return FinishNow(context, valid);
  }
  absl::Time deadline = absl::Now() + fence_timeout_;
  if (context->deadline() != std::chrono::system_clock::time_point::max()) {
    deadline = std::min(deadline, absl::FromChrono(context->deadline()));
  }
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  index_.Reserve(*request, deadline,
                 [reactor, response](absl::StatusOr<v1::ReserveResponse> result) {
                   if (result.ok()) *response = *std::move(result);
                   reactor->Finish(status::ToGrpcStatus(result.status()));
                 });
  return reactor;
}

grpc::ServerUnaryReactor* PersonIndexServiceImpl::Complete(grpc::CallbackServerContext* context,
                                                           const v1::CompleteRequest* request,
                                                           v1::CompleteResponse* response) {
  absl::Status valid = ValidateChannelId(request->channel(), request->channel_application_id());
  if (valid.ok() && request->application_id().empty()) {
    valid =
        status::InvalidFieldError("application_id", "REQUIRED", "the application id is required");
  }
  if (!valid.ok()) return FinishNow(context, valid);
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  index_.Complete(*request, [reactor, response](absl::StatusOr<v1::Reservation> result) {
    if (result.ok()) *response->mutable_reservation() = *std::move(result);
    reactor->Finish(status::ToGrpcStatus(result.status()));
  });
  return reactor;
}

grpc::ServerUnaryReactor* PersonIndexServiceImpl::Release(grpc::CallbackServerContext* context,
                                                          const v1::ReleaseRequest* request,
                                                          v1::ReleaseResponse* response) {
  absl::Status valid = ValidateChannelId(request->channel(), request->channel_application_id());
  if (valid.ok() && request->fingerprint().empty()) {
    valid = status::InvalidFieldError("fingerprint", "REQUIRED", "the fingerprint is required");
  }
  if (!valid.ok()) return FinishNow(context, valid);
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  index_.Release(*request, [reactor, response](absl::StatusOr<bool> released) {
    if (released.ok()) response->set_released(*released);
    reactor->Finish(status::ToGrpcStatus(released.status()));
  });
  return reactor;
}

grpc::ServerUnaryReactor* PersonIndexServiceImpl::GetReservation(
    grpc::CallbackServerContext* context, const v1::GetReservationRequest* request,
    v1::GetReservationResponse* response) {
  if (absl::Status valid = ValidateChannelId(request->channel(), request->channel_application_id());
      !valid.ok()) {
    return FinishNow(context, valid);
  }
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  index_.Get(request->channel(), request->channel_application_id(),
             [reactor, response](absl::StatusOr<v1::Reservation> result) {
               if (result.ok()) *response->mutable_reservation() = *std::move(result);
               reactor->Finish(status::ToGrpcStatus(result.status()));
             });
  return reactor;
}

}  // namespace unemployment::person_index
