#include "tests/bench/echo_chain.h"

#include <signal.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <iostream>
#include <vector>

#include "common/server/grpc_server.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"

namespace unemployment::bench {
namespace {

// The forwarder's cap on the next hop, as the gateway caps its calls to registration.
constexpr std::chrono::seconds kNextHopTimeout(10);

// One forwarded call: what the async stub needs until its callback ran.
struct ForwardedCall {
  grpc::ClientContext context;
};

}  // namespace

grpc::ServerUnaryReactor* EchoServiceImpl::Echo(grpc::CallbackServerContext* context,
                                                const testing::v1::EchoRequest* request,
                                                testing::v1::EchoResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  if (request->fail_code() != 0) {
    reactor->Finish(grpc::Status(static_cast<grpc::StatusCode>(request->fail_code()), "requested"));
    return reactor;
  }
  response->set_payload(request->payload());
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

EchoForwarderImpl::EchoForwarderImpl(const std::string& next_address,
                                     std::shared_ptr<grpc::ChannelCredentials> credentials)
    : next_(testing::v1::EchoService::NewStub(
          grpc::CreateChannel(next_address, std::move(credentials)))) {}

grpc::ServerUnaryReactor* EchoForwarderImpl::Echo(grpc::CallbackServerContext* context,
                                                  const testing::v1::EchoRequest* request,
                                                  testing::v1::EchoResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  auto* call = new ForwardedCall();
  call->context.set_deadline(
      std::min(context->deadline(), std::chrono::system_clock::now() + kNextHopTimeout));
  // The request and response stay valid until the reactor finishes, so they are passed through.
  next_->async()->Echo(&call->context, request, response, [call, reactor](grpc::Status status) {
    delete call;
    reactor->Finish(status);
  });
  return reactor;
}

namespace {

std::string ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

}  // namespace

int RunEchoProcess(const std::string& listen, const std::string& next_address,
                   const std::string& tls_ca_dir) {
  // As common/server/service_main.cc: take the stop signals synchronously on this thread.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  const std::string name = next_address.empty() ? "echo_server" : "echo_forwarder";
  std::shared_ptr<grpc::ChannelCredentials> credentials = grpc::InsecureChannelCredentials();
  server::ServerOptions options;
  options.listen_address = listen;
  if (!tls_ca_dir.empty()) {
    const std::string cert = next_address.empty() ? "registration" : "gateway";
    options.tls_cert_file = tls_ca_dir + "/server/" + cert + ".pem";
    options.tls_key_file = tls_ca_dir + "/server/" + cert + ".key";
    options.tls_client_ca_file = tls_ca_dir + "/ca.pem";
    grpc::SslCredentialsOptions tls;
    tls.pem_root_certs = ReadText(tls_ca_dir + "/ca.pem");
    tls.pem_cert_chain = ReadText(tls_ca_dir + "/client/svc-gateway.pem");
    tls.pem_private_key = ReadText(tls_ca_dir + "/client/svc-gateway.key");
    credentials = grpc::SslCredentials(tls);
  }
  std::unique_ptr<grpc::Service> service;
  if (next_address.empty()) {
    service = std::make_unique<EchoServiceImpl>();
  } else {
    service = std::make_unique<EchoForwarderImpl>(next_address, credentials);
  }
  absl::StatusOr<std::unique_ptr<server::GrpcServer>> grpc_server =
      server::GrpcServer::Start(options, {service.get()});
  if (!grpc_server.ok()) {
    std::cerr << name << ": error: " << grpc_server.status().message() << std::endl;
    return 1;
  }
  (*grpc_server)->SetServing(true);
  std::cout << name << " listening on " << (*grpc_server)->address() << std::endl;

  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  (*grpc_server)->Shutdown();
  (*grpc_server)->Wait();
  return 0;
}

}  // namespace unemployment::bench
