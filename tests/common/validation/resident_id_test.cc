#include "common/validation/resident_id.h"

#include <catch2/catch.hpp>

#include "common/validation/rules.h"
#include "tests/common/validation/test_util.h"

namespace unemployment::validation {
namespace {

// Every test passes "today" explicitly; there is no clock in the validators.
const absl::CivilDay kToday(2025, 6, 1);

TEST_CASE("check character follows ISO 7064 MOD 11-2", "[resident_id]") {
  CHECK(Gb11643CheckCharacter("34052419800101001") == 'X');
  CHECK(Gb11643CheckCharacter("41032619950710319") == '7');
  CHECK(Gb11643CheckCharacter("11010519491231002") == 'X');
  CHECK(Gb11643CheckCharacter("11010519800101001") == '6');
  CHECK_FALSE(Gb11643CheckCharacter("1101051980010100").has_value());   // 16 digits
  CHECK_FALSE(Gb11643CheckCharacter("1101051980010100A").has_value());  // not digits
}

TEST_CASE("GB 11643 example numbers", "[resident_id]") {
  SECTION("34052419800101001X is valid: male born 1980-01-01 in 340524") {
    absl::StatusOr<Gb11643Number> id = ParseResidentIdNumber("34052419800101001X", kToday);
    REQUIRE(id.ok());
    CHECK(id->number == "34052419800101001X");
    CHECK(id->region_code == "340524");
    CHECK(id->birth_date == absl::CivilDay(1980, 1, 1));
    CHECK(id->sex == Sex::kMale);
  }
  SECTION("410326199507103197 is valid: male born 1995-07-10") {
    absl::StatusOr<Gb11643Number> id = ParseResidentIdNumber("410326199507103197", kToday);
    REQUIRE(id.ok());
    CHECK(id->birth_date == absl::CivilDay(1995, 7, 10));
    CHECK(id->sex == Sex::kMale);
  }
  SECTION("340524198001010013 has a wrong check character") {
    CHECK_RULE(ParseResidentIdNumber("340524198001010013", kToday), rule::kCheckCharacter);
  }
}

TEST_CASE("sex is the parity of the 17th digit", "[resident_id]") {
  absl::StatusOr<Gb11643Number> female = ParseResidentIdNumber("11010519491231002X", kToday);
  REQUIRE(female.ok());
  CHECK(female->sex == Sex::kFemale);
  CHECK(female->birth_date == absl::CivilDay(1949, 12, 31));
}

TEST_CASE("lower-case x is accepted and normalised to upper case", "[resident_id]") {
  CHECK(NormalizeIdNumber("34052419800101001x") == "34052419800101001X");
  CHECK(NormalizeIdNumber("  34052419800101001x\t") == "34052419800101001X");
  absl::StatusOr<Gb11643Number> id = ParseResidentIdNumber("34052419800101001x", kToday);
  REQUIRE(id.ok());
  CHECK(id->number == "34052419800101001X");
  // Surrounding spaces go; inner spaces are never guessed away.
  CHECK_VALID(ParseResidentIdNumber(" 34052419800101001X ", kToday));
  CHECK_RULE(ParseResidentIdNumber("340524 19800101001X", kToday), rule::kLength);
  CHECK_RULE(ParseResidentIdNumber("340524 9800101001X", kToday), rule::kCharacters);
}

TEST_CASE("birth date must be a calendar day", "[resident_id]") {
  CHECK_RULE(ParseResidentIdNumber("110105199902300015", kToday), rule::kBirthDateInvalid);
  CHECK_RULE(ParseResidentIdNumber("110105198013010015", kToday), rule::kBirthDateInvalid);
  CHECK_RULE(ParseResidentIdNumber("110105198001000015", kToday), rule::kBirthDateInvalid);
  SECTION("leap days: 2000-02-29 exists, 1900-02-29 does not") {
    absl::StatusOr<Gb11643Number> leap = ParseResidentIdNumber("110105200002290021", kToday);
    REQUIRE(leap.ok());
    CHECK(leap->birth_date == absl::CivilDay(2000, 2, 29));
    CHECK_RULE(ParseResidentIdNumber("110105190002290025", kToday), rule::kBirthDateInvalid);
  }
  SECTION("before 1900 is a typing error") {
    CHECK_RULE(ParseResidentIdNumber("110105189912310015", kToday), rule::kBirthDateTooEarly);
  }
}

TEST_CASE("birth date must not be after the given today", "[resident_id]") {
  // Born 2025-06-01: valid on that very day, in the future the day before.
  CHECK_VALID(ParseResidentIdNumber("110105202506010010", kToday));
  CHECK_RULE(ParseResidentIdNumber("110105202506010010", absl::CivilDay(2025, 5, 31)),
             rule::kBirthDateInFuture);
  CHECK_RULE(ParseResidentIdNumber("110105202506020016", kToday), rule::kBirthDateInFuture);
}

TEST_CASE("length and characters", "[resident_id]") {
  CHECK_RULE(ParseResidentIdNumber("", kToday), rule::kRequired);
  CHECK_RULE(ParseResidentIdNumber("   ", kToday), rule::kRequired);
  CHECK_RULE(ParseResidentIdNumber("34052419800101001", kToday), rule::kLength);
  CHECK_RULE(ParseResidentIdNumber("34052419800101001X0", kToday), rule::kLength);
  // The old 15-digit first-generation number is no longer valid for registration.
  CHECK_RULE(ParseResidentIdNumber("340524800101001", kToday), rule::kLength);
  CHECK_RULE(ParseResidentIdNumber("3405241980010100AX", kToday), rule::kCharacters);
  CHECK_RULE(ParseResidentIdNumber("34052419800101001Y", kToday), rule::kCharacters);
  CHECK_RULE(ParseResidentIdNumber("X40524198001010013", kToday), rule::kCharacters);
  // Full-width digits have the right count of characters but are the wrong characters.
  CHECK_RULE(ParseResidentIdNumber("３４０５２４１９８００１０１００１X", kToday),
             rule::kCharacters);
  CHECK_RULE(ParseResidentIdNumber("３４０５２４１９８００１０１００１", kToday), rule::kLength);
}

TEST_CASE("province part of the first two digits", "[resident_id]") {
  for (const char* mainland :
       {"11", "15", "21", "23", "31", "37", "41", "46", "50", "54", "61", "65"}) {
    INFO(mainland);
    CHECK(IsMainlandProvincePrefix(mainland));
    CHECK(IsProvincePrefix(mainland));
  }
  for (const char* other : {"71", "81", "82"}) {
    INFO(other);
    CHECK(IsProvincePrefix(other));
    CHECK_FALSE(IsMainlandProvincePrefix(other));
  }
  for (const char* bad : {"00", "10", "16", "20", "24", "30", "38", "40", "47", "49",  "55",
                          "60", "66", "70", "72", "80", "83", "90", "99", "1",  "111", "1a"}) {
    INFO(bad);
    CHECK_FALSE(IsProvincePrefix(bad));
  }
  CHECK_RULE(ParseResidentIdNumber("99010519800101001X", kToday), rule::kProvincePrefix);
  CHECK_RULE(ParseResidentIdNumber("160105198001010015", kToday), rule::kProvincePrefix);
  // 71 (Taiwan) is a GB/T 2260 province, but no resident ID card is issued under it.
  CHECK_RULE(ParseResidentIdNumber("710000198001010010", kToday), rule::kProvincePrefix);
}

TEST_CASE("retired region codes stay valid: only the province part is checked", "[resident_id]") {
  // 123456 is in no region list, but "12" is Tianjin and the number is otherwise well formed.
  absl::StatusOr<Gb11643Number> id = ParseResidentIdNumber("123456198001010017", kToday);
  REQUIRE(id.ok());
  CHECK(id->region_code == "123456");
}

TEST_CASE("residence permit numbers are refused as resident ID cards", "[resident_id]") {
  CHECK_RULE(ParseResidentIdNumber("810000199001010019", kToday), rule::kProvincePrefix);
  CHECK_RULE(ParseResidentIdNumber("820000199001010029", kToday), rule::kProvincePrefix);
  CHECK_RULE(ParseResidentIdNumber("830000199001010039", kToday), rule::kProvincePrefix);
  // The shared structure check itself accepts them: ID types 2 and 3 build on it.
  CHECK_VALID(ParseGb11643Number("810000199001010019", kToday));
}

TEST_CASE("messages do not repeat the number", "[resident_id]") {
  const absl::Status status = ValidateResidentIdNumber("340524198001010013", kToday);
  CHECK(status.message().find("340524") == absl::string_view::npos);
}

}  // namespace
}  // namespace unemployment::validation
