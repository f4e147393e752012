// The commit observer (metrics) and the request id carried through group commit.
#include "common/store/commit_observer.h"

#include <catch2/catch.hpp>
#include <atomic>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "common/log/request_id.h"
#include "common/store/group_committer.h"
#include "common/store/transaction.h"
#include "tests/common/store/test_util.h"

namespace unemployment::store {
namespace {

class CountingObserver final : public CommitObserver {
 public:
  void OnCommit(absl::Duration latency, bool ok) override {
    absl::MutexLock lock(&mu_);
    ++commits;
    if (!ok) ++failures;
    if (latency < absl::ZeroDuration()) ++negative;
  }
  void OnBatch(int items) override {
    absl::MutexLock lock(&mu_);
    batches.push_back(items);
  }
  absl::Mutex mu_;
  int commits = 0;
  int failures = 0;
  int negative = 0;
  std::vector<int> batches;
};

TEST_CASE("commits and group-commit batches are reported to the connection's observer",
          "[store][metrics]") {
  testing::TempDir dir;
  auto observer = std::make_shared<CountingObserver>();
  DatabaseOptions options;
  options.path = dir.File("observed.db");
  options.commit_observer = observer;
  std::unique_ptr<Database> db = testing::OpenOrFail(options);
  REQUIRE(db->Execute("CREATE TABLE t (v TEXT)").ok());
  {
    absl::StatusOr<Transaction> tx = Transaction::Begin(*db);
    REQUIRE(tx.ok());
    REQUIRE(db->Execute("INSERT INTO t VALUES ('a')").ok());
    REQUIRE(tx->Commit().ok());
  }
  CHECK(observer->commits == 1);

  std::vector<std::string> seen_in_work, seen_in_done;
  absl::Mutex mu;
  {
    GroupCommitter committer(*db);
    std::vector<std::future<absl::Status>> futures;
    for (int i = 0; i < 5; ++i) {
      log::RequestIdScope scope("req-" + std::to_string(i));
      committer.Submit(
          [&, i](Database& d) {
            absl::MutexLock lock(&mu);
            seen_in_work.push_back(std::string(log::CurrentRequestId()));
            return d.Execute("INSERT INTO t VALUES ('b')");
          },
          [&](absl::Status status) {
            absl::MutexLock lock(&mu);
            CHECK(status.ok());
            seen_in_done.push_back(std::string(log::CurrentRequestId()));
          });
    }
    committer.Shutdown();
  }
  CHECK(observer->commits >= 2);
  CHECK(observer->failures == 0);
  CHECK(observer->negative == 0);
  int items = 0;
  for (int batch : observer->batches) items += batch;
  CHECK(items == 5);
  // The writer thread runs each item and its callback under the submitter's request id.
  std::sort(seen_in_work.begin(), seen_in_work.end());
  std::sort(seen_in_done.begin(), seen_in_done.end());
  const std::vector<std::string> expected = {"req-0", "req-1", "req-2", "req-3", "req-4"};
  CHECK(seen_in_work == expected);
  CHECK(seen_in_done == expected);
  CHECK(log::CurrentRequestId().empty());
}

}  // namespace
}  // namespace unemployment::store
