// The keyring of this process: installed once at start-up from the --data_key_file setting (see
// InstallFromSetting) and used by every store that seals personal data.
#pragma once

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "common/crypto/keyring.h"

namespace unemployment::crypto {

// Makes `keyring` the process keyring (replacing any earlier one; stores opened before keep the
// one they took).
void InstallProcessKeyring(std::shared_ptr<const Keyring> keyring);

// The installed keyring. When none was installed (unit tests, benchmarks), a random keyring that
// lives only as long as this process: what it seals cannot be opened by another process.
std::shared_ptr<const Keyring> ProcessKeyring();

// Start-up: loads the keyring from `key_file`; when `key_file` is empty, uses
// "<data_dir>/data.key", creating it (mode 0600) when missing, and sets `*warning` to a message
// the caller must print: the key then sits next to the data it protects (local development only).
absl::Status InstallFromSetting(const std::string& key_file, const std::string& data_dir,
                                std::string* warning);

}  // namespace unemployment::crypto
