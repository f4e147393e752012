#pragma once

// Whether a deregistration notice goes to the person (注销失业登记 ... 移居境外、被判刑收监执行、死亡及
// 无法取得联系的除外). Domain rule without gRPC or storage; the registrar records the rule that
// applied with the deregistration (Deregistration.notice_rule).
//
// The first rule that applies, in this order:
//   1. EXEMPT_REASON: the reason is imprisoned (25), deceased (26), or moved abroad (24 with
//      moved_abroad);
//   2. UNREACHABLE: the reason is no contact (32), or the caller says the latest recorded contact
//      attempt failed (contact_state UNREACHABLE) — whatever the reason;
//   3. NO_USABLE_CONTACT: the registration has no valid mobile number to send to;
//   4. SENT otherwise.
// Registration records no contact attempts itself; follow-up does, and passes the outcome of the
// latest one in DeregisterRequest.contact_state. A caller that does not know (UNSPECIFIED) or knows
// of no attempt (NEVER_CONTACTED) does not stop the notice.

#include "absl/strings/string_view.h"
#include "unemployment/registration/v1/registration_service.pb.h"

namespace unemployment::registration {

v1::DeregistrationNoticeRule DecideDeregistrationNotice(int reason, bool moved_abroad,
                                                        v1::ContactState contact_state,
                                                        absl::string_view mobile);

}  // namespace unemployment::registration
