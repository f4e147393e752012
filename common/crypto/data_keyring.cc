#include "common/crypto/data_keyring.h"

#include <sys/stat.h>

#include "absl/strings/str_cat.h"

namespace unemployment::crypto {

absl::StatusOr<std::shared_ptr<const Keyring>> LoadDataKeyring(const std::string& key_file,
                                                               const std::string& data_dir,
                                                               std::string* warning) {
  std::string path = key_file;
  if (path.empty()) {
    path = absl::StrCat(data_dir, "/data.key");
    struct stat info;
    if (stat(path.c_str(), &info) != 0) {
      absl::Status created = Keyring::CreateFile(path);
      if (!created.ok()) return created;
    }
    *warning = absl::StrCat(
        "WARNING: no --data_key_file (UE_DATA_KEY_FILE) set; personal data is encrypted with the "
        "key file '",
        path,
        "' next to the data it protects. Use this for local development "
        "only: in production mount the keyring from a secret store and set --data_key_file.");
  }
  return Keyring::LoadFile(path);
}

std::shared_ptr<const Keyring> EphemeralKeyring() {
  // Immutable once made (thread-safe static initialisation); a generated keyring always parses.
  static const std::shared_ptr<const Keyring>* const ephemeral =
      new std::shared_ptr<const Keyring>(*Keyring::Parse(Keyring::GenerateText()));
  return *ephemeral;
}

}  // namespace unemployment::crypto
