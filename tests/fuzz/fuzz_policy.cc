// Fuzzes the access-policy parser (common/security/policy): arbitrary text must be accepted or
// refused with a status, never crash. An accepted policy must answer consistently: every method it
// names authorises each of its roles at province scope, refuses a role it does not list, and
// refuses a path it does not name; every system it lists is found and has a role.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/security/policy.h"
#include "tests/fuzz/fuzz_util.h"

using unemployment::security::Policy;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<Policy> parsed = Policy::Parse(text);
  if (!parsed.ok()) {
    if (parsed.status().code() == absl::StatusCode::kOk) std::abort();
    return 0;
  }
  const Policy& policy = *parsed;
  for (const auto& [path, method] : policy.methods()) {
    if (policy.FindMethod(path) != &method) std::abort();
    for (const std::string& role : method.roles) {
      if (!policy.Authorize(path, role, "*").ok()) std::abort();
      (void)policy.Authorize(path, role, "230103");
      (void)policy.SeesClear(path, role);
    }
    if (policy.Authorize(path, "no-such-role-\x01", "*").ok()) std::abort();
    if (policy.Authorize(path + "/not-named", *policy.Roles().begin(), "*").ok()) std::abort();
  }
  for (const auto& [name, system] : policy.systems()) {
    if (policy.FindSystem(name) != &system) std::abort();
    if (system.roles.empty()) std::abort();
  }
  return 0;
}
