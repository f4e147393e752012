// Cause of unemployment (失业原因): the 13 boxes of the registration form (附件1), numbered 1..13
// in the form's order.
#pragma once

#include <optional>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "common/validation/code_list.h"

namespace unemployment::validation {

enum class UnemploymentCause {
  kLeftSchool = 1,                    // 年满16周岁，从各类学校毕业、肄业
  kEnterpriseTerminated = 2,          // 被企业解除或终止劳动关系
  kEnterpriseBankrupt = 3,            // 企业破产倒闭终止劳动关系
  kDismissedByPublicInstitution = 4,  // 从机关事业单位被辞退解聘
  kResigned = 5,                      // 从各类单位辞职
  kPrivateBusinessClosed = 6,         // 私营企业、民办非企业业主停业、破产
  kIndividualBusinessStopped = 7,     // 终止从事个体工商户
  kLandRequisitioned = 8,             // 承包土地被征用等情况
  kIncomeBelowMinimumLiving = 9,  // 从事一定收入的劳动，但月收入低于当地最低生活保障标准
  kLeftPublicWelfareJob = 10,          // 退出公益性岗位
  kLeftMilitaryWithoutPlacement = 11,  // 军人退出现役且未纳入国家统一安置
  kReleasedFromPrison = 12,            // 刑满释放、假释、监外执行
  kOther = 13,                         // 其他（请填写）
};

// Codes "1".."13" with the form's Chinese wording.
const CodeList& UnemploymentCauseCodes();

// The enum value for 1..13, or nullopt.
std::optional<UnemploymentCause> UnemploymentCauseFromNumber(int number);

// The text rule of common.v1.RegistrationForm.cause_other_text: "other" must say what the cause is
// (the form's "其他：____（请填写）"), so OTHER_TEXT_REQUIRED when the cause is kOther and
// `other_text` is empty after trimming; and OTHER_TEXT_NOT_APPLICABLE when another cause comes with
// a text, which would be stored but never shown. Length limits are the caller's ValidateText().
absl::Status ValidateUnemploymentCauseText(UnemploymentCause cause, absl::string_view other_text);

}  // namespace unemployment::validation
