// The pure parts of the tiering domain units, without a store: the catalogue fallback order, the
// check of declared facts, the profile a registration starts and a profile's active days.
#include <catch2/catch.hpp>

#include "absl/strings/str_cat.h"
#include "services/tiering/catalogues.h"
#include "services/tiering/difficulty_identification.h"
#include "services/tiering/domain_util.h"
#include "services/tiering/profiles.h"
#include "tests/services/tiering/test_util.h"

namespace unemployment::tiering {
namespace {

using testing::Day;
namespace v1c = ::unemployment::common::v1;
namespace reg = ::unemployment::registration::v1;

TEST_CASE("A catalogue falls back to the city's and then the province's", "[units]") {
  CHECK(CatalogCandidates("230103", 0) == std::vector<std::string>{"230103", "230100", "230000"});
  CHECK(CatalogCandidates("230100", 0) == std::vector<std::string>{"230100", "230000"});
  CHECK(CatalogCandidates("230000", 0) == std::vector<std::string>{"230000"});
  // A named version is that region's own, never another's.
  CHECK(CatalogCandidates("230103", 2) == std::vector<std::string>{"230103"});
}

TEST_CASE("Declared facts must name declared criteria of the set in force", "[units]") {
  CriteriaSet set;
  set.version = "v1";
  v1::DifficultyCriterion declared;
  declared.set_code("DISABLED");
  declared.set_basis(v1::CRITERION_BASIS_DECLARED);
  v1::DifficultyCriterion computed;
  computed.set_code("AGE_40_50");
  computed.set_basis(v1::CRITERION_BASIS_AGE_BY_SEX);
  set.criteria = {declared, computed};

  google::protobuf::RepeatedPtrField<v1::DeclaredFact> facts;
  facts.Add()->set_criterion_code("DISABLED");
  CHECK(DeclaredFactViolations(&set, facts).empty());

  facts.Add()->set_criterion_code("AGE_40_50");
  facts.Add()->set_criterion_code("NO_SUCH");
  const std::vector<status::FieldViolation> violations = DeclaredFactViolations(&set, facts);
  REQUIRE(violations.size() == 2);
  CHECK(violations[0].field == "facts[1].criterion_code");
  CHECK(violations[0].rule == "NOT_APPLICABLE");
  CHECK(violations[1].field == "facts[2].criterion_code");
  CHECK(violations[1].rule == "CODE_UNKNOWN");

  // No set in force: every fact is unknown.
  const std::vector<status::FieldViolation> none = DeclaredFactViolations(nullptr, facts);
  REQUIRE(none.size() == 3);
  CHECK(none[0].rule == "CODE_UNKNOWN");
}

TEST_CASE("A registration starts a profile with at most three qualifications and intentions",
          "[units]") {
  reg::Registration registration;
  registration.set_id("hlj-r1");
  registration.set_name("张三");
  registration.set_office_region_code("230103");
  registration.set_registered_date("2025-01-15");
  registration.set_birth_date("1990-03-10");
  registration.mutable_form()->set_sex(v1c::SEX_FEMALE);
  for (int i = 0; i < 5; ++i) {
    registration.mutable_form()->add_qualifications();
    registration.mutable_form()->add_job_intentions(absl::StrCat("intention ", i));
  }
  v1::Profile profile = ProfileFromRegistration(registration);
  CHECK(profile.registration_id() == "hlj-r1");
  CHECK(profile.sex() == v1c::SEX_FEMALE);
  CHECK(profile.office_region_code() == "230103");
  CHECK(profile.qualifications_size() == 3);
  CHECK(profile.job_intentions_size() == 3);
  CHECK(profile.end_date().empty());

  registration.mutable_deregistration()->set_effective_date("2025-04-01");
  profile = ProfileFromRegistration(registration);
  CHECK(profile.end_date() == "2025-04-01");
  // Active from the registered day up to the day before the end date.
  CHECK_FALSE(ActiveOn(profile, Day(2025, 1, 14)));
  CHECK(ActiveOn(profile, Day(2025, 1, 15)));
  CHECK(ActiveOn(profile, Day(2025, 3, 31)));
  CHECK_FALSE(ActiveOn(profile, Day(2025, 4, 1)));
}

}  // namespace
}  // namespace unemployment::tiering
