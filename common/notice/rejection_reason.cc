#include "common/notice/rejection_reason.h"

#include "absl/strings/str_cat.h"

namespace unemployment::notice {

namespace v1c = ::unemployment::common::v1;

absl::string_view RejectionReasonLabel(v1c::RejectionReason code) {
  switch (code) {
    case v1c::REJECTION_REASON_IDENTITY_NOT_CONFIRMED: return "身份信息核验未通过";
    case v1c::REJECTION_REASON_EMPLOYED: return "已就业（已参加社会保险或有劳动用工备案）";
    case v1c::REJECTION_REASON_BUSINESS_REGISTERED: return "已办理工商注册登记";
    case v1c::REJECTION_REASON_RECEIVING_PENSION: return "已享受基本养老保险待遇";
    case v1c::REJECTION_REASON_FULL_TIME_STUDENT: return "全日制在校学生";
    case v1c::REJECTION_REASON_BELOW_WORKING_AGE: return "未达到法定劳动年龄";
    case v1c::REJECTION_REASON_ABOVE_WORKING_AGE: return "超过法定劳动年龄";
    case v1c::REJECTION_REASON_INCOMPLETE_NOT_COMPLETED: return "申请材料不全且未在规定时间内补正";
    case v1c::REJECTION_REASON_DUPLICATE_APPLICATION: return "重复申请";
    case v1c::REJECTION_REASON_OTHER: return "其他";
    default: return "";
  }
}

std::string RejectionReasonText(v1c::RejectionReason code, absl::string_view detail) {
  const absl::string_view label = RejectionReasonLabel(code);
  if (label.empty()) return std::string(detail);
  if (detail.empty()) return std::string(label);
  return absl::StrCat(label, "：", detail);
}

}  // namespace unemployment::notice
