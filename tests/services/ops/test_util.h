#pragma once

// Shared pieces of the uectl tests: the command table of main(), a captured Context, and server
// binaries started as child processes on port 0.

#include <sys/types.h>

#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "services/ops/uectl.h"
#include "services/ops/uectl_commands.h"
#include "tests/testing/temp_dir.h"

namespace unemployment::ops::testing {

// The same table as services/ops/uectl_main.cc.
std::vector<Command> AllCommands();

// Runs uectl in-process with captured output, a fixed environment and predictable request ids.
class Uectl {
 public:
  Uectl();
  // The context points into this object.
  Uectl(const Uectl&) = delete;
  Uectl& operator=(const Uectl&) = delete;
  // Runs one command line (without the program name); returns its exit code.
  int Run(std::vector<std::string> args);

  std::string out() const { return out_.str(); }
  std::string err() const { return err_.str(); }
  std::map<std::string, std::string>& env() { return env_; }
  void SetStdin(const std::string& text) { in_.str(text); }

 private:
  std::ostringstream out_;
  std::ostringstream err_;
  std::istringstream in_;
  std::map<std::string, std::string> env_;
  int next_id_ = 0;
  Context context_;
};

// Temporary folders come from the shared test support (tests/testing/temp_dir.h).
using ::unemployment::testing::TempDir;

// A server binary of the suite running as a child process. Start() waits for its
// "<name> listening on ADDRESS" line (never a sleep) and afterwards keeps draining its output so
// the child never blocks on a full pipe. The destructor sends SIGTERM and reaps it.
class ServerProcess {
 public:
  // `name` is the service name that begins the line, `binary` the executable, `args` its options.
  // Returns nullptr (with what the child printed in *failure) if it exits or stays silent for 60 s.
  static std::unique_ptr<ServerProcess> Start(const std::string& name, const std::string& binary,
                                              const std::vector<std::string>& args,
                                              std::string* failure);
  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  const std::string& address() const { return address_; }

 private:
  ServerProcess(pid_t pid, int output_fd, std::string address);

  pid_t pid_;
  int output_fd_;
  std::string address_;
  std::thread drain_;
};

}  // namespace unemployment::ops::testing
