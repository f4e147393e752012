#include <catch2/catch.hpp>
#include <set>
#include <string>

#include "common/validation/deregistration_reason.h"
#include "common/validation/education.h"
#include "common/validation/ethnic_group.h"
#include "common/validation/health.h"
#include "common/validation/political_status.h"
#include "common/validation/rules.h"
#include "common/validation/sex.h"
#include "common/validation/unemployment_cause.h"
#include "tests/common/validation/test_util.h"

namespace unemployment::validation {
namespace {

// Every list: unique codes and numbers, names present, code string and number agree.
void CheckWellFormed(const CodeList& list) {
  INFO(std::string(list.title()));
  std::set<std::string> codes;
  std::set<int> numbers;
  for (const CodeEntry& entry : list.entries()) {
    CHECK(codes.insert(std::string(entry.code)).second);
    CHECK(numbers.insert(entry.number).second);
    CHECK_FALSE(entry.name.empty());
    CHECK(std::stoi(std::string(entry.code)) == entry.number);
    CHECK(list.Find(entry.code) == &entry);
    CHECK(list.FindNumber(entry.number) == &entry);
  }
}

TEST_CASE("all code lists are well formed", "[codes]") {
  for (const CodeList* list :
       {&SexCodes(), &EthnicGroupCodes(), &PoliticalStatusCodes(), &EducationCodes(),
        &HealthStatusCodes(), &UnemploymentCauseCodes(), &DeregistrationReasonCodes()}) {
    CheckWellFormed(*list);
  }
}

TEST_CASE("sex: 1 and 2 accepted, 0 and 9 known but refused", "[codes]") {
  CHECK(SexCodes().NameOf("1") == "男");
  CHECK(SexCodes().NameOf("2") == "女");
  CHECK_VALID(SexCodes().Validate("1"));
  CHECK_VALID(SexCodes().ValidateNumber(2));
  CHECK_RULE(SexCodes().Validate("0"), rule::kCodeNotAccepted);
  CHECK_RULE(SexCodes().ValidateNumber(9), rule::kCodeNotAccepted);
  CHECK_RULE(SexCodes().Validate("3"), rule::kCodeUnknown);
  CHECK_RULE(SexCodes().Validate(""), rule::kFormat);
  CHECK(SexFromNumber(1) == Sex::kMale);
  CHECK(SexFromNumber(2) == Sex::kFemale);
  CHECK_FALSE(SexFromNumber(9).has_value());
}

TEST_CASE("ethnic groups 01-56, 97 and 98 with names, all accepted", "[codes]") {
  const CodeList& groups = EthnicGroupCodes();
  int accepted = 0;
  for (const CodeEntry& entry : groups.entries()) accepted += entry.accepted ? 1 : 0;
  CHECK(accepted == 58);
  CHECK(groups.NameOf("01") == "汉族");
  CHECK(groups.NameOf("10") == "朝鲜族");
  CHECK(groups.NameOf("11") == "满族");
  CHECK(groups.NameOf("31") == "达斡尔族");
  CHECK(groups.NameOf("52") == "鄂伦春族");
  CHECK(groups.NameOf("53") == "赫哲族");
  CHECK(groups.NameOf("56") == "基诺族");
  CHECK(groups.NameOfNumber(45) == "鄂温克族");
  for (int number = 1; number <= 56; ++number) {
    INFO(number);
    CHECK_VALID(groups.ValidateNumber(number));
  }
  CHECK_VALID(groups.Validate("97"));
  CHECK_VALID(groups.Validate("98"));
  CHECK(groups.NameOf("97") == "其他未识别民族");
  CHECK(groups.NameOf("98") == "外国血统中国籍人士");
  CHECK_RULE(groups.Validate("57"), rule::kCodeUnknown);
  CHECK_RULE(groups.Validate("00"), rule::kCodeUnknown);
  // Codes are written with two digits; "1" is not "01" (callers with numbers use ValidateNumber).
  CHECK_RULE(groups.Validate("1"), rule::kFormat);
  CHECK_RULE(groups.Validate("O1"), rule::kFormat);
  CHECK_RULE(groups.ValidateNumber(0), rule::kCodeUnknown);
}

TEST_CASE("political status 01-13", "[codes]") {
  const CodeList& statuses = PoliticalStatusCodes();
  CHECK(statuses.entries().size() == 13);
  CHECK(statuses.NameOf("01") == "中国共产党党员");
  CHECK(statuses.NameOf("03") == "中国共产主义青年团团员");
  CHECK(statuses.NameOf("13") == "群众");
  CHECK_VALID(statuses.Validate("10"));
  CHECK_RULE(statuses.Validate("14"), rule::kCodeUnknown);
  CHECK_RULE(statuses.Validate("00"), rule::kCodeUnknown);
}

TEST_CASE("education codes", "[codes]") {
  const CodeList& education = EducationCodes();
  const std::set<int> expected = {10, 11, 14, 20, 30, 40, 50, 60, 70, 80, 90};
  std::set<int> actual;
  for (const CodeEntry& entry : education.entries()) actual.insert(entry.number);
  CHECK(actual == expected);
  CHECK(education.NameOf("11") == "博士研究生");
  CHECK(education.NameOf("14") == "硕士研究生");
  CHECK(education.NameOf("20") == "大学本科");
  CHECK_RULE(education.Validate("21"), rule::kCodeUnknown);
  CHECK_RULE(education.ValidateNumber(0), rule::kCodeUnknown);
}

TEST_CASE("health status and disability grade", "[codes]") {
  CHECK(HealthStatusCodes().NameOf("6") == "残疾");
  CHECK_RULE(HealthStatusCodes().Validate("4"), rule::kCodeUnknown);
  CHECK(HealthStatusFromNumber(6) == HealthStatus::kDisabled);
  CHECK_FALSE(HealthStatusFromNumber(5).has_value());

  CHECK_VALID(ValidateDisabilityGrade(HealthStatus::kDisabled, 1));
  CHECK_VALID(ValidateDisabilityGrade(HealthStatus::kDisabled, 10));
  CHECK_RULE(ValidateDisabilityGrade(HealthStatus::kDisabled, std::nullopt),
             rule::kDisabilityGradeRequired);
  CHECK_RULE(ValidateDisabilityGrade(HealthStatus::kDisabled, 0), rule::kDisabilityGradeRange);
  CHECK_RULE(ValidateDisabilityGrade(HealthStatus::kDisabled, 11), rule::kDisabilityGradeRange);
  CHECK_VALID(ValidateDisabilityGrade(HealthStatus::kHealthyOrGood, std::nullopt));
  CHECK_RULE(ValidateDisabilityGrade(HealthStatus::kChronicIllness, 3),
             rule::kDisabilityGradeNotApplicable);
}

TEST_CASE("causes of unemployment 1-13 in the form's order", "[codes]") {
  const CodeList& causes = UnemploymentCauseCodes();
  CHECK(causes.entries().size() == 13);
  CHECK(causes.NameOfNumber(1) == "年满16周岁，从各类学校毕业、肄业");
  CHECK(causes.NameOfNumber(5) == "从各类单位辞职");
  CHECK(causes.NameOfNumber(12) == "刑满释放、假释、监外执行");
  CHECK(causes.NameOfNumber(13) == "其他");
  CHECK_RULE(causes.ValidateNumber(0), rule::kCodeUnknown);
  CHECK_RULE(causes.ValidateNumber(14), rule::kCodeUnknown);
  CHECK(UnemploymentCauseFromNumber(13) == UnemploymentCause::kOther);
  CHECK_FALSE(UnemploymentCauseFromNumber(14).has_value());

  CHECK_VALID(ValidateUnemploymentCauseText(UnemploymentCause::kOther, "合同到期未续签"));
  CHECK_RULE(ValidateUnemploymentCauseText(UnemploymentCause::kOther, ""),
             rule::kOtherTextRequired);
  CHECK_RULE(ValidateUnemploymentCauseText(UnemploymentCause::kOther, " \xE3\x80\x80 "),
             rule::kOtherTextRequired);
  CHECK_VALID(ValidateUnemploymentCauseText(UnemploymentCause::kResigned, ""));
  CHECK_VALID(ValidateUnemploymentCauseText(UnemploymentCause::kResigned, "  "));
  CHECK_RULE(ValidateUnemploymentCauseText(UnemploymentCause::kResigned, "公司搬迁"),
             rule::kOtherTextNotApplicable);
}

TEST_CASE("deregistration reasons and notification", "[codes]") {
  const CodeList& reasons = DeregistrationReasonCodes();
  const std::set<int> expected = {11, 12, 13, 14, 21, 22, 23, 24, 25, 26, 31, 32, 90};
  std::set<int> actual;
  for (const CodeEntry& entry : reasons.entries()) actual.insert(entry.number);
  CHECK(actual == expected);
  CHECK(reasons.NameOf("11") == "被用人单位录用");
  CHECK(reasons.NameOf("26") == "死亡");
  CHECK(reasons.NameOf("32") == "在规定时间内未与公共就业服务机构联系");
  CHECK_RULE(reasons.Validate("15"), rule::kCodeUnknown);
  CHECK_FALSE(DeregistrationReasonFromNumber(15).has_value());

  std::set<int> suppressed;
  std::set<int> suppressed_when_abroad;
  for (int number : expected) {
    const std::optional<DeregistrationReason> reason = DeregistrationReasonFromNumber(number);
    REQUIRE(reason.has_value());
    if (SuppressesNotification(*reason, false)) suppressed.insert(number);
    if (SuppressesNotification(*reason, true)) suppressed_when_abroad.insert(number);
  }
  // 24 mixes school, military service and moving abroad: only moving abroad suppresses.
  // 32 (no contact for six months) means the person is unreachable.
  CHECK(suppressed == std::set<int>{25, 26, 32});
  CHECK(suppressed_when_abroad == std::set<int>{24, 25, 26, 32});

  CHECK_VALID(ValidateMovedAbroad(DeregistrationReason::kSchoolMilitaryOrAbroad, true));
  CHECK_VALID(ValidateMovedAbroad(DeregistrationReason::kHiredByEmployer, false));
  CHECK_RULE(ValidateMovedAbroad(DeregistrationReason::kHiredByEmployer, true),
             rule::kNotApplicable);

  CHECK_RULE(ValidateDeregistrationNote(DeregistrationReason::kOther, ""), rule::kRequired);
  CHECK_RULE(ValidateDeregistrationNote(DeregistrationReason::kOther, " "), rule::kRequired);
  CHECK_VALID(ValidateDeregistrationNote(DeregistrationReason::kOther, "户籍迁出本省"));
  CHECK_VALID(ValidateDeregistrationNote(DeregistrationReason::kHiredByEmployer, ""));
}

}  // namespace
}  // namespace unemployment::validation
