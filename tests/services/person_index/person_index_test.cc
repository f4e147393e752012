// The person index's domain: reservations, one claim per person across shards, release by the
// shards' events, fencing of stale reservations, a crash between reserving and creating.

#include <catch2/catch.hpp>
#include <thread>
#include <vector>

#include "tests/services/person_index/test_util.h"

namespace unemployment::person_index {
namespace {

using testing::IndexFixture;
using testing::ReasonOf;
using testing::Request;
namespace reg = registration::v1;

constexpr char kAnna[] = "230103198001010014";
constexpr char kBo[] = "230202198001010022";

TEST_CASE_METHOD(IndexFixture, "a reservation is made once; the same id finds it again",
                 "[person_index]") {
  absl::StatusOr<v1::ReserveResponse> first = Reserve(Request("M-1", kAnna));
  REQUIRE(first.ok());
  CHECK(first->created());
  CHECK(first->reservation().shard() == "harbin");
  CHECK(first->reservation().application_id().empty());
  absl::StatusOr<v1::ReserveResponse> again = Reserve(Request("M-1", kAnna, "main"));
  REQUIRE(again.ok());
  CHECK_FALSE(again->created());
  CHECK(again->reservation().shard() == "harbin");  // repeats go where the first went
  REQUIRE(ClaimOf(kAnna).has_value());
  CHECK(ClaimOf(kAnna)->state == ClaimState::kReserved);
}

TEST_CASE_METHOD(IndexFixture, "the same id with another form is refused", "[person_index]") {
  REQUIRE(Reserve(Request("M-1", kAnna)).ok());
  REQUIRE(Complete("M-1", "harbin-app-1").ok());
  absl::StatusOr<v1::ReserveResponse> other = Reserve(Request("M-1", kAnna, "harbin", 'b'));
  REQUIRE(other.status().code() == absl::StatusCode::kAlreadyExists);
  CHECK(ReasonOf(other.status()) == "APPLICATION_ID_REUSED");
  CHECK(status::GetErrorInfo(other.status())->metadata().at("application_id") == "harbin-app-1");
}

TEST_CASE_METHOD(IndexFixture,
                 "one person, one undecided application in the province, whatever "
                 "the channel and shard",
                 "[person_index]") {
  REQUIRE(Reserve(Request("M-1", kAnna, "harbin")).ok());
  // Another id (the other channel, another city): refused while the first is only reserved...
  absl::StatusOr<v1::ReserveResponse> portal =
      Reserve(Request("230202-0001", kAnna, "main", 'c', common::v1::CHANNEL_PROVINCE_PORTAL));
  REQUIRE(portal.status().code() == absl::StatusCode::kFailedPrecondition);
  CHECK(ReasonOf(portal.status()) == "PENDING_APPLICATION_EXISTS");
  CHECK(status::GetErrorInfo(portal.status())->metadata().at("shard") == "harbin");
  // ...and once applied; nothing of the refused id is kept.
  REQUIRE(Complete("M-1", "harbin-app-1").ok());
  CHECK(ClaimOf(kAnna)->state == ClaimState::kApplied);
  portal = Reserve(Request("M-2", kAnna, "main", 'c'));
  CHECK(ReasonOf(portal.status()) == "PENDING_APPLICATION_EXISTS");
  CHECK(status::GetErrorInfo(portal.status())->metadata().at("application_id") == "harbin-app-1");
  CHECK(Get("M-2").status().code() == absl::StatusCode::kNotFound);
  // Another person is not affected.
  CHECK(Reserve(Request("M-3", kBo, "main")).ok());
}

TEST_CASE_METHOD(IndexFixture, "concurrent reservations of one person: exactly one wins",
                 "[person_index]") {
  std::vector<std::thread> threads;
  std::vector<absl::Status> results(16);
  for (int i = 0; i < 16; ++i) {
    threads.emplace_back([this, i, &results] {
      results[i] = Reserve(Request(absl::StrCat("M-", i), kAnna, i % 2 ? "harbin" : "main",
                                   static_cast<char>('a' + i % 6)))
                       .status();
    });
  }
  for (std::thread& t : threads) t.join();
  int ok = 0;
  for (const absl::Status& status : results) {
    if (status.ok()) {
      ++ok;
    } else {
      CHECK(ReasonOf(status) == "PENDING_APPLICATION_EXISTS");
    }
  }
  CHECK(ok == 1);
}

TEST_CASE_METHOD(IndexFixture, "the shards' events move and release claims", "[person_index]") {
  REQUIRE(Reserve(Request("M-1", kAnna, "harbin")).ok());
  reg::Application app = App("harbin-app-1", "M-1", kAnna);
  // The event may come before the gateway's Complete: the reservation learns the id from it.
  REQUIRE(Received("harbin", app).ok());
  CHECK(ClaimOf(kAnna)->state == ClaimState::kApplied);
  CHECK(Get("M-1")->application_id() == "harbin-app-1");
  REQUIRE(Complete("M-1", "harbin-app-1").ok());

  SECTION("a rejection frees the person") {
    REQUIRE(Decided("harbin", app, common::v1::REVIEW_OUTCOME_REJECTED).ok());
    CHECK_FALSE(ClaimOf(kAnna).has_value());
    CHECK(Reserve(Request("M-2", kAnna, "main", 'b')).ok());
    // The rejected application's id still answers (status look-up, idempotency).
    CHECK(Get("M-1")->application_id() == "harbin-app-1");
  }
  SECTION("an acceptance holds the person until the registration ends") {
    REQUIRE(Decided("harbin", app, common::v1::REVIEW_OUTCOME_ACCEPTED).ok());
    REQUIRE(Registered("harbin", "harbin-reg-1", "harbin-app-1", kAnna).ok());
    CHECK(ClaimOf(kAnna)->state == ClaimState::kRegistered);
    absl::StatusOr<v1::ReserveResponse> moved = Reserve(Request("M-2", kAnna, "main", 'b'));
    CHECK(ReasonOf(moved.status()) == "ACTIVE_REGISTRATION_EXISTS");
    CHECK(status::GetErrorInfo(moved.status())->metadata().at("registration_id") == "harbin-reg-1");
    // Another shard's events never release it.
    REQUIRE(Deregistered("main", "harbin-reg-1", "harbin-app-1", kAnna).ok());
    CHECK(ClaimOf(kAnna).has_value());
    REQUIRE(Deregistered("harbin", "harbin-reg-1", "harbin-app-1", kAnna).ok());
    CHECK_FALSE(ClaimOf(kAnna).has_value());
    CHECK(Reserve(Request("M-2", kAnna, "main", 'b')).ok());
  }
}

TEST_CASE_METHOD(IndexFixture, "events are applied once: a replay after a restart changes nothing",
                 "[person_index]") {
  reg::Application app = App("harbin-app-1", "M-1", kAnna);
  REQUIRE(Received("harbin", app).ok());
  REQUIRE(Decided("harbin", app, common::v1::REVIEW_OUTCOME_REJECTED).ok());
  CHECK_FALSE(ClaimOf(kAnna).has_value());
  Open();
  REQUIRE(*store->FeedCursor("registration/harbin") == 2);
  reg::Event replay;
  replay.set_sequence(1);
  *replay.mutable_application_received()->mutable_application() = app;
  REQUIRE(store->ApplyEvent("registration/harbin", "harbin", replay).ok());
  CHECK_FALSE(ClaimOf(kAnna).has_value());
}

TEST_CASE_METHOD(IndexFixture, "existing data builds the claims from sequence 0",
                 "[person_index]") {
  // Applications stored before the index existed (no reservation): the events make them.
  REQUIRE(Received("harbin", App("harbin-app-1", "M-1", kAnna)).ok());
  REQUIRE(Registered("harbin", "harbin-reg-1", "harbin-app-1", kAnna).ok());
  REQUIRE(Received("main", App("main-app-1", "M-9", kBo)).ok());
  CHECK(ClaimOf(kAnna)->state == ClaimState::kRegistered);
  CHECK(ClaimOf(kBo)->state == ClaimState::kApplied);
  CHECK(Get("M-9")->shard() == "main");
  CHECK(Get("M-9")->application_id() == "main-app-1");
  // An old duplicate in the data (the same person undecided in two shards) is recorded, not hidden.
  REQUIRE(Received("main", App("main-app-2", "M-10", kAnna)).ok());
  CHECK(*store->ConflictCount() == 1);
  CHECK(ClaimOf(kAnna)->shard == "harbin");
}

TEST_CASE_METHOD(IndexFixture, "a definitive refusal releases the reservation and the person",
                 "[person_index]") {
  REQUIRE(Reserve(Request("M-1", kAnna)).ok());
  CHECK_FALSE(*Release("M-1", 'z'));  // another form's fingerprint: nothing happens
  CHECK(*Release("M-1"));
  CHECK_FALSE(ClaimOf(kAnna).has_value());
  CHECK(Get("M-1").status().code() == absl::StatusCode::kNotFound);
  // A completed reservation is never released.
  REQUIRE(Reserve(Request("M-1", kAnna, "harbin", 'b')).ok());
  REQUIRE(Complete("M-1", "harbin-app-1").ok());
  CHECK_FALSE(*Release("M-1", 'b'));
  CHECK(ClaimOf(kAnna).has_value());
}

TEST_CASE_METHOD(IndexFixture, "a crash between reserving and creating: the retry proceeds",
                 "[person_index][crash]") {
  REQUIRE(Reserve(Request("M-1", kAnna)).ok());
  // The gateway died before CreateApplication; the index process restarts too.
  Open();
  absl::StatusOr<v1::ReserveResponse> retry = Reserve(Request("M-1", kAnna));
  REQUIRE(retry.ok());
  CHECK_FALSE(retry->created());
  CHECK(retry->reservation().application_id().empty());
  // Another application of the person within the lease is refused without asking the shard.
  CHECK(ReasonOf(Reserve(Request("M-2", kAnna, "main", 'b')).status()) ==
        "PENDING_APPLICATION_EXISTS");
  CHECK(fencer.calls() == 0);
}

TEST_CASE_METHOD(IndexFixture,
                 "a stale reservation is fenced at its shard before the person is "
                 "taken",
                 "[person_index][fence]") {
  REQUIRE(Reserve(Request("M-1", kAnna, "harbin")).ok());
  clock.Advance(absl::Minutes(6));

  SECTION("the shard fenced the id: the new application takes the person") {
    fencer.Answer(std::optional<reg::Application>());
    absl::StatusOr<v1::ReserveResponse> taken = Reserve(Request("M-2", kAnna, "main", 'b'));
    REQUIRE(taken.ok());
    CHECK(taken->created());
    CHECK(fencer.last() == "harbin/2/M-1");
    CHECK(ClaimOf(kAnna)->channel_application_id == "M-2");
    // The old id is gone from the index; its shard refuses to create it
    // (CHANNEL_APPLICATION_ID_FENCED).
    CHECK(Get("M-1").status().code() == absl::StatusCode::kNotFound);
  }
  SECTION("the application existed after all: it holds the person") {
    fencer.Answer(std::optional<reg::Application>(App("harbin-app-7", "M-1", kAnna)));
    absl::StatusOr<v1::ReserveResponse> refused = Reserve(Request("M-2", kAnna, "main", 'b'));
    REQUIRE(refused.status().code() == absl::StatusCode::kFailedPrecondition);
    CHECK(ReasonOf(refused.status()) == "PENDING_APPLICATION_EXISTS");
    CHECK(ClaimOf(kAnna)->state == ClaimState::kApplied);
    CHECK(Get("M-1")->application_id() == "harbin-app-7");
  }
  SECTION("the shard cannot be asked: UNAVAILABLE and nothing changes") {
    fencer.Answer(absl::UnavailableError("connection refused"));
    absl::StatusOr<v1::ReserveResponse> down = Reserve(Request("M-2", kAnna, "main", 'b'));
    REQUIRE(down.status().code() == absl::StatusCode::kUnavailable);
    CHECK(ReasonOf(down.status()) == "SHARD_UNAVAILABLE");
    CHECK(ClaimOf(kAnna)->channel_application_id == "M-1");
    CHECK(Get("M-1").ok());
  }
}

TEST_CASE("requests are validated with every violation", "[person_index]") {
  v1::ReserveRequest empty;
  absl::Status invalid = ValidateReserveRequest(empty);
  REQUIRE(invalid.code() == absl::StatusCode::kInvalidArgument);
  std::optional<google::rpc::BadRequest> bad = status::GetBadRequest(invalid);
  REQUIRE(bad.has_value());
  CHECK(bad->field_violations_size() == 6);
  CHECK(ValidateReserveRequest(Request("M-1", kAnna)).ok());
  v1::ReserveRequest hostile = Request("M-1; DROP TABLE", kAnna);
  hostile.set_shard("Harbin!");
  hostile.set_fingerprint("XYZ");
  CHECK(status::GetBadRequest(ValidateReserveRequest(hostile))->field_violations_size() == 3);
}

}  // namespace
}  // namespace unemployment::person_index
