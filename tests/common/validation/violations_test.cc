#include "common/validation/violations.h"

#include <catch2/catch.hpp>

#include "common/validation/resident_id.h"
#include "common/validation/rules.h"
#include "common/validation/text.h"
#include "common/validation/validation_error.h"

namespace unemployment::validation {
namespace {

TEST_CASE("validation errors carry a rule name", "[violations]") {
  const absl::Status error = ValidationError(rule::kCheckCharacter, "check character is wrong");
  CHECK(error.code() == absl::StatusCode::kInvalidArgument);
  CHECK(error.message() == "check character is wrong");
  CHECK(RuleOf(error) == "CHECK_CHARACTER");
  CHECK(RuleOf(absl::OkStatus()).empty());
  CHECK(RuleOf(absl::InternalError("boom")).empty());
}

TEST_CASE("a collector keeps every violation in order", "[violations]") {
  Violations violations;
  CHECK(violations.empty());
  CHECK(violations.ToStatus().ok());

  CHECK_FALSE(violations.AddIfError("name", ValidateRequired("张三")));
  CHECK(violations.AddIfError("name", ValidateRequired(" ")));
  CHECK(violations.AddIfError(
      "id_number", ValidateResidentIdNumber("340524198001010013", absl::CivilDay(2025, 6, 1))));
  violations.Add("mobile", "MOBILE_PREFIX", "mobile number must start with 13 to 19");
  CHECK(violations.AddIfError("other", absl::InternalError("no rule here")));

  REQUIRE(violations.size() == 4);
  CHECK(violations.list()[0] == Violation{"name", "REQUIRED", "a value is required"});
  CHECK(violations.list()[1].field == "id_number");
  CHECK(violations.list()[1].rule == "CHECK_CHARACTER");
  CHECK(violations.list()[2].rule == "MOBILE_PREFIX");
  CHECK(violations.list()[3].rule == "INVALID");
  CHECK(violations.HasField("mobile"));
  CHECK_FALSE(violations.HasField("email"));
}

TEST_CASE("merging prefixes field names", "[violations]") {
  Violations address;
  address.Add("city_code", "REGION_MISMATCH", "city is not in the province");
  Violations form;
  form.Add("name", "REQUIRED", "a value is required");
  form.Merge(address, "household_address.");
  REQUIRE(form.size() == 2);
  CHECK(form.list()[1].field == "household_address.city_code");
  form.Merge(form);  // Self-merge doubles, without looping.
  CHECK(form.size() == 4);
}

TEST_CASE("the status form carries the whole list", "[violations]") {
  Violations violations;
  violations.Add("name", "REQUIRED", "a value is required");
  violations.Add("notes", "TOO_LONG", "text has 501 characters; at most 500 are allowed");
  violations.Add("odd:field", "RULE", "description with : colons, 中文 and\nnewline");
  const absl::Status status = violations.ToStatus();
  CHECK(status.code() == absl::StatusCode::kInvalidArgument);
  CHECK(status.message() ==
        "invalid request: 3 field violations: name: a value is required; notes: text has 501 "
        "characters; at most 500 are allowed; odd:field: description with : colons, 中文 and\n"
        "newline");
  CHECK(ViolationsFromStatus(status) == violations.list());

  // A single validator error comes back as one entry without a field.
  const std::vector<Violation> single =
      ViolationsFromStatus(ValidationError(rule::kLength, "too short"));
  REQUIRE(single.size() == 1);
  CHECK(single[0] == Violation{"", "LENGTH", "too short"});
  CHECK(ViolationsFromStatus(absl::OkStatus()).empty());
  CHECK(ViolationsFromStatus(absl::NotFoundError("x")).empty());
}

}  // namespace
}  // namespace unemployment::validation
