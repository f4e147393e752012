#pragma once

// A fresh folder under the system's temporary folder, removed with everything in it when the
// object goes out of scope. For a test's databases, keys and data files.

#include <string>

#include "absl/strings/string_view.h"

namespace unemployment::testing {

class TempDir final {
 public:
  // `prefix` names the folder (<tmp>/<prefix>.XXXXXX) so a leftover one tells whose it was.
  explicit TempDir(absl::string_view prefix = "ue_test");
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir();

  const std::string& path() const { return path_; }
  // path()/name.
  std::string File(absl::string_view name) const;

 private:
  std::string path_;
};

// A fresh folder (as TempDir) that lives until the test process exits, for fixtures that keep only
// its path: removed with everything in it at exit.
std::string ProcessTempDir(absl::string_view prefix = "ue_test");

}  // namespace unemployment::testing
