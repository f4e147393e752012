#pragma once

// The do-nothing reference of the intake benchmark: client -> echo forwarder -> echo server, the
// same process hops as client -> gateway -> registration, on the same server bootstrap
// (common/server), with handlers that do no work. The forwarder calls the next hop with the
// stub's async callback API, as the gateway calls registration, and never blocks a gRPC thread.

#include <memory>
#include <string>

#include "grpcpp/security/credentials.h"
#include "unemployment/testing/v1/echo_service.grpc.pb.h"

namespace unemployment::bench {

// Answers every Echo with its payload (or the requested fail_code).
class EchoServiceImpl final : public testing::v1::EchoService::CallbackService {
 public:
  grpc::ServerUnaryReactor* Echo(grpc::CallbackServerContext* context,
                                 const testing::v1::EchoRequest* request,
                                 testing::v1::EchoResponse* response) override;
};

// Passes every Echo on to the next hop and its answer back, with the caller's deadline.
class EchoForwarderImpl final : public testing::v1::EchoService::CallbackService {
 public:
  // `credentials` for the next hop (plaintext or mutual TLS).
  EchoForwarderImpl(const std::string& next_address,
                    std::shared_ptr<grpc::ChannelCredentials> credentials);

  grpc::ServerUnaryReactor* Echo(grpc::CallbackServerContext* context,
                                 const testing::v1::EchoRequest* request,
                                 testing::v1::EchoResponse* response) override;

 private:
  std::unique_ptr<testing::v1::EchoService::Stub> next_;
};

// The main of a child echo process: serves EchoServiceImpl (`next_address` empty, printed name
// "echo_server") or EchoForwarderImpl ("echo_forwarder") on `listen`, prints
// "<name> listening on HOST:PORT", and runs until SIGTERM or SIGINT. Returns the exit code. With
// `tls_ca_dir` (a dev CA of deploy/security/make-dev-ca.sh) every hop is mutual TLS: the server
// presents server/registration.pem (echo_server) or server/gateway.pem (echo_forwarder) and asks
// for a client certificate of the CA; the forwarder presents client/svc-gateway.pem.
int RunEchoProcess(const std::string& listen, const std::string& next_address,
                   const std::string& tls_ca_dir = "");

}  // namespace unemployment::bench
