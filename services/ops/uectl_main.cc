// uectl: the operator command-line tool. Wiring only: the command table and the process context;
// the commands live in uectl_lib (services/ops/uectl_*.cc).
#include <string>
#include <vector>

#include "services/ops/uectl.h"
#include "services/ops/uectl_commands.h"

int main(int argc, char** argv) {
  namespace ops = unemployment::ops;
  const std::vector<ops::Command> commands = {
      ops::HealthCommand(), ops::SubmitCommand(),         ops::QueueCommand(),
      ops::ReviewCommand(), ops::ImportSnapshotCommand(), ops::CompareCommand(),
      ops::ExportCommand(), ops::FeedStatusCommand(),
      ops::RebuildCommand(),
  };
  ops::Context context = ops::ProcessContext();
  return ops::RunCommandLine(commands, std::vector<std::string>(argv + 1, argv + argc), context);
}
