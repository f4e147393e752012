// Storage faults during a snapshot import (disk full, I/O errors injected by
// store::testing::FaultVfs): the import fails cleanly, the previous snapshot stays current, no row
// of the failed version survives, and the same import then succeeds once.
#include <catch2/catch.hpp>
#include <chrono>
#include <thread>

#include "common/store/testing/fault_vfs.h"
#include "tests/services/verification/test_util.h"

namespace unemployment::verification {
namespace {

using store::testing::Fault;
using store::testing::FaultTarget;
using store::testing::FaultVfs;
using testing::Fixture;
using testing::Persons;

std::string BigPopulationCsv() {
  std::string csv = HeaderLine(v1::SOURCE_POPULATION) + "\n";
  for (int i = 1; i <= 600; ++i) {
    csv +=
        "1," + testing::ResidentId("230102", "19900101", i) + ",某人,1,1990-01-01,ALIVE,,230102\n";
  }
  return csv;
}

TEST_CASE("a storage fault during a snapshot import leaves the previous snapshot and no rows",
          "[import][fault]") {
  const std::string csv = BigPopulationCsv();
  // Before the store opens its files, so that they go through the shim.
  FaultVfs::Install();
  for (Fault kind : {Fault::kDiskFull, Fault::kIoError}) {
    for (int64_t skip : {0, 3, 10, 40}) {
      INFO("kind " << static_cast<int>(kind) << " skip " << skip);
      Fixture f(500);
      FaultVfs::Install().SetPathPrefix(f.dir.File(""));
      UE_REQUIRE_OK(f.Import(v1::SOURCE_POPULATION, "pop-1", testing::PopulationCsv()).status());
      ImportLimits limits;
      limits.rows_per_batch = 100;
      f.importer = std::make_unique<SnapshotImporter>(*f.store, f.clock, limits);

      FaultVfs::Install().Arm({kind, FaultTarget::kWritesAndSyncs, skip, /*sticky=*/true});
      absl::Status failed = f.Import(v1::SOURCE_POPULATION, "pop-2", csv, 4096).status();
      const int64_t faults = FaultVfs::Install().faults();
      FaultVfs::Install().Clear();
      INFO(failed.ToString());
      REQUIRE(faults > 0);
      REQUIRE_FALSE(failed.ok());
      CHECK((failed.code() == absl::StatusCode::kResourceExhausted ||
             failed.code() == absl::StatusCode::kUnavailable ||
             failed.code() == absl::StatusCode::kAborted));

      auto current = f.store->GetSnapshot(v1::SOURCE_POPULATION, "");
      UE_REQUIRE_OK(current.status());
      REQUIRE(current->has_value());
      CHECK((*current)->info.snapshot_version() == "pop-1");
      CHECK_FALSE(f.store->GetSnapshot(v1::SOURCE_POPULATION, "pop-2")->has_value());
      auto still = f.store->Sources().population->Find({1, Persons().consistent});
      UE_REQUIRE_OK(still.status());
      CHECK((*still)->records.size() == 1);
      auto absent =
          f.store->Sources().population->Find({1, testing::ResidentId("230102", "19900101", 5)});
      UE_REQUIRE_OK(absent.status());
      CHECK((*absent)->records.empty());

      // The disk is back: the same import succeeds once and replaces pop-1. The failed session
      // gives its source back when its last reference (possibly a store callback on the writer
      // thread) is gone, so a retry can meet the retryable ABORTED / IMPORT_RUNNING first, as a
      // client would.
      absl::StatusOr<v1::SnapshotInfo> info = f.Import(v1::SOURCE_POPULATION, "pop-2", csv, 4096);
      for (int attempt = 0; attempt < 2000 && info.status().code() == absl::StatusCode::kAborted;
           ++attempt) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
        info = f.Import(v1::SOURCE_POPULATION, "pop-2", csv, 4096);
      }
      UE_REQUIRE_OK(info.status());
      CHECK(info->row_count() == 600);
      absl::StatusOr<v1::SnapshotInfo> again = f.Import(v1::SOURCE_POPULATION, "pop-2", csv, 4096);
      UE_REQUIRE_OK(again.status());
      // Rows of replaced and abandoned loads are purged in later transactions of the writer
      // (PurgeRows), after the import has answered: wait for that chain to finish (a loaded
      // machine may still be running it) before the store shuts down.
      const char* kLeftOver =
          "SELECT count(*) FROM population_rows WHERE snapshot_id NOT IN "
          "(SELECT snapshot_id FROM snapshots WHERE state = 1)";
      for (int attempt = 0; attempt < 2000 && f.Count(kLeftOver) != 0; ++attempt) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
      f.store->Shutdown();
      CHECK(f.Count("SELECT count(*) FROM snapshots WHERE version = 'pop-2' AND state = 1") == 1);
      CHECK(f.Count("SELECT count(*) FROM population_rows WHERE snapshot_id = (SELECT snapshot_id "
                    "FROM snapshots WHERE version = 'pop-2' AND state = 1)") == 600);
      // No row of the failed attempt is left behind once the retry has run.
      CHECK(f.Count(kLeftOver) == 0);
    }
  }
}

}  // namespace
}  // namespace unemployment::verification
