// One live process per data folder: the lock is exclusive, says who holds it, and is released
// when its holder goes away.
#include "common/store/data_dir_lock.h"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "tests/common/store/test_util.h"

namespace unemployment::store {
namespace {

TEST_CASE("a data folder's lock is held by one holder at a time", "[data_dir_lock]") {
  testing::TempDir dir;
  std::optional<DataDirLock> first;
  {
    absl::StatusOr<DataDirLock> taken = DataDirLock::Acquire(dir.path());
    REQUIRE(taken.ok());
    first.emplace(*std::move(taken));
  }
  CHECK(first->path() == dir.path() + "/LOCK");

  // A second holder (its own open file description, as another process would have) is refused
  // with the folder and the holder's process id.
  absl::StatusOr<DataDirLock> second = DataDirLock::Acquire(dir.path());
  REQUIRE(second.status().code() == absl::StatusCode::kFailedPrecondition);
  CHECK(std::string(second.status().message()) ==
        absl::StrCat("data folder '", dir.path(), "' is in use by another live process (pid ",
                     getpid(), ", lock ", dir.path(), "/LOCK); one service process per data ",
                     "folder: stop the other one first"));

  // Moving the lock keeps it held; dropping it releases it.
  DataDirLock moved = *std::move(first);
  first.reset();
  CHECK(DataDirLock::Acquire(dir.path()).status().code() == absl::StatusCode::kFailedPrecondition);
  { DataDirLock gone = std::move(moved); }
  CHECK(DataDirLock::Acquire(dir.path()).ok());
}

TEST_CASE("a folder that cannot hold a lock file is an error, not a silent pass",
          "[data_dir_lock]") {
  absl::StatusOr<DataDirLock> lock = DataDirLock::Acquire("/nonexistent/folder");
  CHECK(lock.status().code() == absl::StatusCode::kInternal);
}

}  // namespace
}  // namespace unemployment::store
