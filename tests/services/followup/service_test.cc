#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "catch2/catch.hpp"
#include "services/followup/followup_manager.h"
#include "tests/services/followup/test_util.h"

namespace unemployment::followup {
namespace {

using testing::Call;
using testing::FakeRegistration;
using testing::FollowupStack;
using testing::MakeRegistration;
using testing::Reason;
using testing::Violations;
using Stub = v1::FollowupService::Stub;
using Strings = std::vector<std::string>;

v1::RecordFollowUpRequest FollowUp(const std::string& request_id, const std::string& registration,
                                   v1::FollowUpMethod method, const std::string& date,
                                   v1::FollowUpOutcome outcome = v1::FOLLOW_UP_OUTCOME_STILL_UNEMPLOYED,
                                   const std::string& employer = "") {
  v1::RecordFollowUpRequest request;
  request.set_request_id(request_id);
  v1::FollowUp* f = request.mutable_follow_up();
  f->set_registration_id(registration);
  f->set_method(method);
  f->set_contact_date(date);
  f->set_staff_id("staff-7");
  f->set_outcome(outcome);
  f->set_employer_name(employer);
  return request;
}

v1::SubmitSelfReportRequest SelfReport(const std::string& request_id,
                                       const std::string& registration, const std::string& date) {
  v1::SubmitSelfReportRequest request;
  request.set_request_id(request_id);
  request.mutable_person_id()->set_id_type(common::v1::ID_TYPE_RESIDENT_ID_CARD);
  request.mutable_person_id()->set_id_number(testing::kIdNumber);
  request.mutable_self_report()->set_registration_id(registration);
  request.mutable_self_report()->set_report_date(date);
  request.mutable_self_report()->set_status(v1::FOLLOW_UP_OUTCOME_STILL_UNEMPLOYED);
  v1::JobSearchActivity* activity = request.mutable_self_report()->add_activities();
  activity->set_date(date);
  activity->set_employer_name("哈尔滨电机厂");
  activity->set_result("面试");
  request.set_submitted_by("portal");
  return request;
}

Strings DueIds(const v1::ListDueFollowUpsResponse& response) {
  Strings out;
  for (const v1::DueFollowUp& due : response.due()) out.push_back(due.registration_id());
  return out;
}

v1::ListDueFollowUpsResponse Due(Stub& stub, const std::string& region, const std::string& month,
                                 const std::string& as_of = "") {
  v1::ListDueFollowUpsRequest request;
  request.set_region_code(region);
  request.set_month(month);
  request.set_as_of(as_of);
  v1::ListDueFollowUpsResponse response;
  absl::Status status = Call(stub, &Stub::ListDueFollowUps, request, &response);
  REQUIRE(status.ok());
  return response;
}

TEST_CASE("a month with partial coverage lists exactly the people still due",
          "[followup][service]") {
  FakeRegistration registration;
  auto& fake = registration.service();
  fake.AddCreated(MakeRegistration("hlj-1", "甲", "230103", "2025-03-10"));  // phone in June
  fake.AddCreated(MakeRegistration("hlj-2", "乙", "230103", "2025-04-01"));  // only May
  fake.AddCreated(MakeRegistration("hlj-3", "丙", "230104", "2025-05-15"));  // self-report in June
  fake.AddCreated(MakeRegistration("hlj-4", "丁", "230103", "2025-06-02"));  // ended 06-12
  fake.AddCreated(MakeRegistration("hlj-5", "戊", "231002", "2025-01-05"));  // other city
  const int64_t last =
      fake.AddDeregistered("hlj-4", common::v1::DEREGISTRATION_REASON_HIRED, "2025-06-12");
  FollowupStack stack(testing::TempDir(), registration.address(), testing::ChinaNoon(2025, 6, 20));
  REQUIRE(stack.SyncTo(last));
  Stub& stub = stack.stub();

  v1::RecordFollowUpResponse recorded;
  REQUIRE(Call(stub, &Stub::RecordFollowUp,
               FollowUp("r1", "hlj-1", v1::FOLLOW_UP_METHOD_PHONE_SURVEY, "2025-06-05"), &recorded)
              .ok());
  CHECK(recorded.follow_up().follow_up_id() == "fu-1");
  CHECK_FALSE(recorded.has_candidate());
  REQUIRE(Call(stub, &Stub::RecordFollowUp,
               FollowUp("r2", "hlj-2", v1::FOLLOW_UP_METHOD_FIELD_VISIT, "2025-05-20"), &recorded)
              .ok());
  v1::SubmitSelfReportResponse reported;
  REQUIRE(Call(stub, &Stub::SubmitSelfReport, SelfReport("s1", "hlj-3", "2025-06-18"), &reported)
              .ok());
  CHECK(reported.follow_up().method() == v1::FOLLOW_UP_METHOD_SELF_REPORT);
  CHECK(reported.follow_up().self_report_id() == reported.self_report().self_report_id());
  CHECK(reported.self_report().follow_up_id() == reported.follow_up().follow_up_id());

  SECTION("due in Harbin: only the one followed up in May") {
    v1::ListDueFollowUpsResponse due = Due(stub, "230100", "2025-06");
    CHECK(DueIds(due) == Strings{"hlj-2"});
    CHECK(due.due(0).name() == "乙");
    CHECK(due.due(0).last_follow_up_date() == "2025-05-20");
    CHECK(due.due(0).last_contact_date() == "2025-05-20");
    CHECK(due.next_page_token().empty());
  }
  SECTION("due in the province, earliest registered first, paged") {
    CHECK(DueIds(Due(stub, "230000", "2025-06")) == Strings{"hlj-5", "hlj-2"});
    v1::ListDueFollowUpsRequest request;
    request.set_region_code("230000");
    request.set_month("2025-06");
    request.set_page_size(1);
    v1::ListDueFollowUpsResponse page;
    REQUIRE(Call(stub, &Stub::ListDueFollowUps, request, &page).ok());
    CHECK(DueIds(page) == Strings{"hlj-5"});
    REQUIRE_FALSE(page.next_page_token().empty());
    request.set_page_token(page.next_page_token());
    REQUIRE(Call(stub, &Stub::ListDueFollowUps, request, &page).ok());
    CHECK(DueIds(page) == Strings{"hlj-2"});
    CHECK(page.next_page_token().empty());
    // The token belongs to that query only.
    request.set_region_code("230100");
    absl::Status reused = Call(stub, &Stub::ListDueFollowUps, request, &page);
    CHECK(reused.code() == absl::StatusCode::kInvalidArgument);
    CHECK(Reason(reused) == "INVALID_PAGE_TOKEN");
  }
  SECTION("an earlier evaluation day: the later contacts do not count yet") {
    CHECK(DueIds(Due(stub, "230100", "2025-06", "2025-06-04")) ==
          Strings{"hlj-1", "hlj-2", "hlj-3", "hlj-4"});
    CHECK(DueIds(Due(stub, "230100", "2025-06", "2025-06-12")) ==
          Strings{"hlj-2", "hlj-3"});
  }
  SECTION("May: two active then, one covered") {
    CHECK(DueIds(Due(stub, "230103", "2025-05")) == Strings{"hlj-1"});
  }
  SECTION("coverage") {
    v1::GetFollowUpCoverageRequest request;
    request.set_region_code("230100");
    request.set_month("2025-06");
    v1::GetFollowUpCoverageResponse coverage;
    REQUIRE(Call(stub, &Stub::GetFollowUpCoverage, request, &coverage).ok());
    CHECK(coverage.as_of() == "2025-06-20");
    CHECK(coverage.active_count() == 3);
    CHECK(coverage.covered_count() == 2);
    REQUIRE(coverage.by_method_size() == 2);
    CHECK(coverage.by_method(0).method() == v1::FOLLOW_UP_METHOD_PHONE_SURVEY);
    CHECK(coverage.by_method(0).registration_count() == 1);
    CHECK(coverage.by_method(1).method() == v1::FOLLOW_UP_METHOD_SELF_REPORT);
    CHECK(coverage.by_method(1).registration_count() == 1);
  }
  SECTION("follow-ups of a registration, newest first") {
    REQUIRE(Call(stub, &Stub::RecordFollowUp,
                 FollowUp("r3", "hlj-2", v1::FOLLOW_UP_METHOD_PHONE_SURVEY, "2025-06-19"),
                 &recorded)
                .ok());
    v1::ListFollowUpsRequest request;
    request.set_registration_id("hlj-2");
    v1::ListFollowUpsResponse list;
    REQUIRE(Call(stub, &Stub::ListFollowUps, request, &list).ok());
    REQUIRE(list.follow_ups_size() == 2);
    CHECK(list.follow_ups(0).contact_date() == "2025-06-19");
    CHECK(list.follow_ups(1).contact_date() == "2025-05-20");
    request.set_month("2025-05");
    REQUIRE(Call(stub, &Stub::ListFollowUps, request, &list).ok());
    REQUIRE(list.follow_ups_size() == 1);
    CHECK(DueIds(Due(stub, "230100", "2025-06")).empty());
  }
  SECTION("request_id makes RecordFollowUp idempotent") {
    v1::RecordFollowUpResponse again;
    REQUIRE(Call(stub, &Stub::RecordFollowUp,
                 FollowUp("r1", "hlj-1", v1::FOLLOW_UP_METHOD_PHONE_SURVEY, "2025-06-05"), &again)
                .ok());
    CHECK(again.follow_up().follow_up_id() == "fu-1");
    absl::Status reused =
        Call(stub, &Stub::RecordFollowUp,
             FollowUp("r1", "hlj-1", v1::FOLLOW_UP_METHOD_FIELD_VISIT, "2025-06-05"), &again);
    CHECK(reused.code() == absl::StatusCode::kAlreadyExists);
    CHECK(Reason(reused) == "REQUEST_ID_REUSED");
  }
  SECTION("domain errors") {
    absl::Status unknown =
        Call(stub, &Stub::RecordFollowUp,
             FollowUp("r9", "hlj-99", v1::FOLLOW_UP_METHOD_PHONE_SURVEY, "2025-06-05"), &recorded);
    CHECK(unknown.code() == absl::StatusCode::kNotFound);
    CHECK(Reason(unknown) == "REGISTRATION_NOT_FOUND");
    absl::Status ended =
        Call(stub, &Stub::RecordFollowUp,
             FollowUp("r10", "hlj-4", v1::FOLLOW_UP_METHOD_PHONE_SURVEY, "2025-06-13"), &recorded);
    CHECK(ended.code() == absl::StatusCode::kFailedPrecondition);
    CHECK(Reason(ended) == "REGISTRATION_NOT_ACTIVE");
    v1::SubmitSelfReportResponse ignored;
    v1::SubmitSelfReportRequest other = SelfReport("s2", "hlj-3", "2025-06-18");
    other.mutable_person_id()->set_id_number("11010519491231002X");
    absl::Status stranger = Call(stub, &Stub::SubmitSelfReport, other, &ignored);
    CHECK(stranger.code() == absl::StatusCode::kNotFound);
    CHECK(Reason(stranger) == "REGISTRATION_NOT_FOUND");
    v1::ListDueFollowUpsRequest request;
    request.set_region_code("239900");
    request.set_month("2025-06");
    v1::ListDueFollowUpsResponse due;
    absl::Status region = Call(stub, &Stub::ListDueFollowUps, request, &due);
    CHECK(region.code() == absl::StatusCode::kNotFound);
    CHECK(Reason(region) == "REGION_NOT_FOUND");
  }
}

TEST_CASE("reason 32 after six months without contact, on exact dates", "[followup][service]") {
  FakeRegistration registration;
  auto& fake = registration.service();
  fake.AddCreated(MakeRegistration("hlj-11", "甲", "230103", "2025-01-31"));  // no contact
  fake.AddCreated(MakeRegistration("hlj-12", "乙", "230103", "2025-01-31"));  // self-report 03-15
  fake.AddCreated(MakeRegistration("hlj-13", "丙", "230103", "2025-01-31"));  // phone, unreachable
  fake.AddCreated(MakeRegistration("hlj-14", "丁", "230104", "2025-01-31"));  // comparison only
  const int64_t last = fake.AddCreated(MakeRegistration("hlj-15", "戊", "230104", "2025-02-01"));
  FollowupStack stack(testing::TempDir(), registration.address(), testing::ChinaNoon(2025, 8, 1));
  REQUIRE(stack.SyncTo(last));
  Stub& stub = stack.stub();
  v1::SubmitSelfReportResponse reported;
  REQUIRE(Call(stub, &Stub::SubmitSelfReport, SelfReport("s1", "hlj-12", "2025-03-15"), &reported)
              .ok());
  v1::RecordFollowUpResponse recorded;
  REQUIRE(Call(stub, &Stub::RecordFollowUp,
               FollowUp("r1", "hlj-13", v1::FOLLOW_UP_METHOD_PHONE_SURVEY, "2025-03-01",
                        v1::FOLLOW_UP_OUTCOME_UNREACHABLE),
               &recorded)
              .ok());
  REQUIRE(Call(stub, &Stub::RecordFollowUp,
               FollowUp("r2", "hlj-14", v1::FOLLOW_UP_METHOD_INFORMATION_COMPARISON, "2025-03-01"),
               &recorded)
              .ok());

  auto sweep = [&](const std::string& as_of, bool validate_only) {
    v1::RunNoContactSweepRequest request;
    request.set_as_of(as_of);
    request.set_staff_id("scheduler");
    request.set_validate_only(validate_only);
    v1::RunNoContactSweepResponse response;
    absl::Status status = Call(stub, &Stub::RunNoContactSweep, request, &response);
    REQUIRE(status.ok());
    Strings ids;
    for (const v1::Deregistration& d : response.deregistrations()) {
      ids.push_back(d.registration_id());
      CHECK(d.reason() == common::v1::DEREGISTRATION_REASON_NO_CONTACT);
      CHECK(d.effective_date() == as_of);
      CHECK(d.actor() == "service:followup");
      CHECK_FALSE(d.person_notified());
    }
    return ids;
  };

  CHECK(sweep("2025-07-30", false).empty());
  CHECK(fake.deregister_calls().empty());
  CHECK(sweep("2025-07-31", true) == Strings{"hlj-11", "hlj-13", "hlj-14"});
  CHECK(fake.deregister_calls().empty());  // validate_only changes nothing
  CHECK(sweep("2025-07-31", false) == Strings{"hlj-11", "hlj-13", "hlj-14"});
  REQUIRE(fake.deregister_calls().size() == 3);
  CHECK(fake.registration("hlj-11").state() == registration::v1::REGISTRATION_STATE_DEREGISTERED);
  CHECK(fake.registration("hlj-11").deregistration().reason() ==
        common::v1::DEREGISTRATION_REASON_NO_CONTACT);
  // Repeating the same day changes nothing more.
  CHECK(sweep("2025-07-31", false).empty());
  CHECK(fake.deregister_calls().size() == 3);
  // hlj-15 (registered a day later) reaches 6 months on 08-01; the self-reporter not until 09-15.
  CHECK(sweep("2025-08-01", true) == Strings{"hlj-15"});
}

TEST_CASE("the no-contact sweep pages: at most page_size deregistrations per call",
          "[followup][service][limits]") {
  FakeRegistration registration;
  auto& fake = registration.service();
  int64_t last = 0;
  for (int n = 1; n <= 5; ++n) {
    last = fake.AddCreated(MakeRegistration(absl::StrCat("hlj-3", n), "甲", "230103", "2025-01-31"));
  }
  FollowupStack stack(testing::TempDir(), registration.address(), testing::ChinaNoon(2025, 8, 1));
  REQUIRE(stack.SyncTo(last));
  Stub& stub = stack.stub();

  v1::RunNoContactSweepRequest request;
  request.set_as_of("2025-07-31");
  request.set_staff_id("scheduler");
  request.set_page_size(2);
  // Every page of the sweep: the registration ids of each.
  auto pages = [&](bool validate_only) {
    request.set_validate_only(validate_only);
    request.clear_page_token();
    std::vector<Strings> result;
    do {
      v1::RunNoContactSweepResponse response;
      absl::Status status = Call(stub, &Stub::RunNoContactSweep, request, &response);
      INFO(status.ToString());
      REQUIRE(status.ok());
      Strings ids;
      for (const v1::Deregistration& d : response.deregistrations()) ids.push_back(d.registration_id());
      result.push_back(ids);
      request.set_page_token(response.next_page_token());
      REQUIRE(result.size() < 10);
    } while (!request.page_token().empty());
    return result;
  };
  const std::vector<Strings> expected = {{"hlj-31", "hlj-32"}, {"hlj-33", "hlj-34"}, {"hlj-35"}};
  CHECK(pages(true) == expected);
  CHECK(fake.deregister_calls().empty());

  // A token of another query (here: of the preview, used for the real run), a malformed token or a
  // negative page size is refused.
  v1::RunNoContactSweepResponse response;
  request.set_validate_only(true);
  request.clear_page_token();
  REQUIRE(Call(stub, &Stub::RunNoContactSweep, request, &response).ok());
  REQUIRE_FALSE(response.next_page_token().empty());
  request.set_validate_only(false);
  for (const std::string& token : {response.next_page_token(), std::string("not-a-token")}) {
    request.set_page_token(token);
    absl::Status foreign = Call(stub, &Stub::RunNoContactSweep, request, &response);
    CHECK(foreign.code() == absl::StatusCode::kInvalidArgument);
    CHECK(Reason(foreign) == "INVALID_PAGE_TOKEN");
  }
  request.clear_page_token();
  request.set_page_size(-1);
  CHECK(Violations(Call(stub, &Stub::RunNoContactSweep, request, &response)) ==
        Strings{"page_size OUT_OF_RANGE"});
  CHECK(fake.deregister_calls().empty());

  request.set_page_size(2);
  CHECK(pages(false) == expected);
  CHECK(fake.deregister_calls().size() == 5);
  CHECK(pages(false) == std::vector<Strings>{{}});  // nothing left for the day
}

TEST_CASE("a full page of the sweep stays far below the 4 MiB message limit",
          "[followup][limits]") {
  // The largest deregistration a sweep can return: a 64-character id, and a note of the longest
  // length any deregistration may carry (1,000 characters of 3 bytes).
  v1::Deregistration largest;
  largest.set_registration_id(std::string(64, 'x'));
  largest.set_reason(common::v1::DEREGISTRATION_REASON_NO_CONTACT);
  largest.set_effective_date("2025-07-31");
  largest.set_actor(std::string(kServiceActor));
  std::string note;
  for (int i = 0; i < 1000; ++i) note += "联";
  largest.set_note(note);
  largest.set_person_notified(true);
  largest.set_moved_abroad(true);
  largest.mutable_recorded_at()->set_seconds(1753920000);
  largest.mutable_recorded_at()->set_nanos(999999999);
  v1::RunNoContactSweepResponse page;
  for (int i = 0; i < kSweepPageSize; ++i) *page.add_deregistrations() = largest;
  page.set_next_page_token(std::string(200, 'T'));
  CHECK(page.ByteSizeLong() < 4u * 1024 * 1024);
}

TEST_CASE("deregistration through the registration service", "[followup][service]") {
  FakeRegistration registration;
  auto& fake = registration.service();
  fake.AddCreated(MakeRegistration("hlj-21", "甲", "230103", "2025-03-10"));
  fake.AddCreated(MakeRegistration("hlj-22", "乙", "230103", "2025-03-10"));
  const int64_t last = fake.AddCreated(MakeRegistration("hlj-23", "丙", "230103", "2025-03-10"));
  FollowupStack stack(testing::TempDir(), registration.address(), testing::ChinaNoon(2025, 6, 20));
  REQUIRE(stack.SyncTo(last));
  Stub& stub = stack.stub();

  auto deregister = [](const std::string& request_id, const std::string& id,
                       common::v1::DeregistrationReason reason) {
    v1::DeregisterRegistrationRequest request;
    request.set_request_id(request_id);
    request.set_registration_id(id);
    request.set_reason(reason);
    request.set_effective_date("2025-06-15");
    request.set_staff_id("staff-7");
    return request;
  };

  SECTION("a deceased person is deregistered without a notification") {
    v1::DeregisterRegistrationResponse response;
    REQUIRE(Call(stub, &Stub::DeregisterRegistration,
                 deregister("d1", "hlj-21", common::v1::DEREGISTRATION_REASON_DECEASED), &response)
                .ok());
    CHECK(response.deregistration().registration_id() == "hlj-21");
    CHECK(response.deregistration().reason() == common::v1::DEREGISTRATION_REASON_DECEASED);
    CHECK(response.deregistration().actor() == "staff-7");
    CHECK_FALSE(response.deregistration().person_notified());
    REQUIRE(fake.deregister_calls().size() == 1);
    CHECK(fake.deregister_calls()[0].request_id() == "d1");
    CHECK(fake.registration("hlj-21").state() ==
          registration::v1::REGISTRATION_STATE_DEREGISTERED);
    // Repeat: the stored answer, no second call.
    v1::DeregisterRegistrationResponse again;
    REQUIRE(Call(stub, &Stub::DeregisterRegistration,
                 deregister("d1", "hlj-21", common::v1::DEREGISTRATION_REASON_DECEASED), &again)
                .ok());
    CHECK(again.deregistration().SerializeAsString() ==
          response.deregistration().SerializeAsString());
    CHECK(fake.deregister_calls().size() == 1);
    absl::Status reused =
        Call(stub, &Stub::DeregisterRegistration,
             deregister("d1", "hlj-21", common::v1::DEREGISTRATION_REASON_IMPRISONED), &again);
    CHECK(reused.code() == absl::StatusCode::kAlreadyExists);
    CHECK(Reason(reused) == "REQUEST_ID_REUSED");
    absl::Status ended =
        Call(stub, &Stub::DeregisterRegistration,
             deregister("d2", "hlj-21", common::v1::DEREGISTRATION_REASON_HIRED), &again);
    CHECK(ended.code() == absl::StatusCode::kFailedPrecondition);
    CHECK(Reason(ended) == "REGISTRATION_NOT_ACTIVE");
  }
  SECTION("an employed person is notified; pending candidates are withdrawn") {
    v1::RecordFollowUpResponse recorded;
    REQUIRE(Call(stub, &Stub::RecordFollowUp,
                 FollowUp("r1", "hlj-22", v1::FOLLOW_UP_METHOD_PHONE_SURVEY, "2025-06-10",
                          v1::FOLLOW_UP_OUTCOME_EMPLOYED, "哈尔滨啤酒厂"),
                 &recorded)
                .ok());
    REQUIRE(recorded.has_candidate());
    CHECK(recorded.candidate().proposed_reason() == common::v1::DEREGISTRATION_REASON_HIRED);
    CHECK(recorded.candidate().state() == v1::CANDIDATE_STATE_PENDING);
    CHECK(recorded.candidate().source() == v1::CANDIDATE_SOURCE_FOLLOW_UP);
    CHECK(recorded.candidate().month() == "2025-06");
    v1::DeregisterRegistrationResponse response;
    REQUIRE(Call(stub, &Stub::DeregisterRegistration,
                 deregister("d3", "hlj-22", common::v1::DEREGISTRATION_REASON_HIRED), &response)
                .ok());
    CHECK(response.deregistration().person_notified());
    // Registration is told the latest contact attempt reached the person.
    CHECK(fake.deregister_calls().back().contact_state() ==
          registration::v1::CONTACT_STATE_REACHABLE);
    v1::ListDeregistrationCandidatesRequest list;
    list.set_region_code("230100");
    list.set_state(v1::CANDIDATE_STATE_WITHDRAWN);
    v1::ListDeregistrationCandidatesResponse candidates;
    REQUIRE(Call(stub, &Stub::ListDeregistrationCandidates, list, &candidates).ok());
    REQUIRE(candidates.candidates_size() == 1);
    CHECK(candidates.candidates(0).candidate_id() == recorded.candidate().candidate_id());
  }
  SECTION("the latest contact attempt failed: registration is told, and sends no notice") {
    v1::RecordFollowUpResponse recorded;
    REQUIRE(Call(stub, &Stub::RecordFollowUp,
                 FollowUp("r-ok", "hlj-23", v1::FOLLOW_UP_METHOD_PHONE_SURVEY, "2025-06-01"),
                 &recorded)
                .ok());
    REQUIRE(Call(stub, &Stub::RecordFollowUp,
                 FollowUp("r-gone", "hlj-23", v1::FOLLOW_UP_METHOD_FIELD_VISIT, "2025-06-12",
                          v1::FOLLOW_UP_OUTCOME_UNREACHABLE),
                 &recorded)
                .ok());
    v1::DeregisterRegistrationResponse response;
    REQUIRE(Call(stub, &Stub::DeregisterRegistration,
                 deregister("d-unreachable", "hlj-23", common::v1::DEREGISTRATION_REASON_HIRED),
                 &response)
                .ok());
    REQUIRE_FALSE(fake.deregister_calls().empty());
    CHECK(fake.deregister_calls().back().contact_state() ==
          registration::v1::CONTACT_STATE_UNREACHABLE);
    CHECK_FALSE(response.deregistration().person_notified());
  }
  SECTION("never contacted: said so") {
    v1::DeregisterRegistrationResponse response;
    REQUIRE(Call(stub, &Stub::DeregisterRegistration,
                 deregister("d-never", "hlj-23", common::v1::DEREGISTRATION_REASON_HIRED),
                 &response)
                .ok());
    CHECK(fake.deregister_calls().back().contact_state() ==
          registration::v1::CONTACT_STATE_NEVER_CONTACTED);
    CHECK(response.deregistration().person_notified());
  }
  SECTION("a staff decision accepts a self-reported job") {
    v1::SubmitSelfReportRequest report = SelfReport("s1", "hlj-23", "2025-06-11");
    report.mutable_self_report()->set_status(v1::FOLLOW_UP_OUTCOME_STARTED_BUSINESS);
    report.mutable_self_report()->set_employer_name("丙记面馆");
    v1::SubmitSelfReportResponse reported;
    REQUIRE(Call(stub, &Stub::SubmitSelfReport, report, &reported).ok());
    REQUIRE(reported.has_candidate());
    CHECK(reported.candidate().proposed_reason() ==
          common::v1::DEREGISTRATION_REASON_SELF_EMPLOYED);
    v1::ListDeregistrationCandidatesRequest list;
    list.set_region_code("230103");
    v1::ListDeregistrationCandidatesResponse pending;
    REQUIRE(Call(stub, &Stub::ListDeregistrationCandidates, list, &pending).ok());
    REQUIRE(pending.candidates_size() == 1);
    v1::DecideDeregistrationCandidateRequest decide;
    decide.set_request_id("c1");
    decide.set_candidate_id(reported.candidate().candidate_id());
    decide.set_decision(v1::CANDIDATE_DECISION_ACCEPT);
    decide.set_effective_date("2025-06-11");
    decide.set_staff_id("staff-8");
    v1::DecideDeregistrationCandidateResponse decided;
    REQUIRE(Call(stub, &Stub::DecideDeregistrationCandidate, decide, &decided).ok());
    CHECK(decided.candidate().state() == v1::CANDIDATE_STATE_ACCEPTED);
    CHECK(decided.candidate().deregistration().reason() ==
          common::v1::DEREGISTRATION_REASON_SELF_EMPLOYED);
    CHECK(decided.candidate().deregistration().person_notified());
    CHECK(fake.registration("hlj-23").deregistration().actor() == "staff-8");
    decide.set_request_id("c2");
    absl::Status twice = Call(stub, &Stub::DecideDeregistrationCandidate, decide, &decided);
    CHECK(twice.code() == absl::StatusCode::kFailedPrecondition);
    CHECK(Reason(twice) == "CANDIDATE_NOT_PENDING");
  }
  SECTION("registration unreachable: UNAVAILABLE, and a retry succeeds") {
    fake.FailWith(grpc::StatusCode::UNAVAILABLE);
    v1::DeregisterRegistrationResponse response;
    absl::Status down =
        Call(stub, &Stub::DeregisterRegistration,
             deregister("d4", "hlj-21", common::v1::DEREGISTRATION_REASON_HIRED), &response);
    CHECK(down.code() == absl::StatusCode::kUnavailable);
    fake.FailWith(grpc::StatusCode::OK);
    REQUIRE(Call(stub, &Stub::DeregisterRegistration,
                 deregister("d4", "hlj-21", common::v1::DEREGISTRATION_REASON_HIRED), &response)
                .ok());
    CHECK(response.deregistration().person_notified());
  }
}

TEST_CASE("bad input: exact codes and BadRequest details", "[followup][service]") {
  FakeRegistration registration;
  FollowupStack stack(testing::TempDir(), registration.address(), testing::ChinaNoon(2025, 6, 20));
  Stub& stub = stack.stub();

  SECTION("RecordFollowUp without anything") {
    v1::RecordFollowUpResponse response;
    absl::Status status =
        Call(stub, &Stub::RecordFollowUp, v1::RecordFollowUpRequest(), &response);
    CHECK(status.code() == absl::StatusCode::kInvalidArgument);
    CHECK(Reason(status) == "INVALID_ARGUMENT");
    CHECK(Violations(status) == Strings{"request_id REQUIRED", "follow_up.registration_id REQUIRED",
                                        "follow_up.method REQUIRED",
                                        "follow_up.contact_date REQUIRED",
                                        "follow_up.staff_id REQUIRED", "follow_up.outcome REQUIRED"});
  }
  SECTION("RecordFollowUp with wrong values") {
    v1::RecordFollowUpRequest request =
        FollowUp("bad id!", "hlj-1", v1::FOLLOW_UP_METHOD_SELF_REPORT, "2025-06-21",
                 v1::FOLLOW_UP_OUTCOME_EMPLOYED);
    v1::RecordFollowUpResponse response;
    absl::Status status = Call(stub, &Stub::RecordFollowUp, request, &response);
    CHECK(status.code() == absl::StatusCode::kInvalidArgument);
    CHECK(Violations(status) == Strings{"request_id CHARACTERS",
                                        "follow_up.method CODE_NOT_ACCEPTED",
                                        "follow_up.contact_date DATE_IN_FUTURE",
                                        "follow_up.employer_name REQUIRED"});
    request = FollowUp("ok", "hlj-1", v1::FOLLOW_UP_METHOD_PHONE_SURVEY, "2025-02-30",
                       v1::FOLLOW_UP_OUTCOME_OTHER);
    status = Call(stub, &Stub::RecordFollowUp, request, &response);
    CHECK(Violations(status) ==
          Strings{"follow_up.contact_date DATE_INVALID", "follow_up.notes REQUIRED"});
  }
  SECTION("ListDueFollowUps") {
    v1::ListDueFollowUpsRequest request;
    request.set_region_code("2301");
    request.set_month("2025-07");
    request.set_page_size(-1);
    v1::ListDueFollowUpsResponse response;
    absl::Status status = Call(stub, &Stub::ListDueFollowUps, request, &response);
    CHECK(status.code() == absl::StatusCode::kInvalidArgument);
    CHECK(Violations(status) ==
          Strings{"region_code FORMAT", "month DATE_IN_FUTURE", "page_size OUT_OF_RANGE"});
    request.set_region_code("230100");
    request.set_month("2025-05");
    request.set_as_of("2025-06-01");
    request.set_page_size(0);
    status = Call(stub, &Stub::ListDueFollowUps, request, &response);
    CHECK(Violations(status) == Strings{"as_of OUT_OF_RANGE"});
    request.set_as_of("");
    request.set_page_token("not-a-token");
    status = Call(stub, &Stub::ListDueFollowUps, request, &response);
    CHECK(status.code() == absl::StatusCode::kInvalidArgument);
    CHECK(Reason(status) == "INVALID_PAGE_TOKEN");
    CHECK(Violations(status) == Strings{"page_token FORMAT"});
  }
  SECTION("DeregisterRegistration") {
    v1::DeregisterRegistrationRequest request;
    request.set_request_id("d1");
    request.set_registration_id("hlj-1");
    request.set_reason(static_cast<common::v1::DeregistrationReason>(33));
    request.set_effective_date("2025-06-21");
    request.set_staff_id("s");
    v1::DeregisterRegistrationResponse response;
    absl::Status status = Call(stub, &Stub::DeregisterRegistration, request, &response);
    CHECK(Violations(status) == Strings{"reason CODE_UNKNOWN", "effective_date DATE_IN_FUTURE"});
    request.set_reason(common::v1::DEREGISTRATION_REASON_HIRED);
    request.set_moved_abroad(true);
    request.set_effective_date("2025-06-01");
    status = Call(stub, &Stub::DeregisterRegistration, request, &response);
    CHECK(Violations(status) == Strings{"moved_abroad NOT_APPLICABLE"});
    request.set_moved_abroad(false);
    request.set_reason(common::v1::DEREGISTRATION_REASON_OTHER);
    status = Call(stub, &Stub::DeregisterRegistration, request, &response);
    CHECK(Violations(status) == Strings{"note REQUIRED"});
    request.set_note("说明");
    status = Call(stub, &Stub::DeregisterRegistration, request, &response);
    CHECK(status.code() == absl::StatusCode::kNotFound);
    CHECK(Reason(status) == "REGISTRATION_NOT_FOUND");
  }
  SECTION("RunNoContactSweep") {
    v1::RunNoContactSweepRequest request;
    request.set_as_of("2025-06-21");
    request.set_region_code("23010");
    v1::RunNoContactSweepResponse response;
    absl::Status status = Call(stub, &Stub::RunNoContactSweep, request, &response);
    CHECK(Violations(status) ==
          Strings{"as_of DATE_IN_FUTURE", "region_code FORMAT", "staff_id REQUIRED"});
  }
  SECTION("monthly comparison") {
    v1::RunMonthlyComparisonRequest request;
    v1::RunMonthlyComparisonResponse response;
    absl::Status status = Call(stub, &Stub::RunMonthlyComparison, request, &response);
    CHECK(status.code() == absl::StatusCode::kInvalidArgument);
    CHECK(Violations(status) == Strings{"month REQUIRED", "staff_id REQUIRED"});
  }
}

}  // namespace
}  // namespace unemployment::followup
