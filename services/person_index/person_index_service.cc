#include "services/person_index/person_index_service.h"

#include <utility>

#include "common/server/unary_handler.h"
#include "common/status/status_util.h"

namespace unemployment::person_index {
namespace {

// The checks shared by the calls that name a channel's application.
absl::Status ValidateNamedChannelId(common::v1::Channel channel, const std::string& id,
                                    absl::string_view field, const std::string& value,
                                    absl::string_view description) {
  absl::Status valid = ValidateChannelId(channel, id);
  if (valid.ok() && value.empty())
    valid = status::InvalidFieldError(field, "REQUIRED", description);
  return valid;
}

}  // namespace

PersonIndexServiceImpl::PersonIndexServiceImpl(PersonIndex& index, absl::Duration fence_timeout,
                                               log::Logger logger)
    : index_(index), fence_timeout_(fence_timeout), logger_(std::move(logger)) {}

grpc::ServerUnaryReactor* PersonIndexServiceImpl::Reserve(grpc::CallbackServerContext* context,
                                                          const v1::ReserveRequest* request,
                                                          v1::ReserveResponse* response) {
  return server::HandleUnaryAsync(
      context, logger_, "Reserve", request, response,
      [](v1::ReserveRequest& r) { return ValidateReserveRequest(r); },
      [this, context](const v1::ReserveRequest& r, auto done) {
        index_.Reserve(r, server::CallDeadline(*context, fence_timeout_), done);
      });
}

grpc::ServerUnaryReactor* PersonIndexServiceImpl::Complete(grpc::CallbackServerContext* context,
                                                           const v1::CompleteRequest* request,
                                                           v1::CompleteResponse* response) {
  return server::HandleUnaryAsync(
      context, logger_, "Complete", request, response,
      [](v1::CompleteRequest& r) {
        return ValidateNamedChannelId(r.channel(), r.channel_application_id(), "application_id",
                                      r.application_id(), "the application id is required");
      },
      [this, response](const v1::CompleteRequest& r, auto done) {
        index_.Complete(r, [response, done](absl::StatusOr<v1::Reservation> result) {
          if (result.ok()) *response->mutable_reservation() = *std::move(result);
          done(result.status());
        });
      });
}

grpc::ServerUnaryReactor* PersonIndexServiceImpl::Release(grpc::CallbackServerContext* context,
                                                          const v1::ReleaseRequest* request,
                                                          v1::ReleaseResponse* response) {
  return server::HandleUnaryAsync(
      context, logger_, "Release", request, response,
      [](v1::ReleaseRequest& r) {
        return ValidateNamedChannelId(r.channel(), r.channel_application_id(), "fingerprint",
                                      r.fingerprint(), "the fingerprint is required");
      },
      [this, response](const v1::ReleaseRequest& r, auto done) {
        index_.Release(r, [response, done](absl::StatusOr<bool> released) {
          if (released.ok()) response->set_released(*released);
          done(released.status());
        });
      });
}

grpc::ServerUnaryReactor* PersonIndexServiceImpl::GetReservation(
    grpc::CallbackServerContext* context, const v1::GetReservationRequest* request,
    v1::GetReservationResponse* response) {
  return server::HandleUnaryAsync(
      context, logger_, "GetReservation", request, response,
      [](v1::GetReservationRequest& r) {
        return ValidateChannelId(r.channel(), r.channel_application_id());
      },
      [this, response](const v1::GetReservationRequest& r, auto done) {
        index_.Get(r.channel(), r.channel_application_id(),
                   [response, done](absl::StatusOr<v1::Reservation> result) {
                     if (result.ok()) *response->mutable_reservation() = *std::move(result);
                     done(result.status());
                   });
      });
}

}  // namespace unemployment::person_index
