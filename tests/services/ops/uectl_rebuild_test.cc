// uectl rebuild: a stopped read model's database and feed checkpoints are moved aside; a folder
// held by a live process, a service that cannot be rebuilt and a missing --data-dir are refused.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <string>

#include "common/store/data_dir_lock.h"
#include "tests/services/ops/test_util.h"

namespace unemployment::ops {
namespace {

using Catch::Matchers::Contains;
using testing::TempDir;
using testing::Uectl;

void Touch(const std::string& path) { std::ofstream(path) << "x"; }

TEST_CASE("rebuild moves a stopped read model aside, and refuses what it must", "[uectl][rebuild]") {
  TempDir dir;
  const std::string data = dir.path();
  Touch(data + "/statistics.db");
  Touch(data + "/statistics.db-wal");
  Touch(data + "/feed-registration-hlj.checkpoint");
  Touch(data + "/audit.db");
  Uectl uectl;

  {
    // A live service holds the folder.
    auto held = store::DataDirLock::Acquire(data);
    REQUIRE(held.ok());
    CHECK(uectl.Run({"rebuild", "statistics", "--data-dir=" + data}) == kExitFailure);
    CHECK_THAT(uectl.err(), Contains("in use by another live process"));
    CHECK(std::filesystem::exists(data + "/statistics.db"));
  }
  CHECK(uectl.Run({"rebuild", "tiering", "--data-dir=" + data}) == kExitUsage);
  CHECK_THAT(uectl.err(), Contains("cannot be rebuilt from event feeds"));
  CHECK(uectl.Run({"rebuild", "statistics"}) == kExitUsage);

  REQUIRE(uectl.Run({"rebuild", "statistics", "--data-dir=" + data}) == kExitOk);
  CHECK_THAT(uectl.out(), Contains("statistics.db.before-rebuild-"));
  CHECK_FALSE(std::filesystem::exists(data + "/statistics.db"));
  CHECK_FALSE(std::filesystem::exists(data + "/statistics.db-wal"));
  CHECK_FALSE(std::filesystem::exists(data + "/feed-registration-hlj.checkpoint"));
  CHECK(std::filesystem::exists(data + "/audit.db"));  // the audit log stays
  // Nothing left to move: a failure, not a silent success.
  CHECK(uectl.Run({"rebuild", "statistics", "--data-dir=" + data}) == kExitFailure);
}

}  // namespace
}  // namespace unemployment::ops
