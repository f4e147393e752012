#include "common/server/grpc_server.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <map>

#include "common/server/service_main.h"
#include "common/server/settings.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/create_channel.h"
#include "unemployment/testing/v1/echo_service.grpc.pb.h"

namespace unemployment::server {
namespace {

using grpc::health::v1::HealthCheckRequest;
using grpc::health::v1::HealthCheckResponse;

class EchoImpl final : public testing::v1::EchoService::CallbackService {
  grpc::ServerUnaryReactor* Echo(grpc::CallbackServerContext* context,
                                 const testing::v1::EchoRequest* request,
                                 testing::v1::EchoResponse* response) override {
    response->set_payload(request->payload());
    auto* reactor = context->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }
};

HealthCheckResponse::ServingStatus Check(const std::string& address) {
  auto stub = grpc::health::v1::Health::NewStub(
      grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  HealthCheckResponse response;
  grpc::Status status = stub->Check(&context, HealthCheckRequest(), &response);
  REQUIRE(status.ok());
  return response.status();
}

TEST_CASE("server on port 0 reports its port and serves health", "[server][grpc]") {
  EchoImpl echo;
  auto server = GrpcServer::Start({}, {&echo});
  REQUIRE(server.ok());
  REQUIRE((*server)->port() > 0);
  CHECK(Check((*server)->address()) == HealthCheckResponse::NOT_SERVING);
  (*server)->SetServing(true);
  CHECK(Check((*server)->address()) == HealthCheckResponse::SERVING);

  auto stub = testing::v1::EchoService::NewStub(
      grpc::CreateChannel((*server)->address(), grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  testing::v1::EchoRequest request;
  request.set_payload("hello");
  testing::v1::EchoResponse response;
  REQUIRE(stub->Echo(&context, request, &response).ok());
  CHECK(response.payload() == "hello");
  (*server)->Shutdown();
}

TEST_CASE("listen addresses are validated", "[server]") {
  CHECK(ValidateListenAddress("ue-host.example:0").ok());
  CHECK(ValidateListenAddress("0.0.0.0:50051").ok());
  CHECK(ValidateListenAddress("[::1]:8080").ok());
  CHECK(ValidateListenAddress("ue-host.example:65535").ok());
  CHECK_FALSE(ValidateListenAddress("ue-host.example").ok());
  CHECK_FALSE(ValidateListenAddress("ue-host.example:").ok());
  CHECK_FALSE(ValidateListenAddress("ue-host.example:65536").ok());
  CHECK_FALSE(ValidateListenAddress("ue-host.example:-1").ok());
  CHECK_FALSE(ValidateListenAddress("::1:80").ok());
  CHECK_FALSE(ValidateListenAddress("host:port").ok());
}

TEST_CASE("TLS settings must come in pairs", "[server]") {
  EchoImpl echo;
  ServerOptions options;
  options.tls_cert_file = "/nonexistent/cert.pem";
  CHECK(GrpcServer::Start(options, {&echo}).status().code() == absl::StatusCode::kInvalidArgument);
  options.tls_key_file = "/nonexistent/key.pem";
  CHECK(GrpcServer::Start(options, {&echo}).status().code() ==
        absl::StatusCode::kFailedPrecondition);
}

TEST_CASE("settings: flag over environment over default", "[settings]") {
  Settings settings;
  settings.Define("listen", "127.0.0.1:1", "address");
  settings.Define("data_dir", "var", "data");
  settings.Define("peer_addr", "", "peer", /*required=*/true);
  std::map<std::string, std::string> env = {{"UE_DATA_DIR", "/env/data"}, {"UE_PEER_ADDR", "p:1"}};
  EnvLookup lookup = [&env](absl::string_view name) -> std::optional<std::string> {
    auto it = env.find(std::string(name));
    if (it == env.end()) return std::nullopt;
    return it->second;
  };
  const char* argv[] = {"svc", "--listen=0.0.0.0:5", "--data_dir", "/flag/data"};
  REQUIRE(settings.Parse(4, argv, lookup).ok());
  CHECK(settings.Get("listen") == "0.0.0.0:5");
  CHECK(settings.Get("data_dir") == "/flag/data");
  CHECK(settings.Get("peer_addr") == "p:1");

  Settings missing;
  missing.Define("peer_addr", "", "peer", true);
  const char* none[] = {"svc"};
  absl::Status status = missing.Parse(1, none, [](absl::string_view) { return std::nullopt; });
  CHECK(status.code() == absl::StatusCode::kInvalidArgument);
  CHECK(std::string(status.message()).find("UE_PEER_ADDR") != std::string::npos);

  Settings unknown;
  const char* bad[] = {"svc", "--nope=1"};
  CHECK(unknown.Parse(2, bad, [](absl::string_view) { return std::nullopt; }).message() ==
        "unknown flag --nope");
}

TEST_CASE("settings: typed getters reject malformed values", "[settings]") {
  Settings s;
  s.Define("n", "12", "");
  s.Define("d", "1.5s", "");
  s.Define("b", "maybe", "");
  CHECK(s.GetInt("n").value() == 12);
  CHECK(s.GetDuration("d").value() == absl::Milliseconds(1500));
  CHECK(s.GetBool("b").status().code() == absl::StatusCode::kInvalidArgument);
  s.Set("n", "twelve");
  CHECK(s.GetInt("n").status().code() == absl::StatusCode::kInvalidArgument);
}

TEST_CASE("data folder must be creatable and writable", "[settings]") {
  auto dir = std::filesystem::temp_directory_path() /
             ("ue-server-test-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  CHECK(EnsureWritableDirectory((dir / "a" / "b").string()).ok());
  CHECK(std::filesystem::is_directory(dir / "a" / "b"));
  // A regular file where a folder should be: refused with the path in the message.
  std::FILE* f = std::fopen((dir / "file").c_str(), "w");
  REQUIRE(f != nullptr);
  std::fclose(f);
  absl::Status status = EnsureWritableDirectory((dir / "file" / "sub").string());
  CHECK(status.code() == absl::StatusCode::kFailedPrecondition);
  CHECK(std::string(status.message()).find("file/sub") != std::string::npos);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace unemployment::server
