// Region scope of the follow-up methods that name their record only by id (a registration, a
// deregistration candidate, a fraud case), behind the real guard and policy: district staff work
// on their district's records; another district's record and an unknown id get the same
// PERMISSION_DENIED OUTSIDE_REGION_SCOPE; province-wide staff are unaffected (NOT_FOUND for an
// unknown id). And of the fraud work by region (the notice, section 三): an office opens its own cases, a city
// bureau submits its own city's monthly fraud report.
#include <functional>
#include <string>
#include <vector>

#include "catch2/catch.hpp"
#include "tests/common/security/test_guard.h"
#include "tests/services/followup/test_util.h"

namespace unemployment::followup {
namespace {

using security::test_support::TestGuard;
using testing::FakeRegistration;
using testing::FollowupStack;
using testing::MakeRegistration;
using testing::Reason;
using Stub = v1::FollowupService::Stub;

constexpr char kNangang[] = "230103";  // 南岗区: the district staff's own
constexpr char kOwn[] = "hlj-r-1";     // a registration of 南岗区
constexpr char kOther[] = "hlj-r-2";   // a registration of 道里区 (230102)

// The follow-up service behind the guard, with one registration in each district.
struct Fixture {
  Fixture() : guard("followup-scope-test"), dir(testing::TempDir()) {
    registration.service().AddCreated(MakeRegistration(kOwn, "甲", "230103", "2025-01-10"));
    const int64_t last = registration.service().AddCreated(
        MakeRegistration(kOther, "乙", "230102", "2025-01-10"));
    stack = std::make_unique<FollowupStack>(dir, registration.address(),
                                            testing::ChinaNoon(2025, 2, 28), "", 500,
                                            guard.ServerOptions("followup"));
    REQUIRE(stack->SyncTo(last));
    stub = v1::FollowupService::NewStub(guard.Channel(stack->port()));
  }

  // Calls `method` as `role` with region scope `region`.
  template <typename Request, typename Response>
  absl::Status Call(const std::string& region,
                    grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&, Response*),
                    const Request& request, Response* response,
                    const std::string& role = "followup-staff") {
    grpc::ClientContext context;
    guard.Authorize(&context, role, region);
    return status::FromGrpcStatus(((*stub).*method)(&context, request, response));
  }

  TestGuard guard;
  std::string dir;
  FakeRegistration registration;
  std::unique_ptr<FollowupStack> stack;
  std::unique_ptr<Stub> stub;
};

v1::RecordFollowUpRequest FollowUp(const std::string& request_id, const std::string& registration) {
  v1::RecordFollowUpRequest request;
  request.set_request_id(request_id);
  v1::FollowUp* f = request.mutable_follow_up();
  f->set_registration_id(registration);
  f->set_method(v1::FOLLOW_UP_METHOD_PHONE_SURVEY);
  f->set_contact_date("2025-02-20");
  f->set_outcome(v1::FOLLOW_UP_OUTCOME_EMPLOYED);
  f->set_employer_name("哈尔滨啤酒厂");
  return request;
}

v1::SubmitSelfReportRequest SelfReport(const std::string& request_id,
                                       const std::string& registration) {
  v1::SubmitSelfReportRequest request;
  request.set_request_id(request_id);
  request.mutable_person_id()->set_id_type(common::v1::ID_TYPE_RESIDENT_ID_CARD);
  request.mutable_person_id()->set_id_number(testing::kIdNumber);
  request.mutable_self_report()->set_registration_id(registration);
  request.mutable_self_report()->set_report_date("2025-02-21");
  request.mutable_self_report()->set_status(v1::FOLLOW_UP_OUTCOME_STILL_UNEMPLOYED);
  request.set_submitted_by("staff-7");
  return request;
}

// Behind the guard the staff ids are the token's subject (security/actor.h): the requests below leave
// them empty.
v1::OpenFraudCaseRequest OpenCase(const std::string& request_id, const std::string& office) {
  v1::OpenFraudCaseRequest request =
      testing::OpenFraudCaseRequest(request_id, "230100", office, "2025-02-01");
  request.clear_staff_id();
  return request;
}

v1::RecordFraudInvestigationRequest Investigate(const std::string& request_id,
                                                const std::string& case_id) {
  v1::RecordFraudInvestigationRequest request;
  request.set_request_id(request_id);
  request.set_case_id(case_id);
  request.set_investigated_on("2025-02-05");
  request.set_findings("约谈本人，承认已就业");
  return request;
}

v1::ConcludeFraudCaseRequest Conclude(const std::string& request_id, const std::string& case_id) {
  v1::ConcludeFraudCaseRequest request;
  request.set_request_id(request_id);
  request.set_case_id(case_id);
  request.set_conclusion(v1::FRAUD_CONCLUSION_UNFOUNDED);
  request.set_concluded_on("2025-02-10");
  request.set_decision("证据不足");
  request.set_decision_document("哈人社稽〔2025〕4号");
  return request;
}

v1::DecideDeregistrationCandidateRequest Reject(const std::string& request_id,
                                                const std::string& candidate_id) {
  v1::DecideDeregistrationCandidateRequest request;
  request.set_request_id(request_id);
  request.set_candidate_id(candidate_id);
  request.set_decision(v1::CANDIDATE_DECISION_REJECT);
  request.set_note("本人否认");
  return request;
}

v1::DeregisterRegistrationRequest Deregister(const std::string& request_id,
                                             const std::string& registration) {
  v1::DeregisterRegistrationRequest request;
  request.set_request_id(request_id);
  request.set_registration_id(registration);
  request.set_reason(common::v1::DEREGISTRATION_REASON_DECEASED);
  request.set_effective_date("2025-02-25");
  return request;
}

// The denial of an out-of-scope or unknown record.
void CheckDenied(const absl::Status& status) {
  INFO(status.ToString());
  CHECK(status.code() == absl::StatusCode::kPermissionDenied);
  CHECK(Reason(status) == "OUTSIDE_REGION_SCOPE");
}

TEST_CASE("district staff use the id-based follow-up methods on their own district's records",
          "[followup][security]") {
  Fixture f;
  // Made by province-wide staff: a candidate and a fraud case in each district.
  v1::RecordFollowUpResponse recorded;
  REQUIRE(f.Call("*", &Stub::RecordFollowUp, FollowUp("p-own", kOwn), &recorded).ok());
  const std::string own_candidate = recorded.candidate().candidate_id();
  REQUIRE(f.Call("*", &Stub::RecordFollowUp, FollowUp("p-other", kOther), &recorded).ok());
  const std::string other_candidate = recorded.candidate().candidate_id();
  v1::OpenFraudCaseResponse opened;
  REQUIRE(f.Call("*", &Stub::OpenFraudCase, OpenCase("o-own", "230103"), &opened).ok());
  const std::string own_case = opened.fraud_case().case_id();
  REQUIRE(f.Call("*", &Stub::OpenFraudCase, OpenCase("o-other", "230102"), &opened).ok());
  const std::string other_case = opened.fraud_case().case_id();
  // Plain follow-ups (no candidate), for AmendFollowUp.
  auto plain_follow_up = [&](const std::string& request_id, const std::string& registration) {
    v1::RecordFollowUpRequest request = FollowUp(request_id, registration);
    request.mutable_follow_up()->set_outcome(v1::FOLLOW_UP_OUTCOME_STILL_UNEMPLOYED);
    request.mutable_follow_up()->clear_employer_name();
    v1::RecordFollowUpResponse r;
    REQUIRE(f.Call("*", &Stub::RecordFollowUp, request, &r).ok());
    return r.follow_up().follow_up_id();
  };
  const std::string own_follow_up = plain_follow_up("p-own-plain", kOwn);
  const std::string other_follow_up = plain_follow_up("p-other-plain", kOther);

  // Each id-based method: its call for a record id (a registration, candidate or case id) and the
  // ids of the own district's record, the other district's and an unknown one.
  struct IdMethod {
    const char* name;
    std::function<absl::Status(const std::string& region, const std::string& id,
                               const std::string& request_id)>
        call;
    std::string own, other, unknown;
  };
  std::vector<IdMethod> methods = {
      {"RecordFollowUp",
       [&](const std::string& region, const std::string& id, const std::string& request_id) {
         v1::RecordFollowUpResponse r;
         return f.Call(region, &Stub::RecordFollowUp, FollowUp(request_id, id), &r);
       },
       kOwn, kOther, "hlj-r-404"},
      {"ListFollowUps",
       [&](const std::string& region, const std::string& id, const std::string&) {
         v1::ListFollowUpsRequest request;
         request.set_registration_id(id);
         v1::ListFollowUpsResponse r;
         return f.Call(region, &Stub::ListFollowUps, request, &r);
       },
       kOwn, kOther, "hlj-r-404"},
      {"SubmitSelfReport",
       [&](const std::string& region, const std::string& id, const std::string& request_id) {
         v1::SubmitSelfReportResponse r;
         return f.Call(region, &Stub::SubmitSelfReport, SelfReport(request_id, id), &r);
       },
       kOwn, kOther, "hlj-r-404"},
      {"GetFraudCase",
       [&](const std::string& region, const std::string& id, const std::string&) {
         v1::GetFraudCaseRequest request;
         request.set_case_id(id);
         v1::GetFraudCaseResponse r;
         return f.Call(region, &Stub::GetFraudCase, request, &r);
       },
       own_case, other_case, "fc-404"},
      {"RecordFraudInvestigation",
       [&](const std::string& region, const std::string& id, const std::string& request_id) {
         v1::RecordFraudInvestigationResponse r;
         return f.Call(region, &Stub::RecordFraudInvestigation, Investigate(request_id, id), &r);
       },
       own_case, other_case, "fc-404"},
      {"ConcludeFraudCase",
       [&](const std::string& region, const std::string& id, const std::string& request_id) {
         v1::ConcludeFraudCaseResponse r;
         return f.Call(region, &Stub::ConcludeFraudCase, Conclude(request_id, id), &r);
       },
       own_case, other_case, "fc-404"},
      {"DecideDeregistrationCandidate",
       [&](const std::string& region, const std::string& id, const std::string& request_id) {
         v1::DecideDeregistrationCandidateResponse r;
         return f.Call(region, &Stub::DecideDeregistrationCandidate, Reject(request_id, id), &r);
       },
       own_candidate, other_candidate, "dc-404"},
      {"AmendFollowUp",
       [&](const std::string& region, const std::string& id, const std::string& request_id) {
         v1::AmendFollowUpRequest request;
         request.set_request_id(request_id);
         request.set_follow_up_id(id);
         request.set_amendment_reason("recorded in error");
         request.set_withdraw(true);
         v1::AmendFollowUpResponse r;
         absl::Status status = f.Call(region, &Stub::AmendFollowUp, request, &r);
         // The actor recorded is the token's subject.
         if (status.ok()) CHECK(r.follow_up().amendments(0).actor() == "followup-staff-" + region);
         return status;
       },
       own_follow_up, other_follow_up, "fu-404"},
      // Last: it ends the registration.
      {"DeregisterRegistration",
       [&](const std::string& region, const std::string& id, const std::string& request_id) {
         v1::DeregisterRegistrationResponse r;
         return f.Call(region, &Stub::DeregisterRegistration, Deregister(request_id, id), &r);
       },
       kOwn, kOther, "hlj-r-404"},
  };

  int n = 0;
  for (const IdMethod& m : methods) {
    INFO(m.name);
    const std::string tag = std::to_string(++n);
    // Another district's record and an unknown id: the same answer, nothing changed.
    absl::Status other = m.call(kNangang, m.other, "d-other-" + tag);
    absl::Status unknown = m.call(kNangang, m.unknown, "d-unknown-" + tag);
    CheckDenied(other);
    CheckDenied(unknown);
    CHECK(other.message() == unknown.message());
    CHECK(other.ToString() == unknown.ToString());
    // The city's staff (scope 2301) are refused a record of another city's district only.
    CheckDenied(m.call("2302", m.own, "c-other-" + tag));
    // The own district's record: allowed.
    absl::Status own = m.call(kNangang, m.own, "d-own-" + tag);
    INFO(own.ToString());
    CHECK(own.ok());
  }
  // The denied calls changed nothing in the other district.
  CHECK(f.registration.service().registration(kOther).state() ==
        registration::v1::REGISTRATION_STATE_ACTIVE);
  CHECK(f.registration.service().registration(kOwn).state() ==
        registration::v1::REGISTRATION_STATE_DEREGISTERED);
  v1::GetFraudCaseRequest get;
  get.set_case_id(other_case);
  v1::GetFraudCaseResponse other_state;
  REQUIRE(f.Call("*", &Stub::GetFraudCase, get, &other_state).ok());
  CHECK(other_state.fraud_case().state() == v1::FRAUD_CASE_STATE_OPEN);

  // Province-wide staff: unaffected; an unknown id is NOT_FOUND for them.
  for (const IdMethod& m : methods) {
    INFO(m.name);
    absl::Status unknown = m.call("*", m.unknown, "p-unknown-" + m.unknown);
    CHECK(unknown.code() == absl::StatusCode::kNotFound);
  }
  v1::RecordFollowUpResponse province;
  CHECK(f.Call("*", &Stub::RecordFollowUp, FollowUp("p-other-2", kOther), &province).ok());
}

TEST_CASE("the region-scoped id checks keep the methods' other answers for the own district",
          "[followup][security]") {
  Fixture f;
  // Bad input is INVALID_ARGUMENT before any lookup; the auditor may read but never write.
  v1::ListFollowUpsRequest empty;
  v1::ListFollowUpsResponse listed;
  CHECK(f.Call(kNangang, &Stub::ListFollowUps, empty, &listed).code() ==
        absl::StatusCode::kInvalidArgument);
  v1::ListFollowUpsRequest own;
  own.set_registration_id(kOwn);
  CHECK(f.Call(kNangang, &Stub::ListFollowUps, own, &listed, "auditor").ok());
  v1::RecordFollowUpResponse recorded;
  absl::Status auditor_write =
      f.Call(kNangang, &Stub::RecordFollowUp, FollowUp("a-1", kOwn), &recorded, "auditor");
  // (The guard's refusals carry code and message only.)
  CHECK(auditor_write.code() == absl::StatusCode::kPermissionDenied);
  // A `province` method stays province-wide (the guard refuses before the handler, even for the
  // city's staff): reading a city's monthly fraud report.
  v1::GetMonthlyFraudReportRequest report;
  report.set_city_code("230100");
  report.set_month("2025-02");
  v1::GetMonthlyFraudReportResponse got;
  absl::Status narrow = f.Call("2301", &Stub::GetMonthlyFraudReport, report, &got);
  CHECK(narrow.code() == absl::StatusCode::kPermissionDenied);
  CHECK(narrow.message().find("province-wide") != std::string::npos);
}

// The fraud cases of the whole province, as province-wide staff see them.
int64_t CaseCount(Fixture& f, const std::string& region) {
  v1::ListFraudCasesRequest request;
  request.set_region_code(region);
  v1::ListFraudCasesResponse response;
  absl::Status listed = f.Call("*", &Stub::ListFraudCases, request, &response);
  INFO(listed.ToString());
  REQUIRE(listed.ok());
  return response.total_size();
}

TEST_CASE("an office opens fraud cases of its own office only", "[followup][security]") {
  Fixture f;
  v1::OpenFraudCaseResponse opened;
  // Its own office: opened, owned by the city.
  absl::Status own = f.Call(kNangang, &Stub::OpenFraudCase, OpenCase("o-own", "230103"), &opened);
  INFO(own.ToString());
  REQUIRE(own.ok());
  CHECK(opened.fraud_case().office_region_code() == "230103");
  CHECK(opened.fraud_case().city_code() == "230100");

  // Another office of the same city, and an office of its city by another city's staff: refused
  // before anything is written.
  CheckDenied(f.Call(kNangang, &Stub::OpenFraudCase, OpenCase("o-other", "230102"), &opened));
  CheckDenied(f.Call("2302", &Stub::OpenFraudCase, OpenCase("o-city", "230103"), &opened));
  CHECK(CaseCount(f, "230102") == 0);
  CHECK(CaseCount(f, "230100") == 1);
  // Bad input stays INVALID_ARGUMENT, whatever the office.
  v1::OpenFraudCaseRequest no_staff = OpenCase("o-bad", "230102");
  no_staff.set_staff_id("someone-else");  // not the caller: INVALID_ARGUMENT (NOT_CALLER)
  CHECK(f.Call(kNangang, &Stub::OpenFraudCase, no_staff, &opened).code() ==
        absl::StatusCode::kInvalidArgument);

  // A registration named by the case must be the caller's too; another district's and an unknown
  // one answer alike (no probing), and nothing is stored.
  v1::OpenFraudCaseRequest with_own = OpenCase("o-reg-own", "230103");
  with_own.set_registration_id(kOwn);
  REQUIRE(f.Call(kNangang, &Stub::OpenFraudCase, with_own, &opened).ok());
  CHECK(opened.fraud_case().registration_id() == kOwn);
  v1::OpenFraudCaseRequest with_other = OpenCase("o-reg-other", "230103");
  with_other.set_registration_id(kOther);
  v1::OpenFraudCaseRequest with_unknown = OpenCase("o-reg-unknown", "230103");
  with_unknown.set_registration_id("hlj-r-404");
  absl::Status other = f.Call(kNangang, &Stub::OpenFraudCase, with_other, &opened);
  absl::Status unknown = f.Call(kNangang, &Stub::OpenFraudCase, with_unknown, &opened);
  CheckDenied(other);
  CheckDenied(unknown);
  CHECK(other.ToString() == unknown.ToString());
  CHECK(CaseCount(f, "230100") == 2);

  // The city bureau opens cases for any of its districts, including about their registrations.
  v1::OpenFraudCaseRequest city = OpenCase("o-city-2", "230102");
  city.set_registration_id(kOther);
  REQUIRE(f.Call("2301", &Stub::OpenFraudCase, city, &opened).ok());
  CHECK(opened.fraud_case().office_region_code() == "230102");
  // Province-wide staff: unaffected; an unknown registration is NOT_FOUND for them.
  CHECK(f.Call("*", &Stub::OpenFraudCase, with_unknown, &opened).code() ==
        absl::StatusCode::kNotFound);
  CHECK(CaseCount(f, "230100") == 3);
}

TEST_CASE("a city bureau submits its own city's monthly fraud report; a district does not",
          "[followup][security]") {
  Fixture f;
  auto submit = [&f](const std::string& region, const std::string& city,
                     const std::string& request_id, v1::SubmitMonthlyFraudReportResponse* r) {
    v1::SubmitMonthlyFraudReportRequest request;
    request.set_request_id(request_id);
    request.set_city_code(city);
    request.set_month("2025-02");
    return f.Call(region, &Stub::SubmitMonthlyFraudReport, request, r);
  };
  auto state = [&f](const std::string& city) {
    v1::GetMonthlyFraudReportRequest request;
    request.set_city_code(city);
    request.set_month("2025-02");
    v1::GetMonthlyFraudReportResponse response;
    absl::Status got = f.Call("*", &Stub::GetMonthlyFraudReport, request, &response);
    INFO(got.ToString());
    REQUIRE(got.ok());
    return response.report().state();
  };
  v1::SubmitMonthlyFraudReportResponse submitted;
  // A district of the city (its scope does not cover the city) and another city's bureau.
  CheckDenied(submit(kNangang, "230100", "m-district", &submitted));
  CheckDenied(submit("2302", "230100", "m-other-city", &submitted));
  // Nothing was stored: still pending.
  CHECK(state("230100") == v1::REPORT_SUBMISSION_STATE_PENDING);
  // The city's own bureau.
  absl::Status own = submit("2301", "230100", "m-city", &submitted);
  INFO(own.ToString());
  REQUIRE(own.ok());
  CHECK(submitted.report().city_code() == "230100");
  CHECK(submitted.report().state() == v1::REPORT_SUBMISSION_STATE_ON_TIME);
  CHECK(state("230100") == v1::REPORT_SUBMISSION_STATE_ON_TIME);
  // It may not submit another city's, which stays pending; the province may.
  CheckDenied(submit("2301", "230200", "m-qiqihar", &submitted));
  CHECK(state("230200") == v1::REPORT_SUBMISSION_STATE_PENDING);
  REQUIRE(submit("*", "230200", "m-province", &submitted).ok());
  CHECK(submitted.report().city_code() == "230200");
}

}  // namespace
}  // namespace unemployment::followup
