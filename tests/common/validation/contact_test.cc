#include <catch2/catch.hpp>

#include "common/validation/email.h"
#include "common/validation/phone.h"
#include "common/validation/rules.h"
#include "tests/common/validation/test_util.h"

namespace unemployment::validation {
namespace {

TEST_CASE("mobile numbers: 11 digits starting 13-19", "[phone]") {
  for (const char* good : {"13012345678", "13912345678", "15045112345", "18645112345",
                           "19912345678", "16612345678", "17012345678"}) {
    INFO(good);
    CHECK_VALID(ValidateMobileNumber(good));
  }
  CHECK_RULE(ValidateMobileNumber("12012345678"), rule::kMobilePrefix);
  CHECK_RULE(ValidateMobileNumber("11012345678"), rule::kMobilePrefix);
  CHECK_RULE(ValidateMobileNumber("23912345678"), rule::kMobilePrefix);
  CHECK_RULE(ValidateMobileNumber("1391234567"), rule::kLength);
  CHECK_RULE(ValidateMobileNumber("139123456789"), rule::kLength);
  CHECK_RULE(ValidateMobileNumber(""), rule::kLength);
  CHECK_RULE(ValidateMobileNumber("1391234567X"), rule::kCharacters);
  CHECK_RULE(ValidateMobileNumber("139123 4567"), rule::kCharacters);
}

TEST_CASE("mobile numbers normalise spaces, hyphens and the country code", "[phone]") {
  CHECK(NormalizeMobileNumber(" 139 1234 5678 ") == "13912345678");
  CHECK(NormalizeMobileNumber("139-1234-5678") == "13912345678");
  CHECK(NormalizeMobileNumber("+86 139 1234 5678") == "13912345678");
  CHECK(NormalizeMobileNumber("008613912345678") == "13912345678");
  CHECK(NormalizeMobileNumber("8613912345678") == "13912345678");
  // "86" is only taken off when 11 characters remain.
  CHECK(NormalizeMobileNumber("86123") == "86123");
  CHECK_VALID(ValidateMobileNumber(NormalizeMobileNumber("+86 139-1234-5678")));
}

TEST_CASE("landline numbers", "[phone]") {
  SECTION("area code with and without hyphen, 7 or 8 digits") {
    absl::StatusOr<LandlineNumber> harbin = ParseLandlineNumber("0451-86661234");
    REQUIRE(harbin.ok());
    CHECK(harbin->area_code == "0451");
    CHECK(harbin->subscriber == "86661234");
    CHECK(harbin->extension.empty());
    CHECK_VALID(ParseLandlineNumber("021-5555666"));
    CHECK_VALID(ParseLandlineNumber(" 0451-86661234 "));
    CHECK_VALID(ParseLandlineNumber("0111-2345678"));  // any 0 + 3 digits with the hyphen
  }
  SECTION("without hyphen the numbering plan splits 11 digits") {
    const auto split = [](absl::string_view number) {
      absl::StatusOr<LandlineNumber> parsed = ParseLandlineNumber(number);
      REQUIRE(parsed.ok());
      return parsed->area_code + "|" + parsed->subscriber;
    };
    CHECK(split("01062345678") == "010|62345678");
    CHECK(split("02087654321") == "020|87654321");
    CHECK(split("04518666123") == "0451|8666123");
    CHECK(split("0104567890") == "010|4567890");
    CHECK(split("045186661234") == "0451|86661234");
  }
  SECTION("extensions after a hyphen") {
    absl::StatusOr<LandlineNumber> with_extension = ParseLandlineNumber("0451-86661234-8001");
    REQUIRE(with_extension.ok());
    CHECK(with_extension->extension == "8001");
    CHECK(ParseLandlineNumber("045186661234-123456")->extension == "123456");
    CHECK_RULE(ParseLandlineNumber("0451-86661234-"), rule::kFormat);
    CHECK_RULE(ParseLandlineNumber("0451-86661234-1234567"), rule::kFormat);
    CHECK_RULE(ParseLandlineNumber("0451-86661234-12a"), rule::kFormat);
    CHECK_RULE(ParseLandlineNumber("0451-86661234转123"), rule::kFormat);
    CHECK_RULE(ParseLandlineNumber("0451-86661234#12"), rule::kFormat);
  }
  SECTION("malformed") {
    for (const char* bad :
         {"", "0", "451-86661234", "0451-866612", "0451-866612345", "04-86661234", "04512-8666123",
          "0011-2345678", "0451--86661234", "0451-8666-1234", "0451 86661234", "13912345678",
          "(0451)86661234", "0451-8666１234", "045186661", "0451866612345"}) {
      INFO(bad);
      CHECK_RULE(ParseLandlineNumber(bad), rule::kFormat);
    }
  }
}

TEST_CASE("e-mail addresses", "[email]") {
  for (const char* good :
       {"zhang.san@example.com", "li_si+jobs@mail.hlj.gov.cn", "a@b.cn", "user@example.xn--fiqs8s",
        "USER@EXAMPLE.COM", "o'neil@example.org", "12345@qq.com"}) {
    INFO(good);
    CHECK_VALID(ValidateEmail(good));
  }
  for (const char* bad :
       {"", "plainaddress", "@example.com", "user@", "user@example", "user@@example.com",
        "a@b@example.com", ".user@example.com", "user.@example.com", "us..er@example.com",
        "user@-example.com", "user@example-.com", "user@exa_mple.com", "user@example.c",
        "user@example.c0m", "user@example..com", "user name@example.com", "用户@例子.中国",
        " user@example.com"}) {
    INFO(bad);
    CHECK_RULE(ValidateEmail(bad), rule::kFormat);
  }
  SECTION("length limits") {
    const std::string local64(64, 'a');
    CHECK_VALID(ValidateEmail(local64 + "@example.com"));
    CHECK_RULE(ValidateEmail(std::string(65, 'a') + "@example.com"), rule::kFormat);
    CHECK_RULE(ValidateEmail("a@" + std::string(64, 'b') + ".com"), rule::kFormat);
    // 254 characters in total is the limit.
    const std::string domain = std::string(63, 'b') + "." + std::string(63, 'c') + "." +
                               std::string(63, 'd') + ".cn";  // 195 characters
    const std::string at_limit = std::string(254 - 1 - domain.size(), 'a') + "@" + domain;
    REQUIRE(at_limit.size() == 254);
    CHECK_VALID(ValidateEmail(at_limit));
    CHECK_RULE(ValidateEmail("a" + at_limit), rule::kTooLong);
  }
}

}  // namespace
}  // namespace unemployment::validation
