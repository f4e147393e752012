// The rules data: the shipped type rules and difficulty criteria decide as documented, and bad
// files are refused with the file and line.
#include <catch2/catch.hpp>

#include "absl/strings/match.h"
#include "services/tiering/difficulty_criteria.h"
#include "services/tiering/type_rules.h"
#include "tests/services/tiering/test_util.h"

namespace unemployment::tiering {
namespace {

using testing::Day;
namespace v1c = ::unemployment::common::v1;

TEST_CASE("The shipped type rules decide the three types", "[rules]") {
  const TypeRules& rules = testing::ShippedTypeRules();
  struct Case {
    TypeFacts facts;
    v1c::UnemploymentType type;
    const char* rule;
  };
  const Case cases[] = {
      // An approved identification wins over everything.
      {{true, v1::SKILL_LEVEL_ADVANCED, true, v1c::EDUCATION_BACHELOR},
       v1c::UNEMPLOYMENT_TYPE_EMPLOYMENT_DIFFICULTY,
       "T01_DIFFICULTY_APPROVED"},
      // After the interview the skill level decides.
      {{false, v1::SKILL_LEVEL_BASIC, false, v1c::EDUCATION_PRIMARY},
       v1c::UNEMPLOYMENT_TYPE_SKILLED,
       "T02_CERTIFIED_SKILL_LEVEL"},
      {{false, v1::SKILL_LEVEL_NONE, true, v1c::EDUCATION_TECHNICAL_SCHOOL},
       v1c::UNEMPLOYMENT_TYPE_LACKING_SKILLS,
       "T03_ASSESSED_WITHOUT_SKILL"},
      // Before it, a qualification on the form or a vocational education.
      {{false, v1::SKILL_LEVEL_UNSPECIFIED, true, v1c::EDUCATION_HIGH_SCHOOL},
       v1c::UNEMPLOYMENT_TYPE_SKILLED,
       "T04_QUALIFICATION_BEFORE_INTERVIEW"},
      {{false, v1::SKILL_LEVEL_UNSPECIFIED, false, v1c::EDUCATION_TECHNICAL_SCHOOL},
       v1c::UNEMPLOYMENT_TYPE_SKILLED,
       "T05_VOCATIONAL_EDUCATION_BEFORE_INTERVIEW"},
      {{false, v1::SKILL_LEVEL_UNSPECIFIED, false, v1c::EDUCATION_HIGH_SCHOOL},
       v1c::UNEMPLOYMENT_TYPE_LACKING_SKILLS,
       "T99_DEFAULT"},
  };
  for (const Case& c : cases) {
    INFO("expected rule " << c.rule);
    const TypeDecision decision = rules.Decide(c.facts);
    CHECK(decision.type == c.type);
    CHECK(decision.rule_id == c.rule);
  }
}

TEST_CASE("Type rules are data: another file decides differently", "[rules]") {
  absl::StatusOr<TypeRules> rules = TypeRules::Parse(
      "rule_id,difficulty_approved,skill_levels,has_qualification,educations,type\n"
      "GRADUATES,,,,10|11|14|20,SKILLED\n"
      "REST,,,,,LACKING_SKILLS\n",
      "test.csv");
  REQUIRE(rules.ok());
  CHECK(rules->Decide({false, v1::SKILL_LEVEL_UNSPECIFIED, false, v1c::EDUCATION_BACHELOR}).type ==
        v1c::UNEMPLOYMENT_TYPE_SKILLED);
  CHECK(rules->Decide({false, v1::SKILL_LEVEL_ADVANCED, true, v1c::EDUCATION_PRIMARY}).rule_id ==
        "REST");
}

TEST_CASE("Bad type rule files are refused with file and line", "[rules]") {
  const std::string header =
      "rule_id,difficulty_approved,skill_levels,has_qualification,educations,type\n";
  struct Case {
    std::string text;
    const char* message;
  };
  const Case cases[] = {
      {"id,type\n", "test.csv:1: header must be"},
      {header + "A,maybe,,,,SKILLED\nZ,,,,,SKILLED\n", "test.csv:2: difficulty_approved"},
      {header + "A,,EXPERT,,,SKILLED\nZ,,,,,SKILLED\n", "test.csv:2: unknown skill level 'EXPERT'"},
      {header + "A,,,,35,SKILLED\nZ,,,,,SKILLED\n", "test.csv:2: unknown GB/T 4658"},
      {header + "A,,,,,GENIUS\n", "test.csv:2: unknown type 'GENIUS'"},
      {header + "A,,,,,SKILLED\nA,,,,,SKILLED\n", "test.csv:3: duplicate rule_id"},
      {header + "A,yes,,,,SKILLED\n", "test.csv:2: the last rule must have no conditions"},
      {header + "A,,,,SKILLED\n", "test.csv:2: expected 6 fields"},
  };
  for (const Case& c : cases) {
    absl::StatusOr<TypeRules> rules = TypeRules::Parse(c.text, "test.csv");
    INFO(rules.status().ToString());
    REQUIRE(rules.status().code() == absl::StatusCode::kInvalidArgument);
    CHECK(absl::StrContains(rules.status().message(), c.message));
  }
  CHECK(TypeRules::LoadFile("/nonexistent/rules.csv").status().code() ==
        absl::StatusCode::kNotFound);
}

TEST_CASE("The shipped difficulty criteria evaluate age by sex, duration and declarations",
          "[rules]") {
  const CriteriaSet* set = testing::ShippedCriteria().InForce(Day(2025, 6, 30));
  REQUIRE(set != nullptr);
  CHECK(set->version == "HLJ-2019-1");
  REQUIRE(set->criteria.size() == 6);
  CHECK(testing::ShippedCriteria().InForce(Day(2018, 12, 31)) == nullptr);

  DifficultyFacts woman;
  woman.sex = v1c::SEX_FEMALE;
  woman.birth_date = "1985-07-01";
  woman.registered = Day(2024, 7, 1);
  // 39 on 2025-06-30, 40 on 2025-07-01 (her birthday); registered 12 months on 2025-07-01.
  std::vector<v1::CriterionResult> before = EvaluateCriteria(*set, woman, Day(2025, 6, 30));
  CHECK_FALSE(AnyMet(before));
  CHECK(before[0].explanation() == "女，2025-06-30时年满39周岁，条件为40周岁以上");
  std::vector<v1::CriterionResult> on = EvaluateCriteria(*set, woman, Day(2025, 7, 1));
  CHECK(on[0].criterion_code() == "AGE");
  CHECK(on[0].met());
  CHECK(on[4].criterion_code() == "LONG_UNEMPLOYED");
  CHECK(on[4].met());

  DifficultyFacts man = woman;
  man.sex = v1c::SEX_MALE;
  man.birth_date = "1975-07-02";  // 49 on 2025-07-01, 50 the next day
  man.registered = Day(2025, 1, 1);
  CHECK_FALSE(EvaluateCriteria(*set, man, Day(2025, 7, 1))[0].met());
  CHECK(EvaluateCriteria(*set, man, Day(2025, 7, 2))[0].met());
  man.declared["DISABILITY"] = "残疾证 23010319750702001";
  std::vector<v1::CriterionResult> declared = EvaluateCriteria(*set, man, Day(2025, 7, 1));
  CHECK(declared[1].criterion_code() == "DISABILITY");
  CHECK(declared[1].met());
  CHECK(AnyMet(declared));
}

TEST_CASE("Criteria versions take effect on their date", "[rules]") {
  absl::StatusOr<DifficultyCriteria> criteria = DifficultyCriteria::Parse(
      "version,effective_from,code,title,basis,min_age_female,min_age_male,"
      "min_unemployed_months,evidence_required\n"
      "V1,2020-01-01,AGE,年龄,AGE_BY_SEX,40,50,,\n"
      "V2,2025-07-01,AGE,年龄,AGE_BY_SEX,45,55,,\n"
      "V2,2025-07-01,LAND_REQUISITIONED,失地,DECLARED,,,,征地文书\n",
      "c.csv");
  REQUIRE(criteria.ok());
  CHECK(criteria->InForce(Day(2025, 6, 30))->version == "V1");
  CHECK(criteria->InForce(Day(2025, 7, 1))->version == "V2");
  CHECK(criteria->InForce(Day(2025, 7, 1))->criteria.size() == 2);

  absl::StatusOr<DifficultyCriteria> bad = DifficultyCriteria::Parse(
      "version,effective_from,code,title,basis,min_age_female,min_age_male,"
      "min_unemployed_months,evidence_required\n"
      "V1,2020-01-01,AGE,年龄,AGE_BY_SEX,40,,,\n",
      "c.csv");
  CHECK(bad.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(absl::StrContains(bad.status().message(), "c.csv:2: AGE_BY_SEX needs"));
}

}  // namespace
}  // namespace unemployment::tiering
