#include "common/validation/deregistration_reason.h"

#include "common/validation/rules.h"
#include "common/validation/text.h"
#include "common/validation/validation_error.h"

namespace unemployment::validation {
namespace {

constexpr CodeEntry kDeregistrationReasonEntries[] = {
    {11, "11", "被用人单位录用"},
    {12, "12", "从事个体经营或创办企业并领取营业执照"},
    {13, "13", "已从事有稳定收入的劳动且月收入不低于当地最低工资标准"},
    {14, "14", "公益性岗位安置"},
    {21, "21", "已享受基本养老保险待遇"},
    {22, "22", "达到退休年龄"},
    {23, "23", "完全丧失劳动能力"},
    {24, "24", "入学、服兵役、移居境外"},
    {25, "25", "被判刑收监执行"},
    {26, "26", "死亡"},
    {31, "31", "终止就业要求或拒绝接受公共就业服务"},
    {32, "32", "在规定时间内未与公共就业服务机构联系"},
    {90, "90", "其他"},
};
constexpr CodeList kDeregistrationReasonCodes("deregistration reason",
                                              kDeregistrationReasonEntries);

}  // namespace

const CodeList& DeregistrationReasonCodes() { return kDeregistrationReasonCodes; }

std::optional<DeregistrationReason> DeregistrationReasonFromNumber(int number) {
  const CodeEntry* entry = kDeregistrationReasonCodes.FindNumber(number);
  if (entry == nullptr) return std::nullopt;
  return static_cast<DeregistrationReason>(entry->number);
}

bool SuppressesNotification(DeregistrationReason reason, bool moved_abroad) {
  switch (reason) {
    case DeregistrationReason::kSchoolMilitaryOrAbroad:
      return moved_abroad;
    case DeregistrationReason::kImprisoned:
    case DeregistrationReason::kDeceased:
    // No contact for six months: the person is by definition unreachable (the notice, section 三).
    case DeregistrationReason::kNoContact:
      return true;
    case DeregistrationReason::kHiredByEmployer:
    case DeregistrationReason::kSelfEmployedWithLicence:
    case DeregistrationReason::kStableIncomeAboveMinimumWage:
    case DeregistrationReason::kPublicWelfareJob:
    case DeregistrationReason::kReceivingPension:
    case DeregistrationReason::kRetirementAge:
    case DeregistrationReason::kFullyLostAbilityToWork:
    case DeregistrationReason::kEndedJobSearch:
    case DeregistrationReason::kOther:
      return false;
  }
  return false;  // Unreachable for valid enum values; keeps -Wreturn-type quiet.
}

absl::Status ValidateMovedAbroad(DeregistrationReason reason, bool moved_abroad) {
  if (!moved_abroad || reason == DeregistrationReason::kSchoolMilitaryOrAbroad) {
    return absl::OkStatus();
  }
  return ValidationError(rule::kNotApplicable,
                         "moved abroad is only given with reason 24 (school, military service or "
                         "moved abroad)");
}

absl::Status ValidateDeregistrationNote(DeregistrationReason reason, absl::string_view note) {
  if (reason != DeregistrationReason::kOther || !TrimText(note).empty()) return absl::OkStatus();
  return ValidationError(rule::kRequired, "deregistration reason \"other\" requires a note");
}

}  // namespace unemployment::validation
