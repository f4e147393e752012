#include "common/feed/event_notifier.h"

#include <catch2/catch.hpp>
#include <vector>

#include "common/feed/event_stream.h"
#include "common/status/status_util.h"

namespace unemployment::feed {
namespace {

TEST_CASE("Subscribe waits only while nothing newer than the cursor is committed", "[feed]") {
  EventNotifier notifier(5);
  CHECK(notifier.last_sequence() == 5);
  int woken = 0;
  // Sequence 5 is already committed: a stream at 4 reads on instead of waiting.
  CHECK_FALSE(notifier.Subscribe(4, [&] { ++woken; }));
  CHECK(notifier.Subscribe(5, [&] { ++woken; }));
  CHECK(notifier.Subscribe(5, [&] { ++woken; }));
  CHECK(woken == 0);
  notifier.Publish(6);
  CHECK(woken == 2);
  // One-shot: a second commit wakes nobody.
  notifier.Publish(7);
  CHECK(woken == 2);
  CHECK(notifier.last_sequence() == 7);
}

TEST_CASE("Publish never moves the last sequence back", "[feed]") {
  EventNotifier notifier(10);
  int woken = 0;
  CHECK(notifier.Subscribe(10, [&] { ++woken; }));
  notifier.Publish(3);  // a late report of an older commit still wakes (the waiter re-reads)
  CHECK(woken == 1);
  CHECK(notifier.last_sequence() == 10);
  CHECK(notifier.Subscribe(10, [&] { ++woken; }));
}

TEST_CASE("Shutdown wakes every waiter and refuses later ones", "[feed]") {
  EventNotifier notifier(0);
  std::vector<int> woken;
  CHECK(notifier.Subscribe(0, [&] { woken.push_back(1); }));
  CHECK(notifier.Subscribe(0, [&] { woken.push_back(2); }));
  CHECK_FALSE(notifier.shut_down());
  notifier.Shutdown();
  CHECK(woken == std::vector<int>{1, 2});
  CHECK(notifier.shut_down());
  CHECK_FALSE(notifier.Subscribe(0, [&] { woken.push_back(3); }));
  notifier.Shutdown();  // idempotent
  CHECK(woken.size() == 2);
}

TEST_CASE("A waiter may subscribe again from inside its wake-up", "[feed]") {
  // Streams re-register from the callback (Drive -> Step -> Subscribe): the notifier's lock must
  // not be held while callbacks run.
  EventNotifier notifier(0);
  int rounds = 0;
  std::function<void()> wake = [&] {
    ++rounds;
    notifier.Subscribe(notifier.last_sequence(), wake);
  };
  REQUIRE(notifier.Subscribe(0, wake));
  notifier.Publish(1);
  notifier.Publish(2);
  CHECK(rounds == 2);
}

TEST_CASE("CheckCursor refuses a cursor beyond the feed with CURSOR_AHEAD_OF_FEED", "[feed]") {
  CHECK(CheckCursor(0, 0).ok());
  CHECK(CheckCursor(7, 7).ok());
  const absl::Status ahead = CheckCursor(8, 7);
  CHECK(ahead.code() == absl::StatusCode::kOutOfRange);
  const grpc::Status wire = status::ToGrpcStatus(ahead);
  CHECK(wire.error_code() == grpc::StatusCode::OUT_OF_RANGE);
  CHECK(wire.error_details().find("CURSOR_AHEAD_OF_FEED") != std::string::npos);
}

}  // namespace
}  // namespace unemployment::feed
