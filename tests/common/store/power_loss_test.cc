// FaultVfs power-loss mode (common/store/testing/fault_vfs.h): a child process writes with the mode
// on and is killed with SIGKILL; what it had synced is there afterwards, what it had not is gone.
// With synchronous=FULL every committed transaction survives (also across checkpoints and WAL
// restarts); with OFF or NORMAL the commits are lost, which is what a power cut does to them and
// what a plain kill -9 (page cache kept) never shows.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <string>

#include "common/store/database.h"
#include "common/store/testing/fault_vfs.h"
#include "tests/common/store/test_util.h"

namespace unemployment::store {
namespace {

using testing::FaultVfs;
using testing::OpenOrFail;
using testing::QueryInt;
using testing::TempDir;

constexpr std::string_view kSchema =
    "CREATE TABLE IF NOT EXISTS item (id INTEGER PRIMARY KEY, payload BLOB NOT NULL)";
constexpr std::string_view kInsert = "INSERT INTO item (id, payload) VALUES (?1, randomblob(?2))";
constexpr std::string_view kCount = "SELECT count(*) FROM item";
constexpr std::string_view kHasTable =
    "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'item'";

struct Run {
  SynchronousMode mode = SynchronousMode::kFull;
  int transactions = 50;
  int payload_bytes = 100;
};

// In the child: exits with a step number on a failure, kills itself (SIGKILL) after the writes.
[[noreturn]] void WriteThenDie(const std::string& path, const Run& run) {
  FaultVfs::Install().EnablePowerLoss();
  DatabaseOptions options;
  options.path = path;
  options.synchronous = run.mode;
  absl::StatusOr<std::unique_ptr<Database>> writer = Database::Open(options);
  if (!writer.ok()) _exit(10);
  absl::StatusOr<std::unique_ptr<Database>> reader = Database::Open(options);
  if (!reader.ok()) _exit(11);
  if (!(*writer)->Execute(kSchema).ok()) _exit(12);
  for (int i = 1; i <= run.transactions; ++i) {
    absl::Status written = (*writer)->InTransaction([&]() -> absl::Status {
      absl::StatusOr<Statement> insert = (*writer)->Prepare(kInsert);
      if (!insert.ok()) return insert.status();
      if (absl::Status s = insert->BindInt64(1, i); !s.ok()) return s;
      if (absl::Status s = insert->BindInt64(2, run.payload_bytes); !s.ok()) return s;
      return insert->Run();
    });
    if (!written.ok()) _exit(13);
  }
  // Another connection of the process sees every commit, synced or not (a page cache).
  absl::StatusOr<Statement> count = (*reader)->Prepare(kCount);
  if (!count.ok()) _exit(14);
  absl::StatusOr<bool> row = count->Step();
  if (!row.ok() || !*row || count->ColumnInt64(0) != run.transactions) _exit(15);
  if (run.mode == SynchronousMode::kOff && FaultVfs::Install().unsynced_bytes() == 0) _exit(16);
  kill(getpid(), SIGKILL);
  _exit(17);
}

// Runs WriteThenDie in a child and returns the rows found afterwards (-1: no table at all).
int64_t RowsAfterPowerCut(const TempDir& dir, const Run& run) {
  const std::string path = dir.File("power.db");
  pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) WriteThenDie(path, run);
  int status = 0;
  REQUIRE(waitpid(child, &status, 0) == child);
  INFO("child exit status " << status << " (an exit code is the step that failed)");
  REQUIRE(WIFSIGNALED(status));
  REQUIRE(WTERMSIG(status) == SIGKILL);
  std::unique_ptr<Database> db = OpenOrFail(path);  // recovers the WAL as after a reboot
  UE_REQUIRE_OK(db->CheckIntegrity());
  if (QueryInt(*db, kHasTable) == 0) return -1;
  return QueryInt(*db, kCount);
}

TEST_CASE("power loss: synchronous=FULL keeps every committed transaction", "[store][power]") {
  TempDir dir;
  Run run;
  CHECK(RowsAfterPowerCut(dir, run) == run.transactions);
}

TEST_CASE("power loss: FULL survives checkpoints and WAL restarts", "[store][power]") {
  TempDir dir;
  Run run;
  run.transactions = 1500;  // about 6 MiB: past the 1,000-page automatic checkpoint
  run.payload_bytes = 4000;
  CHECK(RowsAfterPowerCut(dir, run) == run.transactions);
}

TEST_CASE("power loss: synchronous=OFF loses the commits a kill -9 alone would keep",
          "[store][power]") {
  TempDir dir;
  Run run;
  run.mode = SynchronousMode::kOff;
  int64_t rows = RowsAfterPowerCut(dir, run);
  INFO("rows after the cut: " << rows);
  CHECK(rows < run.transactions);
}

TEST_CASE("power loss: synchronous=NORMAL loses the last commits", "[store][power]") {
  TempDir dir;
  Run run;
  run.mode = SynchronousMode::kNormal;
  int64_t rows = RowsAfterPowerCut(dir, run);
  INFO("rows after the cut: " << rows);
  CHECK(rows < run.transactions);
}

TEST_CASE("power loss: a restarted process finds the synced data and goes on",
          "[store][power]") {
  TempDir dir;
  Run run;
  REQUIRE(RowsAfterPowerCut(dir, run) == run.transactions);
  // A second life on the same file (the same schema, the next ids) and a second cut.
  const std::string path = dir.File("power.db");
  pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    FaultVfs::Install().EnablePowerLoss();
    DatabaseOptions options;
    options.path = path;
    absl::StatusOr<std::unique_ptr<Database>> db = Database::Open(options);
    if (!db.ok()) _exit(20);
    for (int i = run.transactions + 1; i <= 2 * run.transactions; ++i) {
      absl::StatusOr<Statement> insert = (*db)->Prepare(kInsert);
      if (!insert.ok() || !insert->BindInt64(1, i).ok() || !insert->BindInt64(2, 10).ok() ||
          !insert->Run().ok()) {
        _exit(21);
      }
    }
    kill(getpid(), SIGKILL);
    _exit(22);
  }
  int status = 0;
  REQUIRE(waitpid(child, &status, 0) == child);
  REQUIRE(WIFSIGNALED(status));
  std::unique_ptr<Database> db = OpenOrFail(path);
  UE_REQUIRE_OK(db->CheckIntegrity());
  CHECK(QueryInt(*db, kCount) == 2 * run.transactions);
}

}  // namespace
}  // namespace unemployment::store
