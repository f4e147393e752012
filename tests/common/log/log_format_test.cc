#include "common/log/log_format.h"

#include <catch2/catch.hpp>

#include "absl/time/civil_time.h"

namespace unemployment::log {
namespace {

TEST_CASE("FormatLogValue writes simple values bare", "[log_format]") {
  CHECK(FormatLogValue("application_received") == "application_received");
  CHECK(FormatLogValue("230102**********1X") == "230102**********1X");
  CHECK(FormatLogValue("黑龙江省哈尔滨市南岗区****") == "黑龙江省哈尔滨市南岗区****");
  CHECK(FormatLogValue("a/b:c,d") == "a/b:c,d");
}

TEST_CASE("FormatLogValue quotes and escapes everything else", "[log_format]") {
  CHECK(FormatLogValue("") == "\"\"");
  CHECK(FormatLogValue("two words") == "\"two words\"");
  CHECK(FormatLogValue("a=b") == "\"a=b\"");
  CHECK(FormatLogValue("say \"hi\"") == "\"say \\\"hi\\\"\"");
  CHECK(FormatLogValue("C:\\dir") == "\"C:\\\\dir\"");
  CHECK(FormatLogValue("line1\nline2") == "\"line1\\nline2\"");
  CHECK(FormatLogValue("a\r\nb\tc") == "\"a\\r\\nb\\tc\"");
  CHECK(FormatLogValue(absl::string_view("nul\0bell\a del\x7f", 14)) ==
        "\"nul\\x00bell\\x07 del\\x7f\"");
  CHECK(FormatLogValue("a\xE2\x80\xA8"
                       "b\xE2\x80\xA9"
                       "c\xC2\x85"
                       "d") == "\"a\\u2028b\\u2029c\\u0085d\"");
  CHECK(FormatLogValue("全角\xE3\x80\x80空格") == "全角\xE3\x80\x80空格");  // U+3000 is no break
}

TEST_CASE("FormatLogValue output never holds a line break, whatever the input", "[log_format]") {
  std::string every_byte;
  for (int c = 0; c < 256; ++c) every_byte.push_back(static_cast<char>(c));
  for (const std::string& input :
       {every_byte, every_byte + every_byte.substr(0, 10), std::string("\xE2\x80\xA8\n\r")}) {
    const std::string out = FormatLogValue(input);
    CHECK(out.find('\n') == std::string::npos);
    CHECK(out.find('\r') == std::string::npos);
    CHECK(out.find("\xE2\x80\xA8") == std::string::npos);
    CHECK(out.find("\xC2\x85") == std::string::npos);
  }
}

TEST_CASE("SanitizeLogKey keeps a safe character set", "[log_format]") {
  CHECK(SanitizeLogKey("application_id") == "application_id");
  CHECK(SanitizeLogKey("a.b-c_D9") == "a.b-c_D9");
  CHECK(SanitizeLogKey("bad key=\n") == "bad_key__");
  CHECK(SanitizeLogKey("") == "_");
  CHECK(SanitizeLogKey("姓名") == "______");  // 2 characters, 6 bytes
}

TEST_CASE("FormatLogTime is UTC with milliseconds", "[log_format]") {
  const absl::Time t =
      absl::FromCivil(absl::CivilSecond(2026, 11, 26, 5, 1, 58), absl::UTCTimeZone()) +
      absl::Milliseconds(123) + absl::Microseconds(999);
  CHECK(FormatLogTime(t) == "2026-11-26T05:01:58.123Z");
  CHECK(FormatLogTime(absl::UnixEpoch()) == "1970-01-01T00:00:00.000Z");
}

}  // namespace
}  // namespace unemployment::log
