// Storage faults under the gateway's idempotency store (disk full, I/O errors injected by
// store::testing::FaultVfs): a failed reservation or completion is reported cleanly and leaves no
// row; after the fault clears the same reservation is stored exactly once.
#include <stdlib.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <future>
#include <memory>
#include <optional>
#include <string>

#include "common/store/migration.h"
#include "common/store/testing/fault_vfs.h"
#include "services/gateway/idempotency_store.h"
#include "tests/services/gateway/test_util.h"

namespace unemployment::gateway {
namespace {

using store::testing::Fault;
using store::testing::FaultTarget;
using store::testing::FaultVfs;

struct FaultFixture {
  FaultFixture() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "ue_gateway_fault.XXXXXX").string();
    REQUIRE(mkdtemp(pattern.data()) != nullptr);
    dir = pattern;
    FaultVfs::Install().SetPathPrefix(dir);
    path = dir + "/gateway.db";
    Open();
  }
  ~FaultFixture() {
    FaultVfs::Install().Clear();
    intake_store.reset();
    db.reset();
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
  }
  void Open() {
    intake_store.reset();
    db.reset();
    store::DatabaseOptions options;
    options.path = path;
    absl::StatusOr<std::unique_ptr<store::Database>> opened = store::Database::Open(options);
    REQUIRE(opened.ok());
    db = *std::move(opened);
    REQUIRE(store::Migrate(*db, GatewayMigrations()).ok());
    intake_store = std::make_unique<SqliteIdempotencyStore>(*db, clock);
  }
  absl::StatusOr<ReserveResult> Reserve(const IntakeRecord& record) {
    std::promise<absl::StatusOr<ReserveResult>> done;
    intake_store->Reserve(record, [&](absl::StatusOr<ReserveResult> r) { done.set_value(r); });
    return done.get_future().get();
  }
  absl::Status Complete(const std::string& id, const std::string& application_id) {
    std::promise<absl::Status> done;
    intake_store->Complete(common::v1::CHANNEL_MINISTRY, id, application_id,
                           [&](absl::Status s) { done.set_value(s); });
    return done.get_future().get();
  }
  absl::StatusOr<std::optional<IntakeRecord>> Find(const std::string& id) {
    std::promise<absl::StatusOr<std::optional<IntakeRecord>>> done;
    intake_store->Find(common::v1::CHANNEL_MINISTRY, id,
                       [&](absl::StatusOr<std::optional<IntakeRecord>> r) { done.set_value(r); });
    return done.get_future().get();
  }
  // Rows in the intake table as a fresh connection sees them, after an integrity check.
  int64_t RowsOnDisk() {
    store::DatabaseOptions options;
    options.path = path;
    options.read_only = true;
    absl::StatusOr<std::unique_ptr<store::Database>> reader = store::Database::Open(options);
    REQUIRE(reader.ok());
    REQUIRE((*reader)->CheckIntegrity().ok());
    absl::StatusOr<store::Statement> count = (*reader)->Prepare("SELECT count(*) FROM intake_records");
    REQUIRE(count.ok());
    absl::StatusOr<bool> row = count->Step();
    REQUIRE(row.ok());
    REQUIRE(*row);
    return count->ColumnInt64(0);
  }

  std::string dir;
  std::string path;
  time::FakeClock clock{testing::TestNow()};
  std::unique_ptr<store::Database> db;
  std::unique_ptr<SqliteIdempotencyStore> intake_store;
};

IntakeRecord Record(const std::string& id, const std::string& hash) {
  IntakeRecord record;
  record.channel = common::v1::CHANNEL_MINISTRY;
  record.channel_application_id = id;
  record.content_hash = hash;
  record.shard = "main";
  record.office_region_code = "230103";
  return record;
}

bool CleanStorageError(const absl::Status& status) {
  return status.code() == absl::StatusCode::kResourceExhausted ||
         status.code() == absl::StatusCode::kUnavailable ||
         status.code() == absl::StatusCode::kAborted;
}

TEST_CASE("a storage fault during a reservation stores nothing; the retry reserves once",
          "[gateway][store][fault]") {
  for (Fault kind : {Fault::kDiskFull, Fault::kIoError}) {
    for (FaultTarget target : {FaultTarget::kWritesAndSyncs, FaultTarget::kSyncsOnly}) {
      // A reservation is one commit: one WAL sync, several writes.
      for (int64_t skip : {0, 1, 2}) {
        if (target == FaultTarget::kSyncsOnly && skip > 0) continue;
        INFO("kind " << static_cast<int>(kind) << " target " << static_cast<int>(target)
                     << " skip " << skip);
        FaultFixture f;
        REQUIRE(f.Reserve(Record("M-0", "hash-0")).ok());
        FaultVfs::Install().Arm({kind, target, skip, /*sticky=*/true});
        absl::StatusOr<ReserveResult> failed = f.Reserve(Record("M-1", "hash-a"));
        FaultVfs::Install().Clear();
        INFO(failed.status().ToString());
        REQUIRE_FALSE(failed.ok());
        CHECK(CleanStorageError(failed.status()));
        CHECK(f.RowsOnDisk() == 1);
        absl::StatusOr<std::optional<IntakeRecord>> missing = f.Find("M-1");
        REQUIRE(missing.ok());
        CHECK_FALSE(missing->has_value());

        absl::StatusOr<ReserveResult> reserved = f.Reserve(Record("M-1", "hash-a"));
        REQUIRE(reserved.ok());
        CHECK(reserved->created);
        absl::StatusOr<ReserveResult> again = f.Reserve(Record("M-1", "hash-a"));
        REQUIRE(again.ok());
        CHECK_FALSE(again->created);
        f.Open();
        CHECK(f.RowsOnDisk() == 2);
      }
    }
  }
}

TEST_CASE("a storage fault while completing keeps the reservation without an application id",
          "[gateway][store][fault]") {
  for (Fault kind : {Fault::kDiskFull, Fault::kIoError}) {
    FaultFixture f;
    REQUIRE(f.Reserve(Record("M-1", "hash-a")).ok());
    FaultVfs::Install().Arm({kind, FaultTarget::kWritesAndSyncs, 0, /*sticky=*/true});
    absl::Status failed = f.Complete("M-1", "hlj-000001");
    FaultVfs::Install().Clear();
    INFO(failed.ToString());
    CHECK(CleanStorageError(failed));
    absl::StatusOr<std::optional<IntakeRecord>> record = f.Find("M-1");
    REQUIRE(record.ok());
    REQUIRE(record->has_value());
    CHECK((*record)->application_id.empty());
    REQUIRE(f.Complete("M-1", "hlj-000001").ok());
    f.Open();
    record = f.Find("M-1");
    REQUIRE(record.ok());
    REQUIRE(record->has_value());
    CHECK((*record)->application_id == "hlj-000001");
    CHECK(f.RowsOnDisk() == 1);
  }
}

}  // namespace
}  // namespace unemployment::gateway
