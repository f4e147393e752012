// While the read model loads at start-up (statistics_component.cc), the service answers every
// figure UNAVAILABLE with reason READ_MODEL_LOADING, and answers normally once it is loaded.

#include <atomic>
#include <memory>

#include "catch2/catch.hpp"
#include "common/log/logger.h"
#include "common/server/grpc_server.h"
#include "common/status/status_util.h"
#include "common/time/clock.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "services/statistics/read_model.h"
#include "services/statistics/statistics.h"
#include "services/statistics/statistics_service.h"
#include "tests/common/require_ok.h"
#include "tests/services/statistics/test_util.h"

namespace unemployment::statistics {
namespace {

TEST_CASE("figures answer UNAVAILABLE READ_MODEL_LOADING until the read model is loaded",
          "[grpc]") {
  time::FakeClock clock(absl::FromUnixSeconds(testing::NoonOf("2025-07-10").seconds()));
  ReadModel model;
  Statistics statistics(model, testing::Regions(), FeedSources{false, false});
  StatisticsServiceImpl service(StatisticsServiceImpl::Dependencies{&statistics, &clock, nullptr},
                                log::Logger("statistics.test"));
  std::atomic<bool> loaded{false};
  service.SetModelReady([&loaded]() -> absl::Status {
    if (loaded) return absl::OkStatus();
    return status::WithErrorInfo(absl::UnavailableError("the read model is still loading"),
                                 "READ_MODEL_LOADING");
  });
  auto server = server::GrpcServer::Start(server::ServerOptions(), {&service});
  UE_REQUIRE_OK(server.status());
  auto stub = v1::StatisticsService::NewStub(
      grpc::CreateChannel((*server)->address(), grpc::InsecureChannelCredentials()));

  auto ask = [&]() {
    grpc::ClientContext context;
    v1::GetUrbanRegisteredUnemployedRequest request;
    request.set_region_code("230102");
    request.set_as_of("2025-06-30");
    v1::GetUrbanRegisteredUnemployedResponse response;
    return status::FromGrpcStatus(stub->GetUrbanRegisteredUnemployed(&context, request, &response));
  };
  const absl::Status loading = ask();
  CHECK(loading.code() == absl::StatusCode::kUnavailable);
  std::optional<google::rpc::ErrorInfo> info = status::GetErrorInfo(loading);
  REQUIRE(info.has_value());
  CHECK(info->reason() == "READ_MODEL_LOADING");
  CHECK(status::IsCataloguedReason("READ_MODEL_LOADING"));

  loaded = true;
  UE_REQUIRE_OK(ask());
  (*server)->Shutdown();
}

}  // namespace
}  // namespace unemployment::statistics
