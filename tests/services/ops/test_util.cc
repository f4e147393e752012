#include "tests/services/ops/test_util.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>

#include "absl/strings/str_cat.h"

namespace unemployment::ops::testing {

std::vector<Command> AllCommands() {
  return {HealthCommand(),         SubmitCommand(),  QueueCommand(), ReviewCommand(),
          ImportSnapshotCommand(), CompareCommand(), ExportCommand(),  FeedStatusCommand(),
          RebuildCommand()};
}

Uectl::Uectl() {
  context_.out = &out_;
  context_.err = &err_;
  context_.in = &in_;
  context_.getenv = [this](const std::string& name) -> std::optional<std::string> {
    auto it = env_.find(name);
    if (it == env_.end()) return std::nullopt;
    return it->second;
  };
  context_.new_request_id = [this] { return absl::StrCat("test-request-", ++next_id_); };
}

int Uectl::Run(std::vector<std::string> args) {
  out_.str("");
  err_.str("");
  return RunCommandLine(AllCommands(), args, context_);
}

std::unique_ptr<ServerProcess> ServerProcess::Start(const std::string& name,
                                                    const std::string& binary,
                                                    const std::vector<std::string>& args,
                                                    std::string* failure) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    *failure = "pipe failed";
    return nullptr;
  }
  // Everything the child needs is prepared before fork: only async-signal-safe calls after it.
  std::vector<std::string> storage = {binary};
  storage.insert(storage.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& arg : storage) argv.push_back(arg.data());
  argv.push_back(nullptr);
  const pid_t parent = getpid();
  pid_t pid = fork();
  if (pid < 0) {
    *failure = "fork failed";
    return nullptr;
  }
  if (pid == 0) {
    // A test that dies must not leave servers behind.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);
    dup2(fds[1], STDOUT_FILENO);
    dup2(fds[1], STDERR_FILENO);
    execv(binary.c_str(), argv.data());
    _exit(127);
  }
  close(fds[1]);

  const std::string marker = name + " listening on ";
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  std::string output;
  while (true) {
    size_t at = output.find(marker);
    if (at != std::string::npos) {
      size_t start = at + marker.size();
      size_t end = output.find_first_of(" \n", start);
      if (end != std::string::npos) {
        return std::unique_ptr<ServerProcess>(
            new ServerProcess(pid, fds[0], output.substr(start, end - start)));
      }
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        give_up - std::chrono::steady_clock::now());
    pollfd poll_fd{fds[0], POLLIN, 0};
    if (left.count() <= 0 || poll(&poll_fd, 1, static_cast<int>(left.count())) <= 0) break;
    char buffer[4096];
    ssize_t got = read(fds[0], buffer, sizeof buffer);
    if (got <= 0) break;  // the child exited
    output.append(buffer, static_cast<size_t>(got));
  }
  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
  close(fds[0]);
  *failure = absl::StrCat(binary, " did not start; it printed:\n", output);
  return nullptr;
}

ServerProcess::ServerProcess(pid_t pid, int output_fd, std::string address)
    : pid_(pid), output_fd_(output_fd), address_(std::move(address)) {
  drain_ = std::thread([fd = output_fd_] {
    char buffer[4096];
    while (read(fd, buffer, sizeof buffer) > 0) {
    }
  });
}

ServerProcess::~ServerProcess() {
  kill(pid_, SIGTERM);
  waitpid(pid_, nullptr, 0);
  drain_.join();  // the pipe reaches end of file once the child is gone
  close(output_fd_);
}

}  // namespace unemployment::ops::testing
