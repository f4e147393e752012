// Storage faults injected under ue::store with the FaultVfs shim: disk full and I/O errors at every
// write of a transaction give a clean status, leave no partial record, and the same write succeeds
// exactly once after the fault clears.
#include <catch2/catch.hpp>
#include <future>
#include <set>
#include <string>
#include <vector>

#include "absl/synchronization/notification.h"
#include "common/store/database.h"
#include "common/store/group_committer.h"
#include "common/store/testing/fault_vfs.h"
#include "tests/common/store/test_util.h"

namespace unemployment::store {
namespace {

using testing::Fault;
using testing::FaultPlan;
using testing::FaultTarget;
using testing::FaultVfs;
using testing::OpenOrFail;
using testing::QueryInt;
using testing::ScopedFault;
using testing::TempDir;

constexpr std::string_view kSchema =
    "CREATE TABLE person (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, payload BLOB);"
    "CREATE TABLE event (sequence INTEGER PRIMARY KEY AUTOINCREMENT, person TEXT NOT NULL);"
    "CREATE INDEX event_person ON event (person);";

// One "record" is a person row plus its event row, written in one transaction; the payload makes
// the transaction span several pages so that faults can hit its middle.
absl::Status WriteRecord(Database& db, const std::string& name) {
  return db.InTransaction([&]() -> absl::Status {
    absl::StatusOr<Statement> person =
        db.Prepare("INSERT INTO person (name, payload) VALUES (?1, zeroblob(20000))");
    if (!person.ok()) return person.status();
    if (absl::Status s = person->BindText(1, name); !s.ok()) return s;
    if (absl::Status s = person->Run(); !s.ok()) return s;
    absl::StatusOr<Statement> event = db.Prepare("INSERT INTO event (person) VALUES (?1)");
    if (!event.ok()) return event.status();
    if (absl::Status s = event->BindText(1, name); !s.ok()) return s;
    return event->Run();
  });
}

struct Counts {
  int64_t persons;
  int64_t events;
  bool operator==(const Counts& other) const {
    return persons == other.persons && events == other.events;
  }
};

Counts CountsOf(Database& db) {
  return {QueryInt(db, "SELECT count(*) FROM person"), QueryInt(db, "SELECT count(*) FROM event")};
}

struct Fixture {
  Fixture() : path(dir.File("fault.db")) {
    FaultVfs::Install().SetPathPrefix(dir.path());
    db = OpenOrFail(path);
    UE_REQUIRE_OK(db->Execute(kSchema));
    UE_REQUIRE_OK(WriteRecord(*db, "before"));
  }
  ~Fixture() { FaultVfs::Install().Clear(); }

  void Reopen() {
    db.reset();
    db = OpenOrFail(path);
  }

  TempDir dir;
  std::string path;
  std::unique_ptr<Database> db;
};

// How many write-class operations one record costs; the fault sweeps cover each of them.
int64_t WritesPerRecord() {
  Fixture f;
  FaultVfs& vfs = FaultVfs::Install();
  vfs.Clear();
  UE_REQUIRE_OK(WriteRecord(*f.db, "probe"));
  return vfs.operations();
}

TEST_CASE("The fault shim passes everything through when disarmed", "[store][fault]") {
  Fixture f;
  UE_REQUIRE_OK(WriteRecord(*f.db, "a"));
  CHECK(CountsOf(*f.db) == Counts{2, 2});
  CHECK(FaultVfs::Install().faults() == 0);
  CHECK(FaultVfs::Install().operations() > 0);
  f.Reopen();
  CHECK(CountsOf(*f.db) == Counts{2, 2});
}

TEST_CASE("A full disk at any write of a transaction fails it cleanly and stores nothing",
          "[store][fault]") {
  const int64_t writes = WritesPerRecord();
  INFO("write-class operations per record: " << writes);
  REQUIRE(writes >= 3);
  for (bool sticky : {true, false}) {
    for (int64_t skip = 0; skip < writes; ++skip) {
      INFO("fault at write " << skip << (sticky ? " (disk stays full)" : " (transient)"));
      Fixture f;
      absl::Status status;
      {
        ScopedFault fault({Fault::kDiskFull, FaultTarget::kWritesAndSyncs, skip, sticky});
        status = WriteRecord(*f.db, "new");
        CHECK(FaultVfs::Install().faults() >= 1);
      }
      INFO(status.ToString());
      REQUIRE_FALSE(status.ok());
      CHECK(status.code() == absl::StatusCode::kResourceExhausted);
      CHECK_THAT(std::string(status.message()), Catch::Contains("full"));
      CHECK_FALSE(f.db->in_transaction());
      // Same connection, then a fresh one (which recovers the WAL): nothing of "new".
      CHECK(CountsOf(*f.db) == Counts{1, 1});
      UE_REQUIRE_OK(f.db->CheckIntegrity());
      f.Reopen();
      CHECK(CountsOf(*f.db) == Counts{1, 1});
      UE_REQUIRE_OK(f.db->CheckIntegrity());
      // The same write now succeeds, exactly once.
      UE_REQUIRE_OK(WriteRecord(*f.db, "new"));
      CHECK(WriteRecord(*f.db, "new").code() == absl::StatusCode::kAlreadyExists);
      f.Reopen();
      CHECK(CountsOf(*f.db) == Counts{2, 2});
    }
  }
}

TEST_CASE("An I/O error at any write of a transaction fails it cleanly and stores nothing",
          "[store][fault]") {
  const int64_t writes = WritesPerRecord();
  for (int64_t skip = 0; skip < writes; ++skip) {
    INFO("I/O error at write " << skip);
    Fixture f;
    absl::Status status;
    {
      ScopedFault fault({Fault::kIoError, FaultTarget::kWritesAndSyncs, skip, /*sticky=*/true});
      status = WriteRecord(*f.db, "new");
    }
    INFO(status.ToString());
    REQUIRE_FALSE(status.ok());
    CHECK(status.code() == absl::StatusCode::kUnavailable);
    CHECK_THAT(std::string(status.message()), Catch::Contains("I/O error"));
    CHECK(CountsOf(*f.db) == Counts{1, 1});
    f.Reopen();
    CHECK(CountsOf(*f.db) == Counts{1, 1});
    UE_REQUIRE_OK(f.db->CheckIntegrity());
    UE_REQUIRE_OK(WriteRecord(*f.db, "new"));
    f.Reopen();
    CHECK(CountsOf(*f.db) == Counts{2, 2});
  }
}

TEST_CASE("A failed fsync at COMMIT is reported and the record does not reappear on reopen",
          "[store][fault]") {
  for (Fault kind : {Fault::kDiskFull, Fault::kIoError}) {
    Fixture f;
    absl::Status status;
    {
      ScopedFault fault({kind, FaultTarget::kSyncsOnly, 0, /*sticky=*/true});
      status = WriteRecord(*f.db, "new");
    }
    INFO(status.ToString());
    CHECK_FALSE(status.ok());
    CHECK(CountsOf(*f.db) == Counts{1, 1});
    // The WAL frames were written before the failed sync; a fresh connection must not take them
    // as committed (the caller was told the write failed).
    f.Reopen();
    CHECK(CountsOf(*f.db) == Counts{1, 1});
    UE_REQUIRE_OK(f.db->CheckIntegrity());
  }
}

// A committer whose first batch holds the writer until released; releasing it arms `plan`, so the
// items submitted meanwhile form the next batch and meet the fault at their COMMIT.
TEST_CASE("A failed group commit fails every caller of the batch and stores nothing",
          "[store][fault][group]") {
  for (Fault kind : {Fault::kDiskFull, Fault::kIoError}) {
    for (FaultTarget target : {FaultTarget::kWritesAndSyncs, FaultTarget::kSyncsOnly}) {
      INFO("fault " << static_cast<int>(kind) << " target " << static_cast<int>(target));
      Fixture f;
      std::vector<std::future<absl::Status>> futures;
      {
        // The gate's callback arms the fault before the next batch begins: callbacks on the
        // writer thread (by default they run on the completer, alongside the next batch).
        GroupCommitter::Options options;
        options.complete_on_writer_thread = true;
        GroupCommitter committer(*f.db, options);
        absl::Notification entered;
        absl::Notification release;
        std::promise<absl::Status> gate_done;
        committer.Submit(
            [&](Database&) {
              entered.Notify();
              release.WaitForNotification();
              return absl::OkStatus();
            },
            [&](absl::Status status) {
              // Runs on the writer thread after the gate's COMMIT, before the next batch.
              FaultVfs::Install().Arm({kind, target, 0, /*sticky=*/true});
              gate_done.set_value(status);
            });
        entered.WaitForNotification();
        for (int i = 0; i < 8; ++i) {
          futures.push_back(committer.Submit([i](Database& db) {
            return WriteRecord(db, "batch-" + std::to_string(i));
          }));
        }
        release.Notify();
        UE_REQUIRE_OK(gate_done.get_future().get());
        for (std::future<absl::Status>& future : futures) {
          absl::Status status = future.get();
          INFO(status.ToString());
          CHECK((status.code() == absl::StatusCode::kResourceExhausted ||
                 status.code() == absl::StatusCode::kUnavailable ||
                 status.code() == absl::StatusCode::kAborted));
        }
        CHECK(committer.stats().largest_batch == 8);
        FaultVfs::Install().Clear();
        // The committer carries on once the disk is back.
        UE_REQUIRE_OK(committer.Run([](Database& db) { return WriteRecord(db, "after"); }));
        committer.Shutdown();
      }
      CHECK(CountsOf(*f.db) == Counts{2, 2});
      f.Reopen();
      CHECK(CountsOf(*f.db) == Counts{2, 2});
      CHECK(QueryInt(*f.db, "SELECT count(*) FROM person WHERE name LIKE 'batch-%'") == 0);
      UE_REQUIRE_OK(f.db->CheckIntegrity());
    }
  }
}

}  // namespace
}  // namespace unemployment::store
