#include "common/store/group_committer.h"

#include <catch2/catch.hpp>
#include <future>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/notification.h"
#include "tests/common/store/test_util.h"

namespace unemployment::store {
namespace {

using testing::OpenOrFail;
using testing::QueryInt;
using testing::TempDir;

constexpr std::string_view kCreateSql =
    "CREATE TABLE item (key TEXT PRIMARY KEY, writer INTEGER NOT NULL, payload BLOB);"
    "CREATE TABLE parent (id INTEGER PRIMARY KEY);"
    "CREATE TABLE child (id INTEGER PRIMARY KEY,"
    " parent_id INTEGER NOT NULL REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED);";
constexpr std::string_view kInsertSql = "INSERT INTO item (key, writer) VALUES (?1, ?2)";
constexpr std::string_view kInsertBigSql =
    "INSERT INTO item (key, writer, payload) VALUES (?1, 0, zeroblob(4000))";
constexpr std::string_view kSelectKeysSql = "SELECT key FROM item";

absl::Status InsertItem(Database& db, const std::string& key, int writer) {
  absl::StatusOr<Statement> insert = db.Prepare(kInsertSql);
  if (!insert.ok()) return insert.status();
  absl::Status status = insert->BindAll(key, writer);
  if (!status.ok()) return status;
  return insert->Run();
}

GroupCommitter::Work InsertWork(std::string key) {
  return [key = std::move(key)](Database& db) { return InsertItem(db, key, 0); };
}

struct Fixture {
  Fixture() : path(dir.File("group.db")), db(OpenOrFail(path)) {
    UE_REQUIRE_OK(db->Execute(kCreateSql));
  }

  // The keys a fresh connection sees, i.e. what survived the commit.
  std::set<std::string> KeysAfterReopen() {
    db.reset();
    db = OpenOrFail(path);
    std::set<std::string> keys;
    absl::StatusOr<Statement> select = db->Prepare(kSelectKeysSql);
    UE_REQUIRE_OK(select);
    for (;;) {
      absl::StatusOr<bool> row = select->Step();
      UE_REQUIRE_OK(row);
      if (!*row) break;
      keys.insert(select->ColumnString(0));
    }
    return keys;
  }

  TempDir dir;
  std::string path;
  std::unique_ptr<Database> db;
};

// Holds the writer thread inside a work item until Open(), so that the items submitted meanwhile
// queue up and form the next batch deterministically.
class Gate {
 public:
  explicit Gate(GroupCommitter& committer) {
    done_ = committer.Submit([this](Database&) {
      entered_.Notify();
      open_.WaitForNotification();
      return absl::OkStatus();
    });
    entered_.WaitForNotification();
  }
  void Open() {
    open_.Notify();
    UE_REQUIRE_OK(done_.get());
  }

 private:
  absl::Notification entered_;
  absl::Notification open_;
  std::future<absl::Status> done_;
};

TEST_CASE("GroupCommitter acknowledges exactly the rows that were committed", "[store][group]") {
  Fixture f;
  constexpr int kThreads = 8;
  constexpr int kItemsPerThread = 150;

  struct Outcome {
    std::string key;
    int index;
    absl::Status status;
  };
  std::vector<std::vector<Outcome>> outcomes(kThreads);
  {
    GroupCommitter committer(*f.db);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&committer, &outcomes, t] {
        auto key_of = [t](int i) { return "t" + std::to_string(t) + "-" + std::to_string(i); };
        auto work_for = [&key_of, t](int i) -> GroupCommitter::Work {
          std::string key = key_of(i);
          if (i % 10 == 3) {  // writes, then fails: its write must vanish
            return [key, t](Database& db) -> absl::Status {
              absl::Status status = InsertItem(db, key, t);
              if (!status.ok()) return status;
              return absl::FailedPreconditionError("rejected by the domain");
            };
          }
          if (i % 10 == 7) {  // writes, then hits a unique violation on the previous key
            std::string previous = key_of(i - 1);
            return [key, previous, t](Database& db) -> absl::Status {
              absl::Status status = InsertItem(db, key, t);
              if (!status.ok()) return status;
              return InsertItem(db, previous, t);
            };
          }
          if (i % 2 == 0) {  // nested InTransaction composes as a savepoint
            return [key, t](Database& db) {
              return db.InTransaction([&] { return InsertItem(db, key, t); });
            };
          }
          return [key, t](Database& db) { return InsertItem(db, key, t); };
        };
        std::vector<Outcome>& mine = outcomes[static_cast<size_t>(t)];
        if (t % 2 == 0) {
          // Blocking callers, one item at a time.
          for (int i = 0; i < kItemsPerThread; ++i) {
            mine.push_back({key_of(i), i, committer.Run(work_for(i))});
          }
        } else {
          // Pipelined callers: submit everything, then collect.
          std::vector<std::future<absl::Status>> futures;
          for (int i = 0; i < kItemsPerThread; ++i)
            futures.push_back(committer.Submit(work_for(i)));
          for (int i = 0; i < kItemsPerThread; ++i) {
            mine.push_back({key_of(i), i, futures[static_cast<size_t>(i)].get()});
          }
        }
      });
    }
    for (std::thread& thread : threads) thread.join();
    GroupCommitter::Stats stats = committer.stats();
    CHECK(stats.items == kThreads * kItemsPerThread);
    CHECK(stats.failed_items == kThreads * kItemsPerThread / 5);
    CHECK(stats.transactions <= stats.items);
    INFO("transactions " << stats.transactions << ", largest batch " << stats.largest_batch);
    CHECK(stats.largest_batch > 1);
  }  // destruction shuts the committer down

  std::set<std::string> acknowledged;
  for (const std::vector<Outcome>& mine : outcomes) {
    REQUIRE(mine.size() == static_cast<size_t>(kItemsPerThread));
    for (const Outcome& outcome : mine) {
      INFO(outcome.key << ": " << outcome.status.ToString());
      if (outcome.index % 10 == 3) {
        CHECK(outcome.status == absl::FailedPreconditionError("rejected by the domain"));
      } else if (outcome.index % 10 == 7) {
        CHECK(outcome.status.code() == absl::StatusCode::kAlreadyExists);
      } else {
        CHECK(outcome.status.ok());
      }
      if (outcome.status.ok()) acknowledged.insert(outcome.key);
    }
  }
  CHECK(acknowledged.size() == kThreads * kItemsPerThread * 4 / 5);
  // Every acknowledged row survived close and reopen; failed items left nothing.
  CHECK(f.KeysAfterReopen() == acknowledged);
}

TEST_CASE("One failing item rolls back only itself", "[store][group]") {
  Fixture f;
  GroupCommitter committer(*f.db);
  Gate gate(committer);
  std::future<absl::Status> a = committer.Submit(InsertWork("a"));
  std::future<absl::Status> b = committer.Submit([](Database& db) -> absl::Status {
    absl::Status status = InsertItem(db, "b", 0);
    if (!status.ok()) return status;
    return absl::InvalidArgumentError("bad b");
  });
  std::future<absl::Status> c = committer.Submit(InsertWork("c"));
  std::future<absl::Status> duplicate = committer.Submit(InsertWork("a"));
  gate.Open();
  UE_REQUIRE_OK(a.get());
  CHECK(b.get() == absl::InvalidArgumentError("bad b"));
  UE_REQUIRE_OK(c.get());
  CHECK(duplicate.get().code() == absl::StatusCode::kAlreadyExists);
  committer.Shutdown();

  GroupCommitter::Stats stats = committer.stats();
  CHECK(stats.transactions == 2);  // the gate's, then all four together
  CHECK(stats.largest_batch == 4);
  CHECK(stats.failed_items == 2);
  CHECK(f.KeysAfterReopen() == std::set<std::string>{"a", "c"});
}

TEST_CASE("Batches never exceed max_batch_size", "[store][group]") {
  Fixture f;
  GroupCommitter::Options options;
  options.max_batch_size = 3;
  GroupCommitter committer(*f.db, options);
  Gate gate(committer);
  std::vector<std::future<absl::Status>> futures;
  for (int i = 0; i < 10; ++i) futures.push_back(committer.Submit(InsertWork(std::to_string(i))));
  gate.Open();
  for (std::future<absl::Status>& future : futures) UE_REQUIRE_OK(future.get());
  committer.Shutdown();
  CHECK(committer.stats().largest_batch == 3);
  CHECK(committer.stats().transactions == 1 + 4);  // gate, then 3 + 3 + 3 + 1
  CHECK(f.KeysAfterReopen().size() == 10);
}

TEST_CASE("A failed COMMIT fails every item of the batch and stores nothing", "[store][group]") {
  Fixture f;
  GroupCommitter committer(*f.db);
  Gate gate(committer);
  std::future<absl::Status> a = committer.Submit(InsertWork("a"));
  // A deferred foreign key is only checked at COMMIT, so the whole COMMIT fails.
  std::future<absl::Status> orphan = committer.Submit(
      [](Database& db) { return db.Execute("INSERT INTO child (id, parent_id) VALUES (1, 999)"); });
  std::future<absl::Status> c = committer.Submit(InsertWork("c"));
  gate.Open();
  for (std::future<absl::Status>* future : {&a, &orphan, &c}) {
    absl::Status status = future->get();
    INFO(status.ToString());
    CHECK(status.code() == absl::StatusCode::kFailedPrecondition);
    CHECK_THAT(std::string(status.message()), Catch::Contains("FOREIGN KEY constraint failed"));
  }
  // The committer carries on.
  UE_REQUIRE_OK(committer.Run(InsertWork("after")));
  committer.Shutdown();
  CHECK(f.KeysAfterReopen() == std::set<std::string>{"after"});
  CHECK(QueryInt(*f.db, "SELECT count(*) FROM child") == 0);
}

TEST_CASE("A full disk fails cleanly and acknowledged rows survive", "[store][group]") {
  Fixture f;
  int64_t pages = QueryInt(*f.db, "PRAGMA page_count");
  UE_REQUIRE_OK(f.db->Execute("PRAGMA max_page_count = " + std::to_string(pages + 12)));
  std::vector<std::pair<std::string, std::future<absl::Status>>> futures;
  {
    GroupCommitter committer(*f.db);
    Gate gate(committer);
    for (int i = 0; i < 40; ++i) {
      std::string key = "big-" + std::to_string(i);
      futures.emplace_back(key, committer.Submit([key](Database& db) -> absl::Status {
        absl::StatusOr<Statement> insert = db.Prepare(kInsertBigSql);
        if (!insert.ok()) return insert.status();
        absl::Status status = insert->BindText(1, key);
        if (!status.ok()) return status;
        return insert->Run();
      }));
    }
    gate.Open();
  }
  std::set<std::string> acknowledged;
  int exhausted = 0;
  for (auto& [key, future] : futures) {
    absl::Status status = future.get();
    INFO(key << ": " << status.ToString());
    if (status.ok()) {
      acknowledged.insert(key);
    } else {
      CHECK((status.code() == absl::StatusCode::kResourceExhausted ||
             status.code() == absl::StatusCode::kAborted));
      ++exhausted;
    }
  }
  CHECK_FALSE(acknowledged.empty());
  CHECK(exhausted > 0);
  CHECK(f.KeysAfterReopen() == acknowledged);
}

TEST_CASE("Shutdown drains the queue and later submissions are refused", "[store][group]") {
  Fixture f;
  GroupCommitter committer(*f.db);
  std::vector<std::future<absl::Status>> futures;
  for (int i = 0; i < 200; ++i) futures.push_back(committer.Submit(InsertWork(std::to_string(i))));
  committer.Shutdown();
  for (std::future<absl::Status>& future : futures) {
    REQUIRE(future.wait_for(std::chrono::seconds(0)) == std::future_status::ready);
    UE_REQUIRE_OK(future.get());
  }
  committer.Shutdown();  // idempotent
  CHECK(committer.Run(InsertWork("late")) ==
        absl::UnavailableError("group commit: the committer is shut down"));
  bool called = false;
  committer.Submit(InsertWork("late"), [&called](absl::Status status) {
    called = status.code() == absl::StatusCode::kUnavailable;
  });
  CHECK(called);
  CHECK(f.KeysAfterReopen().size() == 200);
}

TEST_CASE("An empty work item is refused", "[store][group]") {
  Fixture f;
  GroupCommitter committer(*f.db);
  CHECK(committer.Run(GroupCommitter::Work()) ==
        absl::InvalidArgumentError("group commit: empty work item"));
}

}  // namespace
}  // namespace unemployment::store
