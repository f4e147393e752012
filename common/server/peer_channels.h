#pragma once

// Channels from one service to another (registration -> verification, tiering -> registration,
// ...). Every outbound channel of a service process is made here, so that transport security and
// per-call credentials are decided in one place rather than at each call site.

#include <memory>
#include <string>

#include "absl/time/time.h"

#include "absl/status/statusor.h"
#include "common/server/settings.h"
#include "grpcpp/channel.h"
#include "grpcpp/support/channel_arguments.h"

namespace unemployment::server {

struct PeerChannelOptions {
  // Largest message a peer may send back, in bytes.
  int max_message_bytes = 4 * 1024 * 1024;
  // PEM contents. root_ca empty: plaintext channels (security off). Otherwise TLS that checks the
  // peer's certificate against root_ca and, when given, presents client_cert/client_key (mTLS).
  std::string root_ca;
  std::string client_cert;
  std::string client_key;
  // A signed call token sent with every call (authorization: Bearer ...); empty: none (the
  // services' own systems are certificate-only in data/security/policy).
  std::string call_token;
  // Keepalive pings on a connection with calls open: a peer that vanished without closing its
  // connections (node lost, pod killed and its address gone) is noticed within
  // keepalive_time + keepalive_timeout, so a long-lived stream (a feed) reconnects instead of
  // waiting forever. Servers of the suite accept pings this often (grpc_server.cc).
  absl::Duration keepalive_time = absl::Seconds(20);
  absl::Duration keepalive_timeout = absl::Seconds(10);
  // Shortest pause between two DNS look-ups of a peer's name after a connection failed (gRPC's
  // default is 30 s): a restarted pod at a new address is found within seconds.
  absl::Duration min_reresolution_interval = absl::Seconds(2);
};

class PeerChannels {
 public:
  PeerChannels() = default;
  explicit PeerChannels(PeerChannelOptions options) : options_(std::move(options)) {}

  // Reads the peer settings defined by DefineCommonSettings: --peer_tls_ca (default: --tls_client_ca),
  // --peer_tls_cert, --peer_tls_key, --peer_token_file, --max_message_bytes.
  static absl::StatusOr<PeerChannels> FromSettings(const Settings& settings);

  // A channel to `address` (host:port). `args` may carry reconnect back-off and the like. Every
  // call on it must still set its own deadline. A call created on a thread with a current request
  // id (common/log/request_id.h: inside a server call's handler, or a worker's scope) sends it as
  // `x-request-id`.
  std::shared_ptr<grpc::Channel> Connect(const std::string& address,
                                         grpc::ChannelArguments args = {}) const;

 private:
  PeerChannelOptions options_;
};

}  // namespace unemployment::server
