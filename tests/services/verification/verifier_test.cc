// Verification outcomes on small hand-made snapshots with an explicit as_of, field investigations
// and the bulk comparison.
#include <catch2/catch.hpp>

#include "tests/services/verification/test_util.h"

namespace unemployment::verification {
namespace {

namespace v1c = ::unemployment::common::v1;
using testing::CreditCode;
using testing::Fixture;
using testing::Persons;
using testing::Reason;

absl::StatusOr<v1::VerificationResult> Investigate(Fixture& f, const std::string& request_id,
                                                   const std::string& verification_id,
                                                   const std::string& visit_date = "2025-10-10") {
  v1::RecordFieldInvestigationRequest request;
  request.set_request_id(request_id);
  request.set_verification_id(verification_id);
  request.set_visit_date(visit_date);
  request.set_investigator_id("staff-7");
  request.set_investigator_name("刘调查");
  request.set_finding("走访社区，本人在家，单位已停业。");
  request.set_conclusion(v1::INVESTIGATION_CONCLUSION_UNEMPLOYMENT_CONFIRMED);
  std::promise<absl::StatusOr<v1::VerificationResult>> done;
  f.verifier->RecordFieldInvestigation(
      request, request.SerializeAsString(),
      [&done](absl::StatusOr<v1::VerificationResult> r) { done.set_value(std::move(r)); });
  return done.get_future().get();
}

TEST_CASE("retirement dates follow the 2025 gradual raise", "[verify]") {
  RetirementRules rules;
  CHECK(RetirementDate(absl::CivilDay(1960, 1, 1), rules.male) == absl::CivilDay(2020, 1, 1));
  CHECK(RetirementDate(absl::CivilDay(1965, 1, 15), rules.male) == absl::CivilDay(2025, 2, 15));
  CHECK(RetirementDate(absl::CivilDay(1965, 5, 1), rules.male) == absl::CivilDay(2025, 7, 1));
  CHECK(RetirementDate(absl::CivilDay(1977, 1, 1), rules.male) == absl::CivilDay(2040, 1, 1));
  CHECK(RetirementDate(absl::CivilDay(1975, 1, 10), rules.female) == absl::CivilDay(2025, 2, 10));
  CHECK(RetirementDate(absl::CivilDay(1985, 1, 1), rules.female) == absl::CivilDay(2040, 1, 1));
}

TEST_CASE("no evidence gives CONSISTENT; a job ending the day before is no evidence", "[verify]") {
  Fixture f;
  f.LoadAll();
  absl::StatusOr<v1::VerificationResult> result = f.Verify(Persons().consistent, " 张三 ");
  UE_REQUIRE_OK(result.status());
  CHECK(result->outcome() == v1::VERIFICATION_OUTCOME_CONSISTENT);
  CHECK(result->settled());
  CHECK(result->evidence().empty());
  CHECK(result->missing_sources().empty());
  CHECK(result->identity().found());
  CHECK(result->identity().name_matches());
  CHECK(!result->identity().deceased());
  CHECK(result->identity().household_region_code() == "340524");
  CHECK(result->identity().snapshot_version() == "pop-1");
  CHECK(result->as_of() == "2025-09-30");
  CHECK(!result->verification_id().empty());

  // Stated unemployed on the last day of that job: the job is evidence.
  absl::StatusOr<v1::VerificationResult> same_day =
      f.Verify(Persons().consistent, "张三", "2025-07-31");
  UE_REQUIRE_OK(same_day.status());
  CHECK(same_day->outcome() == v1::VERIFICATION_OUTCOME_CONFLICT);
  REQUIRE(same_day->evidence_size() == 2);
  CHECK(same_day->evidence(0).kind() == v1::EVIDENCE_KIND_INSURED_EMPLOYMENT);
  CHECK(same_day->evidence(0).end_date() == "2025-07-31");
  CHECK(same_day->evidence(1).kind() == v1::EVIDENCE_KIND_FILED_EMPLOYMENT);

  // The hiring of 2025-10-15 counts once as_of reaches it.
  absl::StatusOr<v1::VerificationResult> later =
      f.Verify(Persons().consistent, "张三", "2025-08-01", "2025-10-15");
  UE_REQUIRE_OK(later.status());
  CHECK(later->outcome() == v1::VERIFICATION_OUTCOME_CONFLICT);
  REQUIRE(later->evidence_size() == 1);
  CHECK(later->evidence(0).start_date() == "2025-10-15");
}

TEST_CASE("employment evidence gives CONFLICT with each piece and its source", "[verify]") {
  Fixture f;
  f.LoadAll();
  absl::StatusOr<v1::VerificationResult> result = f.Verify(Persons().employed, "李四");
  UE_REQUIRE_OK(result.status());
  CHECK(result->outcome() == v1::VERIFICATION_OUTCOME_CONFLICT);
  CHECK(!result->settled());
  REQUIRE(result->evidence_size() == 2);
  const v1::Evidence& insured = result->evidence(0);
  CHECK(insured.source() == v1::SOURCE_SOCIAL_INSURANCE);
  CHECK(insured.snapshot_version() == "si-1");
  CHECK(insured.kind() == v1::EVIDENCE_KIND_INSURED_EMPLOYMENT);
  CHECK(insured.organisation_code() == CreditCode("2"));
  CHECK(insured.organisation_name() == "某某科技, 有限公司");
  CHECK(insured.start_date() == "2024-01-01");
  CHECK(insured.end_date() == "2025-08-01");  // ends on the unemployed date: still evidence
  CHECK(insured.detail() == "2024-01-01起至2025-08-01在某某科技, 有限公司参保");
  const v1::Evidence& filed = result->evidence(1);
  CHECK(filed.source() == v1::SOURCE_EMPLOYMENT_FILING);
  CHECK(filed.snapshot_version() == "ef-1");
  CHECK(filed.kind() == v1::EVIDENCE_KIND_FILED_EMPLOYMENT);
  CHECK(filed.end_date().empty());
}

TEST_CASE("a business, a death, a pension and retirement age are evidence", "[verify]") {
  Fixture f;
  f.LoadAll();
  SECTION("active business") {
    auto result = f.Verify(Persons().business, "钱七");
    UE_REQUIRE_OK(result.status());
    CHECK(result->outcome() == v1::VERIFICATION_OUTCOME_CONFLICT);
    REQUIRE(result->evidence_size() == 1);  // the licence cancelled before the date is not
    CHECK(result->evidence(0).kind() == v1::EVIDENCE_KIND_ACTIVE_BUSINESS);
    CHECK(result->evidence(0).source() == v1::SOURCE_BUSINESS_REGISTRATION);
    CHECK(result->evidence(0).organisation_name() == "钱七小吃店");
    // Established after as_of: not yet evidence.
    auto before = f.Verify(Persons().business, "钱七", "2025-08-01", "2025-08-31");
    UE_REQUIRE_OK(before.status());
    CHECK(before->outcome() == v1::VERIFICATION_OUTCOME_CONSISTENT);
  }
  SECTION("deceased") {
    auto result = f.Verify(Persons().deceased, "赵六");
    UE_REQUIRE_OK(result.status());
    CHECK(result->outcome() == v1::VERIFICATION_OUTCOME_CONFLICT);
    CHECK(result->identity().deceased());
    CHECK(result->identity().death_date() == "2025-09-01");
    REQUIRE(result->evidence_size() == 1);
    CHECK(result->evidence(0).kind() == v1::EVIDENCE_KIND_DECEASED);
    CHECK(result->evidence(0).source() == v1::SOURCE_POPULATION);
    auto before = f.Verify(Persons().deceased, "赵六", "2025-08-01", "2025-08-31");
    UE_REQUIRE_OK(before.status());
    CHECK(!before->identity().deceased());
    CHECK(before->outcome() == v1::VERIFICATION_OUTCOME_CONSISTENT);
  }
  SECTION("pension and retirement age") {
    auto result = f.Verify(Persons().retired, "孙八");
    UE_REQUIRE_OK(result.status());
    CHECK(result->outcome() == v1::VERIFICATION_OUTCOME_CONFLICT);
    REQUIRE(result->evidence_size() == 2);
    CHECK(result->evidence(0).kind() == v1::EVIDENCE_KIND_RETIREMENT_AGE);
    CHECK(result->evidence(0).start_date() == "2020-01-01");
    CHECK(result->evidence(1).kind() == v1::EVIDENCE_KIND_DRAWING_PENSION);
    CHECK(result->evidence(1).start_date() == "2020-02-01");
  }
  SECTION("name mismatch") {
    auto result = f.Verify(Persons().renamed, "王方");
    UE_REQUIRE_OK(result.status());
    CHECK(result->outcome() == v1::VERIFICATION_OUTCOME_CONFLICT);
    CHECK(!result->identity().name_matches());
    CHECK(result->evidence().empty());
  }
  SECTION("not in the population data") {
    auto result = f.Verify(Persons().unknown, "周九");
    UE_REQUIRE_OK(result.status());
    CHECK(result->outcome() == v1::VERIFICATION_OUTCOME_NOT_FOUND);
    CHECK(!result->identity().found());
  }
}

TEST_CASE("missing status sources need a field investigation; no population is an error",
          "[verify]") {
  Fixture f;
  absl::Status none = f.Verify(Persons().consistent, "张三").status();
  CHECK(none.code() == absl::StatusCode::kFailedPrecondition);
  CHECK(Reason(none) == "POPULATION_SNAPSHOT_MISSING");

  UE_REQUIRE_OK(f.Import(v1::SOURCE_POPULATION, "pop-1", testing::PopulationCsv()).status());
  UE_REQUIRE_OK(f.Import(v1::SOURCE_EMPLOYMENT_FILING, "ef-1", testing::EmploymentCsv()).status());
  auto result = f.Verify(Persons().consistent, "张三");
  UE_REQUIRE_OK(result.status());
  CHECK(result->outcome() == v1::VERIFICATION_OUTCOME_NEEDS_FIELD_INVESTIGATION);
  CHECK(!result->settled());
  REQUIRE(result->missing_sources_size() == 2);
  CHECK(result->missing_sources(0) == v1::SOURCE_SOCIAL_INSURANCE);
  CHECK(result->missing_sources(1) == v1::SOURCE_BUSINESS_REGISTRATION);
  // Evidence from the sources that are loaded still gives CONFLICT.
  auto employed = f.Verify(Persons().employed, "李四");
  UE_REQUIRE_OK(employed.status());
  CHECK(employed->outcome() == v1::VERIFICATION_OUTCOME_CONFLICT);
  CHECK(employed->missing_sources_size() == 2);
}

TEST_CASE("results are stored; a request_id makes VerifyApplicant idempotent", "[verify]") {
  Fixture f;
  f.LoadAll();
  auto first = f.Verify(Persons().employed, "李四", "2025-08-01", "2025-09-30", "req-1");
  UE_REQUIRE_OK(first.status());
  auto stored = f.verifier->GetVerification(first->verification_id());
  UE_REQUIRE_OK(stored.status());
  CHECK(stored->SerializeAsString() == first->SerializeAsString());

  auto again = f.Verify(Persons().employed, "李四", "2025-08-01", "2025-09-30", "req-1");
  UE_REQUIRE_OK(again.status());
  CHECK(again->verification_id() == first->verification_id());
  absl::Status reused =
      f.Verify(Persons().employed, "李四", "2025-08-02", "2025-09-30", "req-1").status();
  CHECK(reused.code() == absl::StatusCode::kAlreadyExists);
  CHECK(Reason(reused) == "REQUEST_ID_REUSED");

  absl::Status missing = f.verifier->GetVerification("vrf-nope").status();
  CHECK(missing.code() == absl::StatusCode::kNotFound);
}

TEST_CASE("a field investigation settles a conflict once", "[verify]") {
  Fixture f;
  f.LoadAll();
  auto conflict = f.Verify(Persons().employed, "李四");
  UE_REQUIRE_OK(conflict.status());
  REQUIRE(conflict->outcome() == v1::VERIFICATION_OUTCOME_CONFLICT);

  absl::Status early = Investigate(f, "inv-0", conflict->verification_id(), "2025-07-01").status();
  CHECK(early.code() == absl::StatusCode::kInvalidArgument);
  CHECK(testing::Violations(early).count("visit_date") == 1);

  auto settled = Investigate(f, "inv-1", conflict->verification_id());
  UE_REQUIRE_OK(settled.status());
  CHECK(settled->settled());
  CHECK(settled->outcome() ==
        v1::VERIFICATION_OUTCOME_CONFLICT);  // the data said so; staff settled it
  CHECK(settled->field_investigation().conclusion() ==
        v1::INVESTIGATION_CONCLUSION_UNEMPLOYMENT_CONFIRMED);
  CHECK(settled->field_investigation().investigator_id() == "staff-7");
  CHECK(settled->field_investigation().recorded_at().seconds() ==
        absl::ToUnixSeconds(f.clock.Now()));

  auto stored = f.verifier->GetVerification(conflict->verification_id());
  UE_REQUIRE_OK(stored.status());
  CHECK(stored->settled());
  CHECK(stored->has_field_investigation());

  auto repeated = Investigate(f, "inv-1", conflict->verification_id());
  UE_REQUIRE_OK(repeated.status());
  CHECK(repeated->SerializeAsString() == settled->SerializeAsString());
  absl::Status twice = Investigate(f, "inv-2", conflict->verification_id()).status();
  CHECK(twice.code() == absl::StatusCode::kFailedPrecondition);
  CHECK(Reason(twice) == "ALREADY_SETTLED");

  auto consistent = f.Verify(Persons().consistent, "张三");
  UE_REQUIRE_OK(consistent.status());
  absl::Status nothing = Investigate(f, "inv-3", consistent->verification_id()).status();
  CHECK(nothing.code() == absl::StatusCode::kFailedPrecondition);
  CHECK(Reason(nothing) == "NOTHING_TO_SETTLE");
  CHECK(Investigate(f, "inv-4", "vrf-nope").status().code() == absl::StatusCode::kNotFound);
}

TEST_CASE("the bulk comparison lists hits with the strongest reason", "[compare]") {
  Fixture f;
  f.LoadAll();
  v1::CompareActiveRegistrationsRequest request;
  request.set_as_of("2025-09-30");
  const std::vector<std::string> ids = {
      Persons().consistent, Persons().employed, Persons().deceased, Persons().business,
      Persons().retired,    Persons().unknown,  Persons().renamed};
  for (size_t i = 0; i < ids.size(); ++i) {
    v1::ComparisonSubject* subject = request.add_subjects();
    subject->set_registration_id("reg-" + std::to_string(i));
    subject->mutable_person_id()->set_id_type(v1c::ID_TYPE_RESIDENT_ID_CARD);
    subject->mutable_person_id()->set_id_number(ids[i]);
    subject->set_registered_date("2025-08-01");
  }
  auto response = f.verifier->Compare(request);
  UE_REQUIRE_OK(response.status());
  CHECK(response->compared_count() == 7);
  REQUIRE(response->hits_size() == 4);
  CHECK(response->hits(0).registration_id() == "reg-1");
  CHECK(response->hits(0).kind() == v1::HIT_KIND_EMPLOYED);
  CHECK(response->hits(0).suggested_reason() == v1c::DEREGISTRATION_REASON_HIRED);
  CHECK(response->hits(0).evidence_size() == 2);
  CHECK(response->hits(1).registration_id() == "reg-2");
  CHECK(response->hits(1).kind() == v1::HIT_KIND_DECEASED);
  CHECK(response->hits(1).suggested_reason() == v1c::DEREGISTRATION_REASON_DECEASED);
  CHECK(response->hits(2).kind() == v1::HIT_KIND_BUSINESS);
  CHECK(response->hits(2).suggested_reason() == v1c::DEREGISTRATION_REASON_SELF_EMPLOYED);
  CHECK(response->hits(3).registration_id() == "reg-4");
  CHECK(response->hits(3).kind() == v1::HIT_KIND_PENSION);
  CHECK(response->hits(3).suggested_reason() == v1c::DEREGISTRATION_REASON_RECEIVING_PENSION);
  CHECK(response->hits(3).evidence_size() == 2);
  // The unknown ID number could not be checked; the others without a hit were checked clean.
  CHECK(response->unchecked_reported());
  REQUIRE(response->unchecked_size() == 1);
  CHECK(response->unchecked(0).registration_id() == "reg-5");
  CHECK(response->unchecked(0).reason() == v1::UNCHECKED_REASON_NOT_IN_POPULATION_DATA);
  CHECK(response->unchecked(0).missing_sources().empty());
}

TEST_CASE("the bulk comparison lists as unchecked what a missing status source leaves open",
          "[compare]") {
  Fixture f;
  UE_REQUIRE_OK(f.Import(v1::SOURCE_POPULATION, "pop-1", testing::PopulationCsv()).status());
  UE_REQUIRE_OK(f.Import(v1::SOURCE_SOCIAL_INSURANCE, "si-1", testing::InsuranceCsv()).status());
  v1::CompareActiveRegistrationsRequest request;
  request.set_as_of("2025-09-30");
  const std::vector<std::string> ids = {Persons().consistent, Persons().deceased,
                                        Persons().unknown};
  for (size_t i = 0; i < ids.size(); ++i) {
    v1::ComparisonSubject* subject = request.add_subjects();
    subject->set_registration_id("reg-" + std::to_string(i));
    subject->mutable_person_id()->set_id_type(v1c::ID_TYPE_RESIDENT_ID_CARD);
    subject->mutable_person_id()->set_id_number(ids[i]);
    subject->set_registered_date("2025-08-01");
  }
  auto response = f.verifier->Compare(request);
  UE_REQUIRE_OK(response.status());
  CHECK(response->unchecked_reported());
  // Evidence found is a hit even with sources missing.
  REQUIRE(response->hits_size() == 1);
  CHECK(response->hits(0).registration_id() == "reg-1");
  REQUIRE(response->unchecked_size() == 2);
  CHECK(response->unchecked(0).registration_id() == "reg-0");
  CHECK(response->unchecked(0).reason() == v1::UNCHECKED_REASON_SOURCE_MISSING);
  CHECK(std::vector<int>(response->unchecked(0).missing_sources().begin(),
                         response->unchecked(0).missing_sources().end()) ==
        std::vector<int>{v1::SOURCE_EMPLOYMENT_FILING, v1::SOURCE_BUSINESS_REGISTRATION});
  CHECK(response->unchecked(1).registration_id() == "reg-2");
  CHECK(response->unchecked(1).reason() == v1::UNCHECKED_REASON_NOT_IN_POPULATION_DATA);
}

}  // namespace
}  // namespace unemployment::verification
