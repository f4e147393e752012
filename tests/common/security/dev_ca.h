#pragma once

// Test support shared by the security suites: a development CA made once per test binary with
// deploy/security/make-dev-ca.sh, and reading its files.

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "catch2/catch.hpp"
#include "common/security/token.h"

namespace unemployment::security::test_support {

inline std::string ReadAll(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// The folder of a dev CA made on first use ("<tmp>/ue-<name>-<pid>"): certificates,
// token-signing.key (the issuer's Ed25519 key), token-keys/ (the services' public keys),
// audit.key and a rogue CA.
inline const std::filesystem::path& DevCa(const char* name) {
  static const std::filesystem::path dir = [name] {
    std::filesystem::path d =
        std::filesystem::temp_directory_path() / absl::StrCat("ue-", name, "-", getpid());
    std::string command = absl::StrCat(UE_SOURCE_DIR, "/deploy/security/make-dev-ca.sh '",
                                       d.string(), "' >/dev/null");
    REQUIRE(std::system(command.c_str()) == 0);
    return d;
  }();
  return dir;
}

// The dev CA's token signing key (what ue_issue_token holds).
inline TokenSigningKey DevSigningKey(const std::filesystem::path& ca) {
  absl::StatusOr<TokenSigningKey> key = TokenSigningKey::Load((ca / "token-signing.key").string());
  INFO(key.status().ToString());
  REQUIRE(key.ok());
  return *std::move(key);
}

// The dev CA's token verification keys (what a service holds: --token_public_keys).
inline TokenVerifier DevVerifier(const std::filesystem::path& ca) {
  absl::StatusOr<TokenVerifier> keys = TokenVerifier::Load((ca / "token-keys").string());
  INFO(keys.status().ToString());
  REQUIRE(keys.ok());
  return *std::move(keys);
}

// A token of `system`/`subject` in `role` for `region`, valid from now for `ttl` (negative: expired
// that long ago, issued one hour before its expiry).
inline std::string DevToken(const TokenSigningKey& key, const std::string& system,
                            const std::string& subject, const std::string& role,
                            const std::string& region, absl::Duration ttl) {
  CallerClaims claims{system, subject, role, region};
  absl::Time now = absl::FromUnixSeconds(absl::ToUnixSeconds(absl::Now()));
  claims.not_before = ttl > absl::ZeroDuration() ? now : now + ttl - absl::Hours(1);
  claims.expires = now + ttl;
  absl::StatusOr<std::string> token = IssueToken(claims, key);
  INFO(token.status().ToString());
  REQUIRE(token.ok());
  return *std::move(token);
}

}  // namespace unemployment::security::test_support
