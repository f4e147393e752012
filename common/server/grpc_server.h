#pragma once

// A gRPC server with the suite's standard parts: the grpc.health.v1 service (NOT_SERVING until
// the owner calls SetServing(true), i.e. after storage is open), server reflection v1 and v1alpha
// (reflection_service.h, guarded like every service), an answer with ErrorInfo for methods it does
// not serve, optional TLS
// (mutual when a client CA is given), a message-size limit, and graceful shutdown that first
// reports NOT_SERVING and then drains in-flight calls within a deadline.

#include <functional>
#include <memory>
#include <string>
#include "absl/strings/string_view.h"
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpcpp/generic/async_generic_service.h"
#include "grpcpp/security/auth_metadata_processor.h"
#include "grpcpp/server.h"
#include "grpcpp/support/server_interceptor.h"

namespace unemployment::server {

class ReflectionServiceList;
class ReflectionV1Service;
class ReflectionV1AlphaService;
class UnservedMethodService;

struct ServerOptions {
  // host:port; port 0 asks the kernel for a free port (read it back with port()).
  std::string listen_address = "127.0.0.1:0";
  // PEM files. All empty: plaintext. Cert and key: TLS. Plus client CA: mutual TLS.
  std::string tls_cert_file;
  std::string tls_key_file;
  std::string tls_client_ca_file;
  // Checks every call before its handler (authentication, authorisation, rates); needs mutual
  // TLS (gRPC runs it only on secure connections). Null: none.
  std::shared_ptr<grpc::AuthMetadataProcessor> auth_processor;
  // Called with each service before the server starts (the guard wraps its methods' handlers so
  // that its refusals carry details: security::CallGuard::GuardService). Empty: none.
  std::function<void(grpc::Service*)> guard_service;
  // Answers a call of a method no service has (the guard's refusal of the caller, else
  // METHOD_NOT_SERVED). Empty: UNIMPLEMENTED with ErrorInfo reason METHOD_NOT_SERVED.
  std::function<grpc::Status(const grpc::GenericCallbackServerContext&)> answer_unserved;
  // Makes the server's interceptors (the audit log); may be empty.
  std::function<std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>()>
      make_interceptors;
  // host:port of a second, plaintext listener that serves only grpc.health.v1.Health (for probes
  // that cannot present a client certificate). Empty: none.
  std::string health_listen_address;
  // Largest request or response message accepted, in bytes.
  int max_message_bytes = 4 * 1024 * 1024;
  // How long shutdown waits for in-flight calls before cancelling them.
  absl::Duration shutdown_grace = absl::Seconds(10);
};

// Checks that `address` is host:port with a port in 0..65535 (IPv6 hosts in brackets).
absl::Status ValidateListenAddress(absl::string_view address);

class GrpcServer final {
 public:
  // Builds and starts a server for `services` (not owned; they must outlive the server).
  static absl::StatusOr<std::unique_ptr<GrpcServer>> Start(const ServerOptions& options,
                                                           const std::vector<grpc::Service*>& services);
  ~GrpcServer();

  GrpcServer(const GrpcServer&) = delete;
  GrpcServer& operator=(const GrpcServer&) = delete;

  // The bound port and the address clients can dial ("127.0.0.1:43123").
  int port() const { return port_; }
  std::string address() const;

  // The bound port of the health-only listener (0: none).
  int health_port() const { return health_port_; }

  // Sets the overall health status (the empty service name that probes ask for) and, with it, every
  // named entry.
  void SetServing(bool serving);
  // Sets the health status of one named entry (a detail; the overall status is unchanged).
  void SetServiceServing(const std::string& service, bool serving);

  // Reports NOT_SERVING, stops accepting calls and waits up to the grace period for in-flight
  // calls; idempotent.
  void Shutdown();

  // Blocks until the server has shut down.
  void Wait();

 private:
  GrpcServer(std::unique_ptr<grpc::Server> server, int port, std::string host,
             absl::Duration grace);

  // The standard services; they outlive server_ (declared first, destroyed last).
  std::unique_ptr<ReflectionServiceList> reflection_list_;
  std::unique_ptr<ReflectionV1Service> reflection_v1_;
  std::unique_ptr<ReflectionV1AlphaService> reflection_v1alpha_;
  std::unique_ptr<UnservedMethodService> unserved_;
  std::unique_ptr<UnservedMethodService> health_unserved_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<grpc::Server> health_server_;
  int health_port_ = 0;
  int port_;
  std::string host_;
  absl::Duration grace_;
  bool shut_down_ = false;
};

}  // namespace unemployment::server
