#include "services/ops/uectl_args.h"

#include <algorithm>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"

namespace unemployment::ops {

bool ParsedArgs::Has(absl::string_view name) const { return values_.find(name) != values_.end(); }

std::optional<std::string> ParsedArgs::Value(absl::string_view name) const {
  auto it = values_.find(name);
  if (it == values_.end()) return std::nullopt;
  return it->second;
}

std::string ParsedArgs::ValueOr(absl::string_view name, absl::string_view fallback) const {
  auto it = values_.find(name);
  return it == values_.end() ? std::string(fallback) : it->second;
}

const FlagSpec* FindFlag(const std::vector<FlagSpec>& specs, absl::string_view name) {
  for (const FlagSpec& spec : specs) {
    if (spec.name == name) return &spec;
  }
  return nullptr;
}

namespace {

const FlagSpec* FindShort(const std::vector<FlagSpec>& specs, char short_name) {
  for (const FlagSpec& spec : specs) {
    if (spec.short_name != 0 && spec.short_name == short_name) return &spec;
  }
  return nullptr;
}

}  // namespace

absl::StatusOr<ParsedArgs> ParseArgs(const std::vector<std::string>& args,
                                     const std::vector<FlagSpec>& specs) {
  ParsedArgs parsed;
  bool options_ended = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    // A lone "-" is a positional argument (standard input or output by convention).
    if (options_ended || arg.size() < 2 || arg[0] != '-') {
      parsed.AddPositional(arg);
      continue;
    }
    if (arg == "--") {
      options_ended = true;
      continue;
    }
    const FlagSpec* spec = nullptr;
    std::string shown;  // the option as the user wrote it, for messages
    std::optional<std::string> inline_value;
    if (absl::StartsWith(arg, "--")) {
      std::string body = arg.substr(2);
      size_t equals = body.find('=');
      if (equals != std::string::npos) {
        inline_value = body.substr(equals + 1);
        body.resize(equals);
      }
      shown = "--" + body;
      spec = FindFlag(specs, absl::StrReplaceAll(body, {{"_", "-"}}));
    } else {
      shown = arg.substr(0, 2);
      spec = FindShort(specs, arg[1]);
      if (arg.size() > 2) inline_value = arg.substr(arg[2] == '=' ? 3 : 2);
    }
    if (spec == nullptr) return absl::InvalidArgumentError(absl::StrCat("unknown option ", shown));
    if (parsed.Has(spec->name)) {
      return absl::InvalidArgumentError(absl::StrCat("option --", spec->name, " given twice"));
    }
    if (spec->is_switch()) {
      if (inline_value.has_value()) {
        return absl::InvalidArgumentError(absl::StrCat("option --", spec->name, " takes no value"));
      }
      parsed.Set(spec->name, "");
      continue;
    }
    if (!inline_value.has_value()) {
      if (i + 1 >= args.size()) {
        return absl::InvalidArgumentError(absl::StrCat(
            "option --", spec->name, " needs a value (--", spec->name, "=", spec->value_name, ")"));
      }
      inline_value = args[++i];
    }
    parsed.Set(spec->name, *std::move(inline_value));
  }
  return parsed;
}

std::string FormatFlagHelp(const std::vector<FlagSpec>& specs) {
  std::vector<std::string> left;
  size_t width = 0;
  for (const FlagSpec& spec : specs) {
    std::string text = spec.short_name != 0
                           ? absl::StrCat("-", std::string(1, spec.short_name), ", --", spec.name)
                           : absl::StrCat("--", spec.name);
    if (!spec.is_switch()) absl::StrAppend(&text, "=", spec.value_name);
    width = std::max(width, text.size());
    left.push_back(std::move(text));
  }
  std::string out;
  for (size_t i = 0; i < specs.size(); ++i) {
    absl::StrAppend(&out, "  ", left[i], std::string(width - left[i].size() + 2, ' '),
                    specs[i].help, "\n");
  }
  return out;
}

}  // namespace unemployment::ops
