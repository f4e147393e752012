#include "common/crypto/process_keyring.h"

#include <sys/stat.h>

#include "absl/base/const_init.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"

namespace unemployment::crypto {
namespace {

ABSL_CONST_INIT absl::Mutex mu(absl::kConstInit);
std::shared_ptr<const Keyring>* installed = nullptr;  // guarded by mu; never freed

}  // namespace

void InstallProcessKeyring(std::shared_ptr<const Keyring> keyring) {
  absl::MutexLock lock(&mu);
  if (installed == nullptr) installed = new std::shared_ptr<const Keyring>();
  *installed = std::move(keyring);
}

std::shared_ptr<const Keyring> ProcessKeyring() {
  absl::MutexLock lock(&mu);
  if (installed == nullptr) installed = new std::shared_ptr<const Keyring>();
  if (*installed == nullptr) {
    absl::StatusOr<std::shared_ptr<const Keyring>> ephemeral =
        Keyring::Parse(Keyring::GenerateText());
    *installed = *std::move(ephemeral);  // a generated keyring always parses
  }
  return *installed;
}

absl::Status InstallFromSetting(const std::string& key_file, const std::string& data_dir,
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
  absl::StatusOr<std::shared_ptr<const Keyring>> keyring = Keyring::LoadFile(path);
  if (!keyring.ok()) return keyring.status();
  InstallProcessKeyring(*std::move(keyring));
  return absl::OkStatus();
}

}  // namespace unemployment::crypto
