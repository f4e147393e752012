#include "tests/bench/child_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <deque>
#include <fstream>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"

namespace unemployment::bench {
namespace {

void WriteAll(int fd, absl::string_view data) {
  while (!data.empty()) {
    const ssize_t written = write(fd, data.data(), data.size());
    if (written < 0) {
      if (errno == EINTR) continue;
      return;  // the log is best effort; the child must never block on it
    }
    data.remove_prefix(static_cast<size_t>(written));
  }
}

// Waits for `pid` up to `timeout`; true when it exited (status in *status).
bool WaitFor(pid_t pid, absl::Duration timeout, int* status) {
  const absl::Time deadline = absl::Now() + timeout;
  for (;;) {
    const pid_t done = waitpid(pid, status, WNOHANG);
    if (done == pid || (done < 0 && errno != EINTR)) return true;
    if (absl::Now() >= deadline) return false;
    absl::SleepFor(absl::Milliseconds(10));
  }
}

}  // namespace

absl::StatusOr<std::unique_ptr<ChildProcess>> ChildProcess::Start(
    const std::vector<std::string>& argv, const std::string& marker_name,
    const std::string& log_path, absl::Duration startup_timeout) {
  if (argv.empty()) return absl::InvalidArgumentError("no command to start");
  const int log_fd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (log_fd < 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot create log file ", log_path, ": ", std::strerror(errno)));
  }
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    close(log_fd);
    return absl::InternalError(absl::StrCat("pipe: ", std::strerror(errno)));
  }
  // Everything the child needs is prepared before fork: after it only async-signal-safe calls.
  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  const pid_t parent = getpid();

  const pid_t pid = fork();
  if (pid < 0) {
    close(fds[0]);
    close(fds[1]);
    close(log_fd);
    return absl::InternalError(absl::StrCat("fork: ", std::strerror(errno)));
  }
  if (pid == 0) {
    // Child: die with the benchmark, so an interrupted run leaves no servers behind.
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent) _exit(1);
    const int null_fd = open("/dev/null", O_RDONLY);
    if (null_fd >= 0) dup2(null_fd, STDIN_FILENO);
    dup2(fds[1], STDOUT_FILENO);
    dup2(fds[1], STDERR_FILENO);
    execv(args[0], args.data());
    static constexpr char kFailed[] = "exec failed\n";
    WriteAll(STDERR_FILENO, kFailed);
    _exit(127);
  }
  close(fds[1]);
  std::unique_ptr<ChildProcess> child(new ChildProcess(pid, fds[0], log_fd, log_path));

  // Read until the marker line; everything read also goes to the log.
  const std::string marker = absl::StrCat(marker_name, " listening on ");
  const absl::Time deadline = absl::Now() + startup_timeout;
  std::string line;
  char buffer[4096];
  while (child->address_.empty()) {
    const absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration()) break;
    pollfd readable{child->out_fd_, POLLIN, 0};
    const int ready = poll(&readable, 1, static_cast<int>(absl::ToInt64Milliseconds(left)) + 1);
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) break;
    const ssize_t got = read(child->out_fd_, buffer, sizeof(buffer));
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;  // the child closed its output: it died
    const absl::string_view chunk(buffer, static_cast<size_t>(got));
    WriteAll(log_fd, chunk);
    for (char c : chunk) {
      if (c != '\n') {
        line.push_back(c);
        continue;
      }
      if (child->address_.empty() && absl::string_view(line).substr(0, marker.size()) == marker) {
        const absl::string_view rest = absl::string_view(line).substr(marker.size());
        child->address_ = std::string(rest.substr(0, rest.find(' ')));
      }
      line.clear();
    }
  }
  if (child->address_.empty()) {
    const int status = child->Stop(absl::Seconds(2));
    return absl::UnavailableError(
        absl::StrCat(argv[0], " did not print \"", marker, "ADDRESS\" (wait status ", status,
                     "); its last output (", log_path, "):\n", TailOfFile(log_path, 20)));
  }
  child->drainer_ = std::thread([raw = child.get()] { raw->Drain(); });
  return child;
}

ChildProcess::ChildProcess(pid_t pid, int out_fd, int log_fd, std::string log_path)
    : pid_(pid), out_fd_(out_fd), log_fd_(log_fd), log_path_(std::move(log_path)) {}

ChildProcess::~ChildProcess() { Stop(); }

void ChildProcess::Drain() {
  char buffer[4096];
  for (;;) {
    const ssize_t got = read(out_fd_, buffer, sizeof(buffer));
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return;
    WriteAll(log_fd_, absl::string_view(buffer, static_cast<size_t>(got)));
  }
}

int ChildProcess::Stop(absl::Duration grace) {
  if (stopped_) return exit_status_;
  stopped_ = true;
  kill(pid_, SIGTERM);
  if (!WaitFor(pid_, grace, &exit_status_)) {
    kill(pid_, SIGKILL);
    WaitFor(pid_, absl::Seconds(10), &exit_status_);
  }
  if (drainer_.joinable()) drainer_.join();
  close(out_fd_);
  close(log_fd_);
  return exit_status_;
}

double ProcessCpuSeconds(pid_t pid) {
  std::ifstream in(absl::StrCat("/proc/", pid, "/stat"));
  std::string stat;
  std::getline(in, stat);
  // Fields after the command name (which is in parentheses and may hold spaces): state is field 3,
  // utime and stime are fields 14 and 15.
  const size_t close_paren = stat.rfind(')');
  if (close_paren == std::string::npos) return 0.0;
  std::vector<absl::string_view> fields =
      absl::StrSplit(absl::string_view(stat).substr(close_paren + 2), ' ');
  int64_t utime = 0;
  int64_t stime = 0;
  if (fields.size() < 13 || !absl::SimpleAtoi(fields[11], &utime) ||
      !absl::SimpleAtoi(fields[12], &stime)) {
    return 0.0;
  }
  return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

std::string TailOfFile(const std::string& path, int lines) {
  std::ifstream in(path);
  std::deque<std::string> tail;
  std::string line;
  while (std::getline(in, line)) {
    tail.push_back(line);
    if (static_cast<int>(tail.size()) > lines) tail.pop_front();
  }
  return absl::StrJoin(tail, "\n");
}

}  // namespace unemployment::bench
