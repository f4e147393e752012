#include "services/ops/uectl.h"

#include <unistd.h>

#include <cstdlib>
#include <iostream>

#include "absl/random/random.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "services/ops/uectl_client.h"

namespace unemployment::ops {

Context ProcessContext() {
  Context context;
  context.out = &std::cout;
  context.err = &std::cerr;
  context.in = &std::cin;
  context.getenv = [](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
  context.new_request_id = [generator = std::make_shared<absl::BitGen>()]() {
    return absl::StrFormat("uectl-%016x%016x", absl::Uniform<uint64_t>(*generator),
                           absl::Uniform<uint64_t>(*generator));
  };
  context.err_is_terminal = isatty(STDERR_FILENO) == 1;
  return context;
}

std::vector<FlagSpec> GlobalFlags() {
  std::vector<FlagSpec> flags;
  for (const ServiceEndpoint& endpoint : Endpoints()) {
    flags.push_back({absl::StrCat(endpoint.name, "-addr"), "HOST:PORT",
                     absl::StrCat("the ", endpoint.name, " service (env ", endpoint.env,
                                  ", default 127.0.0.1:", endpoint.local_port, ")")});
  }
  flags.push_back({"timeout", "DURATION",
                   "deadline of each call, e.g. 30s or 5m (default: the command's own)"});
  flags.push_back({"tls-ca", "FILE", "PEM CA of the servers: use TLS"});
  flags.push_back({"tls-cert", "FILE", "PEM client certificate for mutual TLS (with --tls-key)"});
  flags.push_back({"tls-key", "FILE", "PEM private key of --tls-cert"});
  flags.push_back({"token-file", "FILE", "signed call token (ue_issue_token) sent with every call"});
  flags.push_back({"json", "", "print answers as protobuf JSON instead of text"});
  flags.push_back({"help", "", "show help", 'h'});
  return flags;
}

namespace {

void PrintTopHelp(const std::vector<Command>& commands, std::ostream& out) {
  out << "usage: uectl [global options] COMMAND [options] [arguments]\n\n"
         "The operator tool of the unemployment registration suite.\n\ncommands:\n";
  size_t width = 0;
  for (const Command& command : commands) width = std::max(width, command.name.size());
  for (const Command& command : commands) {
    out << "  " << command.name << std::string(width - command.name.size() + 2, ' ')
        << command.summary << "\n";
  }
  out << "\nglobal options (accepted by every command, before or after its name):\n"
      << FormatFlagHelp(GlobalFlags())
      << "\n`uectl COMMAND --help` describes a command. Exit codes: 0 success, 1 failure, "
         "2 bad command line.\n";
}

void PrintCommandHelp(const Command& command, std::ostream& out) {
  out << "usage: uectl " << command.synopsis << "\n\n" << command.summary << "\n";
  if (!command.description.empty()) out << "\n" << command.description << "\n";
  if (!command.flags.empty()) out << "\noptions:\n" << FormatFlagHelp(command.flags);
  out << "\nglobal options (default deadline of this command: "
      << absl::FormatDuration(command.default_timeout) << "):\n"
      << FormatFlagHelp(GlobalFlags());
}

int TopUsageError(std::ostream& err, const std::string& message) {
  err << "uectl: error: " << message << " (see uectl --help)\n";
  return kExitUsage;
}

// Index of the command name in `args`: the first argument that is neither an option nor the
// separate value of a global value option. args.size() when there is none.
size_t FindCommandName(const std::vector<std::string>& args, const std::vector<FlagSpec>& globals) {
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg.size() < 2 || arg[0] != '-') return i;
    if (arg == "--") return i + 1 < args.size() ? i + 1 : args.size();
    if (absl::StartsWith(arg, "--") && arg.find('=') == std::string::npos) {
      const FlagSpec* spec = FindFlag(globals, absl::StrReplaceAll(arg.substr(2), {{"_", "-"}}));
      if (spec != nullptr && !spec->is_switch()) ++i;  // skip its value
    }
  }
  return args.size();
}

}  // namespace

int UsageError(const Invocation& invocation, const std::string& message) {
  *invocation.context.err << "uectl " << invocation.command.name << ": error: " << message
                          << " (see uectl " << invocation.command.name << " --help)\n";
  return kExitUsage;
}

int RunCommandLine(const std::vector<Command>& commands, const std::vector<std::string>& args,
                   Context& context) {
  const std::vector<FlagSpec> globals = GlobalFlags();
  const size_t at = FindCommandName(args, globals);
  if (at == args.size()) {
    // No command: top-level help when asked for, else a usage error.
    absl::StatusOr<ParsedArgs> parsed = ParseArgs(args, globals);
    if (parsed.ok() && parsed->Has("help")) {
      PrintTopHelp(commands, *context.out);
      return kExitOk;
    }
    if (!parsed.ok()) return TopUsageError(*context.err, std::string(parsed.status().message()));
    return TopUsageError(*context.err, "no command given");
  }
  if (args[at] == "help") {
    if (at + 1 < args.size()) {
      for (const Command& command : commands) {
        if (command.name == args[at + 1]) {
          PrintCommandHelp(command, *context.out);
          return kExitOk;
        }
      }
    }
    PrintTopHelp(commands, *context.out);
    return kExitOk;
  }
  const Command* command = nullptr;
  for (const Command& candidate : commands) {
    if (candidate.name == args[at]) command = &candidate;
  }
  if (command == nullptr) {
    return TopUsageError(*context.err, absl::StrCat("unknown command '", args[at], "'"));
  }

  std::vector<FlagSpec> specs = command->flags;
  specs.insert(specs.end(), globals.begin(), globals.end());
  std::vector<std::string> rest(args.begin(), args.begin() + static_cast<std::ptrdiff_t>(at));
  rest.insert(rest.end(), args.begin() + static_cast<std::ptrdiff_t>(at) + 1, args.end());
  absl::StatusOr<ParsedArgs> parsed = ParseArgs(rest, specs);
  // --help wins over every other complaint (even being taken for an option's value), so a
  // half-typed command line can still ask for help.
  if (std::find(rest.begin(), rest.end(), "--help") != rest.end() ||
      std::find(rest.begin(), rest.end(), "-h") != rest.end()) {
    PrintCommandHelp(*command, *context.out);
    return kExitOk;
  }

  absl::Duration timeout = command->default_timeout;
  ParsedArgs empty;
  Invocation invocation{*command, parsed.ok() ? *parsed : empty, context, timeout};
  if (!parsed.ok()) return UsageError(invocation, std::string(parsed.status().message()));
  if (std::optional<std::string> text = parsed->Value("timeout")) {
    if (!absl::ParseDuration(*text, &timeout) || timeout <= absl::ZeroDuration()) {
      return UsageError(invocation, absl::StrCat("--timeout '", *text,
                                                 "' is not a positive duration such as 30s or 5m"));
    }
    invocation.timeout = timeout;
  }
  const size_t count = parsed->positional().size();
  if (count < command->min_positional || count > command->max_positional) {
    if (count > command->max_positional) {
      return UsageError(invocation,
                        absl::StrCat("unexpected argument '",
                                     parsed->positional()[command->max_positional], "'"));
    }
    return UsageError(invocation,
                      absl::StrCat("missing argument; usage: uectl ", command->synopsis));
  }
  return command->run(invocation);
}

}  // namespace unemployment::ops
