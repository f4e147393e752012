// The figures that need tiering's and follow-up's feeds (type breakdown, follow-up coverage, plan
// fulfilment, fraud cases) on a hand-made fixture: every expected figure is worked out by hand in
// the comments, not computed by the code under test.

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "catch2/catch.hpp"
#include "services/statistics/read_model.h"
#include "services/statistics/registration_events.h"
#include "services/statistics/service_events.h"
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
namespace tv1 = ::unemployment::tiering::v1;
namespace fv1 = ::unemployment::followup::v1;

// 230102 道里区 and 230103 南岗区 are in 230100 哈尔滨市; 230202 龙沙区 is in 齐齐哈尔市.
struct Fixture {
  // Urban; 5 months on 06-30 (MEDIUM_LONG): windows short 01-10..02-09, medium-short
  // 02-10..04-09, medium-long 04-10..07-09: no deadline in June.
  Person p1{"hlj-p1", "230102", "2025-01-10"};
  // Urban; short-term window 05-20..06-19 (deadline 06-19, in June).
  Person p2{"hlj-p2", "230102", "2025-05-20"};
  // Rural residence: not in the breakdown, but in coverage and plan (they count every
  // registration); short-term deadline 07-01 (not in June).
  Person p3{"hlj-p3", "230103", "2025-06-02", "220"};
  // Urban; deregistered effective 06-16 (entered that day): last active day 06-15; medium-short
  // window 04-03..06-02 (deadline 06-02, in June, reached: 3 months on 06-15).
  Person p4{"hlj-p4", "230102", "2025-03-03"};
  // Urban, registered 06-25, never typed.
  Person p5{"hlj-p5", "230102", "2025-06-25"};
  // Urban, 230103; 7 months on 06-30: LONG_TERM.
  Person p6{"hlj-p6", "230103", "2024-11-15"};

  // Everything known by the end of June.
  void June(Pipeline& p) const {
    for (const Person* person : {&p1, &p2, &p3, &p4, &p5, &p6}) p.Add(testing::Created(*person));
    p.Add(testing::Deregistered(p4, codes::DEREGISTRATION_REASON_HIRED, "2025-06-16",
                                "2025-06-16"));
    // Types.
    p.Add(testing::TypeChange("hlj-p1", "230102", codes::UNEMPLOYMENT_TYPE_SKILLED, "2025-01-10",
                              "2025-01-10"));
    p.Add(testing::TypeChange("hlj-p2", "230102", codes::UNEMPLOYMENT_TYPE_LACKING_SKILLS,
                              "2025-05-20", "2025-05-20"));
    p.Add(testing::TypeChange("hlj-p3", "230103", codes::UNEMPLOYMENT_TYPE_SKILLED, "2025-06-02",
                              "2025-06-02"));
    p.Add(testing::TypeChange("hlj-p6", "230103", codes::UNEMPLOYMENT_TYPE_SKILLED, "2024-11-15",
                              "2024-11-15"));
    p.Add(testing::TypeChange("hlj-p6", "230103", codes::UNEMPLOYMENT_TYPE_EMPLOYMENT_DIFFICULTY,
                              "2025-06-12", "2025-06-12"));
    // Deliveries of p2: first interview and policy list in the window, service list after it
    // (06-25), no agency list; 3 job recommendations in the window.
    p.Add(testing::Delivery("d1", "hlj-p2", "230102", tv1::SERVICE_TYPE_FIRST_INTERVIEW,
                            "2025-05-21", "2025-05-21"));
    p.Add(testing::Delivery("d2", "hlj-p2", "230102", tv1::SERVICE_TYPE_POLICY_LIST_HANDED_OUT,
                            "2025-05-21", "2025-05-21"));
    p.Add(testing::Delivery("d3", "hlj-p2", "230102", tv1::SERVICE_TYPE_SERVICE_LIST_HANDED_OUT,
                            "2025-06-25", "2025-06-25"));
    for (const char* day : {"2025-05-25", "2025-06-01", "2025-06-10"}) {
      p.Add(testing::Delivery(std::string("jr-") + day, "hlj-p2", "230102",
                              tv1::SERVICE_TYPE_JOB_RECOMMENDATION, day, day));
    }
    // p4: career guidance in its medium-short window, no job fair.
    p.Add(testing::Delivery("d4", "hlj-p4", "230102", tv1::SERVICE_TYPE_CAREER_GUIDANCE,
                            "2025-05-10", "2025-05-10"));
    // p6: difficulty identification approved 06-12, employment assistance 06-20.
    p.Add(testing::Delivery("d5", "hlj-p6", "230103", tv1::SERVICE_TYPE_DIFFICULTY_IDENTIFICATION,
                            "2025-06-12", "2025-06-12"));
    p.Add(testing::Delivery("d6", "hlj-p6", "230103", tv1::SERVICE_TYPE_EMPLOYMENT_ASSISTANCE,
                            "2025-06-20", "2025-06-20"));
    // Follow-ups.
    p.Add(testing::FollowUp("f1", "hlj-p1", "230102", "2025-05-12", "2025-05-12"));
    p.Add(testing::FollowUp("f2", "hlj-p4", "230102", "2025-04-28", "2025-04-28"));
    p.Add(testing::FollowUp("f3", "hlj-p2", "230102", "2025-05-31", "2025-06-02"));  // late entry
    p.Add(testing::FollowUp("f4", "hlj-p1", "230102", "2025-06-10", "2025-06-10"));
    p.Add(testing::FollowUp("f5", "hlj-p3", "230103", "2025-06-15", "2025-06-15"));
    p.Add(testing::FollowUp("f6", "hlj-p4", "230102", "2025-06-05", "2025-06-05"));
    // Fraud cases.
    p.Add(testing::FraudOpened("c1", "230102", "2025-06-03"));
    p.Add(testing::FraudConcluded("c1", "230102", fv1::FRAUD_CASE_STATE_CONFIRMED, "2025-06-20"));
    p.Add(testing::FraudOpened("c2", "230103", "2025-05-10"));
    p.Add(testing::FraudConcluded("c2", "230103", fv1::FRAUD_CASE_STATE_UNFOUNDED, "2025-06-12"));
    p.Add(testing::FraudOpened("c3", "230202", "2025-06-05"));
    p.Add(testing::FraudOpened("c4", "230103", "2025-06-25"));
  }
  // July's events, some of them about June.
  void July(Pipeline& p) const {
    // p1 identified as having employment difficulty from 06-20, decided only on 07-02.
    p.Add(testing::TypeChange("hlj-p1", "230102", codes::UNEMPLOYMENT_TYPE_EMPLOYMENT_DIFFICULTY,
                              "2025-06-20", "2025-07-02"));
    // p2's agency list handed out on 06-18 (in its window) but entered on 07-02.
    p.Add(testing::Delivery("d7", "hlj-p2", "230102", tv1::SERVICE_TYPE_AGENCY_LIST_HANDED_OUT,
                            "2025-06-18", "2025-07-02"));
    // A follow-up of p5 dated 06-28 entered 07-03, and one of p2 in July.
    p.Add(testing::FollowUp("f7", "hlj-p5", "230102", "2025-06-28", "2025-07-03"));
    p.Add(testing::FollowUp("f8", "hlj-p2", "230102", "2025-07-03", "2025-07-03"));
    // c4 confirmed in July.
    p.Add(testing::FraudConcluded("c4", "230103", fv1::FRAUD_CASE_STATE_CONFIRMED, "2025-07-02"));
  }
};

constexpr FeedSources kAllFeeds{true, true};

std::map<std::string, int64_t> TypeRows(const Statistics& s, const std::string& region,
                                        const std::string& as_of) {
  v1::GetBreakdownRequest request;
  request.set_region_code(region);
  request.set_as_of(as_of);
  request.add_dimensions(v1::BREAKDOWN_DIMENSION_TYPE);
  auto response = s.GetBreakdown(request);
  REQUIRE(response.ok());
  REQUIRE(response->breakdowns_size() == 1);
  std::map<std::string, int64_t> rows;
  int64_t sum = 0;
  for (const v1::BreakdownRow& row : response->breakdowns(0).rows()) {
    rows[row.key()] = row.count();
    sum += row.count();
  }
  CHECK(sum == response->total());
  return rows;
}

v1::GetServiceIndicatorsResponse Indicators(const Statistics& s, const std::string& region,
                                            const std::string& start, const std::string& end) {
  v1::GetServiceIndicatorsRequest request;
  request.set_region_code(region);
  request.set_period_start(start);
  request.set_period_end(end);
  auto result = s.GetServiceIndicators(request);
  REQUIRE(result.ok());
  CHECK(result->unavailable.empty());
  return result->response;
}

struct Plan {
  int64_t due, met, missed;
  bool operator==(const Plan& o) const {
    return due == o.due && met == o.met && missed == o.missed;
  }
};

std::vector<Plan> PlanOf(const v1::GetServiceIndicatorsResponse& r) {
  std::vector<Plan> out;
  for (int i = 0; i < r.plan_fulfilment_size(); ++i) {
    const v1::PlanFulfilment& level = r.plan_fulfilment(i);
    CHECK(level.level() == static_cast<codes::UnemploymentLevel>(i));
    out.push_back({level.met().denominator(), level.met().numerator(), level.missed_count()});
  }
  return out;
}

TEST_CASE("the type breakdown as of a day, reproducible after later events", "[statistics]") {
  Pipeline p;
  Fixture f;
  f.June(p);
  Statistics s(p.model(), testing::Regions(), kAllFeeds);
  // Harbin on 06-30, urban and active: p1 SKILLED, p2 LACKING_SKILLS, p5 not typed, p6
  // EMPLOYMENT_DIFFICULTY since 06-12 (p3 is rural, p4 deregistered).
  const std::map<std::string, int64_t> june = {{"UNEMPLOYMENT_TYPE_SKILLED", 1},
                                               {"UNEMPLOYMENT_TYPE_LACKING_SKILLS", 1},
                                               {"UNEMPLOYMENT_TYPE_EMPLOYMENT_DIFFICULTY", 1},
                                               {"UNKNOWN", 1}};
  CHECK(TypeRows(s, "230100", "2025-06-30") == june);
  // On 06-11 p6 was still SKILLED, p5 was not registered yet and p4 (never typed) still was.
  CHECK(TypeRows(s, "230100", "2025-06-11") ==
        std::map<std::string, int64_t>{{"UNEMPLOYMENT_TYPE_SKILLED", 2},
                                       {"UNEMPLOYMENT_TYPE_LACKING_SKILLS", 1},
                                       {"UNEMPLOYMENT_TYPE_EMPLOYMENT_DIFFICULTY", 0},
                                       {"UNKNOWN", 1}});
  f.July(p);
  // p1's change effective 06-20 was recorded on 07-02: June's figure stays as published ...
  CHECK(TypeRows(s, "230100", "2025-06-30") == june);
  // ... and from 07-02 on p1 counts as EMPLOYMENT_DIFFICULTY.
  CHECK(TypeRows(s, "230100", "2025-07-05") ==
        std::map<std::string, int64_t>{{"UNEMPLOYMENT_TYPE_SKILLED", 0},
                                       {"UNEMPLOYMENT_TYPE_LACKING_SKILLS", 1},
                                       {"UNEMPLOYMENT_TYPE_EMPLOYMENT_DIFFICULTY", 2},
                                       {"UNKNOWN", 1}});
  // All dimensions include TYPE right after LEVEL; without tiering's feed it is refused.
  v1::GetBreakdownRequest all;
  all.set_region_code("230100");
  all.set_as_of("2025-06-30");
  auto every = s.GetBreakdown(all);
  REQUIRE(every.ok());
  REQUIRE(every->breakdowns_size() == 7);
  CHECK(every->breakdowns(1).dimension() == v1::BREAKDOWN_DIMENSION_TYPE);
  Statistics without(p.model(), testing::Regions());
  v1::GetBreakdownRequest type = all;
  type.add_dimensions(v1::BREAKDOWN_DIMENSION_TYPE);
  CHECK(without.GetBreakdown(type).status().code() == absl::StatusCode::kFailedPrecondition);
}

TEST_CASE("monthly follow-up coverage", "[statistics]") {
  Pipeline p;
  Fixture f;
  f.June(p);
  Statistics s(p.model(), testing::Regions(), kAllFeeds);
  // May (evaluated 05-31): active p1, p2, p4, p6 = 4; covered p1 (05-12); p2's contact of 05-31
  // was entered 06-02, p4's was in April. June (06-30): active p1, p2, p3, p5, p6 = 5 (p4 ended
  // 06-16); covered p1 (06-10), p3 (06-15).
  const v1::GetServiceIndicatorsResponse r = Indicators(s, "230100", "2025-05-01", "2025-06-30");
  REQUIRE(r.follow_up_coverage_size() == 2);
  CHECK(r.follow_up_coverage(0).month() == "2025-05");
  CHECK(r.follow_up_coverage(0).coverage().numerator() == 1);
  CHECK(r.follow_up_coverage(0).coverage().denominator() == 4);
  CHECK(r.follow_up_coverage(0).coverage().value() == Approx(0.25));
  CHECK(r.follow_up_coverage(1).month() == "2025-06");
  CHECK(r.follow_up_coverage(1).coverage().numerator() == 2);
  CHECK(r.follow_up_coverage(1).coverage().denominator() == 5);
  // A period ending 06-15: June evaluated on 06-15: active p1, p2, p3, p4, p6 = 5; covered p1,
  // p3, p4 (06-05).
  const v1::GetServiceIndicatorsResponse mid = Indicators(s, "230100", "2025-06-01", "2025-06-15");
  REQUIRE(mid.follow_up_coverage_size() == 1);
  CHECK(mid.follow_up_coverage(0).coverage().numerator() == 3);
  CHECK(mid.follow_up_coverage(0).coverage().denominator() == 5);
  // Last month's figure is unchanged after this month's events (f7 is dated 06-28 but entered
  // 07-03).
  f.July(p);
  const v1::GetServiceIndicatorsResponse again =
      Indicators(s, "230100", "2025-06-01", "2025-06-30");
  CHECK(again.follow_up_coverage(0).coverage().numerator() == 2);
  CHECK(again.follow_up_coverage(0).coverage().denominator() == 5);
  // July up to 07-05: active p1, p2, p3, p5, p6 = 5; covered p2 (07-03).
  const v1::GetServiceIndicatorsResponse july =
      Indicators(s, "230100", "2025-07-01", "2025-07-05");
  CHECK(july.follow_up_coverage(0).coverage().numerator() == 1);
  CHECK(july.follow_up_coverage(0).coverage().denominator() == 5);
}

TEST_CASE("service-plan fulfilment per level", "[statistics]") {
  Pipeline p;
  Fixture f;
  f.June(p);
  Statistics s(p.model(), testing::Regions(), kAllFeeds);
  // June in Harbin:
  //   everyone's: p2's four, deadline 06-20 (one month after 05-20 ends that day, still
  //     short-term): first interview, policy list met; service list (06-25,
  //     after the window) and agency list missed -> due 4, met 2, missed 2;
  //   short-term: p2's 3 job recommendations met -> 1, 1, 0;
  //   medium-short: p4's, deadline 06-03 (three months after 03-03), judged 06-15: career
  //     guidance met, job fair missed;
  //   medium-long: no deadline in June;
  //   long-term: p6's identification (06-12) and assistance (06-20), counted as met.
  const std::vector<Plan> june = {{4, 2, 2}, {1, 1, 0}, {2, 1, 1}, {0, 0, 0}, {2, 2, 0}};
  CHECK(PlanOf(Indicators(s, "230100", "2025-06-01", "2025-06-30")) == june);
  // 南岗区 alone: only p6's long-term obligations.
  CHECK(PlanOf(Indicators(s, "230103", "2025-06-01", "2025-06-30")) ==
        std::vector<Plan>{{0, 0, 0}, {0, 0, 0}, {0, 0, 0}, {0, 0, 0}, {2, 2, 0}});
  // A period ending on p2's deadline: due, not yet missed.
  CHECK(PlanOf(Indicators(s, "230102", "2025-06-20", "2025-06-20")) ==
        std::vector<Plan>{{4, 2, 0}, {1, 1, 0}, {0, 0, 0}, {0, 0, 0}, {0, 0, 0}});
  // July's late agency list (dated 06-18, entered 07-02) does not change June.
  f.July(p);
  CHECK(PlanOf(Indicators(s, "230100", "2025-06-01", "2025-06-30")) == june);
}

TEST_CASE("fraud cases opened and confirmed", "[statistics]") {
  Pipeline p;
  Fixture f;
  f.June(p);
  Statistics s(p.model(), testing::Regions(), kAllFeeds);
  // June, Harbin: opened c1, c4 (c3 is in 齐齐哈尔, c2 in May); confirmed c1 (c2 unfounded).
  v1::GetServiceIndicatorsResponse june = Indicators(s, "230100", "2025-06-01", "2025-06-30");
  CHECK(june.fraud_cases_opened() == 2);
  CHECK(june.fraud_cases_confirmed() == 1);
  // May and June: c2 too.
  CHECK(Indicators(s, "230100", "2025-05-01", "2025-06-30").fraud_cases_opened() == 3);
  // The province in June: c1, c3, c4.
  CHECK(Indicators(s, "230000", "2025-06-01", "2025-06-30").fraud_cases_opened() == 3);
  f.July(p);
  // c4 confirmed in July: June unchanged, July counts it.
  june = Indicators(s, "230100", "2025-06-01", "2025-06-30");
  CHECK(june.fraud_cases_opened() == 2);
  CHECK(june.fraud_cases_confirmed() == 1);
  CHECK(Indicators(s, "230100", "2025-07-01", "2025-07-05").fraud_cases_confirmed() == 1);
}

TEST_CASE("the service indicators report: CSV export and a planted difference",
          "[statistics][report]") {
  Pipeline p;
  Fixture f;
  f.June(p);
  Statistics s(p.model(), testing::Regions(), kAllFeeds);
  v1::ExportReportRequest export_request;
  v1::ReportSpec& spec = *export_request.mutable_spec();
  spec.set_kind(v1::REPORT_KIND_SERVICE_INDICATORS);
  spec.set_region_code("230100");
  spec.set_period_start("2025-06-01");
  spec.set_period_end("2025-06-30");
  auto exported = s.ExportReport(export_request);
  REQUIRE(exported.ok());
  CHECK(exported->file_name() == "服务指标_230100_2025-06-01_2025-06-30.csv");
  const std::string& csv = exported->content();
  CHECK(csv.rfind("\xEF\xBB\xBF代码,项目,数量\r\n", 0) == 0);
  for (const char* line :
       {"FOLLOW_UP_DUE:2025-06,2025-06 应回访人数,5\r\n",
        "FOLLOW_UP_COVERED:2025-06,2025-06 已回访人数,2\r\n",
        "PLAN_DUE:ALL_REGISTERED,全体登记人员 到期服务义务,4\r\n",
        "PLAN_MET:ALL_REGISTERED,全体登记人员 已履行,2\r\n",
        "PLAN_MISSED:UNEMPLOYMENT_LEVEL_MEDIUM_SHORT,中短期失业 未履行,1\r\n",
        "PLAN_MET:UNEMPLOYMENT_LEVEL_LONG_TERM,长期失业 已履行,2\r\n",
        "FRAUD_OPENED,立案的骗取案件,2\r\n", "FRAUD_CONFIRMED,认定的骗取案件,1\r\n"}) {
    CHECK(csv.find(line) != std::string::npos);
  }
  // The same figures by the breakdown report, now with the TYPE rows.
  v1::ExportReportRequest breakdown;
  breakdown.mutable_spec()->set_kind(v1::REPORT_KIND_BREAKDOWN);
  breakdown.mutable_spec()->set_region_code("230100");
  breakdown.mutable_spec()->set_as_of("2025-06-30");
  auto types = s.ExportReport(breakdown);
  REQUIRE(types.ok());
  CHECK(types->content().find("TYPE:UNEMPLOYMENT_TYPE_EMPLOYMENT_DIFFICULTY,失业人员类型：就业困难,1\r\n") !=
        std::string::npos);
  CHECK(types->content().find("TYPE:UNKNOWN,失业人员类型：未分类,1\r\n") != std::string::npos);

  // A planted difference: the report says 3 confirmed cases.
  std::string planted = csv;
  const std::string row = "FRAUD_CONFIRMED,认定的骗取案件,1";
  planted.replace(planted.find(row), row.size(), "FRAUD_CONFIRMED,认定的骗取案件,3");
  v1::CheckReportConsistencyRequest check;
  *check.mutable_spec() = spec;
  check.set_csv(planted);
  auto result = s.CheckReportConsistency(check);
  REQUIRE(result.ok());
  REQUIRE(result->differences_size() == 1);
  CHECK(result->differences(0).row_key() == "FRAUD_CONFIRMED");
  CHECK(result->differences(0).reported_value() == 3);
  CHECK(result->differences(0).computed_value() == 1);
  CHECK(result->unsupplied_cell_count() == 0);
  CHECK(result->compared_cell_count() == result->matching_cell_count() + 1);
}

TEST_CASE("facts of tiering and follow-up that arrive before the registration count",
          "[statistics]") {
  // The feeds are read independently: tiering may deliver a registration's type before statistics
  // has read the registration itself from its shard.
  Pipeline p;
  p.Add(testing::TypeChange("hlj-q1", "230102", codes::UNEMPLOYMENT_TYPE_SKILLED, "2025-06-02",
                            "2025-06-02"));
  p.Add(testing::TypeChange("hlj-q1", "230102", codes::UNEMPLOYMENT_TYPE_LACKING_SKILLS,
                            "2025-06-20", "2025-06-20"));
  p.Add(testing::TypeChange("hlj-q2", "230102", codes::UNEMPLOYMENT_TYPE_SKILLED, "2025-06-02",
                            "2025-06-10"));
  p.Add(testing::FollowUp("g1", "hlj-q2", "230102", "2025-06-12", "2025-06-12"));
  Statistics s(p.model(), testing::Regions(), kAllFeeds);
  // Not registered yet: nothing counted.
  CHECK(TypeRows(s, "230102", "2025-06-30")["UNEMPLOYMENT_TYPE_SKILLED"] == 0);
  p.Add(testing::Created(Person{"hlj-q1", "230102", "2025-06-02"}));
  p.Add(testing::Created(Person{"hlj-q2", "230102", "2025-06-02"}));
  // q1: two changes (history): SKILLED on 06-19, LACKING_SKILLS from 06-20. q2: one change,
  // counted from its recording day 06-10.
  CHECK(TypeRows(s, "230102", "2025-06-05") ==
        std::map<std::string, int64_t>{{"UNEMPLOYMENT_TYPE_SKILLED", 1},
                                       {"UNEMPLOYMENT_TYPE_LACKING_SKILLS", 0},
                                       {"UNEMPLOYMENT_TYPE_EMPLOYMENT_DIFFICULTY", 0},
                                       {"UNKNOWN", 1}});
  CHECK(TypeRows(s, "230102", "2025-06-19") ==
        std::map<std::string, int64_t>{{"UNEMPLOYMENT_TYPE_SKILLED", 2},
                                       {"UNEMPLOYMENT_TYPE_LACKING_SKILLS", 0},
                                       {"UNEMPLOYMENT_TYPE_EMPLOYMENT_DIFFICULTY", 0},
                                       {"UNKNOWN", 0}});
  CHECK(TypeRows(s, "230102", "2025-06-20") ==
        std::map<std::string, int64_t>{{"UNEMPLOYMENT_TYPE_SKILLED", 1},
                                       {"UNEMPLOYMENT_TYPE_LACKING_SKILLS", 1},
                                       {"UNEMPLOYMENT_TYPE_EMPLOYMENT_DIFFICULTY", 0},
                                       {"UNKNOWN", 0}});
  // q2's follow-up of 06-12 covers it in June: 1 of 2.
  const v1::GetServiceIndicatorsResponse june = Indicators(s, "230102", "2025-06-01", "2025-06-30");
  CHECK(june.follow_up_coverage(0).coverage().numerator() == 1);
  CHECK(june.follow_up_coverage(0).coverage().denominator() == 2);
}

TEST_CASE("the facts of tiering's and follow-up's feeds survive a reload", "[statistics]") {
  const std::string dir = testing::TempDir();
  Fixture f;
  std::vector<Plan> plan;
  v1::GetServiceIndicatorsResponse before;
  std::map<std::string, int64_t> types;
  {
    Pipeline p(dir + "/statistics.db");
    f.June(p);
    f.July(p);
    Statistics s(p.model(), testing::Regions(), kAllFeeds);
    before = Indicators(s, "230000", "2025-05-01", "2025-07-05");
    types = TypeRows(s, "230000", "2025-07-05");
  }
  auto store = SqliteStatisticsStore::Open(dir + "/statistics.db");
  REQUIRE(store.ok());
  ReadModel model;
  REQUIRE(LoadReadModel(**store, model).ok());
  Statistics s(model, testing::Regions(), kAllFeeds);
  const v1::GetServiceIndicatorsResponse after = Indicators(s, "230000", "2025-05-01", "2025-07-05");
  CHECK(after.SerializeAsString() == before.SerializeAsString());
  CHECK(TypeRows(s, "230000", "2025-07-05") == types);
  CHECK(after.fraud_cases_confirmed() == 2);  // c1 and c4
}

TEST_CASE("amended deliveries and follow-ups: corrected values count, withdrawn ones do not",
          "[statistics][amendment]") {
  const std::string dir = testing::TempDir();
  Fixture f;
  v1::GetServiceIndicatorsResponse amended;
  {
    Pipeline p(dir + "/statistics.db");
    f.June(p);
    // A fourth job recommendation of p2, identical to jr-2025-06-10 (same type and day).
    p.Add(testing::Delivery("jr-dup", "hlj-p2", "230102", tv1::SERVICE_TYPE_JOB_RECOMMENDATION,
                            "2025-06-10", "2025-06-10"));
    Statistics s(p.model(), testing::Regions(), kAllFeeds);
    // Amended in July:
    //   - f1 (p1, 05-12) withdrawn: May covers nobody (0 of 4);
    //   - f5 (p3, 06-15) corrected to 07-01: June covers p1 only (1 of 5);
    //   - d3 (p2's service list, 06-25) corrected to 06-15, inside the window: everyone's
    //     obligations met 3, missed 1;
    //   - jr-2025-06-10 withdrawn: p2 keeps 3 job recommendations (jr-dup), still met.
    p.Add(testing::FollowUpAmended("f1", "hlj-p1", "230102", "2025-05-12", "2025-05-12", true,
                                   "2025-07-04"));
    const fv1::FollowupEvent moved = testing::FollowUpAmended(
        "f5", "hlj-p3", "230103", "2025-06-15", "2025-07-01", false, "2025-07-04");
    p.Add(moved);
    p.Add(testing::DeliveryAmended("d3", "hlj-p2", "230102",
                                   tv1::SERVICE_TYPE_SERVICE_LIST_HANDED_OUT, "2025-06-25",
                                   tv1::SERVICE_TYPE_SERVICE_LIST_HANDED_OUT, "2025-06-15", false,
                                   "2025-07-04"));
    const tv1::TieringEvent withdrawn = testing::DeliveryAmended(
        "jr-2025-06-10", "hlj-p2", "230102", tv1::SERVICE_TYPE_JOB_RECOMMENDATION, "2025-06-10",
        tv1::SERVICE_TYPE_JOB_RECOMMENDATION, "2025-06-10", true, "2025-07-04");
    p.Add(withdrawn);
    const std::vector<Plan> june = {{4, 3, 1}, {1, 1, 0}, {2, 1, 1}, {0, 0, 0}, {2, 2, 0}};
    CHECK(PlanOf(Indicators(s, "230100", "2025-06-01", "2025-06-30")) == june);
    amended = Indicators(s, "230100", "2025-05-01", "2025-06-30");
    REQUIRE(amended.follow_up_coverage_size() == 2);
    CHECK(amended.follow_up_coverage(0).coverage().numerator() == 0);
    CHECK(amended.follow_up_coverage(0).coverage().denominator() == 4);
    CHECK(amended.follow_up_coverage(1).coverage().numerator() == 1);
    CHECK(amended.follow_up_coverage(1).coverage().denominator() == 5);
    // f5 now covers p3 in July (07-01..07-05: 1 of 5).
    const v1::GetServiceIndicatorsResponse july =
        Indicators(s, "230100", "2025-07-01", "2025-07-05");
    CHECK(july.follow_up_coverage(0).coverage().numerator() == 1);

    // Applied a second time, the amendments change nothing more: the withdrawal does not take
    // jr-dup (same type and day, another id), the correction does not move another contact.
    p.ReplayToModel(withdrawn, 100);
    p.ReplayToModel(moved, 100);
    CHECK(PlanOf(Indicators(s, "230100", "2025-06-01", "2025-06-30")) == june);
    CHECK(Indicators(s, "230100", "2025-05-01", "2025-06-30").SerializeAsString() ==
          amended.SerializeAsString());

    // An amendment of an unknown delivery or an already withdrawn one changes nothing.
    p.Add(testing::DeliveryAmended("nope", "hlj-p2", "230102",
                                   tv1::SERVICE_TYPE_JOB_RECOMMENDATION, "2025-06-01",
                                   tv1::SERVICE_TYPE_JOB_RECOMMENDATION, "2025-06-01", true,
                                   "2025-07-04"));
    p.Add(withdrawn);
    CHECK(PlanOf(Indicators(s, "230100", "2025-06-01", "2025-06-30")) == june);

    // Withdrawing a second job recommendation leaves 2 of 3: missed.
    p.Add(testing::DeliveryAmended("jr-2025-06-01", "hlj-p2", "230102",
                                   tv1::SERVICE_TYPE_JOB_RECOMMENDATION, "2025-06-01",
                                   tv1::SERVICE_TYPE_JOB_RECOMMENDATION, "2025-06-01", true,
                                   "2025-07-05"));
    CHECK(PlanOf(Indicators(s, "230100", "2025-06-01", "2025-06-30")) ==
          std::vector<Plan>{{4, 3, 1}, {1, 0, 1}, {2, 1, 1}, {0, 0, 0}, {2, 2, 0}});
    amended = Indicators(s, "230000", "2025-05-01", "2025-07-05");
  }
  // The store holds the same: a restart gives the same figures.
  auto store = SqliteStatisticsStore::Open(dir + "/statistics.db");
  REQUIRE(store.ok());
  ReadModel model;
  REQUIRE(LoadReadModel(**store, model).ok());
  Statistics s(model, testing::Regions(), kAllFeeds);
  CHECK(Indicators(s, "230000", "2025-05-01", "2025-07-05").SerializeAsString() ==
        amended.SerializeAsString());
}

TEST_CASE("amendment events become facts; malformed ones are refused", "[statistics][amendment]") {
  tv1::TieringEvent delivery = testing::DeliveryAmended(
      "d1", "hlj-p2", "230102", tv1::SERVICE_TYPE_JOB_FAIR, "2025-06-25",
      tv1::SERVICE_TYPE_FIRST_INTERVIEW, "2025-06-20", false, "2025-07-04");
  delivery.set_sequence(7);
  absl::StatusOr<FeedEvent> fact = FeedEventOf(delivery);
  REQUIRE(fact.ok());
  REQUIRE(fact->change.delivery_amendment.has_value());
  const DeliveryAmendment& d = *fact->change.delivery_amendment;
  CHECK(d.id == "d1");
  CHECK(d.registration_id == "hlj-p2");
  CHECK_FALSE(d.withdrawn);
  CHECK(d.type == tv1::SERVICE_TYPE_FIRST_INTERVIEW);
  CHECK(d.delivered == 20250620);
  CHECK(d.previous_type == tv1::SERVICE_TYPE_JOB_FAIR);
  CHECK(d.previous_delivered == 20250625);

  fv1::FollowupEvent follow_up = testing::FollowUpAmended("f1", "hlj-p1", "230102", "2025-05-12",
                                                          "", true, "2025-07-04");
  follow_up.set_sequence(3);
  fact = FeedEventOf(follow_up);
  REQUIRE(fact.ok());  // a withdrawal's date as amended is not read
  REQUIRE(fact->change.follow_up_amendment.has_value());
  CHECK(fact->change.follow_up_amendment->withdrawn);
  CHECK(fact->change.follow_up_amendment->previous_contact == 20250512);

  follow_up.mutable_follow_up_amended()->set_previous_contact_date("2025-13-01");
  CHECK(FeedEventOf(follow_up).status().code() == absl::StatusCode::kDataLoss);
  delivery.mutable_service_delivery_amended()->clear_delivery_id();
  CHECK(FeedEventOf(delivery).status().code() == absl::StatusCode::kDataLoss);
}

}  // namespace
}  // namespace unemployment::statistics
