#include "common/feed/event_notifier.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <thread>
#include <utility>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

#include "common/feed/event_stream.h"
#include "common/status/status_util.h"

namespace unemployment::feed {
namespace {

// Records the wake-ups (which run on the notifier's dispatcher thread) and lets the test wait
// for them.
class Woken {
 public:
  EventNotifier::Wake Wake(int tag) {
    return [this, tag] {
      absl::MutexLock lock(&mu_);
      tags_.push_back(tag);
      threads_.push_back(std::this_thread::get_id());
    };
  }
  // Waits (at most 10 s) until `count` wake-ups ran; returns their tags.
  std::vector<int> WaitFor(size_t count) {
    absl::MutexLock lock(&mu_);
    target_ = count;
    mu_.AwaitWithTimeout(absl::Condition(static_cast<const Woken*>(this), &Woken::Reached), absl::Seconds(10));
    return tags_;
  }
  // How many wake-ups ran (exact once the notifier is destroyed: its destructor joins).
  size_t count() {
    absl::MutexLock lock(&mu_);
    return tags_.size();
  }
  std::vector<std::thread::id> threads() {
    absl::MutexLock lock(&mu_);
    return threads_;
  }

 private:
  bool Reached() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return tags_.size() >= target_; }

  absl::Mutex mu_;
  std::vector<int> tags_ ABSL_GUARDED_BY(mu_);
  std::vector<std::thread::id> threads_ ABSL_GUARDED_BY(mu_);
  size_t target_ ABSL_GUARDED_BY(mu_) = 0;
};

TEST_CASE("Wake-ups run on the dispatcher thread, never on the publishing thread", "[feed]") {
  EventNotifier notifier(5);
  CHECK(notifier.last_sequence() == 5);
  Woken woken;
  CHECK(notifier.Subscribe(5, woken.Wake(1)) != 0);
  CHECK(notifier.Subscribe(5, woken.Wake(2)) != 0);
  // The store's group-commit writer publishes: Publish only records and signals.
  notifier.Publish(6);
  std::vector<int> tags = woken.WaitFor(2);
  std::sort(tags.begin(), tags.end());
  CHECK(tags == std::vector<int>{1, 2});
  for (std::thread::id thread : woken.threads()) CHECK(thread != std::this_thread::get_id());
  CHECK(notifier.last_sequence() == 6);
}

TEST_CASE("A subscription already behind the feed is woken at once; each only once", "[feed]") {
  Woken woken;
  {
    EventNotifier notifier(5);
    // Sequence 5 is committed: a stream at 4 is woken without a new commit.
    CHECK(notifier.Subscribe(4, woken.Wake(1)) != 0);
    CHECK(woken.WaitFor(1) == std::vector<int>{1});
    // One-shot: a waiter at 5 is woken by 6, and 7 wakes nobody more.
    CHECK(notifier.Subscribe(5, woken.Wake(2)) != 0);
    notifier.Publish(6);
    CHECK(woken.WaitFor(2) == std::vector<int>{1, 2});
    notifier.Publish(7);
  }
  CHECK(woken.count() == 2);
}

TEST_CASE("Publish never moves the last sequence back", "[feed]") {
  Woken woken;
  EventNotifier notifier(10);
  notifier.Publish(3);
  CHECK(notifier.last_sequence() == 10);
  CHECK(notifier.Subscribe(10, woken.Wake(1)) != 0);
  notifier.Publish(11);
  CHECK(woken.WaitFor(1) == std::vector<int>{1});
  CHECK(notifier.last_sequence() == 11);
}

TEST_CASE("A cancelled subscription is never woken", "[feed]") {
  Woken woken;
  {
    EventNotifier notifier(0);
    uint64_t cancelled = notifier.Subscribe(0, woken.Wake(1));
    REQUIRE(cancelled != 0);
    CHECK(notifier.Subscribe(0, woken.Wake(2)) != 0);
    CHECK(notifier.Cancel(cancelled));
    CHECK_FALSE(notifier.Cancel(cancelled));
    notifier.Publish(1);
    CHECK(woken.WaitFor(1) == std::vector<int>{2});
    notifier.Shutdown();
  }
  CHECK(woken.count() == 1);
}

TEST_CASE("Shutdown wakes every waiter and refuses later ones", "[feed]") {
  Woken woken;
  {
    EventNotifier notifier(0);
    for (int tag = 1; tag <= 3; ++tag) CHECK(notifier.Subscribe(0, woken.Wake(tag)) != 0);
    CHECK_FALSE(notifier.shut_down());
    notifier.Shutdown();
    std::vector<int> tags = woken.WaitFor(3);
    std::sort(tags.begin(), tags.end());
    CHECK(tags == std::vector<int>{1, 2, 3});
    CHECK(notifier.shut_down());
    CHECK(notifier.Subscribe(0, woken.Wake(4)) == 0);
    notifier.Shutdown();  // idempotent
  }
  CHECK(woken.count() == 3);
  for (std::thread::id thread : woken.threads()) CHECK(thread != std::this_thread::get_id());
}

TEST_CASE("The destructor wakes the waiters left and joins the dispatcher", "[feed]") {
  Woken woken;
  {
    EventNotifier notifier(0);
    CHECK(notifier.Subscribe(0, woken.Wake(1)) != 0);
    CHECK(notifier.Subscribe(0, woken.Wake(2)) != 0);
  }
  // Joined: both ran before the destructor returned.
  CHECK(woken.threads().size() == 2);
}

TEST_CASE("A waiter may subscribe again from inside its wake-up", "[feed]") {
  // Streams re-register from the callback (Drive -> Step -> Subscribe): the notifier's lock must
  // not be held while callbacks run.
  Woken woken;
  EventNotifier notifier(0);
  int64_t after = 0;  // touched only by the dispatcher once subscribed
  std::function<void()> wake = [&] {
    woken.Wake(0)();
    notifier.Subscribe(++after, wake);
  };
  REQUIRE(notifier.Subscribe(0, wake) != 0);
  notifier.Publish(1);
  woken.WaitFor(1);
  notifier.Publish(2);
  CHECK(woken.WaitFor(2).size() == 2);
  // Even if 3 is published before the wake-up re-registers at 2, that registration is woken.
  notifier.Publish(3);
  CHECK(woken.WaitFor(3).size() == 3);
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
