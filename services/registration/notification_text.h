#pragma once

// The wording of the notices registration sends a person (pure): the decision on an application
// (accepted: the registered date; rejected: the reason label and the office's detail, as
// common/notice/rejection_reason.h words it) and a deregistration (date and reason, with the
// office's note).

#include <string>

#include "unemployment/registration/v1/registration_service.pb.h"

namespace unemployment::registration {

// The text of the notice of `decision` (ACCEPTED, or else a rejection).
std::string DecisionNoticeText(const v1::ReviewDecision& decision);

// The text of the notice of a deregistration effective on `effective_date` ("YYYY-MM-DD") for the
// reason `reason_code` (common.v1.DeregistrationReason), with the office's `note` when not empty.
std::string DeregistrationNoticeText(const std::string& effective_date, int reason_code,
                                     const std::string& note);

}  // namespace unemployment::registration
