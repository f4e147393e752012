#pragma once

// Channels from one service to another (registration -> verification, tiering -> registration,
// ...). Every outbound channel of a service process is made here, so that transport security and
// per-call credentials are decided in one place rather than at each call site.

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "common/server/settings.h"
#include "grpcpp/channel.h"
#include "grpcpp/support/channel_arguments.h"

namespace unemployment::server {

struct PeerChannelOptions {
  // Largest message a peer may send back, in bytes.
  int max_message_bytes = 4 * 1024 * 1024;
};

class PeerChannels {
 public:
  PeerChannels() = default;
  explicit PeerChannels(PeerChannelOptions options) : options_(std::move(options)) {}

  // Reads the peer settings defined by DefineCommonSettings.
  static absl::StatusOr<PeerChannels> FromSettings(const Settings& settings);

  // A channel to `address` (host:port). `args` may carry reconnect back-off and the like.
  std::shared_ptr<grpc::Channel> Connect(const std::string& address,
                                         grpc::ChannelArguments args = {}) const;

 private:
  PeerChannelOptions options_;
};

}  // namespace unemployment::server
