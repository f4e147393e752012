// RunMonthlyComparison against a fake in-process VerificationService on port 0: hits recorded
// once as follow-ups and candidates, a re-run of the month adds nothing, a run broken halfway is
// completed by repeating it, one run per month and region at a time, and the errors.

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "catch2/catch.hpp"
#include "tests/services/followup/test_util.h"

namespace unemployment::followup {
namespace {

using testing::Call;
using testing::FakeRegistration;
using testing::FakeVerification;
using testing::FollowupStack;
using testing::MakeRegistration;
using testing::Reason;
using testing::Violations;
using Stub = v1::FollowupService::Stub;
using Strings = std::vector<std::string>;
namespace codes = ::unemployment::common::v1;
namespace verv1 = ::unemployment::verification::v1;

v1::RunMonthlyComparisonRequest Comparison(const std::string& month, const std::string& as_of = "",
                                           const std::string& region = "") {
  v1::RunMonthlyComparisonRequest request;
  request.set_month(month);
  request.set_as_of(as_of);
  request.set_region_code(region);
  request.set_staff_id("staff-9");
  return request;
}

v1::ListFollowUpsResponse FollowUps(Stub& stub, const std::string& registration) {
  v1::ListFollowUpsRequest request;
  request.set_registration_id(registration);
  v1::ListFollowUpsResponse response;
  REQUIRE(Call(stub, &Stub::ListFollowUps, request, &response).ok());
  return response;
}

std::vector<v1::DeregistrationCandidate> Candidates(Stub& stub) {
  v1::ListDeregistrationCandidatesRequest request;
  request.set_region_code("230000");
  v1::ListDeregistrationCandidatesResponse response;
  REQUIRE(Call(stub, &Stub::ListDeregistrationCandidates, request, &response).ok());
  return {response.candidates().begin(), response.candidates().end()};
}

// Five registrations in Harbin (230103/230104) and one in Mudanjiang (231002), fed to the stack.
struct World {
  FakeRegistration registration;
  FakeVerification verification;
  int64_t last = 0;

  World() {
    auto& fake = registration.service();
    fake.AddCreated(MakeRegistration("hlj-1", "甲", "230103", "2025-03-10"));
    fake.AddCreated(MakeRegistration("hlj-2", "乙", "230103", "2025-04-01"));
    fake.AddCreated(MakeRegistration("hlj-3", "丙", "230104", "2025-05-15"));
    fake.AddCreated(MakeRegistration("hlj-4", "丁", "230103", "2025-06-02"));
    fake.AddCreated(MakeRegistration("hlj-5", "戊", "231002", "2025-01-05"));
    // Registered after the day compared: not sent.
    last = fake.AddCreated(MakeRegistration("hlj-6", "己", "230103", "2025-07-02"));
  }
};

TEST_CASE("a comparison run records each hit once as a follow-up and a candidate",
          "[followup][comparison]") {
  World world;
  auto& verification = world.verification.service();
  verification.AddHit("hlj-2", verv1::HIT_KIND_EMPLOYED, codes::DEREGISTRATION_REASON_HIRED,
                      verv1::EVIDENCE_KIND_INSURED_EMPLOYMENT, "哈尔滨某科技有限公司");
  verification.AddHit("hlj-4", verv1::HIT_KIND_DECEASED, codes::DEREGISTRATION_REASON_DECEASED,
                      verv1::EVIDENCE_KIND_DECEASED);
  FollowupStack stack(testing::TempDir(), world.registration.address(),
                      testing::ChinaNoon(2025, 7, 10), world.verification.address(),
                      /*comparison_batch_size=*/2);
  REQUIRE(stack.SyncTo(world.last));
  Stub& stub = stack.stub();

  v1::RunMonthlyComparisonResponse first;
  absl::Status status =
      Call(stub, &Stub::RunMonthlyComparison, Comparison("2025-06", "2025-06-30"), &first);
  REQUIRE(status.ok());
  const v1::ComparisonRun& run = first.run();
  CHECK(run.run_id() == "cr-1");
  CHECK(run.month() == "2025-06");
  CHECK(run.region_code().empty());
  CHECK(run.as_of() == "2025-06-30");
  CHECK(run.compared_count() == 5);
  CHECK(run.hit_count() == 2);
  CHECK(run.new_follow_up_count() == 2);
  CHECK(run.new_candidate_count() == 2);
  CHECK(run.has_start_time());
  CHECK(run.has_end_time());
  // Five subjects in batches of two, all as of the day compared.
  CHECK(verification.batch_sizes() == std::vector<int>{2, 2, 1});
  // Ended by the trailer of the five subjects sent, which the fake checked as verification does.
  CHECK(verification.trailers() == std::vector<int64_t>{5});
  CHECK(verification.as_of_seen() == Strings{"2025-06-30", "2025-06-30", "2025-06-30"});

  v1::ListFollowUpsResponse employed = FollowUps(stub, "hlj-2");
  REQUIRE(employed.follow_ups_size() == 1);
  const v1::FollowUp& follow_up = employed.follow_ups(0);
  CHECK(follow_up.method() == v1::FOLLOW_UP_METHOD_INFORMATION_COMPARISON);
  CHECK(follow_up.outcome() == v1::FOLLOW_UP_OUTCOME_EMPLOYED);
  CHECK(follow_up.employer_name() == "哈尔滨某科技有限公司");
  CHECK(follow_up.employer_code() == "91230103MA1B2C3D4E");
  CHECK(follow_up.contact_date() == "2025-06-30");
  CHECK(follow_up.staff_id() == "staff-9");
  CHECK(follow_up.comparison_run_id() == "cr-1");
  CHECK_FALSE(follow_up.candidate_id().empty());
  v1::ListFollowUpsResponse deceased = FollowUps(stub, "hlj-4");
  REQUIRE(deceased.follow_ups_size() == 1);
  CHECK(deceased.follow_ups(0).outcome() == v1::FOLLOW_UP_OUTCOME_OTHER);
  CHECK(deceased.follow_ups(0).notes() == "信息比对：2025-06-01死亡");
  CHECK(FollowUps(stub, "hlj-1").follow_ups_size() == 0);

  std::vector<v1::DeregistrationCandidate> candidates = Candidates(stub);
  REQUIRE(candidates.size() == 2);
  CHECK(candidates[0].registration_id() == "hlj-2");
  CHECK(candidates[0].source() == v1::CANDIDATE_SOURCE_MONTHLY_COMPARISON);
  CHECK(candidates[0].month() == "2025-06");
  CHECK(candidates[0].proposed_reason() == codes::DEREGISTRATION_REASON_HIRED);
  CHECK(candidates[0].follow_up_id() == follow_up.follow_up_id());
  CHECK(candidates[0].candidate_id() == follow_up.candidate_id());
  REQUIRE(candidates[0].evidence_size() == 1);
  CHECK(candidates[0].evidence(0).source() == "SOCIAL_INSURANCE");
  CHECK(candidates[0].evidence(0).organisation_name() == "哈尔滨某科技有限公司");
  CHECK(candidates[1].registration_id() == "hlj-4");
  CHECK(candidates[1].proposed_reason() == codes::DEREGISTRATION_REASON_DECEASED);
  CHECK(candidates[1].evidence(0).source() == "POPULATION");

  // The comparison counts for the month's coverage, under its method.
  v1::GetFollowUpCoverageRequest coverage_request;
  coverage_request.set_region_code("230100");
  coverage_request.set_month("2025-06");
  v1::GetFollowUpCoverageResponse coverage;
  REQUIRE(Call(stub, &Stub::GetFollowUpCoverage, coverage_request, &coverage).ok());
  CHECK(coverage.active_count() == 4);
  CHECK(coverage.covered_count() == 2);
  REQUIRE(coverage.by_method_size() == 1);
  CHECK(coverage.by_method(0).method() == v1::FOLLOW_UP_METHOD_INFORMATION_COMPARISON);

  SECTION("re-running the month compares again and records nothing twice") {
    v1::RunMonthlyComparisonResponse again;
    REQUIRE(
        Call(stub, &Stub::RunMonthlyComparison, Comparison("2025-06", "2025-06-30"), &again).ok());
    CHECK(again.run().run_id() == "cr-2");
    CHECK(again.run().compared_count() == 5);
    CHECK(again.run().hit_count() == 2);
    CHECK(again.run().new_follow_up_count() == 0);
    CHECK(again.run().new_candidate_count() == 0);
    CHECK(FollowUps(stub, "hlj-2").follow_ups_size() == 1);
    CHECK(FollowUps(stub, "hlj-4").follow_ups_size() == 1);
    CHECK(Candidates(stub).size() == 2);

    // A run of one city on another day of the month finds the same hit: still not doubled.
    v1::RunMonthlyComparisonResponse city;
    REQUIRE(Call(stub, &Stub::RunMonthlyComparison, Comparison("2025-06", "2025-06-20", "230100"),
                 &city)
                .ok());
    CHECK(city.run().compared_count() == 4);
    CHECK(city.run().new_follow_up_count() == 0);
    CHECK(FollowUps(stub, "hlj-2").follow_ups_size() == 1);
  }

  SECTION("the next month records the hits again, once") {
    stack.clock().Set(testing::ChinaNoon(2025, 8, 5));
    v1::RunMonthlyComparisonResponse july;
    REQUIRE(Call(stub, &Stub::RunMonthlyComparison, Comparison("2025-07"), &july).ok());
    CHECK(july.run().as_of() == "2025-07-31");
    CHECK(july.run().compared_count() == 6);
    CHECK(july.run().new_follow_up_count() == 2);
    CHECK(FollowUps(stub, "hlj-2").follow_ups_size() == 2);
  }

  SECTION("the follow-ups are in the event feed") {
    testing::FeedRead feed = testing::ReadAll(stub, 0, true);
    Strings registrations;
    for (const v1::FollowupEvent& event : feed.events) {
      REQUIRE(event.has_follow_up_recorded());
      CHECK(event.follow_up_recorded().method() == v1::FOLLOW_UP_METHOD_INFORMATION_COMPARISON);
      registrations.push_back(event.follow_up_recorded().registration_id());
    }
    CHECK(feed.status.ok());
    CHECK(registrations == Strings{"hlj-2", "hlj-4"});
  }
}

TEST_CASE("a comparison run broken halfway is completed by running it again",
          "[followup][comparison]") {
  World world;
  auto& verification = world.verification.service();
  verification.AddHit("hlj-1", verv1::HIT_KIND_BUSINESS, codes::DEREGISTRATION_REASON_SELF_EMPLOYED,
                      verv1::EVIDENCE_KIND_ACTIVE_BUSINESS, "道里区某餐馆");
  verification.AddHit("hlj-4", verv1::HIT_KIND_EMPLOYED, codes::DEREGISTRATION_REASON_HIRED,
                      verv1::EVIDENCE_KIND_INSURED_EMPLOYMENT, "某公司");
  verification.FailAfter(1);
  FollowupStack stack(testing::TempDir(), world.registration.address(),
                      testing::ChinaNoon(2025, 7, 10), world.verification.address(), 2);
  REQUIRE(stack.SyncTo(world.last));
  Stub& stub = stack.stub();

  // The first batch (hlj-1, hlj-2) is answered, then verification goes away.
  v1::RunMonthlyComparisonResponse broken;
  absl::Status status =
      Call(stub, &Stub::RunMonthlyComparison, Comparison("2025-06", "2025-06-30"), &broken);
  CHECK(status.code() == absl::StatusCode::kUnavailable);
  CHECK(Reason(status) == "VERIFICATION_UNAVAILABLE");
  v1::ListFollowUpsResponse business = FollowUps(stub, "hlj-1");
  REQUIRE(business.follow_ups_size() == 1);
  CHECK(business.follow_ups(0).outcome() == v1::FOLLOW_UP_OUTCOME_STARTED_BUSINESS);
  CHECK(business.follow_ups(0).employer_name() == "道里区某餐馆");
  CHECK(FollowUps(stub, "hlj-4").follow_ups_size() == 0);
  CHECK(Candidates(stub).size() == 1);

  // Repeated once verification is back: the rest is recorded, the first hit not again.
  verification.FailAfter(-1);
  v1::RunMonthlyComparisonResponse completed;
  REQUIRE(Call(stub, &Stub::RunMonthlyComparison, Comparison("2025-06", "2025-06-30"), &completed)
              .ok());
  CHECK(completed.run().run_id() == "cr-2");
  CHECK(completed.run().compared_count() == 5);
  CHECK(completed.run().hit_count() == 2);
  CHECK(completed.run().new_follow_up_count() == 1);
  CHECK(completed.run().new_candidate_count() == 1);
  CHECK(FollowUps(stub, "hlj-1").follow_ups_size() == 1);
  CHECK(FollowUps(stub, "hlj-4").follow_ups_size() == 1);
  std::vector<v1::DeregistrationCandidate> candidates = Candidates(stub);
  REQUIRE(candidates.size() == 2);
  CHECK(candidates[0].registration_id() == "hlj-1");
  CHECK(candidates[0].proposed_reason() == codes::DEREGISTRATION_REASON_SELF_EMPLOYED);
  CHECK(candidates[1].registration_id() == "hlj-4");
}

// Notice 三: a monthly information comparison that checked a registration and found nothing is
// that month's follow-up (信息比对); one verification could not check is not.
TEST_CASE("a clean comparison covers the month, an unchecked registration stays due",
          "[followup][comparison]") {
  World world;
  auto& verification = world.verification.service();
  verification.AddHit("hlj-2", verv1::HIT_KIND_EMPLOYED, codes::DEREGISTRATION_REASON_HIRED,
                      verv1::EVIDENCE_KIND_INSURED_EMPLOYMENT, "哈尔滨某科技有限公司");
  verification.ReportUnchecked({"hlj-3"});
  FollowupStack stack(testing::TempDir(), world.registration.address(),
                      testing::ChinaNoon(2025, 7, 10), world.verification.address(), 2);
  REQUIRE(stack.SyncTo(world.last));
  Stub& stub = stack.stub();

  auto coverage = [&stub](const std::string& region) {
    v1::GetFollowUpCoverageRequest request;
    request.set_region_code(region);
    request.set_month("2025-06");
    v1::GetFollowUpCoverageResponse response;
    REQUIRE(Call(stub, &Stub::GetFollowUpCoverage, request, &response).ok());
    return response;
  };
  auto due = [&stub](const std::string& region) {
    v1::ListDueFollowUpsRequest request;
    request.set_region_code(region);
    request.set_month("2025-06");
    v1::ListDueFollowUpsResponse response;
    REQUIRE(Call(stub, &Stub::ListDueFollowUps, request, &response).ok());
    Strings ids;
    for (const v1::DueFollowUp& d : response.due()) ids.push_back(d.registration_id());
    return ids;
  };
  CHECK(due("230000") == Strings{"hlj-5", "hlj-1", "hlj-2", "hlj-3", "hlj-4"});

  v1::RunMonthlyComparisonResponse first;
  REQUIRE(
      Call(stub, &Stub::RunMonthlyComparison, Comparison("2025-06", "2025-06-30"), &first).ok());
  CHECK(first.run().compared_count() == 5);
  CHECK(first.run().hit_count() == 1);
  CHECK(first.run().clean_count() == 3);
  CHECK(first.run().unchecked_count() == 1);
  CHECK(first.run().new_follow_up_count() == 4);
  CHECK(first.run().new_candidate_count() == 1);

  // The clean ones: a follow-up by information comparison, no change found, not a contact.
  for (const std::string id : {"hlj-1", "hlj-4", "hlj-5"}) {
    v1::ListFollowUpsResponse clean = FollowUps(stub, id);
    REQUIRE(clean.follow_ups_size() == 1);
    const v1::FollowUp& follow_up = clean.follow_ups(0);
    CHECK(follow_up.method() == v1::FOLLOW_UP_METHOD_INFORMATION_COMPARISON);
    CHECK(follow_up.outcome() == v1::FOLLOW_UP_OUTCOME_STILL_UNEMPLOYED);
    CHECK(follow_up.contact_date() == "2025-06-30");
    CHECK(follow_up.staff_id() == "staff-9");
    CHECK(follow_up.comparison_run_id() == first.run().run_id());
    CHECK(follow_up.candidate_id().empty());
    CHECK(follow_up.has_recorded_at());
  }
  CHECK(FollowUps(stub, "hlj-2").follow_ups_size() == 1);
  CHECK(FollowUps(stub, "hlj-3").follow_ups_size() == 0);
  CHECK(Candidates(stub).size() == 1);

  v1::GetFollowUpCoverageResponse harbin = coverage("230100");
  CHECK(harbin.active_count() == 4);
  CHECK(harbin.covered_count() == 3);
  REQUIRE(harbin.by_method_size() == 1);
  CHECK(harbin.by_method(0).method() == v1::FOLLOW_UP_METHOD_INFORMATION_COMPARISON);
  CHECK(due("230000") == Strings{"hlj-3"});

  SECTION("running the month again counts nothing twice") {
    v1::RunMonthlyComparisonResponse again;
    REQUIRE(
        Call(stub, &Stub::RunMonthlyComparison, Comparison("2025-06", "2025-06-30"), &again).ok());
    CHECK(again.run().clean_count() == 3);
    CHECK(again.run().unchecked_count() == 1);
    CHECK(again.run().new_follow_up_count() == 0);
    for (const std::string id : {"hlj-1", "hlj-2", "hlj-4", "hlj-5"}) {
      CHECK(FollowUps(stub, id).follow_ups_size() == 1);
    }
    CHECK(coverage("230100").covered_count() == 3);
    // One FollowUpRecorded per follow-up in the feed: the statistics read model counts each once.
    testing::FeedRead feed = testing::ReadAll(stub, 0, true);
    Strings registrations;
    for (const v1::FollowupEvent& event : feed.events) {
      registrations.push_back(event.follow_up_recorded().registration_id());
    }
    CHECK(feed.status.ok());
    std::sort(registrations.begin(), registrations.end());
    CHECK(registrations == Strings{"hlj-1", "hlj-2", "hlj-4", "hlj-5"});
  }

  SECTION("a registration checked later in the month is covered then") {
    verification.ReportUnchecked({});
    v1::RunMonthlyComparisonResponse later;
    REQUIRE(
        Call(stub, &Stub::RunMonthlyComparison, Comparison("2025-06", "2025-06-30"), &later).ok());
    CHECK(later.run().clean_count() == 4);
    CHECK(later.run().new_follow_up_count() == 1);
    CHECK(FollowUps(stub, "hlj-3").follow_ups_size() == 1);
    CHECK(due("230000").empty());
  }
}

TEST_CASE("a verification that does not report unchecked subjects records only hits",
          "[followup][comparison]") {
  World world;
  world.verification.service().AddHit("hlj-2", verv1::HIT_KIND_EMPLOYED,
                                      codes::DEREGISTRATION_REASON_HIRED,
                                      verv1::EVIDENCE_KIND_INSURED_EMPLOYMENT, "某公司");
  FollowupStack stack(testing::TempDir(), world.registration.address(),
                      testing::ChinaNoon(2025, 7, 10), world.verification.address(), 2);
  REQUIRE(stack.SyncTo(world.last));
  Stub& stub = stack.stub();
  v1::RunMonthlyComparisonResponse run;
  REQUIRE(Call(stub, &Stub::RunMonthlyComparison, Comparison("2025-06", "2025-06-30"), &run).ok());
  CHECK(run.run().clean_count() == 0);
  CHECK(run.run().new_follow_up_count() == 1);
  CHECK(FollowUps(stub, "hlj-1").follow_ups_size() == 0);
}

TEST_CASE("a hit accepted by staff deregisters through registration", "[followup][comparison]") {
  World world;
  world.verification.service().AddHit("hlj-3", verv1::HIT_KIND_DECEASED,
                                      codes::DEREGISTRATION_REASON_DECEASED,
                                      verv1::EVIDENCE_KIND_DECEASED);
  FollowupStack stack(testing::TempDir(), world.registration.address(),
                      testing::ChinaNoon(2025, 7, 10), world.verification.address());
  REQUIRE(stack.SyncTo(world.last));
  Stub& stub = stack.stub();
  v1::RunMonthlyComparisonResponse run;
  REQUIRE(Call(stub, &Stub::RunMonthlyComparison, Comparison("2025-06", "2025-06-30"), &run).ok());
  std::vector<v1::DeregistrationCandidate> candidates = Candidates(stub);
  REQUIRE(candidates.size() == 1);

  v1::DecideDeregistrationCandidateRequest decide;
  decide.set_request_id("d-1");
  decide.set_candidate_id(candidates[0].candidate_id());
  decide.set_decision(v1::CANDIDATE_DECISION_ACCEPT);
  decide.set_effective_date("2025-07-01");
  decide.set_staff_id("staff-9");
  v1::DecideDeregistrationCandidateResponse decided;
  REQUIRE(Call(stub, &Stub::DecideDeregistrationCandidate, decide, &decided).ok());
  CHECK(decided.candidate().state() == v1::CANDIDATE_STATE_ACCEPTED);
  CHECK(decided.candidate().deregistration().reason() == codes::DEREGISTRATION_REASON_DECEASED);
  CHECK_FALSE(decided.candidate().deregistration().person_notified());
  const auto calls = world.registration.service().deregister_calls();
  REQUIRE(calls.size() == 1);
  CHECK(calls[0].registration_id() == "hlj-3");
  CHECK(calls[0].reason() == codes::DEREGISTRATION_REASON_DECEASED);

  // Deregistered: a re-run of July no longer sends it.
  stack.clock().Set(testing::ChinaNoon(2025, 7, 20));
  v1::RunMonthlyComparisonResponse july;
  REQUIRE(Call(stub, &Stub::RunMonthlyComparison, Comparison("2025-07"), &july).ok());
  CHECK(july.run().as_of() == "2025-07-20");
  CHECK(july.run().compared_count() == 5);  // hlj-6 joined, hlj-3 left
  CHECK(july.run().hit_count() == 0);
}

TEST_CASE("one comparison run per month and region at a time", "[followup][comparison]") {
  World world;
  auto& verification = world.verification.service();
  verification.HoldFirstBatch();
  FollowupStack stack(testing::TempDir(), world.registration.address(),
                      testing::ChinaNoon(2025, 7, 10), world.verification.address());
  REQUIRE(stack.SyncTo(world.last));
  Stub& stub = stack.stub();

  absl::Status first_status;
  v1::RunMonthlyComparisonResponse first;
  std::thread runner([&] {
    first_status = Call(stub, &Stub::RunMonthlyComparison, Comparison("2025-06"), &first);
  });
  REQUIRE(verification.WaitUntilHeld(absl::Seconds(10)));
  v1::RunMonthlyComparisonResponse second;
  absl::Status status = Call(stub, &Stub::RunMonthlyComparison, Comparison("2025-06"), &second);
  CHECK(status.code() == absl::StatusCode::kAborted);
  CHECK(Reason(status) == "COMPARISON_RUNNING");
  // Another region of the same month is not blocked by it... but its stream waits at the hold
  // too, so only the refusal above is checked here.
  verification.Release();
  runner.join();
  REQUIRE(first_status.ok());
  CHECK(first.run().compared_count() == 5);
  // Free again once finished.
  REQUIRE(Call(stub, &Stub::RunMonthlyComparison, Comparison("2025-06"), &second).ok());
}

TEST_CASE("comparison requests are checked and peers' failures reported",
          "[followup][comparison]") {
  World world;
  FollowupStack stack(testing::TempDir(), world.registration.address(),
                      testing::ChinaNoon(2025, 7, 10), world.verification.address());
  REQUIRE(stack.SyncTo(world.last));
  Stub& stub = stack.stub();
  v1::RunMonthlyComparisonResponse response;

  v1::RunMonthlyComparisonRequest bad = Comparison("2025-08", "2025-06-31", "23010");
  bad.clear_staff_id();
  absl::Status status = Call(stub, &Stub::RunMonthlyComparison, bad, &response);
  CHECK(status.code() == absl::StatusCode::kInvalidArgument);
  CHECK(Violations(status) == Strings{"month DATE_IN_FUTURE", "region_code FORMAT",
                                      "as_of DATE_INVALID", "staff_id REQUIRED"});
  status = Call(stub, &Stub::RunMonthlyComparison, Comparison("2025-06", "2025-07-01"), &response);
  CHECK(Violations(status) == Strings{"as_of OUT_OF_RANGE"});
  status = Call(stub, &Stub::RunMonthlyComparison, Comparison("2025-06", "", "239900"), &response);
  CHECK(status.code() == absl::StatusCode::kNotFound);
  CHECK(Reason(status) == "REGION_NOT_FOUND");

  SECTION("verification that cannot be reached is UNAVAILABLE") {
    FollowupStack unreachable(testing::TempDir(), world.registration.address(),
                              testing::ChinaNoon(2025, 7, 10), "127.0.0.1:1");
    REQUIRE(unreachable.SyncTo(world.last));
    status =
        Call(unreachable.stub(), &Stub::RunMonthlyComparison, Comparison("2025-06"), &response);
    CHECK(status.code() == absl::StatusCode::kUnavailable);
    CHECK(Reason(status) == "VERIFICATION_UNAVAILABLE");
  }

  SECTION("no verification configured is FAILED_PRECONDITION") {
    FollowupStack none(testing::TempDir(), world.registration.address(),
                       testing::ChinaNoon(2025, 7, 10));
    status = Call(none.stub(), &Stub::RunMonthlyComparison, Comparison("2025-06"), &response);
    CHECK(status.code() == absl::StatusCode::kFailedPrecondition);
    CHECK(Reason(status) == "VERIFICATION_NOT_CONFIGURED");
  }
}

}  // namespace
}  // namespace unemployment::followup

namespace unemployment::followup {
namespace {

// Not run by default (hidden tag): the cost of recording clean comparisons. N registrations, all
// clean; the same run once with a verification that does not report unchecked subjects (only hits
// recorded: the behaviour before clean comparisons were recorded) and once with one that does.
// `followup_test "[.perf]"`; UE_PERF_N sets N (default 20,000).
TEST_CASE("timing of a comparison run with clean registrations", "[.perf]") {
  const char* env = std::getenv("UE_PERF_N");
  const int n = env != nullptr ? std::atoi(env) : 20000;
  for (const bool report : {false, true}) {
    testing::FakeRegistration registration;
    FakeVerification verification;
    if (report) verification.service().ReportUnchecked({});
    int64_t last = 0;
    for (int i = 0; i < n; ++i) {
      last = registration.service().AddCreated(testing::MakeRegistration(
          absl::StrCat("hlj-", 100000 + i), "甲", "230103", "2025-03-10"));
    }
    FollowupStack stack(testing::TempDir(), registration.address(), testing::ChinaNoon(2025, 7, 10),
                        verification.address(), 500);
    stack.consumer().Start();  // the feed of N events takes a while on a loaded machine
    REQUIRE(stack.consumer().WaitForCursor(last, absl::Minutes(5)));
    const absl::Time start = absl::Now();
    v1::RunMonthlyComparisonResponse run;
    REQUIRE(
        Call(stack.stub(), &Stub::RunMonthlyComparison, Comparison("2025-06", "2025-06-30"), &run)
            .ok());
    const absl::Duration took = absl::Now() - start;
    CHECK(run.run().compared_count() == n);
    CHECK(run.run().new_follow_up_count() == (report ? n : 0));
    std::printf("comparison of %d registrations, %s: %.2f s (%.1f us per registration)\n", n,
                report ? "clean ones recorded" : "hits only (before)", absl::ToDoubleSeconds(took),
                absl::ToDoubleMicroseconds(took) / n);
  }
}

}  // namespace
}  // namespace unemployment::followup
