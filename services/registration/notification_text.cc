#include "services/registration/notification_text.h"

#include "absl/strings/str_cat.h"
#include "common/notice/rejection_reason.h"
#include "common/validation/deregistration_reason.h"

namespace unemployment::registration {

std::string DecisionNoticeText(const v1::ReviewDecision& decision) {
  if (decision.outcome() == common::v1::REVIEW_OUTCOME_ACCEPTED) {
    return absl::StrCat("您的失业登记申请已审核通过，登记日期", decision.decided_on(), "。");
  }
  return absl::StrCat("您的失业登记申请未通过审核，原因：",
                      notice::RejectionReasonText(decision.rejection_reason(), decision.reason()),
                      "。");
}

std::string DeregistrationNoticeText(const std::string& effective_date, int reason_code,
                                     const std::string& note) {
  std::string reason_text(validation::DeregistrationReasonCodes().NameOfNumber(reason_code));
  if (!note.empty()) absl::StrAppend(&reason_text, "（", note, "）");
  return absl::StrCat("您的失业登记已于", effective_date, "注销，原因：", reason_text, "。");
}

}  // namespace unemployment::registration
