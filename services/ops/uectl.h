#pragma once

// uectl, the operator command-line tool: the pieces main() wires together. A command is a name,
// its options and a handler; RunCommandLine parses a command line against a table of commands
// and runs one. Everything a handler touches outside itself (output streams, environment, the
// request-id generator) comes in through Context, so tests run commands in-process.

#include <functional>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "services/ops/uectl_args.h"

namespace unemployment::ops {

// Exit codes of every command.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;

// The world as a command sees it.
struct Context {
  std::ostream* out = nullptr;  // results
  std::ostream* err = nullptr;  // errors, progress, hints
  std::istream* in = nullptr;   // read for a FILE argument "-"
  // Environment lookup (UE_*_ADDR fallbacks); nullopt when unset.
  std::function<std::optional<std::string>(const std::string&)> getenv;
  // A fresh idempotency key for writing calls (AIP-155).
  std::function<std::string()> new_request_id;
  // True when `err` is a terminal: progress then redraws one line instead of printing many.
  bool err_is_terminal = false;
};

// The real process: std::cout, std::cerr, std::cin, ::getenv, random request ids.
Context ProcessContext();

struct Invocation;

// One subcommand.
struct Command {
  std::string name;
  // One line for the command list.
  std::string summary;
  // The synopsis after "usage: uectl ", e.g. "queue --office=CODE [options]".
  std::string synopsis;
  // Paragraphs shown by --help between the synopsis and the options.
  std::string description;
  // The command's own options (the global ones are added by RunCommandLine).
  std::vector<FlagSpec> flags;
  // Accepted number of positional arguments.
  size_t min_positional = 0;
  size_t max_positional = 0;
  // Deadline of each call unless --timeout says otherwise.
  absl::Duration default_timeout = absl::Seconds(30);
  std::function<int(const Invocation&)> run;
};

// What a handler gets: the parsed options (global and its own) and the context.
struct Invocation {
  const Command& command;
  const ParsedArgs& args;
  Context& context;
  // --timeout, or the command's default.
  absl::Duration timeout;
};

// The options every command accepts: service addresses, --timeout, TLS files, --json.
std::vector<FlagSpec> GlobalFlags();

// Parses `args` (argv without the program name) and runs the command it names. Options may come
// before or after the command name. Exit codes: kExitOk, kExitFailure, or kExitUsage for a bad
// command line (with one line on stderr saying what is wrong). `--help` anywhere prints help on
// stdout and exits 0.
int RunCommandLine(const std::vector<Command>& commands, const std::vector<std::string>& args,
                   Context& context);

// Reports a usage error of a command on stderr and returns kExitUsage.
int UsageError(const Invocation& invocation, const std::string& message);

}  // namespace unemployment::ops
