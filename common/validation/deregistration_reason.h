// Reasons for deregistration (注销失业登记), national rules as followed by 黑人社规〔2019〕2号
// art. 17.
#pragma once

#include <optional>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "common/validation/code_list.h"

namespace unemployment::validation {

// Two-digit codes grouped by their first digit: 1x employed, 2x left the labour force,
// 3x stopped using the employment service, 90 other.
enum class DeregistrationReason {
  kHiredByEmployer = 11,          // 被用人单位录用
  kSelfEmployedWithLicence = 12,  // 从事个体经营或创办企业并领取营业执照
  kStableIncomeAboveMinimumWage = 13,  // 已从事有稳定收入的劳动且月收入不低于当地最低工资标准
  kPublicWelfareJob = 14,        // 公益性岗位安置
  kReceivingPension = 21,        // 已享受基本养老保险待遇
  kRetirementAge = 22,           // 达到退休年龄
  kFullyLostAbilityToWork = 23,  // 完全丧失劳动能力
  kSchoolMilitaryOrAbroad = 24,  // 入学、服兵役、移居境外
  kImprisoned = 25,              // 被判刑收监执行
  kDeceased = 26,                // 死亡
  kEndedJobSearch = 31,          // 终止就业要求或拒绝接受公共就业服务
  kNoContact = 32,               // 在规定时间内未与公共就业服务机构联系
  kOther = 90,                   // 其他
};

// Codes "11".."90" with their Chinese texts.
const CodeList& DeregistrationReasonCodes();

// The enum value for a listed number, or nullopt.
std::optional<DeregistrationReason> DeregistrationReasonFromNumber(int number);

// Whether the person is NOT to be told of the deregistration. The notice: "the person is told ...
// except when moved abroad, imprisoned, deceased, or unreachable". Mapped onto reasons:
//  - 25 imprisoned and 26 deceased: always suppressed.
//  - 24 covers school, military service AND moving abroad, which the code alone cannot tell
//    apart. So, as in common.v1 DeregisterRequest, the caller says `moved_abroad`: only then is the
//    notice suppressed; a new student or soldier is still told.
//  - 32 (no contact with the service for six months): suppressed, because such a person is
//    unreachable by definition; the contracts (registration and follow-up DeregisterRequest) say
//    the same. Other unreachable cases show up as the outcome of a notification attempt.
// `moved_abroad` is ignored for other reasons (ValidateMovedAbroad() refuses that combination).
bool SuppressesNotification(DeregistrationReason reason, bool moved_abroad);

// NOT_APPLICABLE when `moved_abroad` is set with a reason other than 24.
absl::Status ValidateMovedAbroad(DeregistrationReason reason, bool moved_abroad);

// The note rule of common.v1 DeregisterRequest: 90 "other" must be explained, so REQUIRED when
// reason is kOther and `note` is empty after trimming. Other reasons may carry a note too.
absl::Status ValidateDeregistrationNote(DeregistrationReason reason, absl::string_view note);

}  // namespace unemployment::validation
