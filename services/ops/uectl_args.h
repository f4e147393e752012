#pragma once

// Command-line parsing of uectl: `--name=value`, `--name value`, switches (`--name`), short
// aliases (`-o FILE`), `--` to end the options, and positional arguments. Flag names are written
// with hyphens; an underscore in a given name is read as a hyphen, so `--gateway_addr` (the
// servers' spelling) and `--gateway-addr` are the same flag.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace unemployment::ops {

// One accepted option.
struct FlagSpec {
  // The long name without dashes, with hyphens, e.g. "as-of".
  std::string name;
  // The placeholder of the value in help texts, e.g. "DATE"; empty for a switch.
  std::string value_name;
  // One line for the help text.
  std::string help;
  // A one-letter alias without the dash, e.g. 'o'; 0 for none.
  char short_name = 0;

  bool is_switch() const { return value_name.empty(); }
};

// The options and positional arguments of one command line.
class ParsedArgs {
 public:
  // True when the option was given (a switch, or a value flag with any value).
  bool Has(absl::string_view name) const;
  // The value of a value flag, or nullopt when it was not given.
  std::optional<std::string> Value(absl::string_view name) const;
  // The value of a value flag, or `fallback` when it was not given.
  std::string ValueOr(absl::string_view name, absl::string_view fallback) const;
  const std::vector<std::string>& positional() const { return positional_; }

  // Records an option; used by ParseArgs.
  void Set(const std::string& name, std::string value) { values_[name] = std::move(value); }
  void AddPositional(std::string value) { positional_.push_back(std::move(value)); }

 private:
  std::map<std::string, std::string, std::less<>> values_;
  std::vector<std::string> positional_;
};

// Parses `args` (without the program and command names) against `specs`. Errors, all
// INVALID_ARGUMENT with a message fit for the user: an unknown option, a value flag without a
// value, a switch given a value, an option given twice.
absl::StatusOr<ParsedArgs> ParseArgs(const std::vector<std::string>& args,
                                     const std::vector<FlagSpec>& specs);

// The spec named `name` (hyphenated), or nullptr.
const FlagSpec* FindFlag(const std::vector<FlagSpec>& specs, absl::string_view name);

// "--as-of=DATE  help", aligned for a help text, one line per spec.
std::string FormatFlagHelp(const std::vector<FlagSpec>& specs);

}  // namespace unemployment::ops
