// Storage faults under the person index (disk full, I/O errors injected by
// store::testing::FaultVfs): a failed reservation or completion is reported cleanly (UNAVAILABLE)
// and leaves no row; after the fault clears the same reservation is stored exactly once.
#include <catch2/catch.hpp>

#include "common/store/testing/fault_vfs.h"
#include "tests/services/person_index/test_util.h"

namespace unemployment::person_index {
namespace {

using store::testing::Fault;
using store::testing::FaultTarget;
using store::testing::FaultVfs;
using testing::ReasonOf;
using testing::Request;

constexpr char kAnna[] = "230103198001010014";

struct FaultFixture : testing::IndexFixture {
  FaultFixture() {
    FaultVfs::Install().SetPathPrefix(dir);
    Open();
  }
  ~FaultFixture() { FaultVfs::Install().Clear(); }
  // Rows of a table as a fresh connection sees them, after an integrity check.
  int64_t RowsOnDisk(const std::string& table) {
    store::DatabaseOptions options;
    options.path = path;
    options.read_only = true;
    absl::StatusOr<std::unique_ptr<store::Database>> reader = store::Database::Open(options);
    REQUIRE(reader.ok());
    REQUIRE((*reader)->CheckIntegrity().ok());
    absl::StatusOr<store::Statement> count =
        (*reader)->Prepare(absl::StrCat("SELECT count(*) FROM ", table));
    REQUIRE(count.ok());
    absl::StatusOr<bool> row = count->Step();
    REQUIRE(row.ok());
    REQUIRE(*row);
    return count->ColumnInt64(0);
  }
};

TEST_CASE("a storage fault during a reservation stores nothing; the retry reserves once",
          "[person_index][store][fault]") {
  for (Fault kind : {Fault::kDiskFull, Fault::kIoError}) {
    for (FaultTarget target : {FaultTarget::kWritesAndSyncs, FaultTarget::kSyncsOnly}) {
      for (int64_t skip : {0, 1, 2}) {
        if (target == FaultTarget::kSyncsOnly && skip > 0) continue;
        INFO("kind " << static_cast<int>(kind) << " target " << static_cast<int>(target) << " skip "
                     << skip);
        FaultFixture f;
        REQUIRE(f.Reserve(Request("M-0", "230202198001010022")).ok());
        FaultVfs::Install().Arm({kind, target, skip, /*sticky=*/true});
        absl::StatusOr<v1::ReserveResponse> failed = f.Reserve(Request("M-1", kAnna));
        FaultVfs::Install().Clear();
        INFO(failed.status().ToString());
        REQUIRE(failed.status().code() == absl::StatusCode::kUnavailable);
        CHECK(ReasonOf(failed.status()) == "PERSON_INDEX_STORE_UNAVAILABLE");
        CHECK(f.RowsOnDisk("reservations") == 1);
        CHECK(f.RowsOnDisk("claims") == 1);
        CHECK(f.Get("M-1").status().code() == absl::StatusCode::kNotFound);

        absl::StatusOr<v1::ReserveResponse> reserved = f.Reserve(Request("M-1", kAnna));
        REQUIRE(reserved.ok());
        CHECK(reserved->created());
        absl::StatusOr<v1::ReserveResponse> again = f.Reserve(Request("M-1", kAnna));
        REQUIRE(again.ok());
        CHECK_FALSE(again->created());
        f.Open();
        CHECK(f.RowsOnDisk("reservations") == 2);
        CHECK(f.RowsOnDisk("claims") == 2);
      }
    }
  }
}

TEST_CASE("a storage fault while completing keeps the reservation without an application id",
          "[person_index][store][fault]") {
  for (Fault kind : {Fault::kDiskFull, Fault::kIoError}) {
    FaultFixture f;
    REQUIRE(f.Reserve(Request("M-1", kAnna)).ok());
    FaultVfs::Install().Arm({kind, FaultTarget::kWritesAndSyncs, 0, /*sticky=*/true});
    absl::StatusOr<v1::Reservation> failed = f.Complete("M-1", "harbin-app-1");
    FaultVfs::Install().Clear();
    INFO(failed.status().ToString());
    CHECK(failed.status().code() == absl::StatusCode::kUnavailable);
    CHECK(f.Get("M-1")->application_id().empty());
    CHECK(f.ClaimOf(kAnna)->state == ClaimState::kReserved);
    REQUIRE(f.Complete("M-1", "harbin-app-1").ok());
    f.Open();
    CHECK(f.Get("M-1")->application_id() == "harbin-app-1");
    CHECK(f.ClaimOf(kAnna)->state == ClaimState::kApplied);
    CHECK(f.RowsOnDisk("reservations") == 1);
  }
}

}  // namespace
}  // namespace unemployment::person_index
