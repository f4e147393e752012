// Issue 9 (masking): a refused ID number or phone number is never echoed back in a violation's
// description or the status message a caller (or a log line) gets.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "common/forms/form_normalizer.h"
#include "common/forms/form_validator.h"
#include "common/time/clock.h"
#include "common/validation/id_document.h"
#include "common/validation/phone.h"
#include "tests/common/forms/test_util.h"

namespace unemployment::forms {
namespace {

// True when `text` contains `value` or any run of 7 of its characters (enough to identify a
// person together with other facts).
bool Echoes(const std::string& text, const std::string& value) {
  if (value.size() < 7) return text.find(value) != std::string::npos;
  for (size_t i = 0; i + 7 <= value.size(); ++i) {
    if (text.find(value.substr(i, 7)) != std::string::npos) return true;
  }
  return false;
}

const std::vector<std::string> kBadIdNumbers = {
    "340524198001010011",   // wrong check character
    "34052419800101001",    // 17 characters
    "3405241980010100111",  // 19 characters
    "340524198013010016",   // month 13
    "990524198001010013",   // unknown province
    "34052419800101001A",   // letter
    "340524301001010017",   // born in the future
};
const std::vector<std::string> kBadMobiles = {"2381234567", "138123456789", "12812345678",
                                              "1381234567a", "+861381234567"};

TEST_CASE("form violations never echo a refused ID number or mobile number", "[forms][pii]") {
  time::FakeClock clock{testing::TestNow()};
  FormValidator validator{testing::Regions(), clock, "230000"};
  int checked = 0;
  for (const std::string& id_number : kBadIdNumbers) {
    for (const std::string& mobile : kBadMobiles) {
      common::v1::RegistrationForm form = testing::ValidForm();
      form.mutable_person_id()->set_id_number(id_number);
      form.mutable_contact()->set_mobile(mobile);
      NormalizeForm(form);
      validation::Violations out;
      validator.Validate(form, FormOptions(), "form.", out);
      REQUIRE_FALSE(out.empty());  // both are refused
      bool id_refused = false, mobile_refused = false;
      for (const validation::Violation& v : out.list()) {
        id_refused |= v.field.find("id_number") != std::string::npos;
        mobile_refused |= v.field.find("mobile") != std::string::npos;
        CHECK_FALSE(Echoes(v.description, id_number));
        CHECK_FALSE(Echoes(v.description, mobile));
      }
      CHECK(id_refused);
      CHECK(mobile_refused);
      std::string message(out.ToStatus().message());
      CHECK_FALSE(Echoes(message, id_number));
      CHECK_FALSE(Echoes(message, mobile));
      ++checked;
    }
  }
  CHECK(checked == 35);
}

TEST_CASE("validator statuses never echo the number", "[forms][pii]") {
  const absl::CivilDay today(2025, 6, 15);
  for (const std::string& id_number : kBadIdNumbers) {
    absl::Status status =
        validation::ParseIdDocument(validation::IdType::kResidentIdCard, id_number, today).status();
    CHECK_FALSE(status.ok());
    CHECK_FALSE(Echoes(std::string(status.message()), id_number));
  }
  for (const std::string& mobile : kBadMobiles) {
    absl::Status status = validation::ValidateMobileNumber(mobile);
    CHECK_FALSE(status.ok());
    CHECK_FALSE(Echoes(std::string(status.message()), mobile));
  }
}

}  // namespace
}  // namespace unemployment::forms
