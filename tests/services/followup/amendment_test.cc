// Amending follow-ups ("one person, one record", point 3) through the gRPC service on port 0: a
// follow-up recorded by mistake is corrected or withdrawn by an explicit amendment with a reason;
// the original stays in the follow-up's amendments, the due list and coverage follow the amended
// values (a withdrawn follow-up uncovers its month), a pending candidate it proposed is withdrawn,
// an event goes on the feed, the call is idempotent, and refused calls write nothing.
#include <string>
#include <vector>

#include "catch2/catch.hpp"
#include "google/protobuf/util/time_util.h"
#include "grpcpp/client_context.h"
#include "services/followup/followup_manager.h"
#include "tests/services/followup/test_util.h"

namespace unemployment::followup {
namespace {

using google::protobuf::util::TimeUtil;
using testing::Call;
using testing::FakeRegistration;
using testing::FollowupStack;
using testing::MakeRegistration;
using testing::Reason;
using testing::Violations;
using Stub = v1::FollowupService::Stub;
using Strings = std::vector<std::string>;

v1::RecordFollowUpRequest Record(
    const std::string& request_id, const std::string& registration, const std::string& date,
    v1::FollowUpOutcome outcome = v1::FOLLOW_UP_OUTCOME_STILL_UNEMPLOYED,
    const std::string& employer = "") {
  v1::RecordFollowUpRequest request;
  request.set_request_id(request_id);
  v1::FollowUp* f = request.mutable_follow_up();
  f->set_registration_id(registration);
  f->set_method(v1::FOLLOW_UP_METHOD_PHONE_SURVEY);
  f->set_contact_date(date);
  f->set_staff_id("staff-7");
  f->set_outcome(outcome);
  f->set_employer_name(employer);
  return request;
}

v1::AmendFollowUpRequest Correct(const std::string& request_id, const std::string& follow_up_id,
                                 v1::FollowUpMethod method, const std::string& date,
                                 v1::FollowUpOutcome outcome) {
  v1::AmendFollowUpRequest request;
  request.set_request_id(request_id);
  request.set_follow_up_id(follow_up_id);
  request.set_amendment_reason("联系方式录错：实为上门走访");
  request.set_actor("staff-8");
  v1::FollowUp* f = request.mutable_corrected();
  f->set_method(method);
  f->set_contact_date(date);
  f->set_outcome(outcome);
  return request;
}

v1::AmendFollowUpRequest Withdraw(const std::string& request_id, const std::string& follow_up_id) {
  v1::AmendFollowUpRequest request;
  request.set_request_id(request_id);
  request.set_follow_up_id(follow_up_id);
  request.set_amendment_reason("误录：记到了另一人名下");
  request.set_actor("staff-8");
  request.set_withdraw(true);
  return request;
}

Strings DueIds(Stub& stub, const std::string& region, const std::string& month) {
  v1::ListDueFollowUpsRequest request;
  request.set_region_code(region);
  request.set_month(month);
  v1::ListDueFollowUpsResponse response;
  REQUIRE(Call(stub, &Stub::ListDueFollowUps, request, &response).ok());
  Strings out;
  for (const v1::DueFollowUp& due : response.due()) out.push_back(due.registration_id());
  return out;
}

v1::GetFollowUpCoverageResponse Coverage(Stub& stub, const std::string& month) {
  v1::GetFollowUpCoverageRequest request;
  request.set_region_code("230103");
  request.set_month(month);
  v1::GetFollowUpCoverageResponse response;
  REQUIRE(Call(stub, &Stub::GetFollowUpCoverage, request, &response).ok());
  return response;
}

std::vector<v1::FollowUp> Listed(Stub& stub, const std::string& registration) {
  v1::ListFollowUpsRequest request;
  request.set_registration_id(registration);
  v1::ListFollowUpsResponse response;
  REQUIRE(Call(stub, &Stub::ListFollowUps, request, &response).ok());
  return {response.follow_ups().begin(), response.follow_ups().end()};
}

TEST_CASE("a corrected follow-up keeps the original; a withdrawn one uncovers its month",
          "[followup][amendment]") {
  FakeRegistration registration;
  auto& fake = registration.service();
  fake.AddCreated(MakeRegistration("hlj-1", "甲", "230103", "2025-03-10"));
  const int64_t last = fake.AddCreated(MakeRegistration("hlj-2", "乙", "230103", "2025-04-01"));
  FollowupStack stack(testing::TempDir(), registration.address(), testing::ChinaNoon(2025, 6, 20));
  REQUIRE(stack.SyncTo(last));
  Stub& stub = stack.stub();
  v1::RecordFollowUpResponse recorded;
  REQUIRE(Call(stub, &Stub::RecordFollowUp, Record("r1", "hlj-1", "2025-06-05"), &recorded).ok());
  const std::string first = recorded.follow_up().follow_up_id();
  REQUIRE(Call(stub, &Stub::RecordFollowUp, Record("r2", "hlj-2", "2025-06-06"), &recorded).ok());
  const std::string second = recorded.follow_up().follow_up_id();
  CHECK(DueIds(stub, "230100", "2025-06").empty());
  CHECK(Coverage(stub, "2025-06").covered_count() == 2);
  const absl::Time recorded_at = stack.clock().Now();
  stack.clock().Advance(absl::Hours(1));

  // A wrong method and date, corrected: June stays covered, by a field visit now.
  v1::AmendFollowUpResponse amended;
  absl::Status status = Call(stub, &Stub::AmendFollowUp,
                             Correct("a1", first, v1::FOLLOW_UP_METHOD_FIELD_VISIT, "2025-06-07",
                                     v1::FOLLOW_UP_OUTCOME_STILL_UNEMPLOYED),
                             &amended);
  INFO(status.ToString());
  REQUIRE(status.ok());
  const v1::FollowUp& f = amended.follow_up();
  CHECK(f.follow_up_id() == first);
  CHECK(f.registration_id() == "hlj-1");
  CHECK(f.staff_id() == "staff-7");
  CHECK(f.method() == v1::FOLLOW_UP_METHOD_FIELD_VISIT);
  CHECK(f.contact_date() == "2025-06-07");
  CHECK_FALSE(f.withdrawn());
  CHECK(TimeUtil::TimestampToMicroseconds(f.recorded_at()) == absl::ToUnixMicros(recorded_at));
  REQUIRE(f.amendments_size() == 1);
  CHECK(f.amendments(0).request_id() == "a1");
  CHECK(f.amendments(0).actor() == "staff-8");
  CHECK(f.amendments(0).amendment_reason() == "联系方式录错：实为上门走访");
  CHECK(TimeUtil::TimestampToMicroseconds(f.amendments(0).recorded_at()) ==
        absl::ToUnixMicros(stack.clock().Now()));
  CHECK(f.amendments(0).previous().method() == v1::FOLLOW_UP_METHOD_PHONE_SURVEY);
  CHECK(f.amendments(0).previous().contact_date() == "2025-06-05");
  CHECK(f.amendments(0).previous().staff_id() == "staff-7");
  v1::GetFollowUpCoverageResponse coverage = Coverage(stub, "2025-06");
  CHECK(coverage.covered_count() == 2);

  // Idempotent: the same request answers the same; other content under its id is refused.
  v1::AmendFollowUpResponse again;
  REQUIRE(Call(stub, &Stub::AmendFollowUp,
               Correct("a1", first, v1::FOLLOW_UP_METHOD_FIELD_VISIT, "2025-06-07",
                       v1::FOLLOW_UP_OUTCOME_STILL_UNEMPLOYED),
               &again)
              .ok());
  CHECK(again.follow_up().SerializeAsString() == amended.follow_up().SerializeAsString());
  status = Call(stub, &Stub::AmendFollowUp,
                Correct("a1", first, v1::FOLLOW_UP_METHOD_FIELD_VISIT, "2025-06-08",
                        v1::FOLLOW_UP_OUTCOME_STILL_UNEMPLOYED),
                &again);
  CHECK(status.code() == absl::StatusCode::kAlreadyExists);
  CHECK(Reason(status) == "REQUEST_ID_REUSED");

  // Moved out of June by a correction: June uncovered for hlj-1.
  REQUIRE(Call(stub, &Stub::AmendFollowUp,
               Correct("a2", first, v1::FOLLOW_UP_METHOD_FIELD_VISIT, "2025-05-30",
                       v1::FOLLOW_UP_OUTCOME_STILL_UNEMPLOYED),
               &amended)
              .ok());
  REQUIRE(amended.follow_up().amendments_size() == 2);
  CHECK(amended.follow_up().amendments(1).previous().contact_date() == "2025-06-07");
  CHECK(DueIds(stub, "230100", "2025-06") == Strings{"hlj-1"});
  CHECK(DueIds(stub, "230100", "2025-05") == Strings{"hlj-2"});

  // Withdrawn: hlj-2's June is uncovered too; the follow-up stays listed.
  REQUIRE(Call(stub, &Stub::AmendFollowUp, Withdraw("w1", second), &amended).ok());
  CHECK(amended.follow_up().withdrawn());
  CHECK(amended.follow_up().amendments(0).withdrawn());
  CHECK(DueIds(stub, "230100", "2025-06") == Strings{"hlj-1", "hlj-2"});
  coverage = Coverage(stub, "2025-06");
  CHECK(coverage.covered_count() == 0);
  std::vector<v1::FollowUp> listed = Listed(stub, "hlj-2");
  REQUIRE(listed.size() == 1);
  CHECK(listed[0].withdrawn());
  CHECK(listed[0].contact_date() == "2025-06-06");

  // A withdrawn follow-up is final; an unknown id is NOT_FOUND.
  status = Call(stub, &Stub::AmendFollowUp, Withdraw("w2", second), &amended);
  CHECK(status.code() == absl::StatusCode::kFailedPrecondition);
  CHECK(Reason(status) == "FOLLOW_UP_WITHDRAWN");
  status = Call(stub, &Stub::AmendFollowUp, Withdraw("w3", "fu-404"), &amended);
  CHECK(status.code() == absl::StatusCode::kNotFound);
  CHECK(Reason(status) == "FOLLOW_UP_NOT_FOUND");

  // Events: two recorded, three amended.
  absl::StatusOr<std::vector<v1::FollowupEvent>> events = stack.store().ReadEvents(0, 100);
  REQUIRE(events.ok());
  std::vector<v1::FollowUpAmended> amendments;
  for (const v1::FollowupEvent& e : *events) {
    if (e.has_follow_up_amended()) amendments.push_back(e.follow_up_amended());
  }
  REQUIRE(amendments.size() == 3);
  CHECK(amendments[0].follow_up_id() == first);
  CHECK(amendments[0].office_region_code() == "230103");
  CHECK(amendments[0].method() == v1::FOLLOW_UP_METHOD_FIELD_VISIT);
  CHECK(amendments[0].previous_method() == v1::FOLLOW_UP_METHOD_PHONE_SURVEY);
  CHECK(amendments[0].previous_contact_date() == "2025-06-05");
  CHECK(amendments[2].withdrawn());
}

TEST_CASE("amendments check the corrected follow-up, the candidate and the actor",
          "[followup][amendment]") {
  FakeRegistration registration;
  auto& fake = registration.service();
  const int64_t last = fake.AddCreated(MakeRegistration("hlj-1", "甲", "230103", "2025-03-10"));
  FollowupStack stack(testing::TempDir(), registration.address(), testing::ChinaNoon(2025, 6, 20));
  REQUIRE(stack.SyncTo(last));
  Stub& stub = stack.stub();
  v1::RecordFollowUpResponse recorded;
  REQUIRE(Call(stub, &Stub::RecordFollowUp,
               Record("r1", "hlj-1", "2025-06-05", v1::FOLLOW_UP_OUTCOME_EMPLOYED, "哈尔滨电机厂"),
               &recorded)
              .ok());
  const std::string employed = recorded.follow_up().follow_up_id();
  const std::string candidate_id = recorded.candidate().candidate_id();
  REQUIRE_FALSE(candidate_id.empty());
  REQUIRE(Call(stub, &Stub::RecordFollowUp, Record("r2", "hlj-1", "2025-06-06"), &recorded).ok());
  const std::string plain = recorded.follow_up().follow_up_id();
  absl::StatusOr<int64_t> events_before = stack.store().LastEventSequence();
  REQUIRE(events_before.ok());

  v1::AmendFollowUpResponse amended;
  SECTION("shape: every violation at once") {
    v1::AmendFollowUpRequest empty;
    absl::Status status = Call(stub, &Stub::AmendFollowUp, empty, &amended);
    CHECK(status.code() == absl::StatusCode::kInvalidArgument);
    CHECK(Violations(status) == Strings{"request_id REQUIRED", "follow_up_id REQUIRED",
                                        "amendment_reason REQUIRED", "actor REQUIRED",
                                        "corrected REQUIRED"});
    v1::AmendFollowUpRequest bad = Correct("a1", plain, v1::FOLLOW_UP_METHOD_SELF_REPORT,
                                           "2025-06-21", v1::FOLLOW_UP_OUTCOME_OTHER);
    bad.set_amendment_reason(std::string(501, 'x'));
    status = Call(stub, &Stub::AmendFollowUp, bad, &amended);
    CHECK(status.code() == absl::StatusCode::kInvalidArgument);
    CHECK(Violations(status) ==
          Strings{"amendment_reason TOO_LONG", "corrected.method CODE_NOT_ACCEPTED",
                  "corrected.contact_date DATE_IN_FUTURE", "corrected.notes REQUIRED"});
    bad.set_amendment_reason("x");
    bad.set_withdraw(true);
    status = Call(stub, &Stub::AmendFollowUp, bad, &amended);
    CHECK(Violations(status) == Strings{"corrected NOT_APPLICABLE"});
  }
  SECTION("a contact date before the registration") {
    absl::Status status = Call(stub, &Stub::AmendFollowUp,
                               Correct("a1", plain, v1::FOLLOW_UP_METHOD_FIELD_VISIT, "2025-03-09",
                                       v1::FOLLOW_UP_OUTCOME_STILL_UNEMPLOYED),
                               &amended);
    CHECK(status.code() == absl::StatusCode::kFailedPrecondition);
    CHECK(Reason(status) == "REGISTRATION_NOT_ACTIVE");
  }
  SECTION("a correction that would newly propose deregistration") {
    v1::AmendFollowUpRequest request = Correct("a1", plain, v1::FOLLOW_UP_METHOD_PHONE_SURVEY,
                                               "2025-06-06", v1::FOLLOW_UP_OUTCOME_EMPLOYED);
    request.mutable_corrected()->set_employer_name("哈尔滨电机厂");
    absl::Status status = Call(stub, &Stub::AmendFollowUp, request, &amended);
    CHECK(status.code() == absl::StatusCode::kFailedPrecondition);
    CHECK(Reason(status) == "FOLLOW_UP_NOT_AMENDABLE");
  }
  SECTION("someone else's name as actor") {
    v1::AmendFollowUpRequest request = Withdraw("a1", plain);
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    context.AddMetadata("x-ue-subject", "staff-9");
    absl::Status status = status::FromGrpcStatus(stub.AmendFollowUp(&context, request, &amended));
    CHECK(status.code() == absl::StatusCode::kInvalidArgument);
    CHECK(Reason(status) == "ACTOR_NOT_CALLER");
    CHECK(Violations(status) == Strings{"actor NOT_CALLER"});
  }
  SECTION("the employed outcome corrected: its pending candidate is withdrawn with it") {
    absl::Status status = Call(stub, &Stub::AmendFollowUp,
                               Correct("a1", employed, v1::FOLLOW_UP_METHOD_PHONE_SURVEY,
                                       "2025-06-05", v1::FOLLOW_UP_OUTCOME_STILL_UNEMPLOYED),
                               &amended);
    INFO(status.ToString());
    REQUIRE(status.ok());
    CHECK(amended.follow_up().candidate_id() == candidate_id);
    CHECK(amended.follow_up().amendments(0).withdrawn_candidate_id() == candidate_id);
    CHECK(amended.follow_up().amendments(0).previous().outcome() == v1::FOLLOW_UP_OUTCOME_EMPLOYED);
    absl::StatusOr<std::optional<v1::DeregistrationCandidate>> candidate =
        stack.store().GetCandidate(candidate_id);
    REQUIRE(candidate.ok());
    REQUIRE(candidate->has_value());
    CHECK((*candidate)->state() == v1::CANDIDATE_STATE_WITHDRAWN);
    return;
  }
  SECTION("an accepted candidate keeps its follow-up") {
    absl::Status written = stack.store().WriteAndWait([&](FollowupTransaction& tx) -> absl::Status {
      absl::StatusOr<std::optional<v1::DeregistrationCandidate>> candidate =
          tx.GetCandidate(candidate_id);
      if (!candidate.ok()) return candidate.status();
      (*candidate)->set_state(v1::CANDIDATE_STATE_ACCEPTED);
      return tx.PutCandidate(**candidate);
    });
    REQUIRE(written.ok());
    events_before = stack.store().LastEventSequence();
    absl::Status status = Call(stub, &Stub::AmendFollowUp, Withdraw("a1", employed), &amended);
    CHECK(status.code() == absl::StatusCode::kFailedPrecondition);
    CHECK(Reason(status) == "CANDIDATE_NOT_PENDING");
  }
  // Refused calls wrote nothing: no event, no amendment, the request id still free.
  CHECK(*stack.store().LastEventSequence() == *events_before);
  for (const v1::FollowUp& f : Listed(stub, "hlj-1")) CHECK(f.amendments_size() == 0);
  REQUIRE(Call(stub, &Stub::AmendFollowUp, Withdraw("a1", plain), &amended).ok());
}

}  // namespace
}  // namespace unemployment::followup
