// uectl rebuild SERVICE --data-dir=DIR: makes a read model rebuild itself from the event feeds.
// Run where the service's data folder is mounted, with the service stopped (it takes the folder's
// lock, so a live service is refused): the database (and its -wal/-shm files) and the feed
// checkpoint files are moved aside to "<name>.before-rebuild-<UTC time>"; at its next start the
// service reads every feed from sequence 0 (common/feed). Only pure read models can be rebuilt:
// statistics, and the person index (its reservations of applications in flight are lost; they
// lapse after --reservation_lease anyway). Tiering and follow-up hold records of their own and
// are restored from a backup set instead (deploy/README.md, "Feeds after a restore").

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/store/data_dir_lock.h"
#include "services/ops/uectl_client.h"
#include "services/ops/uectl_commands.h"

namespace unemployment::ops {
namespace {

struct Rebuildable {
  const char* service;
  const char* database;
};
constexpr Rebuildable kRebuildable[] = {{"statistics", "statistics.db"},
                                        {"person-index", "person_index.db"}};

int RunRebuild(const Invocation& invocation) {
  const std::vector<std::string>& args = invocation.args.positional();
  if (args.size() != 1) return UsageError(invocation, "name the SERVICE to rebuild");
  const std::string service = args[0] == "person_index" ? "person-index" : args[0];
  const Rebuildable* target = nullptr;
  for (const Rebuildable& r : kRebuildable) {
    if (service == r.service) target = &r;
  }
  if (target == nullptr) {
    if (service == "tiering" || service == "followup" || service == "registration" ||
        service == "verification") {
      return UsageError(invocation,
                        absl::StrCat(service, " cannot be rebuilt from event feeds (it holds "
                                              "records of its own): restore it from a backup "
                                              "set (deploy/README.md, \"Restore\")"));
    }
    return UsageError(invocation, absl::StrCat("unknown SERVICE '", service,
                                               "' (rebuildable: statistics, person-index)"));
  }
  const std::optional<std::string> dir = invocation.args.Value("data-dir");
  if (!dir.has_value() || dir->empty()) {
    return UsageError(invocation, "--data-dir=DIR (the service's data folder) is required");
  }
  std::error_code error;
  if (!std::filesystem::is_directory(*dir, error)) {
    return ReportFailure(invocation, absl::StrCat("data folder '", *dir, "' does not exist"));
  }
  // Refuses while the service (or anything else) holds the folder; held until the moves are done.
  absl::StatusOr<store::DataDirLock> lock = store::DataDirLock::Acquire(*dir);
  if (!lock.ok()) return ReportFailure(invocation, lock.status().message());
  const std::string suffix =
      absl::StrCat(".before-rebuild-", absl::FormatTime("%Y%m%dT%H%M%SZ", absl::Now(),
                                                        absl::UTCTimeZone()));
  std::vector<std::string> moved;
  std::vector<std::filesystem::path> files;
  const std::string db = target->database;
  for (const auto& entry : std::filesystem::directory_iterator(*dir, error)) {
    const std::string name = entry.path().filename().string();
    const bool database = name == db || name == db + "-wal" || name == db + "-shm";
    const bool checkpoint = absl::StartsWith(name, "feed-") && absl::EndsWith(name, ".checkpoint");
    if (entry.is_regular_file() && (database || checkpoint)) files.push_back(entry.path());
  }
  for (const std::filesystem::path& path : files) {
    std::filesystem::path to = path;
    to += suffix;
    std::filesystem::rename(path, to, error);
    if (error) {
      return ReportFailure(invocation, absl::StrCat("cannot move '", path.string(), "' to '",
                                                    to.string(), "': ", error.message()));
    }
    moved.push_back(to.filename().string());
  }
  if (moved.empty()) {
    return ReportFailure(invocation,
                         absl::StrCat("no ", db, " in '", *dir, "': nothing to rebuild"));
  }
  *invocation.context.out << "moved aside in " << *dir << ":\n";
  for (const std::string& name : moved) *invocation.context.out << "  " << name << "\n";
  *invocation.context.out << "start " << service
                          << ": it reads every feed from sequence 0 (watch uectl feed-status); "
                             "delete the moved files once it has caught up\n";
  return kExitOk;
}

}  // namespace

Command RebuildCommand() {
  Command command;
  command.name = "rebuild";
  command.summary = "move a read model's database aside so that it is rebuilt from the feeds";
  command.synopsis = "rebuild SERVICE --data-dir=DIR";
  command.description =
      "With the service stopped (a live service holds its folder's lock and is refused), moves\n"
      "its database and its feed checkpoint files in DIR aside (suffix .before-rebuild-<time>).\n"
      "At its next start the service reads every feed from sequence 0. SERVICE: statistics or\n"
      "person-index (pure read models). Tiering and follow-up hold records of their own and\n"
      "cannot be rebuilt: restore them from the same backup set as their producer.";
  command.flags = {{"data-dir", "DIR", "the service's data folder (its volume)"}};
  command.max_positional = 1;
  command.run = RunRebuild;
  return command;
}

}  // namespace unemployment::ops
