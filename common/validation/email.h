// E-mail addresses (电子邮件), optional on the form.
#pragma once

#include <cstddef>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace unemployment::validation {

// RFC 5321 limit on a forward path; longer addresses cannot be delivered.
inline constexpr std::size_t kMaxEmailLength = 254;

// A pragmatic check, not RFC 5322: it accepts what mail providers hand out and refuses what is
// surely a typing error. Rules: TOO_LONG over kMaxEmailLength characters; otherwise FORMAT unless
//  - exactly one '@';
//  - local part 1-64 characters of letters, digits and !#$%&'*+/=?^_`{|}~.- with no leading,
//    trailing or doubled dot (no quoted local parts);
//  - domain of at least two dot-separated labels, each 1-63 letters, digits or hyphens, not
//    starting or ending with a hyphen; the last label at least 2 letters (or an xn-- label).
// Non-ASCII addresses (internationalised mail) are refused: few Chinese providers deliver them,
// and the notice by e-mail must arrive. Validates the string as given (trim it first).
absl::Status ValidateEmail(absl::string_view email);

}  // namespace unemployment::validation
