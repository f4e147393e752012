#pragma once

// Process settings: each one has a name, a default and a help line, and is read from the command
// line (`--name=value` or `--name value`) with the environment (`UE_NAME`, upper case) as fallback.
// The command line wins over the environment, the environment over the default. Settings are
// defined before parsing so that an unknown flag is an error, not silently ignored.

#include <functional>
#include <map>
#include <optional>
#include <string>
#include "absl/strings/string_view.h"
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace unemployment::server {

// Reads an environment variable; injectable so that tests do not touch the real environment.
using EnvLookup = std::function<std::optional<std::string>(absl::string_view name)>;

// The process environment.
std::optional<std::string> ProcessEnv(absl::string_view name);

class Settings final {
 public:
  // Defines a setting. `name` is lower_snake; its environment variable is UE_<NAME>.
  // A setting with `required` and an empty value after parsing fails Parse.
  void Define(std::string name, std::string default_value, std::string help,
              bool required = false);

  // Parses argv[1..argc) and the environment. `--help` sets help_requested() and returns OK.
  absl::Status Parse(int argc, const char* const* argv, const EnvLookup& env = ProcessEnv);

  bool help_requested() const { return help_requested_; }

  // The value of a defined setting (the default if not given). Asking for an undefined name is a
  // programming error and returns an empty string.
  std::string Get(absl::string_view name) const;
  absl::StatusOr<int64_t> GetInt(absl::string_view name) const;
  absl::StatusOr<bool> GetBool(absl::string_view name) const;
  absl::StatusOr<absl::Duration> GetDuration(absl::string_view name) const;

  // Sets a value programmatically (tests, embedded use).
  void Set(absl::string_view name, std::string value);

  // One line per setting: flag, environment variable, default and help.
  std::string Usage(absl::string_view program) const;

  static std::string EnvName(absl::string_view name);

 private:
  struct Entry {
    std::string value;
    std::string default_value;
    std::string help;
    bool required = false;
  };
  std::map<std::string, Entry, std::less<>> entries_;
  std::vector<std::string> order_;
  bool help_requested_ = false;
};

}  // namespace unemployment::server
