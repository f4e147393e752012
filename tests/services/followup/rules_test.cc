#include <string>
#include <vector>

#include "catch2/catch.hpp"
#include "common/time/date.h"
#include "services/followup/credit_export.h"
#include "services/followup/followup_rules.h"
#include "tests/services/followup/test_util.h"

namespace unemployment::followup {
namespace {

using absl::CivilDay;
using absl::CivilMonth;

TEST_CASE("fraud reports are due on the 30th, or the last day of February", "[followup][rules]") {
  CHECK(FraudReportDueDay(CivilMonth(2025, 1)) == CivilDay(2025, 1, 30));
  CHECK(FraudReportDueDay(CivilMonth(2025, 2)) == CivilDay(2025, 2, 28));
  CHECK(FraudReportDueDay(CivilMonth(2024, 2)) == CivilDay(2024, 2, 29));  // leap year
  CHECK(FraudReportDueDay(CivilMonth(2100, 2)) == CivilDay(2100, 2, 28));  // not a leap year
  CHECK(FraudReportDueDay(CivilMonth(2000, 2)) == CivilDay(2000, 2, 29));  // leap year
  CHECK(FraudReportDueDay(CivilMonth(2025, 4)) == CivilDay(2025, 4, 30));
  CHECK(FraudReportDueDay(CivilMonth(2025, 12)) == CivilDay(2025, 12, 30));
}

TEST_CASE("six months without contact, with the month-end rule", "[followup][rules]") {
  CHECK(NoContactDeadline(CivilDay(2025, 1, 15)) == CivilDay(2025, 7, 15));
  CHECK(NoContactDeadline(CivilDay(2025, 1, 31)) == CivilDay(2025, 7, 31));
  CHECK(NoContactDeadline(CivilDay(2025, 8, 31)) == CivilDay(2026, 2, 28));
  CHECK(NoContactDeadline(CivilDay(2023, 8, 31)) == CivilDay(2024, 2, 29));
  CHECK(NoContactDeadline(CivilDay(2025, 3, 31)) == CivilDay(2025, 9, 30));
}

TEST_CASE("what counts as contact", "[followup][rules]") {
  CHECK(IsContact(v1::FOLLOW_UP_METHOD_SELF_REPORT, v1::FOLLOW_UP_OUTCOME_STILL_UNEMPLOYED));
  CHECK(IsContact(v1::FOLLOW_UP_METHOD_PHONE_SURVEY, v1::FOLLOW_UP_OUTCOME_EMPLOYED));
  CHECK(IsContact(v1::FOLLOW_UP_METHOD_FIELD_VISIT, v1::FOLLOW_UP_OUTCOME_OTHER));
  CHECK_FALSE(IsContact(v1::FOLLOW_UP_METHOD_PHONE_SURVEY, v1::FOLLOW_UP_OUTCOME_UNREACHABLE));
  CHECK_FALSE(IsContact(v1::FOLLOW_UP_METHOD_FIELD_VISIT, v1::FOLLOW_UP_OUTCOME_UNREACHABLE));
  CHECK_FALSE(IsContact(v1::FOLLOW_UP_METHOD_INFORMATION_COMPARISON,
                        v1::FOLLOW_UP_OUTCOME_STILL_UNEMPLOYED));
}

TEST_CASE("activity on a day and the evaluation day", "[followup][rules]") {
  RegistrationRecord r;
  r.registered_date = "2025-03-10";
  CHECK_FALSE(IsActiveOn(r, "2025-03-09"));
  CHECK(IsActiveOn(r, "2025-03-10"));
  r.end_date = "2025-06-12";
  CHECK(IsActiveOn(r, "2025-06-11"));
  CHECK_FALSE(IsActiveOn(r, "2025-06-12"));

  CHECK(EvaluationDay(CivilMonth(2025, 6), std::nullopt, CivilDay(2025, 6, 20)) ==
        CivilDay(2025, 6, 20));
  CHECK(EvaluationDay(CivilMonth(2025, 5), std::nullopt, CivilDay(2025, 6, 20)) ==
        CivilDay(2025, 5, 31));
  CHECK(EvaluationDay(CivilMonth(2025, 5), CivilDay(2025, 5, 7), CivilDay(2025, 6, 20)) ==
        CivilDay(2025, 5, 7));
}

TEST_CASE("region codes select offices by prefix", "[followup][rules]") {
  const auto& regions = testing::Regions();
  REQUIRE(RegionRange(regions, "230000").has_value());
  CHECK(RegionRange(regions, "230000")->low == "23");
  CHECK(RegionRange(regions, "230100")->low == "2301");
  CHECK(RegionRange(regions, "230103")->low == "230103");
  CHECK(RegionRange(regions, "230103")->high == "230103:");
  CHECK_FALSE(RegionRange(regions, "239999").has_value());
  CHECK_FALSE(RegionRange(regions, "2301").has_value());
}

v1::FraudCase ConfirmedCase(const std::string& id, v1::FraudBenefit benefit,
                            const std::string& description, int64_t fen) {
  v1::FraudCase c;
  c.set_case_id(id);
  c.mutable_person_id()->set_id_type(common::v1::ID_TYPE_RESIDENT_ID_CARD);
  c.mutable_person_id()->set_id_number(testing::kIdNumber);
  c.set_name("张三");
  c.set_city_code("230100");
  c.set_benefit(benefit);
  c.set_description(description);
  c.set_amount_involved_fen(fen);
  c.set_concluded_on("2025-02-10");
  c.set_decision_document("哈人社稽〔2025〕3号");
  c.set_reported_month("2025-02");
  return c;
}

TEST_CASE("credit records in CSV", "[followup][export]") {
  std::vector<v1::FraudCase> cases = {
      ConfirmedCase("fc-1", v1::FRAUD_BENEFIT_UNEMPLOYMENT_INSURANCE, "隐瞒就业, 继续领取", 123456),
      ConfirmedCase("fc-2", v1::FRAUD_BENEFIT_SUPPORT_POLICY, "虚报\"创业\"补贴\n两次", 0)};
  cases[1].set_reported_month("");
  CHECK(CreditRecordsCsv(cases) ==
        "record_id,id_type,id_number,name,city_code,behaviour,description,amount_fen,"
        "concluded_on,decision_document,reported_month\r\n"
        "fc-1,1,34052419800101001X,张三,230100,UNEMPLOYMENT_INSURANCE_FRAUD,"
        "\"隐瞒就业, 继续领取\",123456,2025-02-10,哈人社稽〔2025〕3号,2025-02\r\n"
        "fc-2,1,34052419800101001X,张三,230100,SUPPORT_POLICY_FRAUD,"
        "\"虚报\"\"创业\"\"补贴\n两次\",0,2025-02-10,哈人社稽〔2025〕3号,\r\n");
  CHECK(CreditRecordsCsv({}) ==
        "record_id,id_type,id_number,name,city_code,behaviour,description,amount_fen,"
        "concluded_on,decision_document,reported_month\r\n");
}

TEST_CASE("credit records in JSON", "[followup][export]") {
  std::vector<v1::FraudCase> cases = {
      ConfirmedCase("fc-2", v1::FRAUD_BENEFIT_SUPPORT_POLICY, "虚报\"创业\"补贴\n两次", 500)};
  CHECK(CreditRecordsJson(cases) ==
        "{\"format_version\":\"1\",\"records\":[{\"record_id\":\"fc-2\",\"id_type\":1,"
        "\"id_number\":\"34052419800101001X\",\"name\":\"张三\",\"city_code\":\"230100\","
        "\"behaviour\":\"SUPPORT_POLICY_FRAUD\",\"description\":\"虚报\\\"创业\\\"补贴\\n两次\","
        "\"amount_fen\":500,\"concluded_on\":\"2025-02-10\","
        "\"decision_document\":\"哈人社稽〔2025〕3号\",\"reported_month\":\"2025-02\"}]}");
  CHECK(CreditRecordsJson({}) == "{\"format_version\":\"1\",\"records\":[]}");
}

}  // namespace
}  // namespace unemployment::followup
