// Storage faults under the registrar (disk full, I/O errors injected by store::testing::FaultVfs):
// a failed CreateApplication or review is reported cleanly, leaves no partial record (rows, events,
// integrity), and the same request then succeeds exactly once.
#include <catch2/catch.hpp>
#include <string>

#include "common/store/database.h"
#include "common/store/testing/fault_vfs.h"
#include "tests/services/registration/test_util.h"

namespace unemployment::registration {
namespace {

using store::testing::Fault;
using store::testing::FaultPlan;
using store::testing::FaultTarget;
using store::testing::FaultVfs;
using testing::Env;
using testing::TempDir;

struct Snapshot {
  int64_t applications = 0;
  int64_t registrations = 0;
  int64_t events = 0;
  int64_t requests = 0;
  bool operator==(const Snapshot& o) const {
    return applications == o.applications && registrations == o.registrations &&
           events == o.events && requests == o.requests;
  }
};

int64_t Count(store::Database& db, const char* sql) {
  absl::StatusOr<store::Statement> statement = db.Prepare(sql);
  REQUIRE(statement.ok());
  absl::StatusOr<bool> row = statement->Step();
  REQUIRE(row.ok());
  REQUIRE(*row);
  return statement->ColumnInt64(0);
}

// What a fresh connection sees, after an integrity check.
Snapshot Inspect(const std::string& path) {
  store::DatabaseOptions options;
  options.path = path;
  options.read_only = true;
  absl::StatusOr<std::unique_ptr<store::Database>> db = store::Database::Open(options);
  INFO(db.status().ToString());
  REQUIRE(db.ok());
  UE_REQUIRE_OK((*db)->CheckIntegrity());
  return {Count(**db, "SELECT count(*) FROM applications"),
          Count(**db, "SELECT count(*) FROM registrations"),
          Count(**db, "SELECT count(*) FROM events"), Count(**db, "SELECT count(*) FROM requests")};
}

bool CleanStorageError(const absl::Status& status) {
  return status.code() == absl::StatusCode::kResourceExhausted ||
         status.code() == absl::StatusCode::kUnavailable ||
         status.code() == absl::StatusCode::kAborted;
}

// Write-class operations one CreateApplication costs on a fresh store.
int64_t WritesPerCreate() {
  TempDir dir;
  FaultVfs::Install().SetPathPrefix(dir.path());
  Env env(dir.File("reg.db"));
  FaultVfs::Install().Clear();
  REQUIRE(env.Create(testing::CreateRequest("230103-000001")).ok());
  return FaultVfs::Install().operations();
}

TEST_CASE("a storage fault during CreateApplication stores nothing; the retry stores it once",
          "[registrar][fault]") {
  const int64_t writes = WritesPerCreate();
  REQUIRE(writes >= 2);
  for (Fault kind : {Fault::kDiskFull, Fault::kIoError}) {
    for (int64_t skip = 0; skip < writes; ++skip) {
      INFO("fault kind " << static_cast<int>(kind) << " at write " << skip << " of " << writes);
      TempDir dir;
      FaultVfs::Install().SetPathPrefix(dir.path());
      std::string path = dir.File("reg.db");
      {
        Env env(path);
        const Snapshot before = Inspect(path);
        FaultVfs::Install().Arm({kind, FaultTarget::kWritesAndSyncs, skip, /*sticky=*/true});
        absl::StatusOr<v1::Application> failed = env.Create(testing::CreateRequest("230103-000001"));
        FaultVfs::Install().Clear();
        INFO(failed.status().ToString());
        REQUIRE_FALSE(failed.ok());
        CHECK(CleanStorageError(failed.status()));
        CHECK(Inspect(path) == before);
        absl::StatusOr<std::vector<v1::Event>> events = env.store->ReadEvents(0, 10);
        UE_REQUIRE_OK(events.status());
        CHECK(events->empty());

        // The disk is back: the same request succeeds, and again returns the same application.
        absl::StatusOr<v1::Application> created = env.Create(testing::CreateRequest("230103-000001"));
        UE_REQUIRE_OK(created.status());
        absl::StatusOr<v1::Application> again = env.Create(testing::CreateRequest("230103-000001"));
        UE_REQUIRE_OK(again.status());
        CHECK(again->id() == created->id());
      }
      Snapshot after = Inspect(path);
      CHECK(after.applications == 1);
      CHECK(after.events == 2);
    }
  }
}

TEST_CASE("a storage fault during a review decision leaves the application undecided",
          "[registrar][fault]") {
  for (Fault kind : {Fault::kDiskFull, Fault::kIoError}) {
    for (FaultTarget target : {FaultTarget::kWritesAndSyncs, FaultTarget::kSyncsOnly}) {
      for (int64_t skip : {0, 1, 2}) {
        // A decision is one commit, so one WAL sync: only the first can fail.
        if (target == FaultTarget::kSyncsOnly && skip > 0) continue;
        INFO("fault kind " << static_cast<int>(kind) << " target " << static_cast<int>(target)
                           << " skip " << skip);
        TempDir dir;
        FaultVfs::Install().SetPathPrefix(dir.path());
        std::string path = dir.File("reg.db");
        Env env(path);
        absl::StatusOr<v1::Application> app = env.Create(testing::CreateRequest("230103-000001"));
        UE_REQUIRE_OK(app.status());
        env.clock.Set(time::ChinaTime(absl::CivilSecond(2025, 10, 9, 10, 0, 0)));
        const Snapshot before = Inspect(path);

        FaultVfs::Install().Arm({kind, target, skip, /*sticky=*/true});
        absl::StatusOr<v1::ReviewApplicationResponse> failed = env.Accept(app->id(), "req-1");
        FaultVfs::Install().Clear();
        INFO(failed.status().ToString());
        REQUIRE_FALSE(failed.ok());
        CHECK(CleanStorageError(failed.status()));
        CHECK(Inspect(path) == before);
        absl::StatusOr<v1::Application> read = env.registrar->GetApplication(app->id());
        UE_REQUIRE_OK(read.status());
        CHECK(read->state() == common::v1::APPLICATION_STATE_AWAITING_REVIEW);

        absl::StatusOr<v1::ReviewApplicationResponse> accepted = env.Accept(app->id(), "req-1");
        UE_REQUIRE_OK(accepted.status());
        absl::StatusOr<v1::ReviewApplicationResponse> repeat = env.Accept(app->id(), "req-1");
        UE_REQUIRE_OK(repeat.status());
        CHECK(repeat->registration().id() == accepted->registration().id());
        Snapshot after = Inspect(path);
        CHECK(after.registrations == 1);
        CHECK(after.applications == 1);
      }
    }
  }
}

}  // namespace
}  // namespace unemployment::registration
