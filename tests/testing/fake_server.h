#pragma once

// A test's fake gRPC service served on loopback port 0 for as long as the object lives. The
// service's StopStreams() is called before the server shuts down, so that open streams end.
// Header only: the test binary links the server library (ue::server) itself.

#include <cstdlib>
#include <memory>
#include <string>
#include <utility>

#include "common/server/grpc_server.h"

namespace unemployment::testing {

template <typename Service>
class FakeServer {
 public:
  // Constructs the service from `args` and serves it.
  template <typename... Args>
  explicit FakeServer(Args&&... args) : service_(std::forward<Args>(args)...) {
    auto started = server::GrpcServer::Start(server::ServerOptions(), {&service_});
    if (!started.ok()) std::abort();
    server_ = *std::move(started);
  }
  ~FakeServer() {
    service_.StopStreams();
    server_->Shutdown();
  }
  FakeServer(const FakeServer&) = delete;
  FakeServer& operator=(const FakeServer&) = delete;

  Service& service() { return service_; }
  std::string address() const { return server_->address(); }

 private:
  Service service_;
  std::unique_ptr<server::GrpcServer> server_;
};

}  // namespace unemployment::testing
