#include "common/notice/service_plan.h"

namespace unemployment::notice {
namespace {

namespace tv1 = ::unemployment::tiering::v1;
namespace cv1 = ::unemployment::common::v1;

}  // namespace

void PlanRulesOn(const LevelCalendar& calendar, const PlanFacts& facts, absl::CivilDay as_of,
                 std::vector<PlanRule>& rules) {
  const absl::CivilDay reg = calendar.short_term_from;
  const cv1::UnemploymentLevel level =
      as_of < reg ? cv1::UNEMPLOYMENT_LEVEL_SHORT_TERM : LevelOnCalendar(calendar, as_of);
  rules.clear();
  const absl::CivilDay short_end = calendar.medium_short_from - 1;
  for (tv1::ServiceType type :
       {tv1::SERVICE_TYPE_FIRST_INTERVIEW, tv1::SERVICE_TYPE_POLICY_LIST_HANDED_OUT,
        tv1::SERVICE_TYPE_SERVICE_LIST_HANDED_OUT, tv1::SERVICE_TYPE_AGENCY_LIST_HANDED_OUT}) {
    rules.push_back({type, cv1::UNEMPLOYMENT_LEVEL_UNSPECIFIED, 1, reg, short_end});
  }
  rules.push_back(
      {tv1::SERVICE_TYPE_JOB_RECOMMENDATION, cv1::UNEMPLOYMENT_LEVEL_SHORT_TERM, 3, reg, short_end});
  if (level >= cv1::UNEMPLOYMENT_LEVEL_MEDIUM_SHORT) {
    const auto ms = cv1::UNEMPLOYMENT_LEVEL_MEDIUM_SHORT;
    const absl::CivilDay ms_end = calendar.medium_long_from - 1;
    rules.push_back({tv1::SERVICE_TYPE_CAREER_GUIDANCE, ms, 1, calendar.medium_short_from, ms_end});
    rules.push_back({tv1::SERVICE_TYPE_JOB_FAIR, ms, 1, calendar.medium_short_from, ms_end});
  }
  if (level >= cv1::UNEMPLOYMENT_LEVEL_MEDIUM_LONG) {
    rules.push_back({tv1::SERVICE_TYPE_VOCATIONAL_TRAINING, cv1::UNEMPLOYMENT_LEVEL_MEDIUM_LONG, 1,
                     calendar.medium_long_from, calendar.long_term_from - 1});
  }
  if (level >= cv1::UNEMPLOYMENT_LEVEL_LONG_TERM) {
    const auto lt = cv1::UNEMPLOYMENT_LEVEL_LONG_TERM;
    const bool approved =
        facts.difficulty_approved_on.has_value() && *facts.difficulty_approved_on <= as_of;
    if (facts.meets_difficulty_criteria || approved) {
      rules.push_back({tv1::SERVICE_TYPE_DIFFICULTY_IDENTIFICATION, lt, 1, reg, std::nullopt});
    }
    if (approved) {
      rules.push_back({tv1::SERVICE_TYPE_EMPLOYMENT_ASSISTANCE, lt, 1, *facts.difficulty_approved_on,
                       std::nullopt});
    }
  }
  if (facts.training_intention) {
    rules.push_back({tv1::SERVICE_TYPE_TRAINING_RECOMMENDATION, cv1::UNEMPLOYMENT_LEVEL_UNSPECIFIED,
                     1, reg, std::nullopt});
  }
  if (facts.entrepreneurship_intention) {
    rules.push_back({tv1::SERVICE_TYPE_ENTREPRENEURSHIP_TRAINING,
                     cv1::UNEMPLOYMENT_LEVEL_UNSPECIFIED, 1, reg, std::nullopt});
    rules.push_back({tv1::SERVICE_TYPE_BUSINESS_START_GUIDANCE,
                     cv1::UNEMPLOYMENT_LEVEL_UNSPECIFIED, 1, reg, std::nullopt});
  }
}

}  // namespace unemployment::notice
