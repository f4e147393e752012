#pragma once

// ShardFencer over gRPC: RegistrationService.FenceChannelApplicationId on the named shard, on the
// stub's async callback interface with the caller's deadline.

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/server/peer_channels.h"
#include "common/server/registration_shards.h"
#include "services/person_index/person_index.h"
#include "unemployment/registration/v1/registration_service.grpc.pb.h"

namespace unemployment::person_index {

class GrpcShardFencer final : public ShardFencer {
 public:
  GrpcShardFencer(const std::vector<server::RegistrationShard>& shards,
                  const server::PeerChannels& peers);
  void Fence(const std::string& shard, common::v1::Channel channel,
             const std::string& channel_application_id, absl::Time deadline,
             FenceCallback done) override;

 private:
  std::map<std::string, std::unique_ptr<registration::v1::RegistrationService::Stub>> stubs_;
};

}  // namespace unemployment::person_index
