#include "common/validation/id_document.h"

#include <catch2/catch.hpp>

#include "common/validation/rules.h"
#include "tests/common/validation/test_util.h"

namespace unemployment::validation {
namespace {

const absl::CivilDay kToday(2025, 6, 1);

TEST_CASE("ID types mirror the proto numbering 1..7", "[id_document]") {
  CHECK(IdTypeFromNumber(1) == IdType::kResidentIdCard);
  CHECK(IdTypeFromNumber(2) == IdType::kHongKongMacaoResidencePermit);
  CHECK(IdTypeFromNumber(3) == IdType::kTaiwanResidencePermit);
  CHECK(IdTypeFromNumber(4) == IdType::kHongKongMacaoTravelPermit);
  CHECK(IdTypeFromNumber(5) == IdType::kTaiwanTravelPermit);
  CHECK(IdTypeFromNumber(6) == IdType::kForeignPermanentResidentId);
  CHECK(IdTypeFromNumber(7) == IdType::kPassport);
  CHECK_FALSE(IdTypeFromNumber(0).has_value());
  CHECK_FALSE(IdTypeFromNumber(8).has_value());
  CHECK(IdTypeCodes().NameOfNumber(1) == "居民身份证");
  CHECK(IdTypeCodes().NameOfNumber(7) == "护照");
  CHECK_RULE(IdTypeCodes().ValidateNumber(0), rule::kCodeUnknown);
}

TEST_CASE("resident ID card through the generic entry point", "[id_document]") {
  absl::StatusOr<IdDocument> document =
      ParseIdDocument(IdType::kResidentIdCard, "34052419800101001x", kToday);
  REQUIRE(document.ok());
  CHECK(document->type == IdType::kResidentIdCard);
  CHECK(document->number == "34052419800101001X");
  CHECK(document->birth_date == absl::CivilDay(1980, 1, 1));
  CHECK(document->sex == Sex::kMale);
  CHECK_RULE(ParseIdDocument(IdType::kResidentIdCard, "340524198001010013", kToday),
             rule::kCheckCharacter);
}

TEST_CASE("Hong Kong / Macao and Taiwan residence permits", "[id_document]") {
  absl::StatusOr<IdDocument> hong_kong =
      ParseIdDocument(IdType::kHongKongMacaoResidencePermit, "810000199001010019", kToday);
  REQUIRE(hong_kong.ok());
  CHECK(hong_kong->birth_date == absl::CivilDay(1990, 1, 1));
  CHECK(hong_kong->sex == Sex::kMale);
  absl::StatusOr<IdDocument> macao =
      ParseIdDocument(IdType::kHongKongMacaoResidencePermit, "820000199001010029", kToday);
  REQUIRE(macao.ok());
  CHECK(macao->sex == Sex::kFemale);
  CHECK_VALID(ParseIdDocument(IdType::kTaiwanResidencePermit, "830000199001010039", kToday));

  // Prefix of the other permit, or of a resident ID card.
  CHECK_RULE(ParseIdDocument(IdType::kHongKongMacaoResidencePermit, "830000199001010039", kToday),
             rule::kPrefix);
  CHECK_RULE(ParseIdDocument(IdType::kTaiwanResidencePermit, "810000199001010019", kToday),
             rule::kPrefix);
  CHECK_RULE(ParseIdDocument(IdType::kTaiwanResidencePermit, "34052419800101001X", kToday),
             rule::kPrefix);
  // The GB 11643 checks apply after the prefix.
  CHECK_RULE(ParseIdDocument(IdType::kHongKongMacaoResidencePermit, "810000199001010018", kToday),
             rule::kCheckCharacter);
  CHECK_RULE(ParseIdDocument(IdType::kHongKongMacaoResidencePermit, "81000019900101001", kToday),
             rule::kLength);
  CHECK_RULE(ParseIdDocument(IdType::kHongKongMacaoResidencePermit, "8100A0199001010019", kToday),
             rule::kCharacters);
}

TEST_CASE("Hong Kong / Macao travel permit: H or M and 8 or 10 digits", "[id_document]") {
  CHECK_VALID(ParseIdDocument(IdType::kHongKongMacaoTravelPermit, "H12345678", kToday));
  CHECK_VALID(ParseIdDocument(IdType::kHongKongMacaoTravelPermit, "M1234567890", kToday));
  absl::StatusOr<IdDocument> lower =
      ParseIdDocument(IdType::kHongKongMacaoTravelPermit, "h12345678", kToday);
  REQUIRE(lower.ok());
  CHECK(lower->number == "H12345678");
  CHECK_FALSE(lower->birth_date.has_value());
  CHECK_FALSE(lower->sex.has_value());
  CHECK_RULE(ParseIdDocument(IdType::kHongKongMacaoTravelPermit, "H1234567", kToday),
             rule::kLength);
  CHECK_RULE(ParseIdDocument(IdType::kHongKongMacaoTravelPermit, "H123456789", kToday),
             rule::kLength);
  CHECK_RULE(ParseIdDocument(IdType::kHongKongMacaoTravelPermit, "A12345678", kToday),
             rule::kPrefix);
  CHECK_RULE(ParseIdDocument(IdType::kHongKongMacaoTravelPermit, "H1234567A", kToday),
             rule::kCharacters);
}

TEST_CASE("Taiwan travel permit: 8 or 10 digits", "[id_document]") {
  CHECK_VALID(ParseIdDocument(IdType::kTaiwanTravelPermit, "12345678", kToday));
  CHECK_VALID(ParseIdDocument(IdType::kTaiwanTravelPermit, "1234567890", kToday));
  CHECK_RULE(ParseIdDocument(IdType::kTaiwanTravelPermit, "123456789", kToday), rule::kLength);
  CHECK_RULE(ParseIdDocument(IdType::kTaiwanTravelPermit, "1234567A", kToday), rule::kCharacters);
  // Older 10-character permits may contain letters.
  absl::StatusOr<IdDocument> old_permit =
      ParseIdDocument(IdType::kTaiwanTravelPermit, "123456789b", kToday);
  REQUIRE(old_permit.ok());
  CHECK(old_permit->number == "123456789B");
  CHECK_RULE(ParseIdDocument(IdType::kTaiwanTravelPermit, "12345678(B)", kToday), rule::kLength);
  CHECK_RULE(ParseIdDocument(IdType::kTaiwanTravelPermit, "1234567(B)", kToday), rule::kCharacters);
}

TEST_CASE("foreign permanent resident ID: new 18 and old 15 characters", "[id_document]") {
  absl::StatusOr<IdDocument> new_card =
      ParseIdDocument(IdType::kForeignPermanentResidentId, "921156198501010022", kToday);
  REQUIRE(new_card.ok());
  CHECK(new_card->birth_date == absl::CivilDay(1985, 1, 1));
  CHECK(new_card->sex == Sex::kFemale);
  CHECK_RULE(ParseIdDocument(IdType::kForeignPermanentResidentId, "921156198501010023", kToday),
             rule::kCheckCharacter);
  CHECK_RULE(ParseIdDocument(IdType::kForeignPermanentResidentId, "34052419800101001X", kToday),
             rule::kPrefix);

  absl::StatusOr<IdDocument> old_card =
      ParseIdDocument(IdType::kForeignPermanentResidentId, "usa110085060112", kToday);
  REQUIRE(old_card.ok());
  CHECK(old_card->number == "USA110085060112");
  CHECK_FALSE(old_card->birth_date.has_value());
  CHECK_RULE(ParseIdDocument(IdType::kForeignPermanentResidentId, "US1110085060112", kToday),
             rule::kCharacters);
  CHECK_RULE(ParseIdDocument(IdType::kForeignPermanentResidentId, "USA11008506011", kToday),
             rule::kLength);
}

TEST_CASE("an empty number is REQUIRED for every type", "[id_document]") {
  for (int number = 1; number <= 7; ++number) {
    INFO(number);
    CHECK_RULE(ParseIdDocument(*IdTypeFromNumber(number), " ", kToday), rule::kRequired);
  }
}

TEST_CASE("passport: 5 to 20 letters and digits", "[id_document]") {
  absl::StatusOr<IdDocument> passport = ParseIdDocument(IdType::kPassport, "e12345678", kToday);
  REQUIRE(passport.ok());
  CHECK(passport->number == "E12345678");
  CHECK_VALID(ParseIdDocument(IdType::kPassport, "AB123", kToday));
  CHECK_VALID(ParseIdDocument(IdType::kPassport, "ABCDEFGH123456789012", kToday));
  CHECK_RULE(ParseIdDocument(IdType::kPassport, "AB12", kToday), rule::kLength);
  CHECK_RULE(ParseIdDocument(IdType::kPassport, "ABCDEFGH1234567890123", kToday), rule::kLength);
  CHECK_RULE(ParseIdDocument(IdType::kPassport, "E1234-5678", kToday), rule::kCharacters);
  CHECK_RULE(ParseIdDocument(IdType::kPassport, "E1234567８", kToday), rule::kCharacters);
}

}  // namespace
}  // namespace unemployment::validation
