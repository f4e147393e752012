#include "common/validation/unemployment_cause.h"

#include "common/validation/rules.h"
#include "common/validation/text.h"
#include "common/validation/validation_error.h"

namespace unemployment::validation {
namespace {

constexpr CodeEntry kUnemploymentCauseEntries[] = {
    {1, "1", "年满16周岁，从各类学校毕业、肄业"},
    {2, "2", "被企业解除或终止劳动关系"},
    {3, "3", "企业破产倒闭终止劳动关系"},
    {4, "4", "从机关事业单位被辞退解聘"},
    {5, "5", "从各类单位辞职"},
    {6, "6", "私营企业、民办非企业业主停业、破产"},
    {7, "7", "终止从事个体工商户"},
    {8, "8", "承包土地被征用等情况"},
    {9, "9", "从事一定收入的劳动，但月收入低于当地最低生活保障标准"},
    {10, "10", "退出公益性岗位"},
    {11, "11", "军人退出现役且未纳入国家统一安置"},
    {12, "12", "刑满释放、假释、监外执行"},
    {13, "13", "其他"},
};
constexpr CodeList kUnemploymentCauseCodes("cause of unemployment", kUnemploymentCauseEntries);

}  // namespace

const CodeList& UnemploymentCauseCodes() { return kUnemploymentCauseCodes; }

std::optional<UnemploymentCause> UnemploymentCauseFromNumber(int number) {
  if (number < 1 || number > 13) return std::nullopt;
  return static_cast<UnemploymentCause>(number);
}

absl::Status ValidateUnemploymentCauseText(UnemploymentCause cause, absl::string_view other_text) {
  const bool has_text = !TrimText(other_text).empty();
  if (cause == UnemploymentCause::kOther && !has_text) {
    return ValidationError(rule::kOtherTextRequired,
                           "cause of unemployment \"other\" requires a description");
  }
  if (cause != UnemploymentCause::kOther && has_text) {
    return ValidationError(rule::kOtherTextNotApplicable,
                           "a cause text is only given with the cause \"other\"");
  }
  return absl::OkStatus();
}

}  // namespace unemployment::validation
