#include "common/log/log_format.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_format.h"

namespace unemployment::log {
namespace {

// Length of a Unicode line break (U+0085, U+2028, U+2029) starting at `i`, or 0.
size_t UnicodeLineBreakAt(absl::string_view text, size_t i) {
  const absl::string_view rest = text.substr(i);
  if (absl::StartsWith(rest, "\xC2\x85")) return 2;
  if (absl::StartsWith(rest, "\xE2\x80\xA8") || absl::StartsWith(rest, "\xE2\x80\xA9")) return 3;
  return 0;
}

bool NeedsQuotes(absl::string_view value) {
  if (value.empty()) return true;
  for (size_t i = 0; i < value.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(value[i]);
    if (c <= 0x20 || c == 0x7F || c == '"' || c == '=' || c == '\\') return true;
    if (UnicodeLineBreakAt(value, i) > 0) return true;
  }
  return false;
}

}  // namespace

std::string FormatLogValue(absl::string_view value) {
  if (!NeedsQuotes(value)) return std::string(value);
  std::string out = "\"";
  for (size_t i = 0; i < value.size();) {
    const char c = value[i];
    const unsigned char byte = static_cast<unsigned char>(c);
    if (const size_t length = UnicodeLineBreakAt(value, i); length > 0) {
      out += length == 2 ? "\\u0085" : (value[i + 2] == '\xA8' ? "\\u2028" : "\\u2029");
      i += length;
      continue;
    }
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (byte < 0x20 || byte == 0x7F) {
          out += absl::StrFormat("\\x%02x", byte);
        } else {
          out.push_back(c);
        }
    }
    ++i;
  }
  out.push_back('"');
  return out;
}

std::string SanitizeLogKey(absl::string_view key) {
  if (key.empty()) return "_";
  std::string out(key);
  for (char& c : out) {
    if (!absl::ascii_isalnum(c) && c != '_' && c != '.' && c != '-') c = '_';
  }
  return out;
}

std::string FormatLogTime(absl::Time time) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", time, absl::UTCTimeZone());
}

}  // namespace unemployment::log
