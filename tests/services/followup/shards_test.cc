// Several registration shards: one feed consumer per shard with its own cursor through a restart,
// the one-shard cursor kept by an upgrade, and calls about a registration routed to its shard.
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "absl/synchronization/notification.h"
#include "catch2/catch.hpp"
#include "common/status/status_util.h"
#include "services/followup/registration_client.h"
#include "tests/services/followup/test_util.h"

namespace unemployment::followup {
namespace {

using testing::FakeRegistration;
using testing::MakeRegistration;

std::unique_ptr<feed::RegistrationFeedConsumer> ShardConsumer(FollowupStore& store,
                                                              const FakeRegistration& registration,
                                                              const std::string& shard_id) {
  feed::RegistrationFeedConsumer::Options options;
  options.shard_id = shard_id;
  options.initial_backoff = absl::Milliseconds(20);
  options.max_backoff = absl::Milliseconds(200);
  return MakeRegistrationFeedConsumer(
      store, grpc::CreateChannel(registration.address(), grpc::InsecureChannelCredentials()),
      options, log::Logger("test.feed." + shard_id));
}

// Adds RegistrationCreated for "<shard>-<n>" for n in [first, last].
void AddRegistrations(FakeRegistration& registration, const std::string& shard, int first,
                      int last) {
  for (int n = first; n <= last; ++n) {
    registration.service().AddCreated(MakeRegistration(absl::StrCat(shard, "-", n),
                                                       absl::StrCat("人", n), "230103",
                                                       absl::StrFormat("2025-04-%02d", n)));
  }
}

TEST_CASE(
    "two registration shards feed one follow-up; a restart mid-feed repeats and loses "
    "nothing",
    "[followup][feed][shards]") {
  FakeRegistration hlj, hrb;
  hrb.service().set_shard_id("hrb");
  const std::string dir = testing::TempDir();
  AddRegistrations(hlj, "hlj", 1, 3);
  AddRegistrations(hrb, "hrb", 1, 2);
  {
    auto store = SqliteFollowupStore::Open(dir + "/followup.db");
    REQUIRE(store.ok());
    auto a = ShardConsumer(**store, hlj, "hlj");
    auto b = ShardConsumer(**store, hrb, "hrb");
    a->Start();
    b->Start();
    REQUIRE(a->WaitForCursor(3, absl::Seconds(10)));
    REQUIRE(b->WaitForCursor(2, absl::Seconds(10)));
    a->Stop();
    b->Stop();
    CHECK(*(*store)->GetCursor("registration/hlj") == 3);
    CHECK(*(*store)->GetCursor("registration/hrb") == 2);
    CHECK(*(*store)->GetCursor("registration") == 0);
    (*store)->Shutdown();
  }
  // While follow-up is down both feeds go on; hlj-1 ends.
  AddRegistrations(hlj, "hlj", 4, 5);
  hlj.service().AddDeregistered("hlj-1", common::v1::DEREGISTRATION_REASON_HIRED, "2025-05-01");
  AddRegistrations(hrb, "hrb", 3, 4);
  auto store = SqliteFollowupStore::Open(dir + "/followup.db");
  REQUIRE(store.ok());
  auto a = ShardConsumer(**store, hlj, "hlj");
  auto b = ShardConsumer(**store, hrb, "hrb");
  a->Start();
  b->Start();
  REQUIRE(a->WaitForCursor(6, absl::Seconds(10)));
  REQUIRE(b->WaitForCursor(4, absl::Seconds(10)));
  a->Stop();
  b->Stop();
  // Each consumer asked its own shard for the events after that shard's cursor.
  CHECK(hlj.service().stream_starts().back() == 3);
  CHECK(hrb.service().stream_starts().back() == 2);
  CHECK(*(*store)->GetCursor("registration/hlj") == 6);
  CHECK(*(*store)->GetCursor("registration/hrb") == 4);
  for (const std::string id :
       {"hlj-1", "hlj-2", "hlj-3", "hlj-4", "hlj-5", "hrb-1", "hrb-2", "hrb-3", "hrb-4"}) {
    auto record = (*store)->GetRegistration(id);
    REQUIRE(record.ok());
    CHECK(record->has_value());
  }
  // hlj-1 stays ended: its RegistrationCreated was not applied again after the restart.
  CHECK((*(*store)->GetRegistration("hlj-1"))->end_date == "2025-05-01");
  (*store)->Shutdown();
}

TEST_CASE("the one-shard cursor of an older database is the default shard's",
          "[followup][feed][shards]") {
  const std::string dir = testing::TempDir();
  auto store = SqliteFollowupStore::Open(dir + "/followup.db");
  REQUIRE(store.ok());
  // As a one-shard follow-up left it: events 1 and 2 applied under the old key.
  REQUIRE((*store)
              ->WriteAndWait([](FollowupTransaction& tx) {
                return tx.SetCursor(std::string(kRegistrationFeed), 2);
              })
              .ok());
  auto event = [](int64_t sequence, const std::string& id) {
    registration::v1::Event e;
    e.set_sequence(sequence);
    e.set_shard_id("hlj");
    *e.mutable_registration_created()->mutable_registration() =
        MakeRegistration(id, "甲", "230103", "2025-03-10");
    return e;
  };
  auto apply = [&](const registration::v1::Event& e) {
    return (*store)->WriteAndWait(
        [&e](FollowupTransaction& tx) { return ApplyRegistrationEvent(tx, e, "hlj"); });
  };
  REQUIRE(apply(event(2, "hlj-2")).ok());  // already applied: skipped
  REQUIRE(apply(event(3, "hlj-3")).ok());
  CHECK_FALSE((*(*store)->GetRegistration("hlj-2")).has_value());
  CHECK((*(*store)->GetRegistration("hlj-3")).has_value());
  CHECK(*(*store)->GetCursor("registration/hlj") == 3);
  // Another shard never reads the old key.
  auto other = ShardCursor([&](const std::string& key) { return (*store)->GetCursor(key); }, "hrb");
  REQUIRE(other.ok());
  CHECK(*other == 0);
  (*store)->Shutdown();
}

absl::StatusOr<registration::v1::DeregisterResponse> DeregisterThrough(
    RegistrationClient& client, const std::string& registration_id) {
  registration::v1::DeregisterRequest request;
  request.set_registration_id(registration_id);
  request.set_request_id(absl::StrCat("d-", registration_id));
  request.set_reason(common::v1::DEREGISTRATION_REASON_HIRED);
  request.set_effective_date("2025-06-01");
  absl::Notification done;
  absl::StatusOr<registration::v1::DeregisterResponse> result;
  client.Deregister(request, absl::Now() + absl::Seconds(10),
                    [&](absl::StatusOr<registration::v1::DeregisterResponse> answer) {
                      result = std::move(answer);
                      done.Notify();
                    });
  done.WaitForNotification();
  return result;
}

TEST_CASE("calls about a registration go to the shard it was learnt from", "[followup][shards]") {
  FakeRegistration hlj, hrb;
  hrb.service().set_shard_id("hrb");
  AddRegistrations(hlj, "hlj", 1, 1);
  AddRegistrations(hrb, "hrb", 1, 1);
  GrpcRegistrationClient to_hlj(
      grpc::CreateChannel(hlj.address(), grpc::InsecureChannelCredentials()), absl::Seconds(5));
  GrpcRegistrationClient to_hrb(
      grpc::CreateChannel(hrb.address(), grpc::InsecureChannelCredentials()), absl::Seconds(5));
  ShardedRegistrationClient client({{"hlj", &to_hlj}, {"hrb", &to_hrb}});

  REQUIRE(DeregisterThrough(client, "hrb-1").ok());
  REQUIRE(DeregisterThrough(client, "hlj-1").ok());
  REQUIRE(hlj.service().deregister_calls().size() == 1);
  REQUIRE(hrb.service().deregister_calls().size() == 1);
  CHECK(hlj.service().deregister_calls()[0].registration_id() == "hlj-1");
  CHECK(hrb.service().deregister_calls()[0].registration_id() == "hrb-1");

  // No configured shard owns it: refused without a call.
  absl::StatusOr<registration::v1::DeregisterResponse> unknown = DeregisterThrough(client, "sh-1");
  CHECK(unknown.status().code() == absl::StatusCode::kFailedPrecondition);
  CHECK(status::GetErrorInfo(unknown.status())->reason() == "REGISTRATION_SHARD_UNKNOWN");
  CHECK(hlj.service().deregister_calls().size() + hrb.service().deregister_calls().size() == 2);

  // One shard: every call goes to it, whatever the id looks like.
  ShardedRegistrationClient single({{"hlj", &to_hlj}});
  CHECK(*single.ShardOf("hrb-1") == "hlj");
  CHECK(client.ShardOf("hlj") == nullptr);
}

}  // namespace
}  // namespace unemployment::followup
