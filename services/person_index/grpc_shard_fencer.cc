#include "services/person_index/grpc_shard_fencer.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status/status_util.h"
#include "grpcpp/client_context.h"

namespace unemployment::person_index {

namespace reg = registration::v1;

GrpcShardFencer::GrpcShardFencer(const std::vector<server::RegistrationShard>& shards,
                                 const server::PeerChannels& peers) {
  for (const server::RegistrationShard& shard : shards) {
    stubs_.emplace(shard.id, reg::RegistrationService::NewStub(peers.Connect(shard.address)));
  }
}

void GrpcShardFencer::Fence(const std::string& shard, common::v1::Channel channel,
                            const std::string& channel_application_id, absl::Time deadline,
                            FenceCallback done) {
  auto it = stubs_.find(shard);
  if (it == stubs_.end()) {
    return done(status::WithErrorInfo(
        absl::UnavailableError(absl::StrCat("no address is configured for shard \"", shard, "\"")),
        "SHARD_NOT_CONFIGURED", {{"shard", shard}}));
  }
  struct Call {
    grpc::ClientContext context;
    reg::FenceChannelApplicationIdRequest request;
    reg::FenceChannelApplicationIdResponse response;
  };
  auto* call = new Call();
  call->context.set_deadline(absl::ToChronoTime(deadline));
  call->request.set_channel(channel);
  call->request.set_channel_application_id(channel_application_id);
  it->second->async()->FenceChannelApplicationId(
      &call->context, &call->request, &call->response,
      [call, done = std::move(done)](grpc::Status status) {
        std::unique_ptr<Call> owned(call);
        if (!status.ok()) return done(status::FromGrpcStatus(status));
        if (owned->response.fenced()) return done(std::optional<reg::Application>());
        done(std::optional<reg::Application>(std::move(*owned->response.mutable_application())));
      });
}

}  // namespace unemployment::person_index
