// The statistics domain on a hand-made fixture: every expected figure below is worked out by hand
// in the comments, not computed by the code under test.

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "catch2/catch.hpp"
#include "common/notice/level.h"
#include "common/time/date.h"
#include "services/statistics/read_model.h"
#include "services/statistics/registration_events.h"
#include "services/statistics/sqlite_statistics_store.h"
#include "services/statistics/statistics.h"
#include "tests/services/statistics/pipeline.h"
#include "tests/services/statistics/test_util.h"

namespace unemployment::statistics {
namespace {

using testing::Person;
using testing::Pipeline;
namespace codes = ::unemployment::common::v1;
namespace regv1 = ::unemployment::registration::v1;

// The people of the fixture. 230102 道里区 and 230103 南岗区 are in 230100 哈尔滨市, 230202 龙沙区
// in 230200 齐齐哈尔市, all in 230000 黑龙江省.
struct Fixture {
  // Urban (111), female, 35 on 2025-06-30, bachelor, portal, local; 5 months -> MEDIUM_LONG.
  Person r1{"hlj-r1", "230102", "2025-01-10"};
  // Rural residence (220): active but never urban.
  Person r2{"hlj-r2", "230102", "2025-03-01", "220"};
  // A rural migrant living in town (121) with household registration elsewhere: urban, NON_LOCAL;
  // male, 21 on 2025-06-30 (22 on 07-01); registered 05-31 -> one month ends on 06-30 (month-end
  // rule), which is still short-term (1个月以内 includes the month).
  Person r3{"hlj-r3", "230103", "2025-05-31", "121", codes::SEX_MALE, "2003-07-01",
            codes::EDUCATION_HIGH_SCHOOL, codes::CHANNEL_MINISTRY, false};
  // Urban (112), deregistered effective 2025-05-15 (entered that day): gone on 06-30.
  Person r4{"hlj-r4", "230103", "2025-02-01", "112"};
  // Urban, deregistered effective 2025-07-05: still counted on 06-30; 55 on 06-30; registered
  // 2024-12-31 -> exactly 6 months on 06-30 -> LONG_TERM.
  Person r5{"hlj-r5", "230103", "2024-12-31", "111", codes::SEX_FEMALE, "1970-06-30",
            codes::EDUCATION_JUNIOR_HIGH};
  // Urban, in 齐齐哈尔: counted for the province only; registered on as_of itself.
  Person r6{"hlj-r6", "230202", "2025-06-30"};
  // Registered after as_of (2025-07-02).
  Person r7{"hlj-r7", "230102", "2025-07-02"};
  // Urban, no birth date (passport), non-local, male; deregistration effective 06-20 but entered
  // only on 07-03: still counted on 06-30 (the fact was not known then), gone on 07-03.
  Person r8{"hlj-r8", "230102", "2025-06-01", "111", codes::SEX_MALE, "",
            codes::EDUCATION_BACHELOR, codes::CHANNEL_PROVINCE_PORTAL, false};

  // Applications: a1 decided on time in May, a2 received in May and decided late in June.
  regv1::Application a1 = testing::MakeApplication("hlj-a1", "230102", codes::CHANNEL_PROVINCE_PORTAL,
                                                   "2025-05-06", "2025-05-15");
  regv1::Application a2 = testing::MakeApplication("hlj-a2", "230103", codes::CHANNEL_MINISTRY,
                                                   "2025-05-20", "2025-05-29");

  // Everything known by the end of June.
  void June(Pipeline& p) const {
    for (const Person* person : {&r5, &r1, &r4, &r2, &r3, &r8, &r6}) {
      p.Add(testing::Created(*person));
    }
    p.Add(testing::Deregistered(r4, codes::DEREGISTRATION_REASON_HIRED, "2025-05-15",
                                "2025-05-15"));
    p.Add(testing::Received(a1));
    p.Add(testing::Decided(a1, codes::REVIEW_OUTCOME_ACCEPTED, "2025-05-14"));
    p.Add(testing::Received(a2));
    p.Add(testing::Decided(a2, codes::REVIEW_OUTCOME_REJECTED, "2025-06-03"));
  }
  // July's events.
  void July(Pipeline& p) const {
    p.Add(testing::Created(r7));
    p.Add(testing::Deregistered(r8, codes::DEREGISTRATION_REASON_SELF_EMPLOYED, "2025-06-20",
                                "2025-07-03"));
    p.Add(testing::Deregistered(r5, codes::DEREGISTRATION_REASON_DECEASED, "2025-07-05",
                                "2025-07-05"));
    p.Add(testing::Received(testing::MakeApplication("hlj-a3", "230102",
                                                     codes::CHANNEL_PROVINCE_PORTAL, "2025-07-01",
                                                     "2025-07-10")));
  }
};

v1::GetUrbanRegisteredUnemployedResponse Urban(const Statistics& s, const std::string& region,
                                               const std::string& as_of) {
  v1::GetUrbanRegisteredUnemployedRequest request;
  request.set_region_code(region);
  request.set_as_of(as_of);
  auto response = s.GetUrbanRegisteredUnemployed(request);
  REQUIRE(response.ok());
  return *response;
}

std::map<std::string, int64_t> Rows(const v1::Breakdown& breakdown) {
  std::map<std::string, int64_t> rows;
  for (const v1::BreakdownRow& row : breakdown.rows()) rows[row.key()] = row.count();
  return rows;
}

TEST_CASE("urban registered unemployed by county, city and province", "[statistics]") {
  Pipeline p;
  Fixture f;
  f.June(p);
  Statistics s(p.model(), testing::Regions());

  // 230102 on 06-30: r1 (urban), r2 (rural), r8 (urban; late deregistration); r7 not yet.
  auto daoli = Urban(s, "230102", "2025-06-30");
  CHECK(daoli.urban_registered_unemployed() == 2);
  CHECK(daoli.active_registrations() == 3);
  CHECK(daoli.region_name() == "道里区");
  CHECK(daoli.region_level() == v1::REGION_LEVEL_COUNTY);
  // 230103: r3 (migrant, non-local), r5 (ends 07-05); r4 ended 05-15.
  auto nangang = Urban(s, "230103", "2025-06-30");
  CHECK(nangang.urban_registered_unemployed() == 2);
  CHECK(nangang.active_registrations() == 2);
  // 哈尔滨市 = both counties.
  auto harbin = Urban(s, "230100", "2025-06-30");
  CHECK(harbin.urban_registered_unemployed() == 4);
  CHECK(harbin.active_registrations() == 5);
  CHECK(harbin.region_level() == v1::REGION_LEVEL_CITY);
  // The province adds r6 (registered on as_of itself).
  auto province = Urban(s, "230000", "2025-06-30");
  CHECK(province.urban_registered_unemployed() == 5);
  CHECK(province.active_registrations() == 6);
  // On 06-29 r6 is not registered yet.
  CHECK(Urban(s, "230000", "2025-06-29").urban_registered_unemployed() == 4);
  // 05-14: r4 still active (ends 05-15), r3 (05-31), r8 (06-01), r6 not yet: r1, r5, r4 urban;
  // r2 rural.
  auto may14 = Urban(s, "230000", "2025-05-14");
  CHECK(may14.urban_registered_unemployed() == 3);
  CHECK(may14.active_registrations() == 4);
  // On 05-15, the effective date, r4 is no longer counted.
  CHECK(Urban(s, "230000", "2025-05-15").urban_registered_unemployed() == 2);
}

TEST_CASE("a figure for last month is unchanged after this month's events", "[statistics]") {
  Pipeline p;
  Fixture f;
  f.June(p);
  Statistics s(p.model(), testing::Regions());
  const auto before = Urban(s, "230000", "2025-06-30");
  v1::GetBreakdownRequest breakdown_request;
  breakdown_request.set_region_code("230100");
  breakdown_request.set_as_of("2025-06-30");
  const auto breakdown_before = s.GetBreakdown(breakdown_request);
  REQUIRE(breakdown_before.ok());

  f.July(p);  // including r8's deregistration backdated to 06-20

  const auto after = Urban(s, "230000", "2025-06-30");
  CHECK(after.urban_registered_unemployed() == before.urban_registered_unemployed());
  CHECK(after.active_registrations() == before.active_registrations());
  const auto breakdown_after = s.GetBreakdown(breakdown_request);
  REQUIRE(breakdown_after.ok());
  CHECK(breakdown_after->SerializeAsString() == breakdown_before->SerializeAsString());
  // July itself sees the July events: on 07-05 r5 and r8 are gone, r7 is in:
  // r1, r3, r6, r7 urban; r2 rural.
  auto july = Urban(s, "230000", "2025-07-05");
  CHECK(july.urban_registered_unemployed() == 4);
  CHECK(july.active_registrations() == 5);
}

TEST_CASE("the breakdown of Harbin on 2025-06-30", "[statistics]") {
  Pipeline p;
  Fixture f;
  f.June(p);
  Statistics s(p.model(), testing::Regions());
  v1::GetBreakdownRequest request;
  request.set_region_code("230100");
  request.set_as_of("2025-06-30");
  auto response = s.GetBreakdown(request);
  REQUIRE(response.ok());
  // Urban and active in Harbin: r1, r3, r5, r8.
  CHECK(response->total() == 4);
  REQUIRE(response->breakdowns_size() == 6);  // every dimension but TYPE, in enum order
  CHECK(response->breakdowns(0).dimension() == v1::BREAKDOWN_DIMENSION_LEVEL);
  CHECK(Rows(response->breakdowns(0)) ==
        std::map<std::string, int64_t>{{"UNEMPLOYMENT_LEVEL_SHORT_TERM", 2},      // r8, r3
                                       {"UNEMPLOYMENT_LEVEL_MEDIUM_SHORT", 0},
                                       {"UNEMPLOYMENT_LEVEL_MEDIUM_LONG", 1},     // r1
                                       {"UNEMPLOYMENT_LEVEL_LONG_TERM", 1}});     // r5
  CHECK(response->breakdowns(0).rows(0).label() == "短期失业");
  CHECK(Rows(response->breakdowns(1)) ==
        std::map<std::string, int64_t>{{"SEX_MALE", 2}, {"SEX_FEMALE", 2}, {"SEX_NOT_STATED", 0}});
  CHECK(Rows(response->breakdowns(2)) ==
        std::map<std::string, int64_t>{{"16-24", 1},  // r3, 21
                                       {"25-34", 0},
                                       {"35-44", 1},  // r1, 35
                                       {"45-54", 0},
                                       {"55+", 1},  // r5, 55 on her birthday
                                       {"UNKNOWN", 1}});  // r8, passport
  auto education = Rows(response->breakdowns(3));
  CHECK(education["EDUCATION_BACHELOR"] == 2);
  CHECK(education["EDUCATION_HIGH_SCHOOL"] == 1);
  CHECK(education["EDUCATION_JUNIOR_HIGH"] == 1);
  CHECK(education["EDUCATION_DOCTORATE"] == 0);
  CHECK(education.size() == 11);  // every Education value but UNSPECIFIED
  CHECK(Rows(response->breakdowns(4)) ==
        std::map<std::string, int64_t>{{"CHANNEL_PROVINCE_PORTAL", 3}, {"CHANNEL_MINISTRY", 1}});
  CHECK(Rows(response->breakdowns(5)) ==
        std::map<std::string, int64_t>{{"LOCAL", 2}, {"NON_LOCAL", 2}});

  // TYPE needs tiering's feed.
  request.add_dimensions(v1::BREAKDOWN_DIMENSION_TYPE);
  auto type = s.GetBreakdown(request);
  CHECK(type.status().code() == absl::StatusCode::kFailedPrecondition);
}

TEST_CASE("flows and the 7-working-day indicator", "[statistics]") {
  Pipeline p;
  Fixture f;
  f.June(p);
  f.July(p);
  Statistics s(p.model(), testing::Regions());
  v1::GetFlowsRequest request;
  request.set_region_code("230100");
  request.set_period_start("2025-05-01");
  request.set_period_end("2025-05-31");
  auto may = s.GetFlows(request);
  REQUIRE(may.ok());
  // Registered in May in Harbin: r3 (05-31, urban). Ended in May: r4 (hired, 11).
  CHECK(may->new_registrations() == 1);
  CHECK(may->new_urban_registrations() == 1);
  CHECK(may->deregistrations() == 1);
  REQUIRE(may->deregistrations_by_reason_size() == 1);
  CHECK(may->deregistrations_by_reason(0).reason() == codes::DEREGISTRATION_REASON_HIRED);
  // a1 (portal) received and accepted in May; a2 (ministry) received in May, rejected in June.
  REQUIRE(may->decisions_by_channel_size() == 2);
  CHECK(may->decisions_by_channel(0).channel() == codes::CHANNEL_PROVINCE_PORTAL);
  CHECK(may->decisions_by_channel(0).received_count() == 1);
  CHECK(may->decisions_by_channel(0).accepted_count() == 1);
  CHECK(may->decisions_by_channel(1).received_count() == 1);
  CHECK(may->decisions_by_channel(1).rejected_count() == 0);

  // June: r8's deregistration is dated 06-20 but was entered on 07-03, after the period: not
  // counted. r6 (06-30) and r8 (06-01) registered.
  request.set_period_start("2025-06-01");
  request.set_period_end("2025-06-30");
  request.set_region_code("230000");
  auto june = s.GetFlows(request);
  REQUIRE(june.ok());
  CHECK(june->new_registrations() == 2);
  CHECK(june->deregistrations() == 0);
  CHECK(june->decisions_by_channel(1).rejected_count() == 1);

  v1::GetServiceIndicatorsRequest indicators;
  indicators.set_region_code("230100");
  indicators.set_period_start("2025-05-01");
  indicators.set_period_end("2025-05-31");
  auto in_may = s.GetServiceIndicators(indicators);
  REQUIRE(in_may.ok());
  // Decided in May: a1, on time. On 05-31 a2 is past its due date (05-29) and undecided.
  CHECK(in_may->response.decided_within_deadline().numerator() == 1);
  CHECK(in_may->response.decided_within_deadline().denominator() == 1);
  CHECK(in_may->response.overdue_undecided() == 1);
  CHECK(in_may->unavailable ==
        std::vector<std::string>{"follow_up_coverage", "plan_fulfilment", "fraud_cases"});
  indicators.set_period_end("2025-06-30");
  auto may_june = s.GetServiceIndicators(indicators);
  REQUIRE(may_june.ok());
  // a1 on time, a2 late (06-03 > 05-29): 1 of 2; a2 no longer undecided on 06-30.
  CHECK(may_june->response.decided_within_deadline().numerator() == 1);
  CHECK(may_june->response.decided_within_deadline().denominator() == 2);
  CHECK(may_june->response.decided_within_deadline().value() == Approx(0.5));
  CHECK(may_june->response.overdue_undecided() == 0);
}

TEST_CASE("the consistency check finds a planted difference", "[statistics][report]") {
  Pipeline p;
  Fixture f;
  f.June(p);
  Statistics s(p.model(), testing::Regions());
  v1::ExportReportRequest export_request;
  v1::ReportSpec& spec = *export_request.mutable_spec();
  spec.set_kind(v1::REPORT_KIND_URBAN_REGISTERED_UNEMPLOYED);
  spec.set_region_code("230100");
  spec.set_as_of("2025-06-30");
  auto exported = s.ExportReport(export_request);
  REQUIRE(exported.ok());
  CHECK(exported->file_name() == "城镇登记失业人员_230100_2025-06-30.csv");
  CHECK(exported->content_type() == "text/csv; charset=utf-8");
  const std::string& csv = exported->content();
  // BOM, Chinese headers, CRLF; Harbin first, then its counties in code order.
  CHECK(csv.rfind("\xEF\xBB\xBF代码,项目,城镇登记失业人员,登记失业人员\r\n230100,哈尔滨市,4,5\r\n"
                  "230102,道里区,2,3\r\n230103,南岗区,2,2\r\n",
                  0) == 0);

  SECTION("the exported CSV agrees with the data") {
    v1::CheckReportConsistencyRequest check;
    *check.mutable_spec() = spec;
    check.set_csv(csv);
    auto result = s.CheckReportConsistency(check);
    REQUIRE(result.ok());
    CHECK(result->differences_size() == 0);
    CHECK(result->compared_cell_count() == result->matching_cell_count());
    CHECK(result->unsupplied_cell_count() == 0);
  }
  SECTION("a planted difference in the CSV is listed with both values") {
    std::string planted = csv;
    const std::string row = "230102,道里区,2,3";
    planted.replace(planted.find(row), row.size(), "230102,道里区,7,3");
    v1::CheckReportConsistencyRequest check;
    *check.mutable_spec() = spec;
    check.set_csv(planted);
    auto result = s.CheckReportConsistency(check);
    REQUIRE(result.ok());
    REQUIRE(result->differences_size() == 1);
    const v1::ReportDifference& d = result->differences(0);
    CHECK(d.row_key() == "230102");
    CHECK(d.column_key() == "urban");
    CHECK(d.row_label() == "道里区");
    CHECK(d.reported_value() == 7);
    CHECK(d.computed_value() == 2);
    CHECK(d.kind() == v1::DIFFERENCE_KIND_VALUE_MISMATCH);
    CHECK(result->matching_cell_count() == result->compared_cell_count() - 1);
  }
  SECTION("cells by RPC: a mismatch, an unknown cell last, unsupplied cells counted") {
    v1::CheckReportConsistencyRequest check;
    *check.mutable_spec() = spec;
    auto add = [&](const std::string& row, const std::string& column, int64_t value) {
      v1::ReportCell* cell = check.mutable_table()->add_cells();
      cell->set_row_key(row);
      cell->set_column_key(column);
      cell->set_value(value);
    };
    add("239999", "urban", 1);
    add("230100", "urban", 4);
    add("230103", "active", 3);
    auto result = s.CheckReportConsistency(check);
    REQUIRE(result.ok());
    CHECK(result->compared_cell_count() == 3);
    CHECK(result->matching_cell_count() == 1);
    // Two columns for Harbin and each of its counties; two of those cells were supplied.
    const int64_t computed = 2 * (1 + static_cast<int64_t>(testing::Regions().Children("230100").size()));
    CHECK(result->unsupplied_cell_count() == computed - 2);
    REQUIRE(result->differences_size() == 2);
    CHECK(result->differences(0).row_key() == "230103");
    CHECK(result->differences(0).reported_value() == 3);
    CHECK(result->differences(0).computed_value() == 2);
    CHECK(result->differences(1).row_key() == "239999");
    CHECK(result->differences(1).kind() == v1::DIFFERENCE_KIND_UNKNOWN_CELL);
  }
  SECTION("a malformed CSV names its line") {
    v1::CheckReportConsistencyRequest check;
    *check.mutable_spec() = spec;
    check.set_csv("代码,项目,城镇登记失业人员\r\n230100,哈尔滨市\r\n");
    auto result = s.CheckReportConsistency(check);
    CHECK(result.status().code() == absl::StatusCode::kInvalidArgument);
    CHECK(result.status().message() == "invalid csv: line 2: expected 3 fields, found 2");
  }
}

TEST_CASE("levels and ages follow the month-end rule of common/time", "[statistics]") {
  const char* days[] = {"2024-01-31", "2024-02-28", "2024-02-29", "2025-01-31", "2025-02-28",
                        "2025-03-31", "2025-04-30", "2025-12-31", "2026-02-28", "2028-02-29"};
  for (const char* a : days) {
    for (const char* b : days) {
      const absl::CivilDay start = *time::ParseDate(a);
      const absl::CivilDay as_of = *time::ParseDate(b);
      if (as_of < start) continue;
      INFO(a << " -> " << b);
      CHECK(WholeMonths(PackDay(start), PackDay(as_of)) == time::WholeMonthsElapsed(start, as_of));
    }
  }
  // Registered 31 January 2025: short-term through 28 February (exactly one month is still
  // 以内), medium-short through 30 April, medium-long from 1 May, long-term from 31 July.
  CHECK(LevelNumber(20250131, 20250228) == 1);
  CHECK(LevelNumber(20250131, 20250301) == 2);
  CHECK(LevelNumber(20250131, 20250430) == 2);
  CHECK(LevelNumber(20250131, 20250501) == 3);
  CHECK(LevelNumber(20250131, 20250730) == 3);
  CHECK(LevelNumber(20250131, 20250731) == 4);
  CHECK(AgeInYears(20040229, 20250228) == 21);
  CHECK(AgeInYears(20040229, 20250227) == 20);
  CHECK(AgeBandOf(15) == kAgeUnknown);
  CHECK(AgeBandOf(16) == kAge16To24);
  CHECK(AgeBandOf(55) == kAge55Plus);
}

TEST_CASE("the packed level days agree with the shared level rule on every day", "[statistics]") {
  // The breakdown's fast path (LevelDays cached per row) against common/notice/level.h: every
  // registered day of 2024-2026 and each of its first 200 days (past the six-month boundary).
  int disagreements = 0;
  for (absl::CivilDay registered = *time::ParseDate("2024-01-01");
       registered <= *time::ParseDate("2026-12-31"); ++registered) {
    const LevelDays days = LevelDaysOf(PackDay(registered));
    for (absl::CivilDay as_of = registered; as_of <= registered + 200; ++as_of) {
      const int shared = static_cast<int>(notice::LevelOn(registered, as_of)->level);
      if (LevelNumber(days, PackDay(as_of)) != shared) {
        ++disagreements;
      }
    }
  }
  CHECK(disagreements == 0);
}

TEST_CASE("the store skips repeated events and the model reloads the same figures",
          "[statistics][store]") {
  const std::string dir = testing::TempDir();
  Fixture f;
  {
    auto store = SqliteStatisticsStore::Open(dir + "/statistics.db");
    REQUIRE(store.ok());
    auto created = FeedEventOf([&] {
      regv1::Event e = testing::Created(f.r1);
      e.set_sequence(1);
      return e;
    }());
    REQUIRE(created.ok());
    CHECK(*(*store)->Apply("registration/hlj", {*created}, 1) == 0);
    // A repeat after a reconnect is skipped: the cursor was already 1.
    CHECK(*(*store)->Apply("registration/hlj", {*created}, 2) == 1);
    // Another shard has its own cursor.
    CHECK(*(*store)->Apply("registration/harbin", {*created}, 3) == 0);
    auto cursors = (*store)->ListCursors();
    REQUIRE(cursors.ok());
    REQUIRE(cursors->size() == 2);
    CHECK((*cursors)[0].feed == "registration/harbin");
    CHECK((*cursors)[1].last_applied_micros == 1);
  }
  auto reopened = SqliteStatisticsStore::Open(dir + "/statistics.db");
  REQUIRE(reopened.ok());
  ReadModel model;
  REQUIRE(LoadReadModel(**reopened, model).ok());
  CHECK(model.registration_count() == 1);
}


TEST_CASE("the 7-day figure counts a decision on the server's day of recording, not a typed date",
          "[statistics][truth]") {
  Pipeline p;
  // Received 2025-05-06, due 2025-05-15. The decision was recorded on 2025-05-20 (late), but the
  // caller typed decided_on 2025-05-14 (as registration allowed before decisions were server-dated).
  regv1::Application a = testing::MakeApplication("hlj-b1", "230102",
                                                  codes::CHANNEL_PROVINCE_PORTAL, "2025-05-06",
                                                  "2025-05-15");
  p.Add(testing::Received(a));
  regv1::Event decided = testing::Decided(a, codes::REVIEW_OUTCOME_ACCEPTED, "2025-05-20");
  decided.mutable_application_decided()->mutable_application()->mutable_decision()->set_decided_on(
      "2025-05-14");
  p.Add(decided);
  Statistics s(p.model(), testing::Regions());

  v1::GetServiceIndicatorsRequest indicators;
  indicators.set_region_code("230100");
  indicators.set_period_start("2025-05-01");
  indicators.set_period_end("2025-05-31");
  auto may = s.GetServiceIndicators(indicators);
  REQUIRE(may.ok());
  CHECK(may->response.decided_within_deadline().denominator() == 1);
  CHECK(may->response.decided_within_deadline().numerator() == 0);

  // A period ending before the recording day does not see the decision at all.
  indicators.set_period_end("2025-05-19");
  auto early = s.GetServiceIndicators(indicators);
  REQUIRE(early.ok());
  CHECK(early->response.decided_within_deadline().denominator() == 0);
  CHECK(early->response.overdue_undecided() == 1);
}


regv1::Event Rejected(regv1::Application a, codes::RejectionReason reason, const std::string& day) {
  regv1::Event event = testing::Decided(std::move(a), codes::REVIEW_OUTCOME_REJECTED, day);
  event.mutable_application_decided()->mutable_application()->mutable_decision()
      ->set_rejection_reason(reason);
  return event;
}

std::map<int, int64_t> ByReason(const v1::GetFlowsResponse& flows) {
  std::map<int, int64_t> out;
  for (const v1::RejectionReasonCount& entry : flows.rejections_by_reason()) {
    out[entry.reason()] = entry.count();
  }
  return out;
}

TEST_CASE("rejections by reason code; recomputed deadlines move the overdue figure",
          "[statistics]") {
  Pipeline p;
  // Harbin: one rejection from before codes existed, three coded ones; Qiqihar: one coded.
  regv1::Application old = testing::MakeApplication("hlj-b0", "230102",
                                                    codes::CHANNEL_PROVINCE_PORTAL, "2025-05-02",
                                                    "2025-05-13");
  p.Add(testing::Received(old));
  p.Add(testing::Decided(old, codes::REVIEW_OUTCOME_REJECTED, "2025-05-06"));
  int n = 1;
  for (codes::RejectionReason reason :
       {codes::REJECTION_REASON_BELOW_WORKING_AGE, codes::REJECTION_REASON_BELOW_WORKING_AGE,
        codes::REJECTION_REASON_OTHER}) {
    regv1::Application a = testing::MakeApplication(absl::StrCat("hlj-b", n++), "230103",
                                                    codes::CHANNEL_MINISTRY, "2025-05-06",
                                                    "2025-05-15");
    p.Add(testing::Received(a));
    p.Add(Rejected(a, reason, "2025-05-08"));
  }
  regv1::Application qqhr = testing::MakeApplication("hlj-b9", "230202",
                                                     codes::CHANNEL_PROVINCE_PORTAL, "2025-05-06",
                                                     "2025-05-15");
  p.Add(testing::Received(qqhr));
  p.Add(Rejected(qqhr, codes::REJECTION_REASON_EMPLOYED, "2025-05-09"));
  // Rejected in June: not in May's figures.
  regv1::Application june = testing::MakeApplication("hlj-b10", "230103",
                                                     codes::CHANNEL_PROVINCE_PORTAL, "2025-05-20",
                                                     "2025-05-29");
  p.Add(testing::Received(june));
  p.Add(Rejected(june, codes::REJECTION_REASON_DUPLICATE_APPLICATION, "2025-06-02"));

  Statistics s(p.model(), testing::Regions());
  v1::GetFlowsRequest request;
  request.set_region_code("230100");
  request.set_period_start("2025-05-01");
  request.set_period_end("2025-05-31");
  absl::StatusOr<v1::GetFlowsResponse> harbin = s.GetFlows(request);
  REQUIRE(harbin.ok());
  CHECK(ByReason(*harbin) == std::map<int, int64_t>{{codes::REJECTION_REASON_UNSPECIFIED, 1},
                                                    {codes::REJECTION_REASON_BELOW_WORKING_AGE, 2},
                                                    {codes::REJECTION_REASON_OTHER, 1}});
  // In code order, and adding up to the rejected counts per channel.
  REQUIRE(harbin->rejections_by_reason_size() == 3);
  CHECK(harbin->rejections_by_reason(0).reason() == codes::REJECTION_REASON_UNSPECIFIED);
  CHECK(harbin->rejections_by_reason(2).reason() == codes::REJECTION_REASON_OTHER);
  int64_t rejected = 0;
  for (const auto& c : harbin->decisions_by_channel()) rejected += c.rejected_count();
  CHECK(rejected == 4);

  request.set_region_code("230000");
  absl::StatusOr<v1::GetFlowsResponse> province = s.GetFlows(request);
  REQUIRE(province.ok());
  CHECK(ByReason(*province) ==
        std::map<int, int64_t>{{codes::REJECTION_REASON_UNSPECIFIED, 1},
                               {codes::REJECTION_REASON_EMPLOYED, 1},
                               {codes::REJECTION_REASON_BELOW_WORKING_AGE, 2},
                               {codes::REJECTION_REASON_OTHER, 1}});
  request.set_period_start("2025-06-01");
  request.set_period_end("2025-06-30");
  absl::StatusOr<v1::GetFlowsResponse> in_june = s.GetFlows(request);
  REQUIRE(in_june.ok());
  CHECK(ByReason(*in_june) ==
        std::map<int, int64_t>{{codes::REJECTION_REASON_DUPLICATE_APPLICATION, 1}});

  // The FLOWS report has one row per code (every code, 0 when none).
  v1::ReportSpec spec;
  spec.set_kind(v1::REPORT_KIND_FLOWS);
  spec.set_region_code("230000");
  spec.set_period_start("2025-05-01");
  spec.set_period_end("2025-05-31");
  absl::StatusOr<ReportTable> report = s.ComputeReport(spec);
  REQUIRE(report.ok());
  std::map<std::string, std::pair<std::string, int64_t>> rows;
  for (const ReportRow& row : report->rows) {
    if (row.key.rfind("REJECTIONS:", 0) == 0) rows[row.key] = {row.label, row.values[0].value_or(-1)};
  }
  CHECK(rows.size() == 11);
  CHECK(rows["REJECTIONS:BELOW_WORKING_AGE"] ==
        std::pair<std::string, int64_t>{"审核不通过原因：未达到法定劳动年龄", 2});
  CHECK(rows["REJECTIONS:UNSPECIFIED"].second == 1);
  CHECK(rows["REJECTIONS:DUPLICATE_APPLICATION"].second == 0);

  // A provisional deadline (2025-06-10) recomputed to 2025-06-12: overdue on 06-11 no more.
  regv1::Application pending = testing::MakeApplication("hlj-c1", "230103",
                                                        codes::CHANNEL_PROVINCE_PORTAL,
                                                        "2025-06-02", "2025-06-10");
  pending.set_due_date_provisional(true);
  p.Add(testing::Received(pending));
  v1::GetServiceIndicatorsRequest indicators;
  indicators.set_region_code("230100");
  indicators.set_period_start("2025-06-01");
  indicators.set_period_end("2025-06-11");
  auto before = s.GetServiceIndicators(indicators);
  REQUIRE(before.ok());
  CHECK(before->response.overdue_undecided() == 1);
  regv1::Event recomputed;
  *recomputed.mutable_occurred_at() = testing::NoonOf("2025-06-05");
  regv1::ApplicationDeadlineRecomputed* r = recomputed.mutable_application_deadline_recomputed();
  *r->mutable_application() = pending;
  r->mutable_application()->set_due_date("2025-06-12");
  r->mutable_application()->set_due_date_provisional(false);
  r->set_previous_due_date("2025-06-10");
  r->set_previous_due_date_provisional(true);
  p.Add(recomputed);
  auto after = s.GetServiceIndicators(indicators);
  REQUIRE(after.ok());
  CHECK(after->response.overdue_undecided() == 0);

  // The same after a restart (reload from SQLite).
  ReadModel reloaded;
  REQUIRE(LoadReadModel(p.store(), reloaded).ok());
  Statistics s2(reloaded, testing::Regions());
  auto reloaded_indicators = s2.GetServiceIndicators(indicators);
  REQUIRE(reloaded_indicators.ok());
  CHECK(reloaded_indicators->response.overdue_undecided() == 0);
  request.set_period_start("2025-05-01");
  request.set_period_end("2025-05-31");
  absl::StatusOr<v1::GetFlowsResponse> province_again = s2.GetFlows(request);
  REQUIRE(province_again.ok());
  CHECK(ByReason(*province_again) == ByReason(*province));
}

}  // namespace
}  // namespace unemployment::statistics
