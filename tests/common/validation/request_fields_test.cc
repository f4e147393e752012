// The fields every service's requests share: one rule for the request id, the page size and
// trimmed text, whichever service reads them.
#include "common/validation/request_fields.h"

#include <catch2/catch.hpp>
#include <string>

#include "common/validation/rules.h"

namespace unemployment::validation {
namespace {

std::string OnlyRule(const Violations& out) {
  REQUIRE(out.size() == 1);
  return out.list().front().rule;
}

TEST_CASE("CheckRequestId trims, then checks presence, length and characters", "[request_fields]") {
  std::string id = "  portal:2026-12-07.0001_a  ";
  Violations out;
  CheckRequestId(out, "request_id", &id);
  CHECK(out.empty());
  CHECK(id == "portal:2026-12-07.0001_a");

  std::string blank = " \t ";
  Violations required;
  CheckRequestId(required, "request_id", &blank);
  CHECK(OnlyRule(required) == rule::kRequired);
  CHECK(required.list().front().field == "request_id");
  Violations optional;
  CheckRequestId(optional, "request_id", &blank, /*required=*/false);
  CHECK(optional.empty());

  std::string longest(kMaxRequestIdLength, 'a');
  Violations ok;
  CheckRequestId(ok, "request_id", &longest);
  CHECK(ok.empty());
  std::string too_long(kMaxRequestIdLength + 1, 'a');
  Violations long_out;
  CheckRequestId(long_out, "request_id", &too_long);
  CHECK(OnlyRule(long_out) == rule::kTooLong);

  for (std::string bad : {"a b", "a/b", "id\xE4\xB8\x80", "a;DROP"}) {
    Violations chars;
    CheckRequestId(chars, "batch.request_id", &bad);
    CHECK(OnlyRule(chars) == rule::kCharacters);
    CHECK(chars.list().front().field == "batch.request_id");
  }
}

TEST_CASE("CheckPageSize refuses only a negative size", "[request_fields]") {
  Violations out;
  CheckPageSize(out, 0);
  CheckPageSize(out, 1000);
  CHECK(out.empty());
  CheckPageSize(out, -1);
  CHECK(OnlyRule(out) == rule::kOutOfRange);
  CHECK(out.list().front().field == "page_size");
}

TEST_CASE("RequireTrimmedText trims in place and applies the text rules", "[request_fields]") {
  std::string note = "  reviewed by phone  ";
  Violations out;
  RequireTrimmedText(out, "note", &note, 20);
  CHECK(out.empty());
  CHECK(note == "reviewed by phone");
  std::string empty = "   ";
  Violations missing;
  RequireTrimmedText(missing, "note", &empty, 20);
  CHECK(OnlyRule(missing) == rule::kRequired);
  std::string two_lines = "line one\nline two";
  Violations single;
  RequireTrimmedText(single, "note", &two_lines, 100);
  CHECK(OnlyRule(single) == rule::kControlCharacter);
  Violations multi;
  RequireTrimmedText(multi, "note", &two_lines, 100, /*multiline=*/true);
  CHECK(multi.empty());
}

}  // namespace
}  // namespace unemployment::validation
