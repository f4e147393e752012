#pragma once

// A server started as a child process on port 0. The suite's servers print
// "<name> listening on HOST:PORT" on stdout once they serve; Start() waits for that line and
// returns the address. Everything the child writes (stdout and stderr) goes on to a log file, so
// a full pipe never blocks it and its last lines can be shown when it fails.

#include <sys/types.h>

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace unemployment::bench {

class ChildProcess final {
 public:
  // Starts `argv` (argv[0] is the binary's path) and waits up to `startup_timeout` for the line
  // "<marker_name> listening on ADDRESS". The child gets SIGTERM when the calling thread ends
  // (PR_SET_PDEATHSIG), so call it from the main thread.
  static absl::StatusOr<std::unique_ptr<ChildProcess>> Start(const std::vector<std::string>& argv,
                                                             const std::string& marker_name,
                                                             const std::string& log_path,
                                                             absl::Duration startup_timeout);

  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  // Stops the child if still running.
  ~ChildProcess();

  const std::string& address() const { return address_; }
  pid_t pid() const { return pid_; }
  const std::string& log_path() const { return log_path_; }

  // SIGTERM, wait up to `grace` for the exit (the servers drain and flush), then SIGKILL. Returns
  // the exit status as waitpid reports it; idempotent.
  int Stop(absl::Duration grace = absl::Seconds(20));

 private:
  ChildProcess(pid_t pid, int out_fd, int log_fd, std::string log_path);
  // Copies the child's output into the log file until end of file.
  void Drain();

  pid_t pid_;
  int out_fd_;  // read end of the child's stdout/stderr pipe
  int log_fd_;
  std::string log_path_;
  std::string address_;
  std::thread drainer_;
  bool stopped_ = false;
  int exit_status_ = 0;
};

// User plus system CPU time a process has used so far, in seconds (0 if it cannot be read);
// getpid() for this process.
double ProcessCpuSeconds(pid_t pid);

// The last `lines` lines of a text file, for error messages.
std::string TailOfFile(const std::string& path, int lines);

}  // namespace unemployment::bench
