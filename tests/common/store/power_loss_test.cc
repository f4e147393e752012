// FaultVfs power-loss mode (common/store/testing/fault_vfs.h): a child process writes with the mode
// on and is killed with SIGKILL; what it had synced is there afterwards, what it had not is gone.
// With synchronous=FULL every committed transaction survives (also across checkpoints and WAL
// restarts); with OFF or NORMAL the commits are lost, which is what a power cut does to them and
// what a plain kill -9 (page cache kept) never shows.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sqlite3.h>

#include <catch2/catch.hpp>
#include <cstring>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

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
  run.transactions = 600;  // about 7 MiB: past the 1,000-page automatic checkpoint, twice
  run.payload_bytes = 12000;
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

// In the child: random writes, truncations, reads and syncs of one file through the shim, compared
// with a model of the file (what readers must see) and with the real file after each sync (what a
// power cut must leave). Exit code 0: all matched; otherwise the failing check.
[[noreturn]] void RandomOperations(const std::string& path, unsigned seed) {
  FaultVfs::Install().EnablePowerLoss();
  sqlite3_vfs* vfs = sqlite3_vfs_find(nullptr);
  std::vector<char> storage(static_cast<size_t>(vfs->szOsFile));
  auto* file = reinterpret_cast<sqlite3_file*>(storage.data());
  int out_flags = 0;
  if (vfs->xOpen(vfs, path.c_str(), file,
                 SQLITE_OPEN_MAIN_DB | SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                 &out_flags) != SQLITE_OK) {
    _exit(30);
  }
  auto real_file = [&] {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  };
  std::mt19937 random(seed);
  auto pick = [&](int from, int to) { return std::uniform_int_distribution<int>(from, to)(random); };
  std::string model;   // the file as readers see it
  std::string synced;  // the file as the disk holds it
  for (int step = 0; step < 2000; ++step) {
    int what = pick(0, 99);
    if (what < 45) {  // write
      int offset = pick(0, 70000);
      std::string data(static_cast<size_t>(pick(1, 6000)), '\0');
      for (char& c : data) c = static_cast<char>(pick(1, 255));
      if (file->pMethods->xWrite(file, data.data(), static_cast<int>(data.size()), offset) !=
          SQLITE_OK) {
        _exit(31);
      }
      if (model.size() < offset + data.size()) model.resize(offset + data.size(), '\0');
      model.replace(static_cast<size_t>(offset), data.size(), data);
    } else if (what < 55) {  // truncate (also to a larger size)
      int size = pick(0, 80000);
      if (file->pMethods->xTruncate(file, size) != SQLITE_OK) _exit(32);
      model.resize(static_cast<size_t>(size), '\0');
    } else if (what < 98) {  // read, sometimes past the end
      int offset = pick(0, 85000);
      int amount = pick(1, 8000);
      std::string got(static_cast<size_t>(amount), 'x');
      int rc = file->pMethods->xRead(file, got.data(), amount, offset);
      std::string want(static_cast<size_t>(amount), '\0');
      if (static_cast<size_t>(offset) < model.size()) {
        want.replace(0, std::min<size_t>(amount, model.size() - offset), model, offset,
                     std::min<size_t>(amount, model.size() - offset));
      }
      bool short_read = static_cast<size_t>(offset) + amount > model.size();
      if (rc != (short_read ? SQLITE_IOERR_SHORT_READ : SQLITE_OK)) _exit(33);
      if (got != want) _exit(34);
      sqlite3_int64 size = -1;
      if (file->pMethods->xFileSize(file, &size) != SQLITE_OK ||
          size != static_cast<sqlite3_int64>(model.size())) {
        _exit(35);
      }
    } else {  // sync: the disk now holds the model
      if (file->pMethods->xSync(file, SQLITE_SYNC_NORMAL) != SQLITE_OK) _exit(36);
      synced = model;
      if (real_file() != synced) _exit(37);
      if (FaultVfs::Install().unsynced_bytes() != 0) _exit(38);
    }
    if (step % 50 == 0 && real_file() != synced) _exit(39);  // nothing reaches the disk unsynced
  }
  // The power cut: readers now see the last synced state.
  FaultVfs::Install().CutPower();
  std::string after(synced.size() + 10, 'x');
  int rc = file->pMethods->xRead(file, after.data(), static_cast<int>(after.size()), 0);
  if (rc != SQLITE_IOERR_SHORT_READ || after.substr(0, synced.size()) != synced) _exit(40);
  file->pMethods->xClose(file);
  _exit(0);
}

TEST_CASE("power loss: held writes read back as written, reach the disk only when synced",
          "[store][power]") {
  TempDir dir;
  for (unsigned seed : {1u, 2u, 3u}) {
    const std::string path = dir.File("random-" + std::to_string(seed) + ".bin");
    pid_t child = fork();
    REQUIRE(child >= 0);
    if (child == 0) RandomOperations(path, seed);
    int status = 0;
    REQUIRE(waitpid(child, &status, 0) == child);
    INFO("seed " << seed << ", child exit status " << status);
    REQUIRE(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
  }
}

}  // namespace
}  // namespace unemployment::store
