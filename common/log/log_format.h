// The text rules of a log line, so that one event is always exactly one line that a `key=value`
// parser (logfmt) can read back.
#pragma once

#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace unemployment::log {

// A value as written after `key=`. Written bare when it is non-empty and holds no space, '"',
// '=', '\\', control character or Unicode line break; otherwise double-quoted, with '"' and '\\'
// backslash-escaped, \n \r \t as such, other control bytes (0x00-0x1F, 0x7F) as \xHH, and the
// Unicode line breaks U+0085, U+2028 and U+2029 as \u0085, \u2028, \u2029. Other UTF-8 text
// (Chinese included) is written as is. The result never contains a line break.
std::string FormatLogValue(absl::string_view value);

// A key (or component name) safe to write bare: ASCII letters, digits, '_', '.' and '-' are
// kept, every other byte becomes '_'; an empty key becomes "_".
std::string SanitizeLogKey(absl::string_view key);

// RFC 3339 UTC with milliseconds: "2026-11-26T05:01:58.123Z".
std::string FormatLogTime(absl::Time time);

}  // namespace unemployment::log
