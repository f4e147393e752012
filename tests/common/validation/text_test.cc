#include "common/validation/text.h"

#include <catch2/catch.hpp>
#include <string>

#include "common/validation/rules.h"
#include "tests/common/validation/test_util.h"

namespace unemployment::validation {
namespace {

TEST_CASE("trimming removes ASCII and ideographic spaces", "[text]") {
  CHECK(TrimText("  张三 ") == "张三");
  CHECK(TrimText("\xE3\x80\x80张三\xE3\x80\x80 ") == "张三");
  CHECK(TrimText(" \xE3\x80\x80 \t") == "");
  CHECK(TrimText("张 三") == "张 三");
}

TEST_CASE("UTF-8 validity and character counts", "[text]") {
  CHECK(IsValidUtf8(""));
  CHECK(IsValidUtf8("abc"));
  CHECK(IsValidUtf8("黑龙江省"));
  CHECK(IsValidUtf8("\xF0\x9F\x98\x80"));        // U+1F600
  CHECK_FALSE(IsValidUtf8("\xC0\xAF"));          // overlong '/'
  CHECK_FALSE(IsValidUtf8("\xE0\x80\xAF"));      // overlong
  CHECK_FALSE(IsValidUtf8("\xED\xA0\x80"));      // surrogate U+D800
  CHECK_FALSE(IsValidUtf8("\xF4\x90\x80\x80"));  // above U+10FFFF
  CHECK_FALSE(IsValidUtf8("\xE9\xBB"));          // truncated
  CHECK_FALSE(IsValidUtf8("\x80"));              // lone continuation byte
  CHECK_FALSE(IsValidUtf8("\xFF"));
  CHECK(Utf8CharacterCount("黑龙江省") == 4u);
  CHECK(Utf8CharacterCount("a黑\xF0\x9F\x98\x80") == 3u);
  CHECK_FALSE(Utf8CharacterCount("\xC3").has_value());
  CHECK_RULE(ValidateUtf8("\xC3("), rule::kInvalidUtf8);
}

TEST_CASE("required text", "[text]") {
  CHECK_VALID(ValidateRequired("张三"));
  CHECK_RULE(ValidateRequired(""), rule::kRequired);
  CHECK_RULE(ValidateRequired("   "), rule::kRequired);
  CHECK_RULE(ValidateRequired("\xE3\x80\x80"), rule::kRequired);
}

TEST_CASE("maximum length counts characters, not bytes", "[text]") {
  // 4 characters, 12 bytes.
  CHECK_VALID(ValidateMaxCharacters("黑龙江省", 4));
  CHECK_RULE(ValidateMaxCharacters("黑龙江省", 3), rule::kTooLong);
  // Surrounding spaces do not count.
  CHECK_VALID(ValidateMaxCharacters("  黑龙江省  ", 4));
  CHECK_RULE(ValidateMaxCharacters("\xFF", 10), rule::kInvalidUtf8);
}

TEST_CASE("ValidateText combines the checks in a fixed order", "[text]") {
  const TextRules name{true, 20, false};
  CHECK_VALID(ValidateText("欧阳娜娜", name));
  CHECK_RULE(ValidateText("", name), rule::kRequired);
  CHECK_RULE(ValidateText(std::string(21, 'a'), name), rule::kTooLong);
  CHECK_RULE(ValidateText("张\n三", name), rule::kControlCharacter);
  CHECK_RULE(ValidateText("张\t三", name), rule::kControlCharacter);
  CHECK_RULE(ValidateText(std::string("张\0三", 7), name), rule::kControlCharacter);
  CHECK_RULE(ValidateText("\xC2\x85", name), rule::kControlCharacter);  // U+0085 NEL
  CHECK_RULE(ValidateText("\xFF\n", name), rule::kInvalidUtf8);

  const TextRules notes{false, 0, true};
  CHECK_VALID(ValidateText("", notes));
  CHECK_VALID(ValidateText("第一行\r\n第二行\t完", notes));
  CHECK_RULE(ValidateText("bell\a", notes), rule::kControlCharacter);
  CHECK_VALID(ValidateText(std::string(10000, 'a'), notes));
}

}  // namespace
}  // namespace unemployment::validation
