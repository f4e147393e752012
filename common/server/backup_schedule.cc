#include "common/server/backup_schedule.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "common/log/logger.h"
#include "common/store/database.h"

namespace unemployment::server {
namespace {

namespace fs = std::filesystem;

constexpr absl::string_view kSetTimeFormat = "%Y%m%dT%H%M%SZ";
constexpr absl::string_view kPartialSuffix = ".partial";

absl::Status SyncPath(const std::string& path, bool directory) {
  int fd = open(path.c_str(), (directory ? O_RDONLY | O_DIRECTORY : O_RDONLY) | O_CLOEXEC);
  if (fd < 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot open \"", path, "\" to sync it: ", std::strerror(errno)));
  }
  int rc = fsync(fd);
  int error = errno;
  close(fd);
  if (rc != 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot sync \"", path, "\": ", std::strerror(error)));
  }
  return absl::OkStatus();
}

absl::Status WriteError(const std::string& what, int error) {
  std::string message = absl::StrCat(what, ": ", std::strerror(error));
  if (error == ENOSPC || error == EDQUOT) return absl::ResourceExhaustedError(message);
  return absl::UnavailableError(message);
}

// Copies `from` into `to` up to its last complete line (a line being appended is left out).
absl::Status CopyPlainFile(const std::string& from, const std::string& to) {
  std::ifstream in(from, std::ios::binary);
  if (!in) return absl::OkStatus();  // missing: nothing to copy
  std::stringstream buffer;
  buffer << in.rdbuf();
  std::string content = buffer.str();
  size_t end = content.rfind('\n');
  content.resize(end == std::string::npos ? 0 : end + 1);
  int fd = open(to.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return WriteError(absl::StrCat("cannot create \"", to, "\""), errno);
  size_t done = 0;
  while (done < content.size()) {
    ssize_t n = write(fd, content.data() + done, content.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      int error = errno;
      close(fd);
      return WriteError(absl::StrCat("cannot write \"", to, "\""), error);
    }
    done += static_cast<size_t>(n);
  }
  int rc = fsync(fd);
  int error = errno;
  close(fd);
  if (rc != 0) return WriteError(absl::StrCat("cannot sync \"", to, "\""), error);
  return absl::OkStatus();
}

// The instant in a set's folder name, if it is one of this service's complete sets.
bool ParseSetName(const std::string& service, const std::string& name, absl::Time* at) {
  std::string prefix = absl::StrCat(service, "-");
  if (!absl::StartsWith(name, prefix)) return false;
  // "YYYYMMDDTHHMMSSZ" (absl::ParseTime's %Y would read every digit as the year).
  std::string stamp = name.substr(prefix.size());
  if (stamp.size() != 16 || stamp[8] != 'T' || stamp[15] != 'Z') return false;
  for (size_t i : {0, 1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12, 13, 14}) {
    if (stamp[i] < '0' || stamp[i] > '9') return false;
  }
  auto number = [&](size_t from, size_t length) { return std::stoi(stamp.substr(from, length)); };
  absl::CivilSecond civil(number(0, 4), number(4, 2), number(6, 2), number(9, 2), number(11, 2),
                          number(13, 2));
  *at = absl::FromCivil(civil, absl::UTCTimeZone());
  return BackupSetName(service, *at) == name;  // a real date, written the way we write it
}

}  // namespace

absl::Status ValidateBackupScheduleOptions(const BackupScheduleOptions& options) {
  if (options.service_name.empty()) return absl::InvalidArgumentError("backup: no service name");
  if (options.data_dir.empty() || options.backup_dir.empty()) {
    return absl::InvalidArgumentError("backup: the data and backup folders must be set");
  }
  std::error_code ec;
  if (fs::weakly_canonical(options.data_dir, ec) == fs::weakly_canonical(options.backup_dir, ec)) {
    return absl::InvalidArgumentError(
        "setting --backup_dir must be another folder than --data_dir (another volume)");
  }
  if (options.interval < absl::Minutes(1)) {
    return absl::InvalidArgumentError("setting --backup_interval must be at least 1m");
  }
  if (options.keep < 1) {
    return absl::InvalidArgumentError("setting --backup_keep must be a whole number >= 1");
  }
  return absl::OkStatus();
}

std::string BackupSetName(const std::string& service_name, absl::Time at) {
  return absl::StrCat(service_name, "-", absl::FormatTime(kSetTimeFormat, at, absl::UTCTimeZone()));
}

BackupSchedule::BackupSchedule(BackupScheduleOptions options, const time::Clock& clock)
    : options_(std::move(options)), clock_(clock), started_(clock.Now()) {
  std::vector<std::string> sets = Sets();
  absl::Time newest;
  if (!sets.empty() && ParseSetName(options_.service_name, sets.back(), &newest)) {
    last_success_ = newest;
  }
}

BackupSchedule::~BackupSchedule() { Stop(); }

std::vector<std::string> BackupSchedule::Sets() const {
  std::vector<std::string> sets;
  std::error_code ec;
  for (fs::directory_iterator it(options_.backup_dir, ec), end; !ec && it != end;
       it.increment(ec)) {
    absl::Time at;
    std::string name = it->path().filename().string();
    if (it->is_directory(ec) && ParseSetName(options_.service_name, name, &at)) {
      sets.push_back(name);
    }
  }
  std::sort(sets.begin(), sets.end());
  return sets;
}

absl::StatusOr<bool> BackupSchedule::RunIfDue() {
  absl::Time last = last_success();
  if (last != absl::InfinitePast() && clock_.Now() < last + options_.interval) return false;
  absl::StatusOr<std::string> set = RunNow();
  if (!set.ok()) return set.status();
  return true;
}

absl::StatusOr<std::string> BackupSchedule::RunNow() {
  absl::MutexLock run(&run_mu_);
  const absl::Time at = clock_.Now();
  const absl::Time wall_start = absl::Now();
  const std::string name = BackupSetName(options_.service_name, at);
  const std::string final_dir = absl::StrCat(options_.backup_dir, "/", name);
  const std::string partial_dir = absl::StrCat(final_dir, kPartialSuffix);
  std::error_code ec;

  auto fail = [&](absl::Status status) -> absl::Status {
    fs::remove_all(partial_dir, ec);
    absl::MutexLock lock(&mu_);
    ++failures_;
    return absl::Status(status.code(), absl::StrCat("backup set ", name, ": ", status.message()));
  };

  // Leftovers of an interrupted run.
  for (fs::directory_iterator it(options_.backup_dir, ec), end; !ec && it != end;
       it.increment(ec)) {
    std::string entry = it->path().filename().string();
    if (absl::StartsWith(entry, absl::StrCat(options_.service_name, "-")) &&
        absl::EndsWith(entry, kPartialSuffix)) {
      std::error_code ignored;
      fs::remove_all(it->path(), ignored);
    }
  }
  if (fs::exists(final_dir, ec)) {
    return fail(absl::AlreadyExistsError("a set of that instant exists already"));
  }
  if (!fs::create_directories(partial_dir, ec)) {
    return fail(WriteError(absl::StrCat("cannot create \"", partial_dir, "\""), ec.value()));
  }

  // Plain files first (the audit anchor): never newer than the databases copied after them.
  for (const std::string& file : options_.plain_files) {
    std::string target = absl::StrCat(partial_dir, "/", fs::path(file).filename().string());
    if (absl::Status copied = CopyPlainFile(file, target); !copied.ok()) return fail(copied);
  }

  std::vector<std::string> databases;
  for (fs::directory_iterator it(options_.data_dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->is_regular_file() && it->path().extension() == ".db") {
      databases.push_back(it->path().filename().string());
    }
  }
  if (ec) {
    return fail(absl::UnavailableError(
        absl::StrCat("cannot list \"", options_.data_dir, "\": ", ec.message())));
  }
  std::sort(databases.begin(), databases.end());
  // The audit log last: its entries describe calls on the service's database, so the copy of the
  // audit log is at least as new as the service's.
  std::stable_partition(databases.begin(), databases.end(),
                        [](const std::string& file) { return file != "audit.db"; });
  int64_t bytes = 0;
  for (const std::string& file : databases) {
    store::DatabaseOptions source;
    source.path = absl::StrCat(options_.data_dir, "/", file);
    source.read_only = true;  // its own connection: the service's writer keeps going
    source.statement_cache_capacity = 0;
    absl::StatusOr<std::unique_ptr<store::Database>> db = store::Database::Open(source);
    if (!db.ok()) return fail(db.status());
    std::string target = absl::StrCat(partial_dir, "/", file);
    if (absl::Status copied = store::BackupTo(**db, target, options_.copy); !copied.ok()) {
      return fail(copied);
    }
    bytes += static_cast<int64_t>(fs::file_size(target, ec));
  }
  if (absl::Status synced = SyncPath(partial_dir, true); !synced.ok()) return fail(synced);
  fs::rename(partial_dir, final_dir, ec);
  if (ec) {
    return fail(WriteError(absl::StrCat("cannot rename \"", partial_dir, "\""), ec.value()));
  }
  if (absl::Status synced = SyncPath(options_.backup_dir, true); !synced.ok()) return fail(synced);
  {
    absl::MutexLock lock(&mu_);
    last_success_ = at;
    last_duration_ = absl::Now() - wall_start;
    last_bytes_ = bytes;
  }
  // Retention only after a good set: a failing schedule never removes the sets it has.
  if (absl::Status pruned = Prune(); !pruned.ok()) {
    absl::MutexLock lock(&mu_);
    ++failures_;
    return absl::Status(
        pruned.code(),
        absl::StrCat("backup set ", name, " taken, but retention failed: ", pruned.message()));
  }
  return final_dir;
}

absl::Status BackupSchedule::Prune() {
  std::vector<std::string> sets = Sets();
  if (static_cast<int>(sets.size()) <= options_.keep) return absl::OkStatus();
  for (size_t i = 0; i + options_.keep < sets.size(); ++i) {
    std::error_code ec;
    fs::remove_all(absl::StrCat(options_.backup_dir, "/", sets[i]), ec);
    if (ec) {
      return absl::UnavailableError(
          absl::StrCat("cannot remove old set ", sets[i], ": ", ec.message()));
    }
  }
  return absl::OkStatus();
}

void BackupSchedule::Start(absl::Duration check_every) {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = false;
  }
  thread_ = std::thread([this, check_every] {
    log::Logger logger(options_.service_name);
    for (;;) {
      absl::StatusOr<bool> ran = RunIfDue();
      if (!ran.ok()) {
        logger.Error("backup_failed",
                     {{"status", ran.status()}, {"backup_dir", options_.backup_dir}});
      } else if (*ran) {
        logger.Info("backup_taken", {{"backup_dir", options_.backup_dir},
                                     {"set", BackupSetName(options_.service_name, last_success())},
                                     {"bytes", last_bytes()},
                                     {"duration", last_duration()}});
      }
      // Wake when the next set is due (at most `check_every` from now, at least a second).
      absl::Duration wait = check_every;
      absl::Time last = last_success();
      if (last != absl::InfinitePast()) {
        wait = std::clamp(last + options_.interval - clock_.Now(), absl::Seconds(1), check_every);
      }
      absl::MutexLock lock(&mu_);
      if (mu_.AwaitWithTimeout(absl::Condition(&stopping_), wait)) return;
    }
  });
}

void BackupSchedule::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

absl::Time BackupSchedule::last_success() const {
  absl::MutexLock lock(&mu_);
  return last_success_;
}

int64_t BackupSchedule::failures() const {
  absl::MutexLock lock(&mu_);
  return failures_;
}

absl::Duration BackupSchedule::last_duration() const {
  absl::MutexLock lock(&mu_);
  return last_duration_;
}

int64_t BackupSchedule::last_bytes() const {
  absl::MutexLock lock(&mu_);
  return last_bytes_;
}

}  // namespace unemployment::server
