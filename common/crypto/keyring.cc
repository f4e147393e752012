#include "common/crypto/keyring.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "openssl/core_names.h"
#include "openssl/evp.h"
#include "openssl/rand.h"

namespace unemployment::crypto {
namespace {

constexpr size_t kNonceBytes = 12;
constexpr size_t kTagBytes = 16;
constexpr size_t kHeaderBytes = 1 + 4 + kNonceBytes;
constexpr size_t kSearchHashBytes = 16;

struct CipherContext {
  CipherContext() : ctx(EVP_CIPHER_CTX_new()) {}
  ~CipherContext() { EVP_CIPHER_CTX_free(ctx); }
  CipherContext(const CipherContext&) = delete;
  CipherContext& operator=(const CipherContext&) = delete;
  EVP_CIPHER_CTX* ctx;
};

// AES-256-GCM fetched from the provider once. Passing EVP_aes_256_gcm() to every Init makes
// OpenSSL 3 look the implementation up again on each call (about half the cost of sealing a
// short value).
const EVP_CIPHER* Aes256Gcm() {
  static const EVP_CIPHER* const cipher = [] {
    const EVP_CIPHER* fetched = EVP_CIPHER_fetch(nullptr, "AES-256-GCM", nullptr);
    return fetched != nullptr ? fetched : EVP_aes_256_gcm();
  }();
  return cipher;
}

const unsigned char* Bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

std::string RandomBytes(size_t n) {
  std::string bytes(n, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(bytes.data()), static_cast<int>(n)) != 1) {
    // The OS random source failing is not recoverable; never fall back to weak randomness.
    std::abort();
  }
  return bytes;
}

absl::Status LineError(int line, std::string_view what) {
  return absl::InvalidArgumentError(
      absl::StrCat("keyring line ", line, ": ", absl::string_view(what.data(), what.size())));
}

}  // namespace

// HMAC-SHA256 keyed with the search key once; each hash works on a duplicate of this context.
// OpenSSL 3's one-shot HMAC() fetches the algorithms and derives the key's pads on every call,
// about twice the cost of the hash itself for an ID number. Duplicating only reads `keyed`, so
// concurrent SearchHash calls share it safely.
struct Keyring::SearchMac {
  SearchMac() = default;
  SearchMac(const SearchMac&) = delete;
  SearchMac& operator=(const SearchMac&) = delete;
  ~SearchMac() {
    EVP_MAC_CTX_free(keyed);
    EVP_MAC_free(mac);
  }
  EVP_MAC* mac = nullptr;
  EVP_MAC_CTX* keyed = nullptr;
};

absl::StatusOr<std::shared_ptr<const Keyring>> Keyring::Parse(std::string_view text) {
  std::shared_ptr<Keyring> keyring(new Keyring());
  std::optional<uint32_t> marked_active;
  std::string search_key;
  int line_number = 0;
  for (absl::string_view raw : absl::StrSplit(absl::string_view(text.data(), text.size()), '\n')) {
    ++line_number;
    absl::string_view line = absl::StripAsciiWhitespace(raw);
    if (line.empty() || line[0] == '#') continue;
    std::vector<absl::string_view> words = absl::StrSplit(line, ' ', absl::SkipWhitespace());
    std::string secret;
    if (words[0] == "key") {
      if (words.size() < 3 || words.size() > 4 || (words.size() == 4 && words[3] != "active")) {
        return LineError(line_number, "expected: key <id> <base64 key> [active]");
      }
      uint32_t id = 0;
      if (!absl::SimpleAtoi(words[1], &id) || id == 0) {
        return LineError(line_number, "the key id must be a whole number from 1");
      }
      if (!absl::Base64Unescape(words[2], &secret) || secret.size() != kKeyBytes) {
        return LineError(line_number, "the key must be the base64 of 32 bytes");
      }
      if (!keyring->keys_.emplace(id, std::move(secret)).second) {
        return LineError(line_number, "the key id is listed twice");
      }
      if (words.size() == 4) {
        if (marked_active.has_value()) return LineError(line_number, "a second active key");
        marked_active = id;
      }
    } else if (words[0] == "search") {
      if (words.size() != 2) return LineError(line_number, "expected: search <base64 key>");
      if (!search_key.empty()) return LineError(line_number, "a second search key");
      if (!absl::Base64Unescape(words[1], &secret) || secret.size() != kKeyBytes) {
        return LineError(line_number, "the search key must be the base64 of 32 bytes");
      }
      search_key = std::move(secret);
    } else {
      return LineError(line_number, "expected a 'key' or 'search' line");
    }
  }
  if (keyring->keys_.empty()) return absl::InvalidArgumentError("the keyring holds no key");
  if (search_key.empty()) return absl::InvalidArgumentError("the keyring holds no search key");
  auto search_mac = std::make_shared<SearchMac>();
  search_mac->mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  if (search_mac->mac != nullptr) search_mac->keyed = EVP_MAC_CTX_new(search_mac->mac);
  char digest_name[] = "SHA256";
  const OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest_name, 0),
      OSSL_PARAM_construct_end()};
  if (search_mac->keyed == nullptr ||
      EVP_MAC_init(search_mac->keyed, Bytes(search_key), search_key.size(), params) != 1) {
    return absl::InternalError("cannot set up HMAC-SHA256 for the search key");
  }
  keyring->search_mac_ = std::move(search_mac);
  keyring->active_key_id_ = marked_active.value_or(keyring->keys_.rbegin()->first);
  return std::shared_ptr<const Keyring>(std::move(keyring));
}

absl::StatusOr<std::shared_ptr<const Keyring>> Keyring::LoadFile(const std::string& path) {
  struct stat info;
  if (stat(path.c_str(), &info) != 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot read key file '", path, "': ", std::strerror(errno)));
  }
  if ((info.st_mode & 077) != 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("key file '", path, "' may be read by other users; chmod 600 it (or 400)"));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::FailedPreconditionError(absl::StrCat("cannot read key file '", path, "'"));
  std::stringstream text;
  text << in.rdbuf();
  absl::StatusOr<std::shared_ptr<const Keyring>> keyring = Parse(text.str());
  if (!keyring.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("key file '", path, "': ", keyring.status().message()));
  }
  return keyring;
}

std::string Keyring::GenerateText() {
  return absl::StrCat(
      "# Data keys of the unemployment services (see deploy/README.md, Security).\n"
      "# Keep secret: whoever holds this file can read the personal data in the databases.\n"
      "key 1 ",
      absl::Base64Escape(RandomBytes(kKeyBytes)), " active\n", "search ",
      absl::Base64Escape(RandomBytes(kKeyBytes)), "\n");
}

absl::Status Keyring::CreateFile(const std::string& path) {
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
  if (fd < 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot create key file '", path, "': ", std::strerror(errno)));
  }
  std::string text = GenerateText();
  ssize_t written = write(fd, text.data(), text.size());
  bool synced = fsync(fd) == 0;
  close(fd);
  if (written != static_cast<ssize_t>(text.size()) || !synced) {
    unlink(path.c_str());
    return absl::FailedPreconditionError(absl::StrCat("cannot write key file '", path, "'"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> Keyring::Seal(std::string_view context,
                                          std::string_view plaintext) const {
  const std::string& key = keys_.at(active_key_id_);
  std::string sealed(kHeaderBytes + plaintext.size() + kTagBytes, '\0');
  unsigned char* out = reinterpret_cast<unsigned char*>(sealed.data());
  out[0] = kSealedFormatVersion;
  out[1] = static_cast<unsigned char>(active_key_id_ >> 24);
  out[2] = static_cast<unsigned char>(active_key_id_ >> 16);
  out[3] = static_cast<unsigned char>(active_key_id_ >> 8);
  out[4] = static_cast<unsigned char>(active_key_id_);
  if (RAND_bytes(out + 5, kNonceBytes) != 1) return absl::InternalError("no random nonce");
  CipherContext c;
  int length = 0;
  if (c.ctx == nullptr ||
      EVP_EncryptInit_ex(c.ctx, Aes256Gcm(), nullptr, Bytes(key), out + 5) != 1 ||
      EVP_EncryptUpdate(c.ctx, nullptr, &length, Bytes(context),
                        static_cast<int>(context.size())) != 1 ||
      EVP_EncryptUpdate(c.ctx, out + kHeaderBytes, &length, Bytes(plaintext),
                        static_cast<int>(plaintext.size())) != 1 ||
      EVP_EncryptFinal_ex(c.ctx, out + kHeaderBytes + length, &length) != 1 ||
      EVP_CIPHER_CTX_ctrl(c.ctx, EVP_CTRL_GCM_GET_TAG, kTagBytes,
                          out + kHeaderBytes + plaintext.size()) != 1) {
    return absl::InternalError("AES-GCM encryption failed");
  }
  return sealed;
}

std::optional<uint32_t> Keyring::KeyIdOf(std::string_view sealed) {
  if (sealed.size() < kSealedOverhead || static_cast<uint8_t>(sealed[0]) != kSealedFormatVersion) {
    return std::nullopt;
  }
  const unsigned char* in = Bytes(sealed);
  return (uint32_t{in[1]} << 24) | (uint32_t{in[2]} << 16) | (uint32_t{in[3]} << 8) | in[4];
}

absl::StatusOr<std::string> Keyring::Open(std::string_view context, std::string_view sealed) const {
  std::optional<uint32_t> key_id = KeyIdOf(sealed);
  if (!key_id.has_value()) return absl::DataLossError("a stored value is not sealed");
  auto key = keys_.find(*key_id);
  if (key == keys_.end()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "a stored value is sealed with data key ", *key_id, ", which the keyring does not hold"));
  }
  const unsigned char* in = Bytes(sealed);
  const size_t text_size = sealed.size() - kSealedOverhead;
  std::string plaintext(text_size, '\0');
  unsigned char* out = reinterpret_cast<unsigned char*>(plaintext.data());
  unsigned char tag[kTagBytes];
  std::memcpy(tag, in + kHeaderBytes + text_size, kTagBytes);
  CipherContext c;
  int length = 0;
  if (c.ctx == nullptr ||
      EVP_DecryptInit_ex(c.ctx, Aes256Gcm(), nullptr, Bytes(key->second), in + 5) != 1 ||
      EVP_DecryptUpdate(c.ctx, nullptr, &length, Bytes(context),
                        static_cast<int>(context.size())) != 1 ||
      EVP_DecryptUpdate(c.ctx, out, &length, in + kHeaderBytes, static_cast<int>(text_size)) != 1 ||
      EVP_CIPHER_CTX_ctrl(c.ctx, EVP_CTRL_GCM_SET_TAG, kTagBytes, tag) != 1 ||
      EVP_DecryptFinal_ex(c.ctx, out + length, &length) != 1) {
    return absl::DataLossError(
        "a stored value fails authentication (altered, or moved from another column)");
  }
  return plaintext;
}

absl::StatusOr<std::string> Keyring::Reseal(std::string_view context,
                                            std::string_view sealed) const {
  std::optional<uint32_t> key_id = KeyIdOf(sealed);
  if (key_id == active_key_id_) {
    // Still authenticate, so that rotation never launders an altered value.
    absl::StatusOr<std::string> opened = Open(context, sealed);
    if (!opened.ok()) return opened.status();
    return std::string(sealed);
  }
  absl::StatusOr<std::string> opened = Open(context, sealed);
  if (!opened.ok()) return opened.status();
  return Seal(context, *opened);
}

std::string Keyring::SearchHash(std::string_view value) const {
  unsigned char digest[EVP_MAX_MD_SIZE];
  size_t length = 0;
  EVP_MAC_CTX* ctx = EVP_MAC_CTX_dup(search_mac_->keyed);
  const bool hashed = ctx != nullptr && EVP_MAC_update(ctx, Bytes(value), value.size()) == 1 &&
                      EVP_MAC_final(ctx, digest, &length, sizeof(digest)) == 1;
  EVP_MAC_CTX_free(ctx);
  // Only an allocation can fail here; a wrong hash would find the wrong person, so never go on.
  if (!hashed || length < kSearchHashBytes) std::abort();
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(digest), kSearchHashBytes));
}

}  // namespace unemployment::crypto
