// Disclosure control and region scope of statistics: small cells withheld below province scope
// with complementary suppression (worked out by hand below), the caller's region scope enforced
// behind the real guard and policy, and every statistics read in the audit log.

#include "services/statistics/disclosure.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "catch2/catch.hpp"
#include "common/log/logger.h"
#include "common/security/audit_log.h"
#include "common/server/grpc_server.h"
#include "common/status/status_util.h"
#include "common/time/clock.h"
#include "services/statistics/read_model.h"
#include "services/statistics/registration_events.h"
#include "services/statistics/sqlite_statistics_store.h"
#include "services/statistics/statistics.h"
#include "services/statistics/statistics_service.h"
#include "tests/common/security/test_guard.h"
#include "tests/services/statistics/pipeline.h"
#include "tests/services/statistics/test_util.h"

namespace unemployment::statistics {
namespace {

using testing::Person;
using testing::Pipeline;
namespace codes = ::unemployment::common::v1;
namespace regv1 = ::unemployment::registration::v1;

TEST_CASE("primary suppression withholds 1 to threshold-1, never 0, and nothing at threshold 1") {
  CHECK(SuppressCells({0, 1, 4, 5, 100}, {}, 5) ==
        std::vector<bool>{false, true, true, false, false});
  CHECK(SuppressCells({0, 1, 4, 5}, {}, 1) == std::vector<bool>{false, false, false, false});
  CHECK(SuppressCells({0, 1, 4, 5}, {}, 0) == std::vector<bool>{false, false, false, false});
  CHECK(SuppressCells({2, 3}, {}, 3) == std::vector<bool>{true, false});
}

TEST_CASE("complementary suppression: a lone withheld cell takes the next smallest with it") {
  // Rows 6, 1, 0, 9 of one group adding up to a known 16: 1 is withheld; alone, 16 - 6 - 0 - 9
  // would give it away, so the smallest non-zero shown cell (6) goes too; 1 + 6 = 7 >= 5.
  CHECK(SuppressCells({6, 1, 0, 9}, {{0, 1, 2, 3}}, 5) ==
        std::vector<bool>{true, true, false, false});
  // Two withheld cells adding up to less than the threshold (1 + 1 = 2: both must be 1) take a
  // third: the smallest non-zero shown, 7.
  CHECK(SuppressCells({1, 1, 7, 8}, {{0, 1, 2, 3}}, 5) ==
        std::vector<bool>{true, true, true, false});
  // Two withheld cells adding up to the threshold or more are safe as they are.
  CHECK(SuppressCells({2, 3, 7, 8}, {{0, 1, 2, 3}}, 5) ==
        std::vector<bool>{true, true, false, false});
  // Only zeros left: zero cells are withheld (the reader cannot tell which one holds the count);
  // withheld cells adding up to 3 < 5 take every cell of the group.
  CHECK(SuppressCells({3, 0, 0}, {{0, 1, 2}}, 5) == std::vector<bool>{true, true, true});
  CHECK(SuppressCells({3, 0, 6}, {{0, 1, 2}}, 5) == std::vector<bool>{true, false, true});
  // Cells in two groups: withholding for one group can make the other need a complement.
  // Group A {0, 1}, group B {1, 2}: 0 is primary; A takes 1 (the only other); B then has 1 alone
  // and takes 2.
  CHECK(SuppressCells({2, 10, 20, 30}, {{0, 1}, {1, 2}}, 5) ==
        std::vector<bool>{true, true, true, false});
}

std::vector<std::string> Fields(const google::protobuf::RepeatedPtrField<std::string>& fields) {
  return {fields.begin(), fields.end()};
}

// 230102 道里区: 6 women (bachelor) and 1 man (high school), urban, registered 2025-01-10.
// 230103 南岗区: 12 women. 230104 道外区: 2 women. 230202 龙沙区 (齐齐哈尔): 2 women.
void Populate(Pipeline& p) {
  int n = 0;
  auto add = [&](const std::string& office, int count, codes::Sex sex, codes::Education education) {
    for (int i = 0; i < count; ++i) {
      Person person{absl::StrCat("hlj-d", ++n), office, "2025-01-10"};
      person.sex = sex;
      person.education = education;
      p.Add(testing::Created(person));
    }
  };
  add("230102", 6, codes::SEX_FEMALE, codes::EDUCATION_BACHELOR);
  add("230102", 1, codes::SEX_MALE, codes::EDUCATION_HIGH_SCHOOL);
  add("230103", 12, codes::SEX_FEMALE, codes::EDUCATION_BACHELOR);
  add("230104", 2, codes::SEX_FEMALE, codes::EDUCATION_BACHELOR);
  add("230202", 2, codes::SEX_FEMALE, codes::EDUCATION_BACHELOR);
}

const v1::BreakdownRow& RowOf(const v1::GetBreakdownResponse& response,
                              v1::BreakdownDimension dimension, const std::string& key) {
  for (const v1::Breakdown& breakdown : response.breakdowns()) {
    if (breakdown.dimension() != dimension) continue;
    for (const v1::BreakdownRow& row : breakdown.rows()) {
      if (row.key() == key) return row;
    }
  }
  FAIL("no row " << key);
  static v1::BreakdownRow none;
  return none;
}

TEST_CASE("a breakdown below province scope withholds the lone man and the next smallest cell") {
  Pipeline p;
  Populate(p);
  Statistics statistics(p.model(), testing::Regions());
  v1::GetBreakdownRequest request;
  request.set_region_code("230102");
  request.set_as_of("2025-06-30");
  request.add_dimensions(v1::BREAKDOWN_DIMENSION_SEX);
  request.add_dimensions(v1::BREAKDOWN_DIMENSION_EDUCATION);

  absl::StatusOr<v1::GetBreakdownResponse> exact = statistics.GetBreakdown(request);
  REQUIRE(exact.ok());
  CHECK(exact->total() == 7);
  CHECK(RowOf(*exact, v1::BREAKDOWN_DIMENSION_SEX, "SEX_MALE").count() == 1);
  CHECK_FALSE(RowOf(*exact, v1::BREAKDOWN_DIMENSION_SEX, "SEX_MALE").suppressed());

  absl::StatusOr<v1::GetBreakdownResponse> county = statistics.GetBreakdown(request, 5);
  REQUIRE(county.ok());
  CHECK(county->total() == 7);  // 7 >= 5: shown
  CHECK(county->suppressed_fields().empty());
  // SEX: man 1 (primary), woman 6 (complementary: 7 - 0 - ... would give the man away).
  const v1::BreakdownRow& man = RowOf(*county, v1::BREAKDOWN_DIMENSION_SEX, "SEX_MALE");
  const v1::BreakdownRow& woman = RowOf(*county, v1::BREAKDOWN_DIMENSION_SEX, "SEX_FEMALE");
  CHECK(man.suppressed());
  CHECK(man.count() == 0);
  CHECK(woman.suppressed());
  CHECK(woman.count() == 0);
  // EDUCATION: high school 1 (primary), bachelor 6 (complementary); the zero rows stay shown.
  CHECK(RowOf(*county, v1::BREAKDOWN_DIMENSION_EDUCATION, "EDUCATION_HIGH_SCHOOL").suppressed());
  CHECK(RowOf(*county, v1::BREAKDOWN_DIMENSION_EDUCATION, "EDUCATION_BACHELOR").suppressed());
  int shown_zero_rows = 0;
  for (const v1::Breakdown& breakdown : county->breakdowns()) {
    int64_t shown = 0;
    for (const v1::BreakdownRow& row : breakdown.rows()) {
      if (!row.suppressed()) shown += row.count();
      if (!row.suppressed() && row.count() == 0) ++shown_zero_rows;
    }
    // The total minus the shown rows is what the withheld rows hold together: 7, not below 5.
    CHECK(county->total() - shown >= 5);
  }
  CHECK(shown_zero_rows > 0);

  // A total below the threshold is withheld too.
  request.set_region_code("230104");
  absl::StatusOr<v1::GetBreakdownResponse> small = statistics.GetBreakdown(request, 5);
  REQUIRE(small.ok());
  CHECK(small->total() == 0);
  CHECK(Fields(small->suppressed_fields()) == std::vector<std::string>{"total"});
}

TEST_CASE("a report of a city withholds a small county and its complement; the check hides them") {
  Pipeline p;
  Populate(p);
  Statistics statistics(p.model(), testing::Regions());
  v1::ExportReportRequest request;
  request.mutable_spec()->set_kind(v1::REPORT_KIND_URBAN_REGISTERED_UNEMPLOYED);
  request.mutable_spec()->set_region_code("230100");
  request.mutable_spec()->set_as_of("2025-06-30");
  absl::StatusOr<v1::ExportReportResponse> exact = statistics.ExportReport(request);
  REQUIRE(exact.ok());
  CHECK(exact->suppressed_cells().empty());
  CHECK(exact->content().find("\r\n230104,道外区,2,2\r\n") != std::string::npos);

  absl::StatusOr<v1::ExportReportResponse> city = statistics.ExportReport(request, 5);
  REQUIRE(city.ok());
  // 230104 (2, 2) primary in both columns; alone in each column of the counties adding up to
  // the city's 21, so the smallest other county, 230102 (7), goes too.
  std::vector<std::string> cells;
  for (const v1::ReportCell& cell : city->suppressed_cells()) {
    cells.push_back(absl::StrCat(cell.row_key(), "/", cell.column_key()));
  }
  CHECK(cells ==
        std::vector<std::string>{"230102/urban", "230102/active", "230104/urban", "230104/active"});
  CHECK(city->content().find("\r\n230104,道外区,,\r\n") != std::string::npos);
  CHECK(city->content().find("\r\n230102,道里区,,\r\n") != std::string::npos);
  CHECK(city->content().find("\r\n230100,哈尔滨市,21,21\r\n") != std::string::npos);
  CHECK(city->content().find("\r\n230103,南岗区,12,12\r\n") != std::string::npos);

  // The consistency check neither compares nor lists a withheld cell (guessing 1, 2, 3 ... would
  // otherwise find it).
  v1::CheckReportConsistencyRequest check;
  *check.mutable_spec() = request.spec();
  for (int64_t guess : {1, 2}) {
    check.mutable_table()->clear_cells();
    v1::ReportCell* cell = check.mutable_table()->add_cells();
    cell->set_row_key("230104");
    cell->set_column_key("urban");
    cell->set_value(guess);
    absl::StatusOr<v1::CheckReportConsistencyResponse> answer =
        statistics.CheckReportConsistency(check, 5);
    REQUIRE(answer.ok());
    CHECK(answer->suppressed_cell_count() == 1);
    CHECK(answer->compared_cell_count() == 0);
    CHECK(answer->matching_cell_count() == 0);
    CHECK(answer->differences().empty());
  }
}

TEST_CASE("flows and indicators withhold small figures and mark them") {
  v1::GetFlowsResponse flows;
  flows.set_new_registrations(12);
  flows.set_new_urban_registrations(3);
  flows.set_deregistrations(9);
  for (auto [reason, count] : {std::pair{codes::DEREGISTRATION_REASON_HIRED, 7},
                               std::pair{codes::DEREGISTRATION_REASON_DECEASED, 2}}) {
    v1::ReasonCount* entry = flows.add_deregistrations_by_reason();
    entry->set_reason(reason);
    entry->set_count(count);
  }
  SuppressFlows(&flows, 5);
  CHECK(flows.new_registrations() == 12);
  CHECK(flows.new_urban_registrations() == 0);
  CHECK(Fields(flows.suppressed_fields()) == std::vector<std::string>{"new_urban_registrations"});
  // The deceased 2 and, as its complement, the hired 7 (9 - 7 would give the 2 away).
  CHECK(flows.deregistrations_by_reason(0).suppressed());
  CHECK(flows.deregistrations_by_reason(1).suppressed());
  CHECK(flows.deregistrations_by_reason(1).count() == 0);

  v1::GetServiceIndicatorsResponse indicators;
  indicators.mutable_decided_within_deadline()->set_numerator(3);
  indicators.mutable_decided_within_deadline()->set_denominator(40);
  indicators.mutable_decided_within_deadline()->set_value(0.075);
  indicators.set_overdue_undecided(8);
  indicators.set_fraud_cases_opened(1);
  SuppressIndicators(&indicators, 5);
  CHECK(indicators.decided_within_deadline().suppressed());
  CHECK(indicators.decided_within_deadline().value() == 0);
  CHECK(indicators.overdue_undecided() == 8);
  CHECK(indicators.fraud_cases_opened() == 0);
  CHECK(Fields(indicators.suppressed_fields()) == std::vector<std::string>{"fraud_cases_opened"});
}

TEST_CASE("statistics behind the guard: the caller's scope only, small cells withheld, audited") {
  const std::string dir = testing::TempDir();
  absl::StatusOr<std::unique_ptr<security::AuditLog>> audit = security::AuditLog::Open(
      dir + "/audit.db", "audit-key-of-32-bytes-for-tests!", store::SynchronousMode::kOff);
  REQUIRE(audit.ok());
  security::test_support::TestGuard guard("statistics-disclosure-test", audit->get());
  Pipeline p;
  Populate(p);
  time::FakeClock clock(absl::FromUnixSeconds(testing::NoonOf("2025-07-10").seconds()));
  Statistics statistics(p.model(), testing::Regions());
  StatisticsServiceImpl service(
      StatisticsServiceImpl::Dependencies{&statistics, &clock, nullptr, nullptr,
                                          kDefaultDisclosureThreshold},
      log::Logger("statistics.disclosure.test"));
  absl::StatusOr<std::unique_ptr<server::GrpcServer>> started =
      server::GrpcServer::Start(guard.ServerOptions("statistics"), {&service});
  INFO(started.status().ToString());
  REQUIRE(started.ok());
  auto stub = v1::StatisticsService::NewStub(guard.Channel((*started)->port()));

  auto breakdown = [&](const std::string& scope, const std::string& region,
                       v1::GetBreakdownResponse* response) {
    grpc::ClientContext context;
    guard.Authorize(&context, "statistician", scope);
    v1::GetBreakdownRequest request;
    request.set_region_code(region);
    request.set_as_of("2025-06-30");
    request.add_dimensions(v1::BREAKDOWN_DIMENSION_SEX);
    return status::FromGrpcStatus(stub->GetBreakdown(&context, request, response));
  };

  // A county's statistician: another county, the own city and the province are refused like
  // registration refuses a record outside the scope.
  for (const char* other : {"230103", "230100", "230000", "230202"}) {
    INFO(other);
    v1::GetBreakdownResponse response;
    absl::Status refused = breakdown("230102", other, &response);
    CHECK(refused.code() == absl::StatusCode::kPermissionDenied);
    std::optional<google::rpc::ErrorInfo> info = status::GetErrorInfo(refused);
    REQUIRE(info.has_value());
    CHECK(info->reason() == "OUTSIDE_REGION_SCOPE");
    CHECK(info->metadata().at("region_scope") == "230102");
  }
  // The own county: the lone man and his complement withheld.
  v1::GetBreakdownResponse own;
  REQUIRE(breakdown("230102", "230102", &own).ok());
  CHECK(own.total() == 7);
  CHECK(RowOf(own, v1::BREAKDOWN_DIMENSION_SEX, "SEX_MALE").suppressed());
  CHECK(RowOf(own, v1::BREAKDOWN_DIMENSION_SEX, "SEX_FEMALE").suppressed());
  // The city's statistician sees its counties (withheld the same way); the province's exact.
  v1::GetBreakdownResponse city;
  REQUIRE(breakdown("2301", "230102", &city).ok());
  CHECK(RowOf(city, v1::BREAKDOWN_DIMENSION_SEX, "SEX_MALE").suppressed());
  v1::GetBreakdownResponse province;
  REQUIRE(breakdown("*", "230102", &province).ok());
  CHECK(RowOf(province, v1::BREAKDOWN_DIMENSION_SEX, "SEX_MALE").count() == 1);
  CHECK_FALSE(RowOf(province, v1::BREAKDOWN_DIMENSION_SEX, "SEX_MALE").suppressed());

  // ExportReport checks the spec's region.
  {
    grpc::ClientContext context;
    guard.Authorize(&context, "statistician", "230102");
    v1::ExportReportRequest request;
    request.mutable_spec()->set_kind(v1::REPORT_KIND_URBAN_REGISTERED_UNEMPLOYED);
    request.mutable_spec()->set_region_code("230100");
    request.mutable_spec()->set_as_of("2025-06-30");
    v1::ExportReportResponse response;
    CHECK(stub->ExportReport(&context, request, &response).error_code() ==
          grpc::StatusCode::PERMISSION_DENIED);
  }
  // The duty lists too.
  {
    grpc::ClientContext context;
    guard.Authorize(&context, "statistician", "230102");
    v1::ListRegionsWithoutContactReportRequest request;
    request.set_region_code("230000");
    v1::ListRegionsWithoutContactReportResponse response;
    CHECK(stub->ListRegionsWithoutContactReport(&context, request, &response).error_code() ==
          grpc::StatusCode::PERMISSION_DENIED);
  }
  (*started)->Shutdown();

  // Every call is in the audit log, with the region asked for and the result.
  std::vector<std::vector<std::string>> entries =
      security::test_support::AuditRows(dir + "/audit.db", "method, record, result, region");
  REQUIRE(entries.size() == 9);
  const std::string method = "/unemployment.statistics.v1.StatisticsService/GetBreakdown";
  CHECK(entries[0] ==
        std::vector<std::string>{method, "region_code=230103", "PERMISSION_DENIED", "230102"});
  CHECK(entries[4] == std::vector<std::string>{method, "region_code=230102", "OK", "230102"});
  CHECK(entries[6] == std::vector<std::string>{method, "region_code=230102", "OK", "*"});
  CHECK(entries[7] ==
        std::vector<std::string>{"/unemployment.statistics.v1.StatisticsService/ExportReport",
                                 "spec.region_code=230100", "PERMISSION_DENIED", "230102"});
  REQUIRE((*audit)->Verify().ok());
}

}  // namespace
}  // namespace unemployment::statistics
