#include "common/server/peer_channels.h"

#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"

namespace unemployment::server {

absl::StatusOr<PeerChannels> PeerChannels::FromSettings(const Settings& settings) {
  PeerChannelOptions options;
  absl::StatusOr<int64_t> max_bytes = settings.GetInt("max_message_bytes");
  if (max_bytes.ok() && *max_bytes >= 1024 && *max_bytes <= (1 << 30)) {
    options.max_message_bytes = static_cast<int>(*max_bytes);
  }
  return PeerChannels(std::move(options));
}

std::shared_ptr<grpc::Channel> PeerChannels::Connect(const std::string& address,
                                                     grpc::ChannelArguments args) const {
  args.SetMaxReceiveMessageSize(options_.max_message_bytes);
  args.SetMaxSendMessageSize(options_.max_message_bytes);
  return grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args);
}

}  // namespace unemployment::server
