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
#include "catch2/catch.hpp"

namespace unemployment::security::test_support {

inline std::string ReadAll(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// The folder of a dev CA made on first use ("<tmp>/ue-<name>-<pid>"): certificates, token.key,
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

}  // namespace unemployment::security::test_support
