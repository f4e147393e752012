#include "common/security/policy.h"

#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/status/status_util.h"

namespace unemployment::security {
namespace {

absl::Status LineError(int line, absl::string_view message) {
  return absl::InvalidArgumentError(absl::StrCat("security policy line ", line, ": ", message));
}

bool ParseMaskKind(absl::string_view name, MaskKind* kind) {
  static const auto* const kinds = new std::map<absl::string_view, MaskKind>{
      {"none", MaskKind::kNone},       {"id-number", MaskKind::kIdNumber},
      {"phone", MaskKind::kPhone},     {"email", MaskKind::kEmail},
      {"contact", MaskKind::kContact}, {"name", MaskKind::kName},
      {"address", MaskKind::kAddress}, {"hidden", MaskKind::kHidden},
      {"region-code", MaskKind::kRegionCode}, {"text", MaskKind::kText}};
  auto it = kinds->find(name);
  if (it == kinds->end()) return false;
  *kind = it->second;
  return true;
}

bool IsFieldName(absl::string_view s) {
  int dots = 0;
  for (char c : s) {
    if (c == '.') {
      ++dots;
    } else if (!absl::ascii_isalnum(c) && c != '_') {
      return false;
    }
  }
  return dots >= 2 && s.front() != '.' && s.back() != '.' && !absl::StrContains(s, "..");
}

bool IsName(absl::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!absl::ascii_isalnum(c) && c != '-' && c != '_') return false;
  }
  return true;
}

}  // namespace

bool IsServiceRole(absl::string_view role) { return absl::StartsWith(role, kServiceRolePrefix); }

absl::StatusOr<Policy> Policy::Parse(absl::string_view text) {
  Policy policy;
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_number;
    if (size_t hash = line.find('#'); hash != absl::string_view::npos) line = line.substr(0, hash);
    std::vector<absl::string_view> fields =
        absl::StrSplit(line, absl::ByAnyChar(" \t\r"), absl::SkipEmpty());
    if (fields.empty()) continue;
    if (fields[0] == "system") {
      if (fields.size() < 3 || fields.size() > 4) {
        return LineError(line_number, "expected: system <certificate CN> <roles> [certificate-only]");
      }
      SystemPolicy system;
      system.name = std::string(fields[1]);
      if (!IsName(system.name)) return LineError(line_number, "bad system name");
      for (absl::string_view role : absl::StrSplit(fields[2], ',')) {
        if (!IsName(role)) return LineError(line_number, absl::StrCat("bad role '", role, "'"));
        system.roles.insert(std::string(role));
      }
      if (fields.size() == 4) {
        if (fields[3] != "certificate-only") {
          return LineError(line_number, "the fourth field may only be certificate-only");
        }
        if (system.roles.size() != 1) {
          return LineError(line_number, "a certificate-only system has exactly one role");
        }
        system.certificate_only = true;
        // One role per calling service: the role is named like the system, so that no two
        // services share a role (and with it each other's methods).
        if (*system.roles.begin() != system.name) {
          return LineError(line_number,
                           "a certificate-only system's role is its own name (one role per service)");
        }
      }
      for (const std::string& role : system.roles) {
        if (!system.certificate_only && IsServiceRole(role)) {
          return LineError(line_number, absl::StrCat("role '", role,
                                                     "' is a service role: certificate-only systems only"));
        }
      }
      if (system.certificate_only && !IsServiceRole(system.name)) {
        return LineError(line_number, "a certificate-only system is a service: its name starts with svc-");
      }
      if (!policy.systems_.emplace(system.name, system).second) {
        return LineError(line_number, absl::StrCat("system '", system.name, "' appears twice"));
      }
    } else if (fields[0] == "allow") {
      if (fields.size() < 5) {
        return LineError(line_number, "expected: allow <package.Service/Method> <data> <scope> <roles>");
      }
      MethodPolicy method;
      std::vector<absl::string_view> parts = absl::StrSplit(fields[1], '/');
      if (parts.size() != 2 || parts[0].empty() || parts[1].empty() || parts[1] == "*" ||
          parts[0].find('.') == absl::string_view::npos) {
        return LineError(line_number, "the method must be package.Service/Method");
      }
      method.path = absl::StrCat("/", fields[1]);
      if (fields[2] == "personal") {
        method.personal_data = true;
        method.audited = true;
      } else if (fields[2] == "aggregate") {
        method.audited = true;
      } else if (fields[2] != "none") {
        return LineError(line_number, "data must be personal, aggregate or none");
      }
      if (fields[3] == "any") {
        method.scope = RegionScopeRule::kAny;
      } else if (fields[3] == "regional") {
        method.scope = RegionScopeRule::kRegional;
      } else if (fields[3] == "province") {
        method.scope = RegionScopeRule::kProvince;
      } else {
        return LineError(line_number, "scope must be any, regional or province");
      }
      for (size_t i = 4; i < fields.size(); ++i) {
        if (!IsName(fields[i])) return LineError(line_number, absl::StrCat("bad role '", fields[i], "'"));
        method.roles.insert(std::string(fields[i]));
      }
      if (!policy.methods_.emplace(method.path, method).second) {
        return LineError(line_number, absl::StrCat("method '", fields[1], "' appears twice"));
      }
    } else if (fields[0] == "clear") {
      if (fields.size() < 2 || !IsName(fields[1])) {
        return LineError(line_number, "expected: clear <role> [<package.Service/Method> ...]");
      }
      std::set<std::string> paths;
      for (size_t i = 2; i < fields.size(); ++i) paths.insert(absl::StrCat("/", fields[i]));
      if (!policy.clear_.emplace(std::string(fields[1]), std::move(paths)).second) {
        return LineError(line_number, absl::StrCat("role '", fields[1], "' has two clear lines"));
      }
    } else if (fields[0] == "mask") {
      MaskKind kind = MaskKind::kNone;
      if (fields.size() != 3 || !IsFieldName(fields[1])) {
        return LineError(line_number, "expected: mask <package.Message.field> <kind>");
      }
      if (!ParseMaskKind(fields[2], &kind)) {
        return LineError(line_number, absl::StrCat("unknown mask kind '", fields[2], "'"));
      }
      if (!policy.masked_fields_.emplace(std::string(fields[1]), kind).second) {
        return LineError(line_number, absl::StrCat("field '", fields[1], "' appears twice"));
      }
    } else {
      return LineError(line_number, absl::StrCat("unknown statement '", fields[0], "'"));
    }
  }
  for (const auto& [role, paths] : policy.clear_) {
    bool known = false;
    for (const auto& [path, method] : policy.methods_) known = known || method.roles.count(role) > 0;
    if (!known) {
      return absl::InvalidArgumentError(
          absl::StrCat("security policy: clear names role '", role, "' that no method allows"));
    }
    for (const std::string& path : paths) {
      const MethodPolicy* method = policy.FindMethod(path);
      if (method == nullptr || method->roles.count(role) == 0) {
        return absl::InvalidArgumentError(absl::StrCat(
            "security policy: clear ", role, " names ", path, ", which does not allow that role"));
      }
    }
  }
  std::set<std::string> method_roles;
  for (const auto& [path, method] : policy.methods_) method_roles.insert(method.roles.begin(), method.roles.end());
  for (const auto& [name, system] : policy.systems_) {
    for (const std::string& role : system.roles) {
      if (method_roles.count(role) == 0) {
        return absl::InvalidArgumentError(absl::StrCat(
            "security policy: system '", name, "' has role '", role, "' that no method allows"));
      }
    }
  }
  return policy;
}

absl::StatusOr<Policy> Policy::Load(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::FailedPreconditionError(absl::StrCat("cannot read security policy '", path, "'"));
  std::stringstream buffer;
  buffer << in.rdbuf();
  absl::StatusOr<Policy> policy = Parse(buffer.str());
  if (!policy.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": ", policy.status().message()));
  }
  return policy;
}

const SystemPolicy* Policy::FindSystem(absl::string_view certificate_cn) const {
  auto it = systems_.find(certificate_cn);
  return it == systems_.end() ? nullptr : &it->second;
}

const MethodPolicy* Policy::FindMethod(absl::string_view path) const {
  auto it = methods_.find(path);
  return it == methods_.end() ? nullptr : &it->second;
}

absl::Status Policy::Authorize(absl::string_view path, absl::string_view role,
                               absl::string_view region_scope) const {
  const MethodPolicy* method = FindMethod(path);
  if (method == nullptr) {
    return status::WithErrorInfo(
        absl::PermissionDeniedError(absl::StrCat(path, " is not open to any caller")),
        "METHOD_NOT_IN_POLICY");
  }
  if (method->roles.count(std::string(role)) == 0) {
    return status::WithErrorInfo(
        absl::PermissionDeniedError(absl::StrCat("the role '", role, "' may not call ", path)),
        "ROLE_NOT_ALLOWED", {{"role", std::string(role)}});
  }
  if (method->scope == RegionScopeRule::kProvince && region_scope != "*") {
    return status::WithErrorInfo(
        absl::PermissionDeniedError(
            absl::StrCat(path, " is for province-wide callers; this caller's scope is ", region_scope)),
        "REGION_SCOPE_TOO_NARROW", {{"region_scope", std::string(region_scope)}});
  }
  return absl::OkStatus();
}

bool Policy::SeesClear(absl::string_view path, absl::string_view role) const {
  auto it = clear_.find(role);
  if (it == clear_.end()) return false;
  return it->second.empty() || it->second.count(std::string(path)) > 0;
}

std::set<std::string> Policy::Roles() const {
  std::set<std::string> roles;
  for (const auto& [name, system] : systems_) roles.insert(system.roles.begin(), system.roles.end());
  for (const auto& [path, method] : methods_) roles.insert(method.roles.begin(), method.roles.end());
  return roles;
}

}  // namespace unemployment::security
