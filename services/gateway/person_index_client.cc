#include "services/gateway/person_index_client.h"

#include <utility>

#include "common/status/status_util.h"
#include "grpcpp/client_context.h"

namespace unemployment::gateway {
namespace {

namespace pi = personindex::v1;

template <typename Request, typename Response>
struct Call {
  grpc::ClientContext context;
  Request request;
  Response response;
};

// Runs one unary call on `stub`'s async interface; `method` is e.g.
// &Stub::async_interface::Reserve.
template <typename Request, typename Response, typename Start, typename OnOk>
void Run(const Request& request, absl::Time deadline, Start start, OnOk on_ok,
         std::function<void(absl::Status)> on_error) {
  auto* call = new Call<Request, Response>();
  call->context.set_deadline(absl::ToChronoTime(deadline));
  call->request = request;
  start(&call->context, &call->request, &call->response,
        [call, on_ok = std::move(on_ok), on_error = std::move(on_error)](grpc::Status status) {
          std::unique_ptr<Call<Request, Response>> owned(call);
          if (!status.ok()) return on_error(status::FromGrpcStatus(status));
          on_ok(std::move(owned->response));
        });
}

}  // namespace

GrpcPersonIndexClient::GrpcPersonIndexClient(const std::string& address,
                                             const server::PeerChannels& peers)
    : stub_(pi::PersonIndexService::NewStub(peers.Connect(address))) {}

void GrpcPersonIndexClient::Reserve(const pi::ReserveRequest& request, absl::Time deadline,
                                    Callback<pi::ReserveResponse> done) {
  auto shared = std::make_shared<Callback<pi::ReserveResponse>>(std::move(done));
  Run<pi::ReserveRequest, pi::ReserveResponse>(
      request, deadline,
      [this](grpc::ClientContext* c, const pi::ReserveRequest* q, pi::ReserveResponse* r,
             std::function<void(grpc::Status)> f) {
        stub_->async()->Reserve(c, q, r, std::move(f));
      },
      [shared](pi::ReserveResponse response) { (*shared)(std::move(response)); },
      [shared](absl::Status status) { (*shared)(std::move(status)); });
}

void GrpcPersonIndexClient::Complete(const pi::CompleteRequest& request, absl::Time deadline,
                                     Callback<pi::Reservation> done) {
  auto shared = std::make_shared<Callback<pi::Reservation>>(std::move(done));
  Run<pi::CompleteRequest, pi::CompleteResponse>(
      request, deadline,
      [this](grpc::ClientContext* c, const pi::CompleteRequest* q, pi::CompleteResponse* r,
             std::function<void(grpc::Status)> f) {
        stub_->async()->Complete(c, q, r, std::move(f));
      },
      [shared](pi::CompleteResponse response) {
        (*shared)(std::move(*response.mutable_reservation()));
      },
      [shared](absl::Status status) { (*shared)(std::move(status)); });
}

void GrpcPersonIndexClient::Release(const pi::ReleaseRequest& request, absl::Time deadline,
                                    Callback<bool> done) {
  auto shared = std::make_shared<Callback<bool>>(std::move(done));
  Run<pi::ReleaseRequest, pi::ReleaseResponse>(
      request, deadline,
      [this](grpc::ClientContext* c, const pi::ReleaseRequest* q, pi::ReleaseResponse* r,
             std::function<void(grpc::Status)> f) {
        stub_->async()->Release(c, q, r, std::move(f));
      },
      [shared](pi::ReleaseResponse response) { (*shared)(response.released()); },
      [shared](absl::Status status) { (*shared)(std::move(status)); });
}

void GrpcPersonIndexClient::GetReservation(common::v1::Channel channel,
                                           const std::string& channel_application_id,
                                           absl::Time deadline, Callback<pi::Reservation> done) {
  pi::GetReservationRequest request;
  request.set_channel(channel);
  request.set_channel_application_id(channel_application_id);
  auto shared = std::make_shared<Callback<pi::Reservation>>(std::move(done));
  Run<pi::GetReservationRequest, pi::GetReservationResponse>(
      request, deadline,
      [this](grpc::ClientContext* c, const pi::GetReservationRequest* q,
             pi::GetReservationResponse* r, std::function<void(grpc::Status)> f) {
        stub_->async()->GetReservation(c, q, r, std::move(f));
      },
      [shared](pi::GetReservationResponse response) {
        (*shared)(std::move(*response.mutable_reservation()));
      },
      [shared](absl::Status status) { (*shared)(std::move(status)); });
}

}  // namespace unemployment::gateway
