// Scheduled backup sets with retention (common/server/backup_schedule.h) and the backup taken
// before a migration (service_database.h), driven by a FakeClock: no sleeping.
#include "common/server/backup_schedule.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "common/server/service_database.h"
#include "common/store/migration.h"
#include "common/store/testing/fault_vfs.h"
#include "common/time/clock.h"
#include "tests/common/store/test_util.h"
#include "tests/testing/files.h"

namespace unemployment::server {
namespace {

using ::unemployment::testing::ReadFile;

namespace fs = std::filesystem;
using store::testing::OpenOrFail;
using store::testing::QueryInt;
using store::testing::TempDir;

absl::Time At(const char* rfc3339) {
  absl::Time t;
  std::string error;
  REQUIRE(absl::ParseTime(absl::RFC3339_full, rfc3339, &t, &error));
  return t;
}

struct Service {
  Service() {
    fs::create_directories(data.path() + "/data");
    app = OpenOrFail(data.path() + "/data/app.db");
    UE_REQUIRE_OK(app->Execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)"));
    audit = OpenOrFail(data.path() + "/data/audit.db");
    UE_REQUIRE_OK(audit->Execute("CREATE TABLE entries (seq INTEGER PRIMARY KEY)"));
    std::ofstream(anchor()) << "ue-audit-anchor-1 1 a\nue-audit-anchor-1 2 b\nue-audit-anch";
    options.service_name = "app";
    options.data_dir = data.path() + "/data";
    options.backup_dir = backups.path();
    options.interval = absl::Hours(1);
    options.keep = 3;
    options.plain_files = {anchor()};
  }
  std::string anchor() const { return data.path() + "/audit.anchor"; }
  void Write() { UE_REQUIRE_OK(app->Execute("INSERT INTO t (v) VALUES ('x')")); }

  TempDir data;
  TempDir backups;
  std::unique_ptr<store::Database> app;
  std::unique_ptr<store::Database> audit;
  BackupScheduleOptions options;
};

// Whether `schedule` took a set now; the check itself must succeed.
bool RanIfDue(BackupSchedule& schedule) {
  absl::StatusOr<bool> ran = schedule.RunIfDue();
  UE_REQUIRE_OK(ran);
  return *ran;
}

int64_t RowsIn(const std::string& path) {
  store::DatabaseOptions options;
  options.path = path;
  options.read_only = true;
  return QueryInt(*OpenOrFail(options), "SELECT count(*) FROM t");
}

TEST_CASE("backup schedule: sets on the interval, retention keeps the newest", "[backup]") {
  Service service;
  time::FakeClock clock(At("2026-12-07T00:00:00Z"));
  BackupSchedule schedule(service.options, clock);
  REQUIRE(schedule.last_success() == absl::InfinitePast());

  std::vector<std::string> taken;
  for (int hour = 0; hour < 5; ++hour) {
    service.Write();  // hour + 1 rows at this set
    REQUIRE(RanIfDue(schedule));
    taken.push_back(BackupSetName("app", clock.Now()));
    // Not due again within the interval.
    clock.Advance(absl::Minutes(59));
    REQUIRE_FALSE(RanIfDue(schedule));
    clock.Advance(absl::Minutes(1));
  }
  REQUIRE(taken.front() == "app-20261207T000000Z");
  // Retention: the three newest sets, oldest first; the two oldest are gone.
  REQUIRE(schedule.Sets() == std::vector<std::string>(taken.begin() + 2, taken.end()));
  REQUIRE_FALSE(fs::exists(service.backups.path() + "/" + taken[0]));
  REQUIRE(schedule.failures() == 0);
  REQUIRE(schedule.last_success() == At("2026-12-07T04:00:00Z"));

  // Each set is complete: every database of the data folder, each a point in time, and the
  // anchor up to its last complete line.
  for (int i = 2; i < 5; ++i) {
    std::string set = service.backups.path() + "/" + taken[i];
    std::vector<std::string> files;
    for (const auto& entry : fs::directory_iterator(set)) {
      files.push_back(entry.path().filename().string());
    }
    std::sort(files.begin(), files.end());
    REQUIRE(files == std::vector<std::string>{"app.db", "audit.anchor", "audit.db"});
    REQUIRE(RowsIn(set + "/app.db") == i + 1);
    REQUIRE(ReadFile(set + "/audit.anchor") == "ue-audit-anchor-1 1 a\nue-audit-anchor-1 2 b\n");
  }
  REQUIRE(schedule.last_bytes() > 0);
}

TEST_CASE("backup schedule: a restart counts the newest set in the folder", "[backup]") {
  Service service;
  time::FakeClock clock(At("2026-12-07T08:00:00Z"));
  {
    BackupSchedule first(service.options, clock);
    UE_REQUIRE_OK(first.RunNow());
  }
  clock.Advance(absl::Minutes(10));
  BackupSchedule restarted(service.options, clock);
  REQUIRE(restarted.last_success() == At("2026-12-07T08:00:00Z"));
  REQUIRE_FALSE(RanIfDue(restarted));  // a crash loop does not push good sets out of retention
  clock.Advance(absl::Minutes(50));
  REQUIRE(RanIfDue(restarted));
  REQUIRE(restarted.Sets().size() == 2);
}

TEST_CASE("backup schedule: a full backup volume fails cleanly and removes nothing", "[backup]") {
  Service service;
  time::FakeClock clock(At("2026-12-07T00:00:00Z"));
  BackupSchedule schedule(service.options, clock);
  UE_REQUIRE_OK(schedule.RunNow());
  clock.Advance(absl::Hours(1));

  store::testing::FaultVfs& vfs = store::testing::FaultVfs::Install();
  vfs.SetPathPrefix(service.backups.path());
  {
    store::testing::ScopedFault full(store::testing::FaultPlan{});  // disk full, sticky
    absl::StatusOr<bool> ran = schedule.RunIfDue();
    REQUIRE(ran.status().code() == absl::StatusCode::kResourceExhausted);
  }
  vfs.SetPathPrefix("");
  REQUIRE(schedule.failures() == 1);
  REQUIRE(schedule.last_success() == At("2026-12-07T00:00:00Z"));
  REQUIRE(schedule.Sets() == std::vector<std::string>{"app-20261207T000000Z"});
  for (const auto& entry : fs::directory_iterator(service.backups.path())) {
    REQUIRE(entry.path().filename() == "app-20261207T000000Z");  // no .partial left
  }
  // Space back: the next check takes the set that was due.
  REQUIRE(RanIfDue(schedule));
  REQUIRE(schedule.Sets().size() == 2);
}

TEST_CASE("backup schedule: options are checked", "[backup]") {
  Service service;
  UE_REQUIRE_OK(ValidateBackupScheduleOptions(service.options));
  BackupScheduleOptions same = service.options;
  same.backup_dir = same.data_dir + "/";
  REQUIRE(ValidateBackupScheduleOptions(same).code() == absl::StatusCode::kInvalidArgument);
  BackupScheduleOptions fast = service.options;
  fast.interval = absl::Seconds(10);
  REQUIRE(ValidateBackupScheduleOptions(fast).code() == absl::StatusCode::kInvalidArgument);
  BackupScheduleOptions none = service.options;
  none.keep = 0;
  REQUIRE(ValidateBackupScheduleOptions(none).code() == absl::StatusCode::kInvalidArgument);
}

constexpr store::Migration kV1[] = {{1, "create", "CREATE TABLE t (id INTEGER PRIMARY KEY)"}};
constexpr store::Migration kV2[] = {{1, "create", "CREATE TABLE t (id INTEGER PRIMARY KEY)"},
                                    {2, "add_u", "CREATE TABLE u (id INTEGER PRIMARY KEY)"}};

TEST_CASE("an upgrade copies the database to the backup folder before migrating", "[backup]") {
  TempDir data, backups;
  time::FakeClock clock(At("2026-12-07T09:30:00Z"));
  CommonSettings common;
  common.service_name = "app";
  common.data_dir = data.path();
  common.sqlite_synchronous = "FULL";
  common.clock = &clock;
  common.backup_dir = backups.path();

  // A new database: nothing to keep.
  {
    absl::StatusOr<std::unique_ptr<store::Database>> db =
        OpenServiceDatabase(common, "app.db", kV1);
    UE_REQUIRE_OK(db);
    UE_REQUIRE_OK((*db)->Execute("INSERT INTO t (id) VALUES (1), (2)"));
  }
  REQUIRE(fs::is_empty(backups.path()));

  // The upgrade: version 1 is copied first, then migrated to 2.
  {
    absl::StatusOr<std::unique_ptr<store::Database>> db =
        OpenServiceDatabase(common, "app.db", kV2);
    UE_REQUIRE_OK(db);
    REQUIRE(QueryInt(**db, "PRAGMA user_version") == 2);
  }
  std::string copy = backups.path() + "/app-before-migration-v1-to-v2-20261207T093000Z.db";
  REQUIRE(fs::exists(copy));
  REQUIRE(std::distance(fs::directory_iterator(backups.path()), fs::directory_iterator()) == 1);
  {
    store::DatabaseOptions options;
    options.path = copy;
    options.read_only = true;
    std::unique_ptr<store::Database> saved = OpenOrFail(options);
    REQUIRE(QueryInt(*saved, "PRAGMA user_version") == 1);
    REQUIRE(QueryInt(*saved, "SELECT count(*) FROM t") == 2);
    REQUIRE(QueryInt(*saved, "SELECT count(*) FROM sqlite_master WHERE name = 'u'") == 0);
  }

  // Up to date: no further copy.
  clock.Advance(absl::Hours(1));
  UE_REQUIRE_OK(OpenServiceDatabase(common, "app.db", kV2));
  for (const auto& entry : fs::directory_iterator(backups.path())) {
    // the copy (and the -wal/-shm of reading it above), nothing else
    REQUIRE(absl::StartsWith(entry.path().filename().string(),
                             "app-before-migration-v1-to-v2-20261207T093000Z.db"));
  }
}

TEST_CASE("no migration when the copy before it fails", "[backup]") {
  TempDir data, backups;
  time::FakeClock clock(At("2026-12-07T09:30:00Z"));
  CommonSettings common;
  common.service_name = "app";
  common.data_dir = data.path();
  common.sqlite_synchronous = "FULL";
  common.clock = &clock;
  UE_REQUIRE_OK(OpenServiceDatabase(common, "app.db", kV1));

  common.backup_dir = backups.path();
  store::testing::FaultVfs& vfs = store::testing::FaultVfs::Install();
  vfs.SetPathPrefix(backups.path());
  {
    store::testing::ScopedFault full(store::testing::FaultPlan{});
    absl::StatusOr<std::unique_ptr<store::Database>> db =
        OpenServiceDatabase(common, "app.db", kV2);
    REQUIRE(db.status().code() == absl::StatusCode::kResourceExhausted);
    REQUIRE(absl::StrContains(db.status().message(), "nothing migrated"));
  }
  vfs.SetPathPrefix("");
  std::unique_ptr<store::Database> db = OpenOrFail(data.path() + "/app.db");
  REQUIRE(QueryInt(*db, "PRAGMA user_version") == 1);
  REQUIRE(fs::is_empty(backups.path()));
}

}  // namespace
}  // namespace unemployment::server
