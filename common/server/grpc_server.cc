#include "common/server/grpc_server.h"

#include <fstream>
#include <sstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "grpc/health/v1/health.pb.h"
#include "common/server/reflection_service.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/impl/server_builder_option.h"
#include "grpcpp/impl/server_builder_plugin.h"
#include "grpcpp/impl/server_initializer.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server_builder.h"

namespace unemployment::server {
namespace {

absl::StatusOr<std::string> ReadFile(const std::string& path, absl::string_view what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::FailedPreconditionError(absl::StrCat("cannot read ", what, " '", path, "'"));
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> MakeCredentials(const ServerOptions& o) {
  if (o.tls_cert_file.empty() && o.tls_key_file.empty()) {
    if (!o.tls_client_ca_file.empty()) {
      return absl::InvalidArgumentError("a TLS client CA needs a TLS certificate and key too");
    }
    if (o.auth_processor != nullptr) {
      return absl::InvalidArgumentError("checking callers needs mutual TLS (certificate, key, client CA)");
    }
    return grpc::InsecureServerCredentials();
  }
  if (o.tls_cert_file.empty() || o.tls_key_file.empty()) {
    return absl::InvalidArgumentError("TLS needs both a certificate file and a key file");
  }
  grpc::SslServerCredentialsOptions ssl;
  absl::StatusOr<std::string> cert = ReadFile(o.tls_cert_file, "TLS certificate");
  if (!cert.ok()) return cert.status();
  absl::StatusOr<std::string> key = ReadFile(o.tls_key_file, "TLS key");
  if (!key.ok()) return key.status();
  ssl.pem_key_cert_pairs.push_back({*key, *cert});
  if (!o.tls_client_ca_file.empty()) {
    absl::StatusOr<std::string> ca = ReadFile(o.tls_client_ca_file, "TLS client CA");
    if (!ca.ok()) return ca.status();
    ssl.pem_root_certs = *ca;
    ssl.client_certificate_request = GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY;
  } else if (o.auth_processor != nullptr) {
    return absl::InvalidArgumentError("checking callers needs mutual TLS (a TLS client CA)");
  }
  std::shared_ptr<grpc::ServerCredentials> credentials = grpc::SslServerCredentials(ssl);
  if (o.auth_processor != nullptr) credentials->SetAuthMetadataProcessor(o.auth_processor);
  return credentials;
}

// Hands the server's list of services (its own and gRPC's health service) to reflection once the
// server has started; a plugin is the only place gRPC shows that list.
class ServiceListPlugin final : public grpc::ServerBuilderPlugin {
 public:
  explicit ServiceListPlugin(ReflectionServiceList* list) : list_(list) {}
  std::string name() override { return "unemployment_reflection_service_list"; }
  void InitServer(grpc::ServerInitializer* /*si*/) override {}
  void Finish(grpc::ServerInitializer* si) override { list_->Set(*si->GetServiceList()); }
  void ChangeArguments(const std::string& /*name*/, void* /*value*/) override {}
  bool has_async_methods() const override { return false; }
  bool has_sync_methods() const override { return false; }

 private:
  ReflectionServiceList* list_;
};

class ServiceListOption final : public grpc::ServerBuilderOption {
 public:
  explicit ServiceListOption(ReflectionServiceList* list) : list_(list) {}
  void UpdateArguments(grpc::ChannelArguments* /*args*/) override {}
  void UpdatePlugins(std::vector<std::unique_ptr<grpc::ServerBuilderPlugin>>* plugins) override {
    plugins->push_back(std::make_unique<ServiceListPlugin>(list_));
  }

 private:
  ReflectionServiceList* list_;
};

// Splits host:port; the host keeps IPv6 brackets.
bool SplitHostPort(absl::string_view address, absl::string_view* host, absl::string_view* port) {
  size_t colon = address.rfind(':');
  if (colon == absl::string_view::npos || colon == 0) return false;
  *host = address.substr(0, colon);
  *port = address.substr(colon + 1);
  if (host->front() == '[' && host->back() != ']') return false;
  if (host->front() != '[' && host->find(':') != absl::string_view::npos) return false;
  return true;
}

}  // namespace

absl::Status ValidateListenAddress(absl::string_view address) {
  absl::string_view host, port;
  int port_number = -1;
  if (!SplitHostPort(address, &host, &port) || port.empty() ||
      !absl::SimpleAtoi(port, &port_number) || port_number < 0 || port_number > 65535) {
    return absl::InvalidArgumentError(absl::StrCat(
        "listen address '", address, "' is not host:port with a port from 0 to 65535"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<GrpcServer>> GrpcServer::Start(
    const ServerOptions& options, const std::vector<grpc::Service*>& services) {
  if (absl::Status valid = ValidateListenAddress(options.listen_address); !valid.ok()) return valid;
  absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> credentials = MakeCredentials(options);
  if (!credentials.ok()) return credentials.status();

  grpc::EnableDefaultHealthCheckService(true);
  // gRPC's built-in health service has no descriptors in the protobuf pool; linking the generated
  // grpc.health.v1 messages puts them there, so reflection can describe every listed service
  // (`buf curl --list-methods`, `grpcurl describe`).
  grpc::health::v1::HealthCheckRequest::descriptor();
  auto reflection_list = std::make_unique<ReflectionServiceList>();
  auto reflection_v1 = std::make_unique<ReflectionV1Service>(reflection_list.get());
  auto reflection_v1alpha = std::make_unique<ReflectionV1AlphaService>(reflection_list.get());
  auto unserved = std::make_unique<UnservedMethodService>(options.answer_unserved);
  grpc::ServerBuilder builder;
  int bound_port = 0;
  builder.AddListeningPort(options.listen_address, *credentials, &bound_port);
  builder.SetMaxReceiveMessageSize(options.max_message_bytes);
  builder.SetMaxSendMessageSize(options.max_message_bytes);
  // Peers of the suite ping every 20 s while a call is open (PeerChannelOptions): accept pings
  // that often even when no data flows (gRPC's default would answer them with GOAWAY
  // too_many_pings after two), but no pings on connections without calls.
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, 10000);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 0);
  std::vector<grpc::Service*> all = services;
  all.push_back(reflection_v1.get());
  all.push_back(reflection_v1alpha.get());
  for (grpc::Service* service : all) {
    if (options.guard_service) options.guard_service(service);
    builder.RegisterService(service);
  }
  builder.RegisterCallbackGenericService(unserved.get());
  builder.SetOption(std::make_unique<ServiceListOption>(reflection_list.get()));
  if (options.make_interceptors) {
    builder.experimental().SetInterceptorCreators(options.make_interceptors());
  }
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || bound_port == 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on '", options.listen_address, "' (address in use or not local?)"));
  }
  std::unique_ptr<UnservedMethodService> health_unserved;
  std::unique_ptr<grpc::Server> health_server;
  int health_port = 0;
  if (!options.health_listen_address.empty()) {
    if (absl::Status valid = ValidateListenAddress(options.health_listen_address); !valid.ok()) {
      return valid;
    }
    // A server with no services of its own: it has only the default health service, and the
    // catch-all (which also gives it the callback queue gRPC needs to start).
    health_unserved = std::make_unique<UnservedMethodService>(nullptr);
    grpc::ServerBuilder health_builder;
    health_builder.RegisterCallbackGenericService(health_unserved.get());
    health_builder.AddListeningPort(options.health_listen_address, grpc::InsecureServerCredentials(),
                                    &health_port);
    health_builder.SetMaxReceiveMessageSize(4096);
    health_server = health_builder.BuildAndStart();
    if (health_server == nullptr || health_port == 0) {
      return absl::UnavailableError(absl::StrCat("cannot listen on '", options.health_listen_address,
                                                 "' for health checks"));
    }
  }
  absl::string_view host, port;
  SplitHostPort(options.listen_address, &host, &port);
  std::string dial_host(host);
  if (dial_host == "0.0.0.0" || dial_host == "[::]" || dial_host == "::") dial_host = "127.0.0.1";
  auto result = std::unique_ptr<GrpcServer>(
      new GrpcServer(std::move(server), bound_port, dial_host, options.shutdown_grace));
  result->reflection_list_ = std::move(reflection_list);
  result->reflection_v1_ = std::move(reflection_v1);
  result->reflection_v1alpha_ = std::move(reflection_v1alpha);
  result->unserved_ = std::move(unserved);
  result->health_unserved_ = std::move(health_unserved);
  result->health_server_ = std::move(health_server);
  result->health_port_ = health_port;
  result->SetServing(false);
  return result;
}

GrpcServer::GrpcServer(std::unique_ptr<grpc::Server> server, int port, std::string host,
                       absl::Duration grace)
    : server_(std::move(server)), port_(port), host_(std::move(host)), grace_(grace) {}

GrpcServer::~GrpcServer() {
  Shutdown();
  Wait();
}

std::string GrpcServer::address() const { return absl::StrCat(host_, ":", port_); }

void GrpcServer::SetServing(bool serving) {
  if (shut_down_) return;
  grpc::HealthCheckServiceInterface* health = server_->GetHealthCheckService();
  if (health != nullptr) health->SetServingStatus(serving);
  if (health_server_ != nullptr) {
    if (grpc::HealthCheckServiceInterface* h = health_server_->GetHealthCheckService()) {
      h->SetServingStatus(serving);
    }
  }
}

void GrpcServer::SetServiceServing(const std::string& service, bool serving) {
  if (shut_down_) return;
  if (grpc::HealthCheckServiceInterface* health = server_->GetHealthCheckService()) {
    health->SetServingStatus(service, serving);
  }
  if (health_server_ != nullptr) {
    if (grpc::HealthCheckServiceInterface* h = health_server_->GetHealthCheckService()) {
      h->SetServingStatus(service, serving);
    }
  }
}

void GrpcServer::Shutdown() {
  if (shut_down_) return;
  shut_down_ = true;
  // Health goes NOT_SERVING first (and stays so) so that probes and load balancers stop sending
  // new calls while the in-flight ones drain.
  if (grpc::HealthCheckServiceInterface* health = server_->GetHealthCheckService()) {
    health->Shutdown();
  }
  if (health_server_ != nullptr) {
    if (grpc::HealthCheckServiceInterface* h = health_server_->GetHealthCheckService()) h->Shutdown();
  }
  server_->Shutdown(absl::ToChronoTime(absl::Now() + grace_));
  if (health_server_ != nullptr) health_server_->Shutdown(absl::ToChronoTime(absl::Now()));
}

void GrpcServer::Wait() {
  server_->Wait();
  if (health_server_ != nullptr) health_server_->Wait();
}

}  // namespace unemployment::server
