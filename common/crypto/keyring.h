// Field encryption of personal data at rest (ID numbers, phones, addresses and the records that
// carry them) and the keyed hash that finds such values again.
//
// Sealed value format (version 1), a byte string:
//   0x01 | key id (4 bytes, big-endian) | nonce (12 random bytes) | AES-256-GCM ciphertext | tag
//   (16)
// The associated data is the caller's `context` (e.g. "registration.applications.data"), so a
// value copied into another column or table fails to open. 33 bytes longer than the plaintext.
//
// Keyed hash: HMAC-SHA256 with the keyring's separate search key over `value`, truncated to 128
// bits and written as 32 lower-case hex digits. Equal inputs give equal hashes (so a column of
// hashes can be indexed and searched), without the key nobody can compute or reverse them.
//
// Keyring file (text, UTF-8; '#' starts a comment line):
//   key <id> <base64 of 32 random bytes> [active]
//   search <base64 of 32 random bytes>
// Several `key` lines may be present: the one marked `active` (the highest id when none is
// marked) seals new values, every listed key still opens values sealed with it. Exactly one
// `search` line. Rotation: add a key line with a new id, mark it active, restart, then run
// `ue_data_rekey` on each database (see deploy/README.md, "Security").
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace unemployment::crypto {

inline constexpr size_t kKeyBytes = 32;
inline constexpr uint8_t kSealedFormatVersion = 1;
inline constexpr size_t kSealedOverhead = 1 + 4 + 12 + 16;

// An immutable set of data keys plus the search key. Thread-safe (all methods are const).
class Keyring final {
 public:
  // Parses the keyring file format above. kInvalidArgument names the line, never a key.
  static absl::StatusOr<std::shared_ptr<const Keyring>> Parse(std::string_view text);
  // Reads and parses `path`. Refuses a file that other users may read (mode & 077), because the
  // keys would then not be secret.
  static absl::StatusOr<std::shared_ptr<const Keyring>> LoadFile(const std::string& path);
  // A new keyring file text: key 1 (active) and a search key, both from the OS random source.
  static std::string GenerateText();
  // GenerateText() written to `path` with mode 0600; fails when the file exists.
  static absl::Status CreateFile(const std::string& path);

  uint32_t active_key_id() const { return active_key_id_; }

  // Encrypts `plaintext` with the active key, binding `context` as associated data.
  absl::StatusOr<std::string> Seal(std::string_view context, std::string_view plaintext) const;
  // Decrypts a value from Seal. kDataLoss when the value is malformed, was sealed under another
  // context or has been altered; kFailedPrecondition when its key is not in this keyring.
  absl::StatusOr<std::string> Open(std::string_view context, std::string_view sealed) const;
  // Opens and seals again with the active key (rotation); a value already under the active key is
  // returned unchanged.
  absl::StatusOr<std::string> Reseal(std::string_view context, std::string_view sealed) const;

  // The keyed hash of `value` (see above): 32 hex digits.
  std::string SearchHash(std::string_view value) const;

  // The key id of a sealed value, or nullopt when `sealed` is not in the sealed format.
  static std::optional<uint32_t> KeyIdOf(std::string_view sealed);

 private:
  struct SearchMac;  // the search key's HMAC context, keyed once (keyring.cc)

  Keyring() = default;

  std::map<uint32_t, std::string> keys_;  // id -> 32 key bytes
  uint32_t active_key_id_ = 0;
  std::shared_ptr<const SearchMac> search_mac_;
};

}  // namespace unemployment::crypto
