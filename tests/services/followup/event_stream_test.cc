// FollowupService.StreamEvents: replay after a sequence, stop_at_end, the live tail woken by
// commits, the cursor checks and the end of streams at shutdown.

#include <string>
#include <vector>

#include "catch2/catch.hpp"
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

v1::RecordFollowUpRequest PhoneSurvey(const std::string& request_id,
                                      const std::string& registration, const std::string& date) {
  v1::RecordFollowUpRequest request;
  request.set_request_id(request_id);
  v1::FollowUp* f = request.mutable_follow_up();
  f->set_registration_id(registration);
  f->set_method(v1::FOLLOW_UP_METHOD_PHONE_SURVEY);
  f->set_contact_date(date);
  f->set_staff_id("staff-7");
  f->set_outcome(v1::FOLLOW_UP_OUTCOME_STILL_UNEMPLOYED);
  return request;
}

using Read = testing::FeedRead;
using testing::ReadAll;

Strings FollowUpIds(const std::vector<v1::FollowupEvent>& events) {
  Strings out;
  for (const v1::FollowupEvent& e : events) out.push_back(e.follow_up_recorded().follow_up_id());
  return out;
}

TEST_CASE("the follow-up feed replays, tails new commits and ends at shutdown",
          "[followup][events]") {
  FakeRegistration registration;
  const int64_t last =
      registration.service().AddCreated(MakeRegistration("hlj-1", "甲", "230103", "2025-03-10"));
  FollowupStack stack(testing::TempDir(), registration.address(), testing::ChinaNoon(2025, 6, 20));
  REQUIRE(stack.SyncTo(last));
  Stub& stub = stack.stub();

  // Empty feed: stop_at_end ends at once; a cursor beyond it is refused.
  Read empty = ReadAll(stub, 0, true);
  CHECK(empty.status.ok());
  CHECK(empty.events.empty());
  Read ahead = ReadAll(stub, 1, true);
  CHECK(ahead.status.code() == absl::StatusCode::kOutOfRange);
  CHECK(Reason(ahead.status) == "CURSOR_AHEAD_OF_FEED");
  Read negative = ReadAll(stub, -1, true);
  CHECK(negative.status.code() == absl::StatusCode::kInvalidArgument);
  CHECK(Violations(negative.status) == Strings{"after_sequence OUT_OF_RANGE"});

  v1::RecordFollowUpResponse recorded;
  for (int i = 1; i <= 3; ++i) {
    REQUIRE(Call(stub, &Stub::RecordFollowUp,
                 PhoneSurvey(absl::StrCat("r", i), "hlj-1", absl::StrCat("2025-06-0", i)),
                 &recorded)
                .ok());
  }

  Read all = ReadAll(stub, 0, true);
  REQUIRE(all.status.ok());
  REQUIRE(all.events.size() == 3);
  CHECK(all.events[0].sequence() == 1);
  CHECK(all.events[2].sequence() == 3);
  CHECK(all.events[0].has_occurred_at());
  const v1::FollowUpRecorded& first = all.events[0].follow_up_recorded();
  CHECK(first.follow_up_id() == "fu-1");
  CHECK(first.registration_id() == "hlj-1");
  CHECK(first.office_region_code() == "230103");
  CHECK(first.method() == v1::FOLLOW_UP_METHOD_PHONE_SURVEY);
  CHECK(first.contact_date() == "2025-06-01");
  CHECK(first.outcome() == v1::FOLLOW_UP_OUTCOME_STILL_UNEMPLOYED);
  // Resumed after a cursor, as a restarted consumer does.
  CHECK(FollowUpIds(ReadAll(stub, 2, true).events) == Strings{"fu-3"});
  CHECK(ReadAll(stub, 3, true).events.empty());

  SECTION("a caught-up stream receives each new commit and ends UNAVAILABLE at shutdown") {
    v1::StreamEventsRequest request;
    request.set_after_sequence(3);
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
    auto reader = stub.StreamEvents(&context, request);
    // The stream is waiting (nothing after 3); a commit wakes it.
    REQUIRE(Call(stub, &Stub::RecordFollowUp, PhoneSurvey("r4", "hlj-1", "2025-06-10"), &recorded)
                .ok());
    v1::StreamEventsResponse response;
    REQUIRE(reader->Read(&response));
    CHECK(response.event().sequence() == 4);
    CHECK(response.event().follow_up_recorded().follow_up_id() == "fu-4");
    REQUIRE(Call(stub, &Stub::RecordFollowUp, PhoneSurvey("r5", "hlj-1", "2025-06-11"), &recorded)
                .ok());
    REQUIRE(reader->Read(&response));
    CHECK(response.event().sequence() == 5);

    // Shutdown begins (ServiceComponent::OnStopping closes the notifier).
    stack.notifier().Shutdown();
    CHECK_FALSE(reader->Read(&response));
    absl::Status status = status::FromGrpcStatus(reader->Finish());
    CHECK(status.code() == absl::StatusCode::kUnavailable);
    // New streams after that end at once too (after replaying nothing).
    Read late = ReadAll(stub, 5, false);
    CHECK(late.status.code() == absl::StatusCode::kUnavailable);
  }

  SECTION("a client that cancels a waiting stream ends it") {
    v1::StreamEventsRequest request;
    request.set_after_sequence(3);
    grpc::ClientContext context;
    auto reader = stub.StreamEvents(&context, request);
    context.TryCancel();
    v1::StreamEventsResponse response;
    CHECK_FALSE(reader->Read(&response));
    CHECK(reader->Finish().error_code() == grpc::StatusCode::CANCELLED);
    // The feed still serves others.
    CHECK(ReadAll(stub, 0, true).events.size() == 3);
  }

  SECTION("stop_at_end does not send what was committed after the call began") {
    // Open, then commit before reading: only the three stored at the start are sent.
    v1::StreamEventsRequest request;
    request.set_stop_at_end(true);
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    auto reader = stub.StreamEvents(&context, request);
    v1::StreamEventsResponse response;
    REQUIRE(reader->Read(&response));
    REQUIRE(Call(stub, &Stub::RecordFollowUp, PhoneSurvey("r6", "hlj-1", "2025-06-12"), &recorded)
                .ok());
    int count = 1;
    while (reader->Read(&response)) ++count;
    CHECK(reader->Finish().ok());
    CHECK(count == 3);
  }
}

TEST_CASE("the feed continues after a restart of the store", "[followup][events]") {
  FakeRegistration registration;
  const int64_t last =
      registration.service().AddCreated(MakeRegistration("hlj-1", "甲", "230103", "2025-03-10"));
  const std::string dir = testing::TempDir();
  {
    FollowupStack stack(dir, registration.address(), testing::ChinaNoon(2025, 6, 20));
    REQUIRE(stack.SyncTo(last));
    v1::RecordFollowUpResponse recorded;
    REQUIRE(Call(stack.stub(), &Stub::RecordFollowUp, PhoneSurvey("r1", "hlj-1", "2025-06-01"),
                 &recorded)
                .ok());
  }
  FollowupStack stack(dir, registration.address(), testing::ChinaNoon(2025, 6, 20));
  REQUIRE(stack.SyncTo(last));
  Stub& stub = stack.stub();
  CHECK(ReadAll(stub, 1, true).status.ok());  // the restarted notifier knows sequence 1
  v1::StreamEventsRequest request;
  request.set_after_sequence(1);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
  auto reader = stub.StreamEvents(&context, request);
  v1::RecordFollowUpResponse recorded;
  REQUIRE(
      Call(stub, &Stub::RecordFollowUp, PhoneSurvey("r2", "hlj-1", "2025-06-02"), &recorded).ok());
  v1::StreamEventsResponse response;
  REQUIRE(reader->Read(&response));
  CHECK(response.event().sequence() == 2);
  context.TryCancel();
}

}  // namespace
}  // namespace unemployment::followup
