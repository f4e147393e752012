// The minimum-services table (common/notice/service_plan.h) on exact dates: which rules apply on
// each side of every level boundary, their windows and deadlines on the Civil Code's month edges,
// and the long-term and intention rules' conditions.
#include "common/notice/service_plan.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "common/time/date.h"

namespace unemployment::notice {
namespace {

namespace tv1 = ::unemployment::tiering::v1;
namespace cv1 = ::unemployment::common::v1;

absl::CivilDay D(const std::string& text) {
  absl::StatusOr<absl::CivilDay> day = time::ParseDate(text);
  REQUIRE(day.ok());
  return *day;
}

std::vector<PlanRule> RulesOn(const std::string& registered, const std::string& as_of,
                              const PlanFacts& facts = {}) {
  std::vector<PlanRule> rules;
  PlanRulesOn(LevelCalendarFor(D(registered)), facts, D(as_of), rules);
  return rules;
}

std::vector<tv1::ServiceType> TypesOf(const std::vector<PlanRule>& rules) {
  std::vector<tv1::ServiceType> types;
  for (const PlanRule& rule : rules) types.push_back(rule.type);
  return types;
}

const PlanRule& Find(const std::vector<PlanRule>& rules, tv1::ServiceType type) {
  for (const PlanRule& rule : rules) {
    if (rule.type == type) return rule;
  }
  FAIL("no rule for service type " << static_cast<int>(type));
  return rules.front();
}

const std::vector<tv1::ServiceType> kShortTerm = {
    tv1::SERVICE_TYPE_FIRST_INTERVIEW, tv1::SERVICE_TYPE_POLICY_LIST_HANDED_OUT,
    tv1::SERVICE_TYPE_SERVICE_LIST_HANDED_OUT, tv1::SERVICE_TYPE_AGENCY_LIST_HANDED_OUT,
    tv1::SERVICE_TYPE_JOB_RECOMMENDATION};

TEST_CASE("PlanRulesOn: a level's rules apply from its first day, never the day before",
          "[service_plan]") {
  // Registered 31 January 2026: medium-short from 1 March, medium-long from 1 May, long-term from
  // 31 July (common/notice/level.h).
  CHECK(TypesOf(RulesOn("2026-01-31", "2026-02-28")) == kShortTerm);
  std::vector<tv1::ServiceType> medium_short = kShortTerm;
  medium_short.push_back(tv1::SERVICE_TYPE_CAREER_GUIDANCE);
  medium_short.push_back(tv1::SERVICE_TYPE_JOB_FAIR);
  CHECK(TypesOf(RulesOn("2026-01-31", "2026-03-01")) == medium_short);
  CHECK(TypesOf(RulesOn("2026-01-31", "2026-04-30")) == medium_short);
  std::vector<tv1::ServiceType> medium_long = medium_short;
  medium_long.push_back(tv1::SERVICE_TYPE_VOCATIONAL_TRAINING);
  CHECK(TypesOf(RulesOn("2026-01-31", "2026-05-01")) == medium_long);
  // Long-term without a criterion met or an identification: no long-term rule at all.
  CHECK(TypesOf(RulesOn("2026-01-31", "2026-07-31")) == medium_long);
  // A date before the registered date counts as short-term.
  CHECK(TypesOf(RulesOn("2026-01-31", "2026-01-01")) == kShortTerm);
}

TEST_CASE("PlanRulesOn: windows end the day before the next level begins", "[service_plan]") {
  const std::vector<PlanRule> rules = RulesOn("2026-01-31", "2026-08-01");
  const PlanRule& interview = Find(rules, tv1::SERVICE_TYPE_FIRST_INTERVIEW);
  CHECK(interview.level == cv1::UNEMPLOYMENT_LEVEL_UNSPECIFIED);
  CHECK(interview.required == 1);
  CHECK(interview.window_start == D("2026-01-31"));
  CHECK(interview.due_on == D("2026-02-28"));
  const PlanRule& recommendations = Find(rules, tv1::SERVICE_TYPE_JOB_RECOMMENDATION);
  CHECK(recommendations.level == cv1::UNEMPLOYMENT_LEVEL_SHORT_TERM);
  CHECK(recommendations.required == 3);
  CHECK(recommendations.due_on == D("2026-02-28"));
  const PlanRule& fair = Find(rules, tv1::SERVICE_TYPE_JOB_FAIR);
  CHECK(fair.level == cv1::UNEMPLOYMENT_LEVEL_MEDIUM_SHORT);
  CHECK(fair.window_start == D("2026-03-01"));
  CHECK(fair.due_on == D("2026-04-30"));
  const PlanRule& training = Find(rules, tv1::SERVICE_TYPE_VOCATIONAL_TRAINING);
  CHECK(training.level == cv1::UNEMPLOYMENT_LEVEL_MEDIUM_LONG);
  CHECK(training.window_start == D("2026-05-01"));
  CHECK(training.due_on == D("2026-07-30"));
  // Leap year: registered 29 February 2024, one month ends 29 March, so medium-short begins on
  // 30 March and the short-term window closes on 29 March.
  CHECK(Find(RulesOn("2024-02-29", "2024-03-29"), tv1::SERVICE_TYPE_FIRST_INTERVIEW).due_on ==
        D("2024-03-29"));
}

TEST_CASE("PlanRulesOn: long-term and intention rules follow the facts", "[service_plan]") {
  PlanFacts criteria;
  criteria.meets_difficulty_criteria = true;
  std::vector<PlanRule> rules = RulesOn("2026-01-31", "2026-07-31", criteria);
  const PlanRule& identification = Find(rules, tv1::SERVICE_TYPE_DIFFICULTY_IDENTIFICATION);
  CHECK(identification.level == cv1::UNEMPLOYMENT_LEVEL_LONG_TERM);
  CHECK(identification.window_start == D("2026-01-31"));
  CHECK_FALSE(identification.due_on.has_value());
  CHECK(TypesOf(rules).size() == 9);  // no assistance before an approval

  PlanFacts approved;
  approved.difficulty_approved_on = D("2026-08-10");
  // The approval lies after the date asked about: neither rule yet (no criterion met either).
  CHECK(TypesOf(RulesOn("2026-01-31", "2026-08-09", approved)).size() == 8);
  rules = RulesOn("2026-01-31", "2026-08-10", approved);
  CHECK(Find(rules, tv1::SERVICE_TYPE_EMPLOYMENT_ASSISTANCE).window_start == D("2026-08-10"));
  CHECK(Find(rules, tv1::SERVICE_TYPE_DIFFICULTY_IDENTIFICATION).window_start == D("2026-01-31"));
  // An approval does not bring the long-term rules before long-term begins.
  approved.difficulty_approved_on = D("2026-02-10");
  CHECK(TypesOf(RulesOn("2026-01-31", "2026-03-01", approved)).size() == 7);

  PlanFacts intentions;
  intentions.training_intention = true;
  intentions.entrepreneurship_intention = true;
  rules = RulesOn("2026-01-31", "2026-01-31", intentions);
  REQUIRE(rules.size() == 8);
  CHECK(rules[5].type == tv1::SERVICE_TYPE_TRAINING_RECOMMENDATION);
  CHECK(rules[6].type == tv1::SERVICE_TYPE_ENTREPRENEURSHIP_TRAINING);
  CHECK(rules[7].type == tv1::SERVICE_TYPE_BUSINESS_START_GUIDANCE);
  for (size_t i = 5; i < rules.size(); ++i) {
    CHECK(rules[i].level == cv1::UNEMPLOYMENT_LEVEL_UNSPECIFIED);
    CHECK_FALSE(rules[i].due_on.has_value());
    CHECK(rules[i].window_start == D("2026-01-31"));
  }
}

}  // namespace
}  // namespace unemployment::notice
