// Storage faults under tiering writes (disk full, I/O errors injected by store::testing::FaultVfs):
// a registration event, a service delivery and an amendment that meet a fault fail cleanly and
// leave nothing; the same write then succeeds exactly once.
#include <catch2/catch.hpp>

#include "common/store/database.h"
#include "common/store/testing/fault_vfs.h"
#include "tests/services/tiering/test_util.h"

namespace unemployment::tiering {
namespace {

using store::testing::Fault;
using store::testing::FaultTarget;
using store::testing::FaultVfs;
using testing::Env;
using testing::Person;
using testing::TempDir;

int64_t CountOnDisk(const std::string& path, const char* sql) {
  store::DatabaseOptions options;
  options.path = path;
  options.read_only = true;
  absl::StatusOr<std::unique_ptr<store::Database>> db = store::Database::Open(options);
  REQUIRE(db.ok());
  REQUIRE((*db)->CheckIntegrity().ok());
  absl::StatusOr<store::Statement> statement = (*db)->Prepare(sql);
  REQUIRE(statement.ok());
  absl::StatusOr<bool> row = statement->Step();
  REQUIRE(row.ok());
  REQUIRE(*row);
  return statement->ColumnInt64(0);
}

bool CleanStorageError(const absl::Status& status) {
  return status.code() == absl::StatusCode::kResourceExhausted ||
         status.code() == absl::StatusCode::kUnavailable ||
         status.code() == absl::StatusCode::kAborted;
}

v1::RecordServiceDeliveryRequest Delivery(const std::string& registration_id) {
  v1::RecordServiceDeliveryRequest request;
  request.set_request_id("delivery-1");
  v1::ServiceDelivery& d = *request.mutable_delivery();
  d.set_registration_id(registration_id);
  d.set_type(v1::SERVICE_TYPE_CAREER_GUIDANCE);
  d.set_delivered_on("2025-02-10");
  d.set_provider("南岗区公共就业服务中心");
  d.set_staff_id("staff-1");
  return request;
}

TEST_CASE("a storage fault while applying a registration event stores nothing",
          "[tiering][fault]") {
  for (Fault kind : {Fault::kDiskFull, Fault::kIoError}) {
    for (int64_t skip : {0, 1, 2}) {
      INFO("kind " << static_cast<int>(kind) << " skip " << skip);
      TempDir dir;
      FaultVfs::Install().SetPathPrefix(dir.File(""));
      const std::string path = dir.File("t.db");
      Env env(path, testing::Day(2025, 3, 1));
      Person person;
      const int64_t profiles = CountOnDisk(path, "SELECT count(*) FROM profiles");
      FaultVfs::Install().Arm({kind, FaultTarget::kWritesAndSyncs, skip, /*sticky=*/true});
      absl::Status failed =
          env.tiering->profiles.ApplyRegistrationEvent("registration", testing::Created(1, person));
      FaultVfs::Install().Clear();
      INFO(failed.ToString());
      REQUIRE_FALSE(failed.ok());
      CHECK(CleanStorageError(failed));
      CHECK(CountOnDisk(path, "SELECT count(*) FROM profiles") == profiles);
      CHECK(CountOnDisk(path, "SELECT count(*) FROM events") == 0);

      UE_REQUIRE_OK(env.tiering->profiles.ApplyRegistrationEvent("registration",
                                                                 testing::Created(1, person)));
      // The consumer's cursor moved with the write: the same event again changes nothing.
      UE_REQUIRE_OK(env.tiering->profiles.ApplyRegistrationEvent("registration",
                                                                 testing::Created(1, person)));
      CHECK(CountOnDisk(path, "SELECT count(*) FROM profiles") == profiles + 1);
    }
  }
}

TEST_CASE("a storage fault while recording a service delivery stores nothing; the retry once",
          "[tiering][fault]") {
  for (Fault kind : {Fault::kDiskFull, Fault::kIoError}) {
    for (FaultTarget target : {FaultTarget::kWritesAndSyncs, FaultTarget::kSyncsOnly}) {
      INFO("kind " << static_cast<int>(kind) << " target " << static_cast<int>(target));
      TempDir dir;
      FaultVfs::Install().SetPathPrefix(dir.File(""));
      const std::string path = dir.File("t.db");
      Env env(path, testing::Day(2025, 3, 1));
      Person person;
      UE_REQUIRE_OK(env.tiering->profiles.ApplyRegistrationEvent("registration",
                                                                 testing::Created(1, person)));
      const int64_t events = CountOnDisk(path, "SELECT count(*) FROM events");

      FaultVfs::Install().Arm({kind, target, 0, /*sticky=*/true});
      absl::StatusOr<v1::RecordServiceDeliveryResponse> failed =
          env.tiering->plans.RecordServiceDelivery(Delivery(person.id));
      FaultVfs::Install().Clear();
      INFO(failed.status().ToString());
      REQUIRE_FALSE(failed.ok());
      CHECK(CleanStorageError(failed.status()));
      CHECK(CountOnDisk(path, "SELECT count(*) FROM deliveries") == 0);
      CHECK(CountOnDisk(path, "SELECT count(*) FROM events") == events);

      absl::StatusOr<v1::RecordServiceDeliveryResponse> recorded =
          env.tiering->plans.RecordServiceDelivery(Delivery(person.id));
      UE_REQUIRE_OK(recorded.status());
      absl::StatusOr<v1::RecordServiceDeliveryResponse> repeat =
          env.tiering->plans.RecordServiceDelivery(Delivery(person.id));
      UE_REQUIRE_OK(repeat.status());
      CHECK(CountOnDisk(path, "SELECT count(*) FROM deliveries") == 1);
    }
  }
}

TEST_CASE("a storage fault while amending a delivery leaves the original; the retry once",
          "[tiering][fault][amendment]") {
  for (Fault kind : {Fault::kDiskFull, Fault::kIoError}) {
    for (FaultTarget target : {FaultTarget::kWritesAndSyncs, FaultTarget::kSyncsOnly}) {
      INFO("kind " << static_cast<int>(kind) << " target " << static_cast<int>(target));
      TempDir dir;
      FaultVfs::Install().SetPathPrefix(dir.File(""));
      const std::string path = dir.File("t.db");
      Env env(path, testing::Day(2025, 3, 1));
      Person person;
      UE_REQUIRE_OK(env.tiering->profiles.ApplyRegistrationEvent("registration",
                                                                 testing::Created(1, person)));
      absl::StatusOr<v1::RecordServiceDeliveryResponse> recorded =
          env.tiering->plans.RecordServiceDelivery(Delivery(person.id));
      UE_REQUIRE_OK(recorded.status());
      const int64_t events = CountOnDisk(path, "SELECT count(*) FROM events");
      v1::AmendServiceDeliveryRequest amend;
      amend.set_request_id("amend-1");
      amend.set_delivery_id(recorded->delivery().delivery_id());
      amend.set_amendment_reason("recorded in error");
      amend.set_actor("staff-2");
      amend.set_withdraw(true);

      FaultVfs::Install().Arm({kind, target, 0, /*sticky=*/true});
      absl::StatusOr<v1::AmendServiceDeliveryResponse> failed =
          env.tiering->plans.AmendServiceDelivery(amend);
      FaultVfs::Install().Clear();
      INFO(failed.status().ToString());
      REQUIRE_FALSE(failed.ok());
      CHECK(CleanStorageError(failed.status()));
      CHECK(CountOnDisk(path, "SELECT count(*) FROM deliveries WHERE withdrawn = 1") == 0);
      CHECK(CountOnDisk(path, "SELECT count(*) FROM events") == events);
      CHECK(CountOnDisk(path, "SELECT count(*) FROM requests") == 1);  // the recording's only

      absl::StatusOr<v1::AmendServiceDeliveryResponse> amended =
          env.tiering->plans.AmendServiceDelivery(amend);
      UE_REQUIRE_OK(amended.status());
      absl::StatusOr<v1::AmendServiceDeliveryResponse> repeat =
          env.tiering->plans.AmendServiceDelivery(amend);
      UE_REQUIRE_OK(repeat.status());
      CHECK(repeat->delivery().amendments_size() == 1);
      CHECK(CountOnDisk(path, "SELECT count(*) FROM deliveries WHERE withdrawn = 1") == 1);
      CHECK(CountOnDisk(path, "SELECT count(*) FROM events") == events + 1);
    }
  }
}

}  // namespace
}  // namespace unemployment::tiering
