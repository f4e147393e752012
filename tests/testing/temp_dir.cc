#include "tests/testing/temp_dir.h"

#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <mutex>
#include <vector>
#include <stdexcept>
#include <system_error>

#include "absl/strings/str_cat.h"

namespace unemployment::testing {

TempDir::TempDir(absl::string_view prefix) {
  std::string pattern =
      (std::filesystem::temp_directory_path() / absl::StrCat(prefix, ".XXXXXX")).string();
  if (mkdtemp(pattern.data()) == nullptr) {
    throw std::runtime_error(absl::StrCat("mkdtemp failed for ", pattern));
  }
  path_ = std::move(pattern);
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

std::string TempDir::File(absl::string_view name) const { return absl::StrCat(path_, "/", name); }

std::string ProcessTempDir(absl::string_view prefix) {
  // Destroyed (and the folders removed) by the static destructors at exit.
  static std::mutex mu;
  static std::vector<std::unique_ptr<TempDir>> dirs;
  auto dir = std::make_unique<TempDir>(prefix);
  std::string path = dir->path();
  std::lock_guard<std::mutex> lock(mu);
  dirs.push_back(std::move(dir));
  return path;
}

}  // namespace unemployment::testing
