#include "common/server/settings.h"

#include <cstdlib>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"

namespace unemployment::server {

std::optional<std::string> ProcessEnv(absl::string_view name) {
  const char* value = std::getenv(std::string(name).c_str());
  if (value == nullptr) return std::nullopt;
  return std::string(value);
}

std::string Settings::EnvName(absl::string_view name) {
  return absl::StrCat("UE_", absl::AsciiStrToUpper(name));
}

void Settings::Define(std::string name, std::string default_value, std::string help,
                      bool required) {
  if (entries_.find(name) == entries_.end()) order_.push_back(name);
  entries_[name] = Entry{default_value, default_value, std::move(help), required};
}

absl::Status Settings::Parse(int argc, const char* const* argv, const EnvLookup& env) {
  for (auto& [name, entry] : entries_) {
    if (std::optional<std::string> value = env(EnvName(name))) entry.value = *value;
  }
  for (int i = 1; i < argc; ++i) {
    absl::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      help_requested_ = true;
      continue;
    }
    if (!absl::ConsumePrefix(&arg, "--")) {
      return absl::InvalidArgumentError(absl::StrCat("unexpected argument '", arg, "'"));
    }
    absl::string_view name = arg;
    std::optional<absl::string_view> value;
    if (size_t eq = arg.find('='); eq != absl::string_view::npos) {
      name = arg.substr(0, eq);
      value = arg.substr(eq + 1);
    }
    auto it = entries_.find(name);
    if (it == entries_.end()) {
      return absl::InvalidArgumentError(absl::StrCat("unknown flag --", name));
    }
    if (!value.has_value()) {
      if (i + 1 >= argc) return absl::InvalidArgumentError(absl::StrCat("--", name, " needs a value"));
      value = argv[++i];
    }
    it->second.value = std::string(*value);
  }
  if (help_requested_) return absl::OkStatus();
  for (const std::string& name : order_) {
    const Entry& entry = entries_.find(name)->second;
    if (entry.required && entry.value.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("missing required setting --", name, " (or ", EnvName(name), ")"));
    }
  }
  return absl::OkStatus();
}

std::string Settings::Get(absl::string_view name) const {
  auto it = entries_.find(name);
  return it == entries_.end() ? std::string() : it->second.value;
}

absl::StatusOr<int64_t> Settings::GetInt(absl::string_view name) const {
  int64_t out = 0;
  if (!absl::SimpleAtoi(Get(name), &out)) {
    return absl::InvalidArgumentError(
        absl::StrCat("setting --", name, " must be a whole number, got '", Get(name), "'"));
  }
  return out;
}

absl::StatusOr<bool> Settings::GetBool(absl::string_view name) const {
  bool out = false;
  if (!absl::SimpleAtob(Get(name), &out)) {
    return absl::InvalidArgumentError(
        absl::StrCat("setting --", name, " must be true or false, got '", Get(name), "'"));
  }
  return out;
}

absl::StatusOr<absl::Duration> Settings::GetDuration(absl::string_view name) const {
  absl::Duration out;
  if (!absl::ParseDuration(Get(name), &out) || out < absl::ZeroDuration()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "setting --", name, " must be a duration such as 10s or 500ms, got '", Get(name), "'"));
  }
  return out;
}

void Settings::Set(absl::string_view name, std::string value) {
  auto it = entries_.find(name);
  if (it != entries_.end()) it->second.value = std::move(value);
}

std::string Settings::Usage(absl::string_view program) const {
  std::string out = absl::StrCat("usage: ", program, " [--flag=value ...]\n");
  for (const std::string& name : order_) {
    const Entry& entry = entries_.find(name)->second;
    absl::StrAppendFormat(&out, "  --%-24s %-28s %s%s\n", name, EnvName(name), entry.help,
                          entry.required ? " (required)"
                                         : absl::StrCat(" (default: '", entry.default_value, "')"));
  }
  return out;
}

}  // namespace unemployment::server
