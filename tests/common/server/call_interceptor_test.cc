#include "common/server/call_interceptor.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/log/log_sink.h"
#include "common/log/logger.h"
#include "common/log/request_id.h"
#include "common/metrics/metrics.h"
#include "common/server/grpc_server.h"
#include "common/server/peer_channels.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/generic/generic_stub.h"
#include "unemployment/testing/v1/echo_service.grpc.pb.h"

namespace unemployment::server {
namespace {

using testing::v1::EchoRequest;
using testing::v1::EchoResponse;
using testing::v1::EchoService;

// The last service of a chain: remembers the request id each call arrived with.
class DownstreamEcho final : public EchoService::CallbackService {
 public:
  grpc::ServerUnaryReactor* Echo(grpc::CallbackServerContext* context, const EchoRequest* request,
                                 EchoResponse* response) override {
    {
      absl::MutexLock lock(&mu_);
      seen_.push_back(RequestIdOf(*context));
    }
    response->set_payload(request->payload());
    auto* reactor = context->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }
  std::vector<std::string> seen() const {
    absl::MutexLock lock(&mu_);
    return seen_;
  }

 private:
  mutable absl::Mutex mu_;
  std::vector<std::string> seen_;
};

// Logs one line from its handler and calls the downstream echo asynchronously, the way the
// services call their peers.
class ForwardingEcho final : public EchoService::CallbackService {
 public:
  ForwardingEcho(std::shared_ptr<grpc::Channel> downstream, log::Logger logger)
      : stub_(EchoService::NewStub(std::move(downstream))), logger_(std::move(logger)) {}

  grpc::ServerUnaryReactor* Echo(grpc::CallbackServerContext* context, const EchoRequest* request,
                                 EchoResponse* response) override {
    logger_.Info("forwarding", {{"payload", request->payload()}});
    auto* reactor = context->DefaultReactor();
    struct Call {
      grpc::ClientContext context;
      EchoRequest request;
      EchoResponse response;
    };
    auto* call = new Call();
    call->request = *request;
    call->context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    stub_->async()->Echo(&call->context, &call->request, &call->response,
                         [call, reactor, response](grpc::Status status) {
                           response->set_payload(call->response.payload());
                           delete call;
                           reactor->Finish(status);
                         });
    return reactor;
  }

 private:
  std::unique_ptr<EchoService::Stub> stub_;
  log::Logger logger_;
};

ServerOptions WithInterceptor(metrics::Metrics* metrics, log::Logger logger) {
  ServerOptions options;
  auto factory = std::shared_ptr<grpc::experimental::ServerInterceptorFactoryInterface>(
      MakeCallInterceptorFactory(metrics, std::move(logger)));
  options.make_interceptors = [factory] {
    std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> out;
    out.push_back(ForwardingFactory(factory));
    return out;
  };
  return options;
}

double Value(const std::vector<prometheus::MetricFamily>& families, const std::string& name,
             const std::vector<std::pair<std::string, std::string>>& labels) {
  for (const prometheus::MetricFamily& family : families) {
    if (family.name != name) continue;
    for (const prometheus::ClientMetric& metric : family.metric) {
      bool match = true;
      for (const auto& [key, value] : labels) {
        bool found = false;
        for (const auto& label : metric.label) found |= label.name == key && label.value == value;
        match &= found;
      }
      if (!match) continue;
      if (family.type == prometheus::MetricType::Counter) return metric.counter.value;
      if (family.type == prometheus::MetricType::Gauge) return metric.gauge.value;
      if (family.type == prometheus::MetricType::Histogram) {
        return static_cast<double>(metric.histogram.sample_count);
      }
    }
  }
  return -1;
}

bool AnyLabelValue(const std::vector<prometheus::MetricFamily>& families, absl::string_view text) {
  for (const prometheus::MetricFamily& family : families) {
    for (const prometheus::ClientMetric& metric : family.metric) {
      for (const auto& label : metric.label) {
        if (absl::StrContains(label.value, text)) return true;
      }
    }
  }
  return false;
}

TEST_CASE("request ids come from x-request-id, else traceparent, else are made", "[server][metrics]") {
  CHECK(RequestIdFromMetadata("abc-123", "") == "abc-123");
  CHECK(RequestIdFromMetadata("abc-123", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01") ==
        "abc-123");
  CHECK(RequestIdFromMetadata("", "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01") ==
        "4bf92f3577b34da6a3ce929d0e0e4736");
  // Invalid ids are not taken: spaces, too long, all-zero trace id, a short trace id.
  CHECK(RequestIdFromMetadata("has space", "").empty());
  CHECK(RequestIdFromMetadata(std::string(65, 'a'), "").empty());
  CHECK(RequestIdFromMetadata("", "00-00000000000000000000000000000000-00f067aa0ba902b7-01").empty());
  CHECK(RequestIdFromMetadata("", "00-4bf92f35-00f067aa0ba902b7-01").empty());
  CHECK(RequestIdFromMetadata("bad id\n", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01") ==
        "4bf92f3577b34da6a3ce929d0e0e4736");
  CHECK(IsValidRequestId("req_1.2:3-x"));
  CHECK_FALSE(IsValidRequestId(""));
  CHECK(NewRequestId().size() == 16);
  CHECK(NewRequestId() != NewRequestId());
}

TEST_CASE("a request id reaches the handler's log lines, peer calls and the access log",
          "[server][metrics]") {
  log::CapturingLogSink lines;
  metrics::Metrics downstream_metrics("downstream");
  metrics::Metrics front_metrics("front");
  DownstreamEcho downstream;
  auto downstream_server = GrpcServer::Start(
      WithInterceptor(&downstream_metrics, log::Logger("downstream", &lines)), {&downstream});
  REQUIRE(downstream_server.ok());
  PeerChannels peers;
  ForwardingEcho front(peers.Connect((*downstream_server)->address()),
                       log::Logger("front.handler", &lines));
  auto front_server =
      GrpcServer::Start(WithInterceptor(&front_metrics, log::Logger("front", &lines)), {&front});
  REQUIRE(front_server.ok());
  auto stub = EchoService::NewStub(
      grpc::CreateChannel((*front_server)->address(), grpc::InsecureChannelCredentials()));

  auto call = [&](const std::vector<std::pair<std::string, std::string>>& metadata) {
    grpc::ClientContext context;
    for (const auto& [key, value] : metadata) context.AddMetadata(key, value);
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    EchoRequest request;
    request.set_payload("hello");
    EchoResponse response;
    grpc::Status status = stub->Echo(&context, request, &response);
    REQUIRE(status.ok());
    auto echoed = context.GetServerInitialMetadata().find("x-request-id");
    REQUIRE(echoed != context.GetServerInitialMetadata().end());
    return std::string(echoed->second.data(), echoed->second.size());
  };

  CHECK(call({{"x-request-id", "caller-0001"}}) == "caller-0001");
  CHECK(call({{"traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}}) ==
        "4bf92f3577b34da6a3ce929d0e0e4736");
  const std::string made = call({});
  CHECK(made.size() == 16);
  (*front_server)->Shutdown();
  (*downstream_server)->Shutdown();

  CHECK(downstream.seen() ==
        std::vector<std::string>{"caller-0001", "4bf92f3577b34da6a3ce929d0e0e4736", made});
  int handler_lines = 0, access_lines = 0;
  for (const std::string& line : lines.Lines()) {
    if (absl::StrContains(line, "front.handler event=forwarding request_id=caller-0001 ")) {
      ++handler_lines;
    }
    if (absl::StrContains(line, "front event=rpc request_id=caller-0001 method=Echo ") &&
        absl::StrContains(line, "code=OK")) {
      ++access_lines;
    }
    if (absl::StrContains(line, "downstream event=rpc request_id=caller-0001 method=Echo ")) {
      ++access_lines;
    }
  }
  CHECK(handler_lines == 1);
  CHECK(access_lines == 2);

  // Call metrics: per method and code; the in-flight gauge is back to 0.
  std::vector<prometheus::MetricFamily> families = front_metrics.Collect();
  const std::vector<std::pair<std::string, std::string>> echo = {
      {"grpc_service", "unemployment.testing.v1.EchoService"}, {"grpc_method", "Echo"}};
  auto with_code = echo;
  with_code.push_back({"grpc_code", "OK"});
  with_code.push_back({"service", "front"});
  CHECK(Value(families, "grpc_server_handled_total", with_code) == 3);
  CHECK(Value(families, "grpc_server_handling_seconds", echo) == 3);
  CHECK(Value(families, "grpc_server_in_flight", echo) == 0);
  CHECK_FALSE(AnyLabelValue(families, "caller-0001"));
}

TEST_CASE("unknown methods do not create label values", "[server][metrics]") {
  log::CapturingLogSink lines;
  metrics::Metrics metrics("front");
  DownstreamEcho echo;
  auto server = GrpcServer::Start(WithInterceptor(&metrics, log::Logger("front", &lines)), {&echo});
  REQUIRE(server.ok());
  auto channel = grpc::CreateChannel((*server)->address(), grpc::InsecureChannelCredentials());
  grpc::GenericStub generic(channel);
  for (const char* method : {"/made.up.Service/One", "/made.up.Service/Two"}) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    grpc::Slice empty("");
    grpc::ByteBuffer request(&empty, 1), response;
    absl::Mutex mu;
    bool done = false;
    grpc::Status status;
    generic.UnaryCall(&context, method, grpc::StubOptions(), &request, &response,
                      [&](grpc::Status s) {
                        absl::MutexLock lock(&mu);
                        status = s;
                        done = true;
                      });
    absl::MutexLock lock(&mu);
    mu.Await(absl::Condition(&done));
    CHECK(status.error_code() == grpc::StatusCode::UNIMPLEMENTED);
  }
  (*server)->Shutdown();
  CHECK_FALSE(AnyLabelValue(metrics.Collect(), "made.up"));
}

// GET /metrics over plain HTTP from the listener.
std::string Get(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0);
  const std::string request = "GET /metrics HTTP/1.0\r\nHost: localhost\r\n\r\n";
  REQUIRE(write(fd, request.data(), request.size()) == static_cast<ssize_t>(request.size()));
  std::string reply;
  char buffer[4096];
  for (ssize_t n; (n = read(fd, buffer, sizeof(buffer))) > 0;) reply.append(buffer, n);
  close(fd);
  return reply;
}

TEST_CASE("the metrics listener serves the registry and read-at-scrape families",
          "[server][metrics]") {
  auto metrics = std::make_shared<metrics::Metrics>("gateway");
  metrics::AddProcessMetrics(*metrics);
  metrics::AddDataVolumeMetrics(*metrics, ".");
  int reads = 0;
  metrics->AddReadAtScrape("ue_test_queue", "A test queue.", metrics::Kind::kGauge, [&reads] {
    ++reads;
    return std::vector<metrics::Sample>{{{{"city", "2301"}}, 7}};
  });
  auto server = metrics::MetricsServer::Start("127.0.0.1:0", metrics);
  REQUIRE(server.ok());
  REQUIRE((*server)->port() > 0);
  const std::string text = Get((*server)->port());
  CHECK(absl::StrContains(text, "# TYPE ue_test_queue gauge"));
  CHECK(absl::StrContains(text, "ue_test_queue{city=\"2301\",service=\"gateway\"} 7"));
  CHECK(absl::StrContains(text, "# TYPE process_cpu_seconds_total counter"));
  CHECK(absl::StrContains(text, "process_resident_memory_bytes{service=\"gateway\"}"));
  CHECK(absl::StrContains(text, "process_open_fds{service=\"gateway\"}"));
  CHECK(absl::StrContains(text, "ue_data_volume_free_bytes{service=\"gateway\"}"));
  CHECK(reads == 1);
  CHECK(metrics::MetricsServer::Start("nonsense", metrics).status().code() ==
        absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace unemployment::server
