#include <string>

#include "catch2/catch.hpp"
#include "tests/services/followup/test_util.h"

namespace unemployment::followup {
namespace {

using testing::FakeRegistration;
using testing::FollowupStack;
using testing::MakeRegistration;

TEST_CASE("the feed consumer keeps registrations and resumes from its cursor",
          "[followup][feed]") {
  FakeRegistration registration;
  auto& fake = registration.service();
  const std::string dir = testing::TempDir();
  const absl::Time now = testing::ChinaNoon(2025, 6, 20);

  fake.AddCreated(MakeRegistration("hlj-1", "甲", "230103", "2025-03-10"));
  fake.AddOther();
  fake.AddCreated(MakeRegistration("hlj-2", "乙", "230104", "2025-04-01"));
  {
    FollowupStack stack(dir, registration.address(), now);
    REQUIRE(stack.SyncTo(3));
    auto one = stack.store().GetRegistration("hlj-1");
    REQUIRE(one.ok());
    REQUIRE(one->has_value());
    CHECK((*one)->name == "甲");
    CHECK((*one)->office_region_code == "230103");
    CHECK((*one)->registered_date == "2025-03-10");
    CHECK((*one)->end_date.empty());
    CHECK(*stack.store().GetCursor("registration/hlj") == 3);

    // Events committed while the consumer runs arrive without a restart.
    fake.AddDeregistered("hlj-1", common::v1::DEREGISTRATION_REASON_HIRED, "2025-06-01");
    REQUIRE(stack.consumer().WaitForCursor(4, absl::Seconds(10)));
    auto ended = stack.store().GetRegistration("hlj-1");
    REQUIRE(ended.ok());
    CHECK((*ended)->end_date == "2025-06-01");
    CHECK((*ended)->end_reason == 11);
  }
  // While follow-up is down, more events are committed.
  fake.AddCreated(MakeRegistration("hlj-3", "丙", "230103", "2025-06-02"));
  fake.AddDeregistered("hlj-2", common::v1::DEREGISTRATION_REASON_DECEASED, "2025-06-03");
  {
    FollowupStack stack(dir, registration.address(), now);
    REQUIRE(stack.SyncTo(6));
    // The second consumer asked for the events after the stored cursor: nothing is re-read.
    const std::vector<int64_t> starts = fake.stream_starts();
    REQUIRE(starts.size() >= 2);
    CHECK(starts.front() == 0);
    CHECK(starts.back() == 4);
    auto three = stack.store().GetRegistration("hlj-3");
    REQUIRE(three.ok());
    CHECK(three->has_value());
    auto two = stack.store().GetRegistration("hlj-2");
    CHECK((*two)->end_date == "2025-06-03");
    // hlj-1 stays ended: the old RegistrationCreated event was not applied again.
    auto one = stack.store().GetRegistration("hlj-1");
    CHECK((*one)->end_date == "2025-06-01");
  }
}

TEST_CASE("an event at or below the cursor is not applied again", "[followup][feed]") {
  const std::string dir = testing::TempDir();
  auto store = SqliteFollowupStore::Open(dir + "/followup.db");
  REQUIRE(store.ok());
  registration::v1::Event created;
  created.set_sequence(1);
  *created.mutable_registration_created()->mutable_registration() =
      MakeRegistration("hlj-1", "甲", "230103", "2025-03-10");
  registration::v1::Event ended;
  ended.set_sequence(2);
  {
    registration::v1::Registration r = MakeRegistration("hlj-1", "甲", "230103", "2025-03-10");
    r.set_state(registration::v1::REGISTRATION_STATE_DEREGISTERED);
    r.mutable_deregistration()->set_effective_date("2025-05-01");
    r.mutable_deregistration()->set_reason(common::v1::DEREGISTRATION_REASON_DECEASED);
    *ended.mutable_registration_deregistered()->mutable_registration() = r;
  }
  auto apply = [&](const registration::v1::Event& event) {
    return (*store)->WriteAndWait(
        [&event](FollowupTransaction& tx) { return ApplyRegistrationEvent(tx, event); });
  };
  REQUIRE(apply(created).ok());
  REQUIRE(apply(ended).ok());
  REQUIRE(apply(created).ok());  // a repeat after a reconnect: skipped
  auto record = (*store)->GetRegistration("hlj-1");
  REQUIRE(record.ok());
  CHECK((*record)->end_date == "2025-05-01");
  CHECK(*(*store)->GetCursor("registration/hlj") == 2);
}

}  // namespace
}  // namespace unemployment::followup
