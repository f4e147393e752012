#include "services/followup/registration_client.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/status/status_util.h"

namespace unemployment::followup {

namespace regv1 = ::unemployment::registration::v1;

GrpcRegistrationClient::GrpcRegistrationClient(std::shared_ptr<grpc::Channel> channel,
                                               absl::Duration timeout)
    : stub_(regv1::RegistrationService::NewStub(std::move(channel))), timeout_(timeout) {}

void GrpcRegistrationClient::Deregister(const regv1::DeregisterRequest& request,
                                        absl::Time deadline, DeregisterDone done) {
  // Owns what the async call needs until its callback has run.
  struct Call {
    grpc::ClientContext context;
    regv1::DeregisterRequest request;
    regv1::DeregisterResponse response;
    DeregisterDone done;
  };
  auto* call = new Call;
  call->request = request;
  call->done = std::move(done);
  call->context.set_deadline(absl::ToChronoTime(std::min(deadline, absl::Now() + timeout_)));
  stub_->async()->Deregister(&call->context, &call->request, &call->response,
                             [call](grpc::Status status) {
                               std::unique_ptr<Call> owned(call);
                               if (status.ok()) {
                                 owned->done(std::move(owned->response));
                               } else {
                                 owned->done(status::FromGrpcStatus(status));
                               }
                             });
}

ShardedRegistrationClient::ShardedRegistrationClient(
    std::map<std::string, RegistrationClient*> shards)
    : shards_(std::move(shards)) {}

const std::string* ShardedRegistrationClient::ShardOf(absl::string_view registration_id) const {
  if (shards_.size() == 1) return &shards_.begin()->first;
  const size_t dash = registration_id.find('-');
  if (dash == absl::string_view::npos) return nullptr;
  auto it = shards_.find(std::string(registration_id.substr(0, dash)));
  return it == shards_.end() ? nullptr : &it->first;
}

void ShardedRegistrationClient::Deregister(const regv1::DeregisterRequest& request,
                                           absl::Time deadline, DeregisterDone done) {
  const std::string* shard = ShardOf(request.registration_id());
  if (shard == nullptr) {
    done(status::WithErrorInfo(
        absl::FailedPreconditionError(absl::StrCat("registration ", request.registration_id(),
                                                   " belongs to no configured registration shard")),
        "REGISTRATION_SHARD_UNKNOWN"));
    return;
  }
  shards_.at(*shard)->Deregister(request, deadline, std::move(done));
}

}  // namespace unemployment::followup
