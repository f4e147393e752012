#include "services/registration/deregistration_notice.h"

#include "common/validation/phone.h"
#include "unemployment/common/v1/codes.pb.h"

namespace unemployment::registration {

namespace v1c = ::unemployment::common::v1;

v1::DeregistrationNoticeRule DecideDeregistrationNotice(int reason, bool moved_abroad,
                                                        v1::ContactState contact_state,
                                                        absl::string_view mobile) {
  if (reason == v1c::DEREGISTRATION_REASON_IMPRISONED ||
      reason == v1c::DEREGISTRATION_REASON_DECEASED ||
      (reason == v1c::DEREGISTRATION_REASON_SCHOOL_MILITARY_OR_ABROAD && moved_abroad)) {
    return v1::DEREGISTRATION_NOTICE_RULE_EXEMPT_REASON;
  }
  if (reason == v1c::DEREGISTRATION_REASON_NO_CONTACT ||
      contact_state == v1::CONTACT_STATE_UNREACHABLE) {
    return v1::DEREGISTRATION_NOTICE_RULE_UNREACHABLE;
  }
  if (mobile.empty() || !validation::ValidateMobileNumber(mobile).ok()) {
    return v1::DEREGISTRATION_NOTICE_RULE_NO_USABLE_CONTACT;
  }
  return v1::DEREGISTRATION_NOTICE_RULE_SENT;
}

}  // namespace unemployment::registration
