// uectl health: asks every service's standard grpc.health.v1 service, all at once, so six
// unreachable services cost one deadline and not six.

#include <future>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "services/ops/uectl_client.h"
#include "services/ops/uectl_commands.h"

namespace unemployment::ops {
namespace {

struct HealthLine {
  std::string service;
  std::string address;
  bool serving = false;
  std::string state;  // SERVING, NOT_SERVING, UNREACHABLE (...), ...
};

HealthLine CheckOne(const Invocation& invocation, absl::string_view service) {
  HealthLine line;
  line.service = std::string(service);
  line.address = ServiceAddress(invocation, service);
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = OpenChannel(invocation, line.address);
  if (!channel.ok()) {
    line.state = absl::StrCat("ERROR (", channel.status().message(), ")");
    return line;
  }
  auto stub = grpc::health::v1::Health::NewStub(*channel);
  grpc::ClientContext context;
  SetDeadline(invocation, context);
  grpc::health::v1::HealthCheckRequest request;  // "": the server as a whole
  grpc::health::v1::HealthCheckResponse response;
  grpc::Status status = stub->Check(&context, request, &response);
  if (status.ok()) {
    line.serving = response.status() == grpc::health::v1::HealthCheckResponse::SERVING;
    line.state = grpc::health::v1::HealthCheckResponse::ServingStatus_Name(response.status());
  } else if (status.error_code() == grpc::StatusCode::UNAVAILABLE ||
             status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED) {
    line.state =
        absl::StrCat("UNREACHABLE (",
                     absl::StatusCodeToString(static_cast<absl::StatusCode>(status.error_code())),
                     ": ", status.error_message(), ")");
  } else {
    line.state = absl::StrCat(
        "ERROR (", absl::StatusCodeToString(static_cast<absl::StatusCode>(status.error_code())),
        ": ", status.error_message(), ")");
  }
  return line;
}

int RunHealth(const Invocation& invocation) {
  std::vector<std::string> services;
  for (const std::string& name : invocation.args.positional()) {
    if (FindEndpoint(name) == nullptr) {
      return UsageError(invocation, absl::StrCat("unknown service '", name,
                                                 "' (gateway, registration, verification, "
                                                 "tiering, followup, statistics)"));
    }
    services.push_back(name);
  }
  if (services.empty()) {
    for (const ServiceEndpoint& endpoint : Endpoints()) services.emplace_back(endpoint.name);
  }
  std::vector<std::future<HealthLine>> pending;
  for (const std::string& service : services) {
    pending.push_back(std::async(std::launch::async,
                                 [&invocation, service] { return CheckOne(invocation, service); }));
  }
  int not_serving = 0;
  for (std::future<HealthLine>& future : pending) {
    HealthLine line = future.get();
    if (!line.serving) ++not_serving;
    *invocation.context.out << absl::StrFormat("%-13s %-21s %s\n", line.service, line.address,
                                               line.state);
  }
  if (not_serving > 0) {
    *invocation.context.err << "uectl health: " << not_serving << " of " << services.size()
                            << " services not SERVING\n";
    return kExitFailure;
  }
  return kExitOk;
}

}  // namespace

Command HealthCommand() {
  Command command;
  command.name = "health";
  command.summary = "grpc.health.v1 status of every service, one line each";
  command.synopsis = "health [options] [SERVICE...]";
  command.description =
      "Asks the standard gRPC health service of the six services (or only the SERVICEs named:\n"
      "gateway, registration, verification, tiering, followup, statistics) and prints\n"
      "SERVICE ADDRESS STATE. Exits 1 when any of them is not SERVING.";
  command.max_positional = 6;
  command.default_timeout = absl::Seconds(3);
  command.run = RunHealth;
  return command;
}

}  // namespace unemployment::ops
