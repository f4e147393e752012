// StatisticsService over gRPC (port 0): bad input with exact codes and details, and the feed
// consumers of two registration shards resuming from their own cursors.

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "catch2/catch.hpp"
#include "common/log/logger.h"
#include "common/status/status_util.h"
#include "common/time/clock.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "services/statistics/read_model.h"
#include "services/statistics/feed_consumer.h"
#include "services/statistics/shard_settings.h"
#include "services/statistics/sqlite_statistics_store.h"
#include "services/statistics/statistics.h"
#include "services/statistics/statistics_service.h"
#include "tests/services/statistics/fake_feeds.h"
#include "tests/services/statistics/test_util.h"

namespace unemployment::statistics {
namespace {

using testing::Person;
namespace codes = ::unemployment::common::v1;
namespace fv1 = ::unemployment::followup::v1;

// The statistics service put together as in statistics_component.cc: its database in `dir`, one
// feed consumer per shard, a FakeClock at noon on 2025-07-10, served on port 0.
class StatisticsStack {
 public:
  // Empty `tiering` / `followup`: that feed is not consumed. Consumers in feed-name order:
  // followup, the shards, tiering.
  StatisticsStack(const std::string& dir, const std::vector<RegistrationShard>& shards,
                  const std::string& tiering = "", const std::string& followup = "")
      : clock_(absl::FromUnixSeconds(testing::NoonOf("2025-07-10").seconds())) {
    auto opened = SqliteStatisticsStore::Open(dir + "/statistics.db");
    if (!opened.ok()) std::abort();
    store_ = *std::move(opened);
    if (!LoadReadModel(*store_, model_).ok()) std::abort();
    statistics_ = std::make_unique<Statistics>(model_, testing::Regions(),
                                               FeedSources{!tiering.empty(), !followup.empty()});
    service_ = std::make_unique<StatisticsServiceImpl>(
        StatisticsServiceImpl::Dependencies{statistics_.get(), &clock_,
                                            [this] {
                                              std::vector<v1::FeedCursor> out;
                                              for (auto& c : consumers_) out.push_back(c->Status());
                                              return out;
                                            }},
        log::Logger("statistics.test"));
    FeedConsumer::Options options;
    options.initial_backoff = absl::Milliseconds(20);
    options.max_backoff = absl::Milliseconds(200);
    auto channel = [](const std::string& address) {
      return grpc::CreateChannel(address, grpc::InsecureChannelCredentials());
    };
    if (!followup.empty()) {
      consumers_.push_back(MakeFollowupFeedConsumer(followup, *store_, model_, channel(followup),
                                                    clock_, options,
                                                    log::Logger("statistics.test.feed")));
    }
    for (const RegistrationShard& shard : shards) {
      consumers_.push_back(std::make_unique<RegistrationFeedConsumer>(
          shard, *store_, model_, channel(shard.address), clock_, options,
          log::Logger("statistics.test.feed")));
    }
    if (!tiering.empty()) {
      consumers_.push_back(MakeTieringFeedConsumer(tiering, *store_, model_, channel(tiering),
                                                   clock_, options,
                                                   log::Logger("statistics.test.feed")));
    }
    for (auto& consumer : consumers_) consumer->Start();
    auto started = server::GrpcServer::Start(server::ServerOptions(), {service_.get()});
    if (!started.ok()) std::abort();
    server_ = *std::move(started);
    stub_ = v1::StatisticsService::NewStub(
        grpc::CreateChannel(server_->address(), grpc::InsecureChannelCredentials()));
  }
  ~StatisticsStack() {
    for (auto& c : consumers_) c->Stop();
    server_->Shutdown();
  }

  FeedConsumer& consumer(size_t i) { return *consumers_[i]; }
  v1::StatisticsService::Stub& stub() { return *stub_; }

  int64_t Urban(const std::string& region, const std::string& as_of) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    v1::GetUrbanRegisteredUnemployedRequest request;
    request.set_region_code(region);
    request.set_as_of(as_of);
    v1::GetUrbanRegisteredUnemployedResponse response;
    grpc::Status status = stub_->GetUrbanRegisteredUnemployed(&context, request, &response);
    REQUIRE(status.ok());
    return response.urban_registered_unemployed();
  }

 private:
  time::FakeClock clock_;
  std::unique_ptr<SqliteStatisticsStore> store_;
  ReadModel model_;
  std::unique_ptr<Statistics> statistics_;
  std::unique_ptr<StatisticsServiceImpl> service_;
  std::vector<std::unique_ptr<FeedConsumer>> consumers_;
  std::unique_ptr<server::GrpcServer> server_;
  std::unique_ptr<v1::StatisticsService::Stub> stub_;
};

struct Violation {
  std::string field;
  std::string description;
  bool operator==(const Violation& o) const {
    return field == o.field && description == o.description;
  }
};

std::vector<Violation> ViolationsOf(const grpc::Status& status) {
  std::vector<Violation> out;
  auto details = status::DecodeDetails(status);
  if (!details.has_value()) return out;
  for (const auto& any : details->details()) {
    google::rpc::BadRequest bad;
    if (any.UnpackTo(&bad)) {
      for (const auto& v : bad.field_violations()) out.push_back({v.field(), v.description()});
    }
  }
  return out;
}

std::string ReasonOf(const grpc::Status& status) {
  auto details = status::DecodeDetails(status);
  if (!details.has_value()) return "";
  for (const auto& any : details->details()) {
    google::rpc::ErrorInfo info;
    if (any.UnpackTo(&info)) return info.reason();
  }
  return "";
}

TEST_CASE("bad input is answered with exact codes and details", "[statistics][grpc]") {
  const std::string dir = testing::TempDir();
  StatisticsStack stack(dir, {});
  auto call = [&](auto method, const auto& request, auto* response) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    return (stack.stub().*method)(&context, request, response);
  };

  SECTION("malformed region and impossible date: every violation at once") {
    v1::GetUrbanRegisteredUnemployedRequest request;
    request.set_region_code("23010");
    request.set_as_of("2025-02-29");
    v1::GetUrbanRegisteredUnemployedResponse response;
    grpc::Status status =
        call(&v1::StatisticsService::Stub::GetUrbanRegisteredUnemployed, request, &response);
    CHECK(status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
    CHECK(ViolationsOf(status) ==
          std::vector<Violation>{
              {"region_code", "FORMAT: the region code is a 6-digit province, city or county code"},
              {"as_of", "DATE_INVALID: date does not exist in the calendar"}});
  }
  SECTION("a future as_of") {
    v1::GetBreakdownRequest request;
    request.set_region_code("230100");
    request.set_as_of("2025-07-11");
    v1::GetBreakdownResponse response;
    grpc::Status status = call(&v1::StatisticsService::Stub::GetBreakdown, request, &response);
    CHECK(status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
    auto violations = ViolationsOf(status);
    REQUIRE(violations.size() == 1);
    CHECK(violations[0].field == "as_of");
    CHECK(violations[0].description.rfind("DATE_IN_FUTURE: ", 0) == 0);
  }
  SECTION("an unknown region") {
    v1::GetUrbanRegisteredUnemployedRequest request;
    request.set_region_code("239999");
    v1::GetUrbanRegisteredUnemployedResponse response;
    grpc::Status status =
        call(&v1::StatisticsService::Stub::GetUrbanRegisteredUnemployed, request, &response);
    CHECK(status.error_code() == grpc::StatusCode::NOT_FOUND);
    CHECK(ReasonOf(status) == "REGION_NOT_FOUND");
    CHECK(status.error_message() == "region 239999 is not a known province, city or county");
  }
  SECTION("a repeated dimension and the type dimension") {
    v1::GetBreakdownRequest request;
    request.set_region_code("230100");
    request.add_dimensions(v1::BREAKDOWN_DIMENSION_SEX);
    request.add_dimensions(v1::BREAKDOWN_DIMENSION_SEX);
    v1::GetBreakdownResponse response;
    grpc::Status status = call(&v1::StatisticsService::Stub::GetBreakdown, request, &response);
    CHECK(status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
    CHECK(ViolationsOf(status) ==
          std::vector<Violation>{
              {"dimensions[1]", "DUPLICATE: each dimension may be asked for once"}});
    request.clear_dimensions();
    request.add_dimensions(v1::BREAKDOWN_DIMENSION_TYPE);
    status = call(&v1::StatisticsService::Stub::GetBreakdown, request, &response);
    CHECK(status.error_code() == grpc::StatusCode::FAILED_PRECONDITION);
    CHECK(ReasonOf(status) == "TYPE_BREAKDOWN_UNAVAILABLE");
  }
  SECTION("a period ending before it starts") {
    v1::GetFlowsRequest request;
    request.set_region_code("230100");
    request.set_period_start("2025-06-30");
    request.set_period_end("2025-06-01");
    v1::GetFlowsResponse response;
    grpc::Status status = call(&v1::StatisticsService::Stub::GetFlows, request, &response);
    CHECK(status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
    CHECK(ViolationsOf(status) ==
          std::vector<Violation>{
              {"period_end", "DATE_ORDER: period_end must not be before period_start"}});
  }
  SECTION("report spec and cells") {
    v1::CheckReportConsistencyRequest request;
    request.mutable_spec()->set_kind(v1::REPORT_KIND_FLOWS);
    request.mutable_spec()->set_region_code("230100");
    request.mutable_spec()->set_as_of("2025-06-30");
    request.mutable_spec()->set_period_start("2025-06-01");
    request.mutable_spec()->set_period_end("2025-06-30");
    for (int64_t value : {1, -1}) {
      v1::ReportCell* cell = request.mutable_table()->add_cells();
      cell->set_row_key("NEW_REGISTRATIONS");
      cell->set_column_key("count");
      cell->set_value(value);
    }
    v1::CheckReportConsistencyResponse response;
    grpc::Status status =
        call(&v1::StatisticsService::Stub::CheckReportConsistency, request, &response);
    CHECK(status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
    CHECK(ViolationsOf(status) ==
          std::vector<Violation>{
              {"spec.as_of", "NOT_APPLICABLE: not used by report kind REPORT_KIND_FLOWS"},
              {"table.cells[1].value", "OUT_OF_RANGE: a figure is zero or more"},
              {"table.cells[1]", "DUPLICATE: the cell (row_key, column_key) is given twice"}});
  }
  SECTION("service indicators name the parts they cannot compute") {
    v1::GetServiceIndicatorsRequest request;
    request.set_region_code("230100");
    request.set_period_start("2025-06-01");
    request.set_period_end("2025-06-30");
    v1::GetServiceIndicatorsResponse response;
    grpc::ClientContext context;
    grpc::Status status = stack.stub().GetServiceIndicators(&context, request, &response);
    REQUIRE(status.ok());
    auto trailers = context.GetServerTrailingMetadata();
    auto it = trailers.find(kUnavailableIndicatorsKey);
    REQUIRE(it != trailers.end());
    CHECK(std::string(it->second.data(), it->second.size()) ==
          "follow_up_coverage,plan_fulfilment,fraud_cases");
    CHECK(response.follow_up_coverage_size() == 0);
  }
}

TEST_CASE("each shard's feed resumes from its own cursor; a shard added later is read whole",
          "[statistics][feed]") {
  testing::FakeShard hlj("hlj");
  testing::FakeShard harbin("harbin");
  const std::string dir = testing::TempDir();
  Person a{"hlj-1", "230202", "2025-06-01"};
  Person b{"hlj-2", "230202", "2025-06-02", "220"};
  Person c{"harbin-1", "230102", "2025-06-03"};
  Person d{"harbin-2", "230103", "2025-06-04"};
  hlj.service().Add(testing::Created(a));
  hlj.service().Add(testing::Created(b));
  {
    StatisticsStack stack(dir, {{"hlj", hlj.address()}});
    REQUIRE(stack.consumer(0).WaitForCursor(2, absl::Seconds(10)));
    CHECK(stack.Urban("230000", "2025-06-30") == 1);
    // An event committed while the consumer runs arrives without a restart.
    hlj.service().Add(testing::Deregistered(a, codes::DEREGISTRATION_REASON_HIRED, "2025-07-01",
                                            "2025-07-01"));
    REQUIRE(stack.consumer(0).WaitForCursor(3, absl::Seconds(10)));
    CHECK(stack.Urban("230000", "2025-07-01") == 0);
  }
  // While statistics is down, the first shard goes on and a second shard is added.
  Person e{"hlj-3", "230202", "2025-07-02"};
  hlj.service().Add(testing::Created(e));
  harbin.service().Add(testing::Created(c));
  harbin.service().Add(testing::Created(d));
  auto shards = ParseRegistrationShards(
      "hlj=" + hlj.address() + ",harbin=" + harbin.address(), "");
  REQUIRE(shards.ok());
  {
    StatisticsStack stack(dir, *shards);  // sorted: harbin, hlj
    REQUIRE(stack.consumer(0).WaitForCursor(2, absl::Seconds(10)));
    REQUIRE(stack.consumer(1).WaitForCursor(4, absl::Seconds(10)));
    CHECK(hlj.service().stream_starts().back() == 3);
    CHECK(harbin.service().stream_starts().front() == 0);
    // Nothing doubled, nothing lost: on 07-02 hlj-3 (齐齐哈尔) plus harbin-1 and harbin-2.
    CHECK(stack.Urban("230000", "2025-07-02") == 3);
    CHECK(stack.Urban("230100", "2025-07-02") == 2);
    // The past is as it was: on 06-30 hlj-1 and the two Harbin registrations.
    CHECK(stack.Urban("230000", "2025-06-30") == 3);

    grpc::ClientContext context;
    v1::GetFeedStatusResponse status;
    REQUIRE(stack.stub().GetFeedStatus(&context, v1::GetFeedStatusRequest(), &status).ok());
    REQUIRE(status.cursors_size() == 2);
    CHECK(status.cursors(0).feed() == "registration/harbin");
    CHECK(status.cursors(0).last_applied_sequence() == 2);
    CHECK(status.cursors(1).feed() == "registration/hlj");
    CHECK(status.cursors(1).last_applied_sequence() == 4);
    CHECK(status.cursors(1).address() == hlj.address());
    CHECK(status.cursors(1).state() == v1::FEED_STATE_STREAMING);
  }
}

v1::GetServiceIndicatorsResponse IndicatorsOf(StatisticsStack& stack, const std::string& region,
                                              const std::string& start, const std::string& end,
                                              std::string* unavailable = nullptr) {
  v1::GetServiceIndicatorsRequest request;
  request.set_region_code(region);
  request.set_period_start(start);
  request.set_period_end(end);
  v1::GetServiceIndicatorsResponse response;
  grpc::ClientContext context;
  grpc::Status status = stack.stub().GetServiceIndicators(&context, request, &response);
  REQUIRE(status.ok());
  if (unavailable != nullptr) {
    auto trailers = context.GetServerTrailingMetadata();
    auto it = trailers.find(kUnavailableIndicatorsKey);
    *unavailable = it == trailers.end() ? "" : std::string(it->second.data(), it->second.size());
  }
  return response;
}

std::map<std::string, int64_t> TypeRowsOf(StatisticsStack& stack, const std::string& as_of) {
  v1::GetBreakdownRequest request;
  request.set_region_code("230100");
  request.set_as_of(as_of);
  request.add_dimensions(v1::BREAKDOWN_DIMENSION_TYPE);
  v1::GetBreakdownResponse response;
  grpc::ClientContext context;
  REQUIRE(stack.stub().GetBreakdown(&context, request, &response).ok());
  std::map<std::string, int64_t> rows;
  for (const v1::BreakdownRow& row : response.breakdowns(0).rows()) rows[row.key()] = row.count();
  return rows;
}

TEST_CASE("tiering's and follow-up's feeds resume from their cursors after a restart mid-feed",
          "[statistics][feed]") {
  testing::FakeShard hlj("hlj");
  testing::FakeService<testing::ScriptedTieringFeed> tiering;
  testing::FakeService<testing::ScriptedFollowupFeed> followup;
  const std::string dir = testing::TempDir();
  Person a{"hlj-1", "230102", "2025-06-01"};
  Person b{"hlj-2", "230102", "2025-06-02"};
  hlj.service().Add(testing::Created(a));
  hlj.service().Add(testing::Created(b));
  tiering.service().Add(testing::TypeChange("hlj-1", "230102", codes::UNEMPLOYMENT_TYPE_SKILLED,
                                            "2025-06-01", "2025-06-01"));
  followup.service().Add(testing::FollowUp("f1", "hlj-1", "230102", "2025-06-10", "2025-06-10"));
  followup.service().Add(testing::FraudOpened("c1", "230102", "2025-06-11"));
  {
    StatisticsStack stack(dir, {{"hlj", hlj.address()}}, tiering.address(), followup.address());
    REQUIRE(stack.consumer(0).WaitForCursor(2, absl::Seconds(10)));  // followup
    REQUIRE(stack.consumer(1).WaitForCursor(2, absl::Seconds(10)));  // hlj
    REQUIRE(stack.consumer(2).WaitForCursor(1, absl::Seconds(10)));  // tiering
    std::string unavailable = "?";
    const auto june = IndicatorsOf(stack, "230100", "2025-06-01", "2025-06-30", &unavailable);
    CHECK(unavailable.empty());
    CHECK(june.follow_up_coverage(0).coverage().numerator() == 1);
    CHECK(june.follow_up_coverage(0).coverage().denominator() == 2);
    CHECK(june.fraud_cases_opened() == 1);
  }
  // While statistics is down both feeds go on.
  tiering.service().Add(testing::TypeChange("hlj-2", "230102",
                                            codes::UNEMPLOYMENT_TYPE_LACKING_SKILLS, "2025-06-02",
                                            "2025-06-02"));
  followup.service().Add(testing::FollowUp("f2", "hlj-2", "230102", "2025-06-12", "2025-06-12"));
  followup.service().Add(testing::FraudConcluded("c1", "230102", fv1::FRAUD_CASE_STATE_CONFIRMED,
                                                 "2025-06-20"));
  StatisticsStack stack(dir, {{"hlj", hlj.address()}}, tiering.address(), followup.address());
  REQUIRE(stack.consumer(0).WaitForCursor(4, absl::Seconds(10)));
  REQUIRE(stack.consumer(2).WaitForCursor(2, absl::Seconds(10)));
  CHECK(tiering.service().stream_starts().back() == 1);
  CHECK(followup.service().stream_starts().back() == 2);
  // Nothing lost, nothing doubled: both covered once, one case opened and confirmed.
  const auto june = IndicatorsOf(stack, "230100", "2025-06-01", "2025-06-30");
  CHECK(june.follow_up_coverage(0).coverage().numerator() == 2);
  CHECK(june.follow_up_coverage(0).coverage().denominator() == 2);
  CHECK(june.fraud_cases_opened() == 1);
  CHECK(june.fraud_cases_confirmed() == 1);
  CHECK(TypeRowsOf(stack, "2025-06-30") ==
        std::map<std::string, int64_t>{{"UNEMPLOYMENT_TYPE_SKILLED", 1},
                                       {"UNEMPLOYMENT_TYPE_LACKING_SKILLS", 1},
                                       {"UNEMPLOYMENT_TYPE_EMPLOYMENT_DIFFICULTY", 0},
                                       {"UNKNOWN", 0}});
  // A live event arrives without a restart.
  tiering.service().Add(testing::TypeChange("hlj-2", "230102",
                                            codes::UNEMPLOYMENT_TYPE_EMPLOYMENT_DIFFICULTY,
                                            "2025-07-01", "2025-07-01"));
  REQUIRE(stack.consumer(2).WaitForCursor(3, absl::Seconds(10)));
  CHECK(TypeRowsOf(stack, "2025-07-01")["UNEMPLOYMENT_TYPE_EMPLOYMENT_DIFFICULTY"] == 1);
  CHECK(TypeRowsOf(stack, "2025-06-30")["UNEMPLOYMENT_TYPE_EMPLOYMENT_DIFFICULTY"] == 0);

  grpc::ClientContext context;
  v1::GetFeedStatusResponse status;
  REQUIRE(stack.stub().GetFeedStatus(&context, v1::GetFeedStatusRequest(), &status).ok());
  REQUIRE(status.cursors_size() == 3);
  CHECK(status.cursors(0).feed() == "followup");
  CHECK(status.cursors(0).last_applied_sequence() == 4);
  CHECK(status.cursors(1).feed() == "registration/hlj");
  CHECK(status.cursors(2).feed() == "tiering");
  CHECK(status.cursors(2).address() == tiering.address());
  CHECK(status.cursors(2).last_applied_sequence() == 3);
}

TEST_CASE("a feed of another shard than configured is refused", "[statistics][feed]") {
  testing::FakeShard harbin("harbin");
  harbin.service().Add(testing::Created(Person{"harbin-1", "230102", "2025-06-03"}));
  const std::string dir = testing::TempDir();
  StatisticsStack stack(dir, {{"hlj", harbin.address()}});
  CHECK_FALSE(stack.consumer(0).WaitForCursor(1, absl::Milliseconds(300)));
  const v1::FeedCursor status = stack.consumer(0).Status();
  CHECK(status.state() == v1::FEED_STATE_RETRYING);
  CHECK(status.last_error().find("is shard \"harbin\", configured as \"hlj\"") !=
        std::string::npos);
  CHECK(stack.Urban("230000", "2025-06-30") == 0);
}

TEST_CASE("the registration_shards setting", "[statistics]") {
  auto one = ParseRegistrationShards("", "10.0.0.1:50052");
  REQUIRE(one.ok());
  REQUIRE(one->size() == 1);
  CHECK((*one)[0].id == "hlj");
  auto two = ParseRegistrationShards(" main=a:1 , harbin=b:2 ", "");
  REQUIRE(two.ok());
  CHECK((*two)[0].id == "harbin");
  CHECK((*two)[1].address == "a:1");
  CHECK(ParseRegistrationShards("main=a:1,main=b:2", "").status().message() ==
        "setting --registration_shards: shard \"main\" is given twice");
  CHECK(ParseRegistrationShards("Main=a:1", "").status().code() ==
        absl::StatusCode::kInvalidArgument);
  CHECK(ParseRegistrationShards("main", "").status().code() == absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace unemployment::statistics
