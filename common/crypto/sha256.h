#pragma once

// SHA-256 (OpenSSL), the one wrapper of the suite: incremental for files and streams sent in
// pieces (snapshot imports, comparison digests), one-shot for a value held whole.

#include <string>

#include "absl/strings/string_view.h"

struct evp_md_ctx_st;

namespace unemployment::crypto {

// Incremental SHA-256.
class Sha256 final {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void Update(absl::string_view bytes);
  // The 32-byte digest of everything added; ends the computation (call once).
  std::string Digest();
  // The lower-case hexadecimal digest; ends the computation (call once).
  std::string HexDigest();

 private:
  evp_md_ctx_st* ctx_;
};

// The lower-case hexadecimal SHA-256 digest of `bytes`.
std::string Sha256Hex(absl::string_view bytes);

}  // namespace unemployment::crypto
