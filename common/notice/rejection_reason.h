#pragma once

// The coded reasons of a rejected application (common.v1.RejectionReason) as the applicant and the
// ministry platform read them. There is no code for household registration (户籍) or 人户分离: the
// notice 黑人社函〔2020〕87号 forbids refusing on those grounds.

#include <string>

#include "absl/strings/string_view.h"
#include "unemployment/common/v1/codes.pb.h"

namespace unemployment::notice {

// The Chinese label of a code ("未达到法定劳动年龄"); empty for UNSPECIFIED and unknown numbers.
absl::string_view RejectionReasonLabel(common::v1::RejectionReason code);

// The reason text sent to the applicant and the ministry: the label, then "：" and the detail when
// there is one; the detail alone for UNSPECIFIED (rejections recorded before codes existed).
std::string RejectionReasonText(common::v1::RejectionReason code, absl::string_view detail);

}  // namespace unemployment::notice
