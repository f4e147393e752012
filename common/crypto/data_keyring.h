// The keyring that seals personal data at rest. A service loads it at start-up from the
// --data_key_file setting (LoadDataKeyring) and hands it to its stores (CommonSettings::keyring,
// store::DatabaseOptions::keyring); nothing installs it process-wide.
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "common/crypto/keyring.h"

namespace unemployment::crypto {

// Loads the keyring from `key_file`; when `key_file` is empty, uses "<data_dir>/data.key",
// creating it (mode 0600) when missing, and sets `*warning` to a message the caller must print:
// the key then sits next to the data it protects (local development only).
absl::StatusOr<std::shared_ptr<const Keyring>> LoadDataKeyring(const std::string& key_file,
                                                               const std::string& data_dir,
                                                               std::string* warning);

// A random keyring made once and never changed, for a connection opened without one (unit tests,
// benchmarks): what it seals cannot be opened by another process.
std::shared_ptr<const Keyring> EphemeralKeyring();

}  // namespace unemployment::crypto
