#include "common/security/token.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/sha.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/status/status_util.h"

namespace unemployment::security {
namespace {

constexpr absl::string_view kPrefix = "ue2.";
constexpr absl::string_view kRetiredPrefix = "ue1.";
constexpr size_t kRawKeySize = 32;

absl::Status Unauthenticated(absl::string_view message, absl::string_view reason) {
  return status::WithErrorInfo(absl::UnauthenticatedError(message), std::string(reason));
}

struct PkeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};
struct BioFree {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;

absl::StatusOr<std::string> ReadWhole(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::FailedPreconditionError(absl::StrCat("cannot read key file '", path, "'"));
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

bool LooksLikeHexKey(absl::string_view text) {
  text = absl::StripAsciiWhitespace(text);
  return !text.empty() && text.find_first_not_of("0123456789abcdefABCDEF") == absl::string_view::npos;
}

// The raw 32 bytes of `key`'s public (or private) part.
std::string RawKey(EVP_PKEY* key, bool private_part) {
  std::string raw(kRawKeySize, '\0');
  size_t length = raw.size();
  int ok = private_part
               ? EVP_PKEY_get_raw_private_key(key, reinterpret_cast<unsigned char*>(raw.data()), &length)
               : EVP_PKEY_get_raw_public_key(key, reinterpret_cast<unsigned char*>(raw.data()), &length);
  if (ok != 1 || length != kRawKeySize) return "";
  return raw;
}

// Reads the PEM Ed25519 public key of `text`; empty when it holds none.
std::string PublicKeyFromPem(absl::string_view text) {
  std::unique_ptr<BIO, BioFree> bio(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
  if (bio == nullptr) return "";
  Pkey key(PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr));
  if (key == nullptr || EVP_PKEY_id(key.get()) != EVP_PKEY_ED25519) return "";
  return RawKey(key.get(), false);
}

bool VerifySignature(absl::string_view raw_public_key, absl::string_view data,
                     absl::string_view signature) {
  Pkey key(EVP_PKEY_new_raw_public_key(
      EVP_PKEY_ED25519, nullptr, reinterpret_cast<const unsigned char*>(raw_public_key.data()),
      raw_public_key.size()));
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  if (key == nullptr || ctx == nullptr ||
      EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key.get()) != 1) {
    return false;
  }
  return EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                          signature.size(), reinterpret_cast<const unsigned char*>(data.data()),
                          data.size()) == 1;
}

}  // namespace

std::string TokenKeyId(absl::string_view raw_public_key) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(raw_public_key.data()), raw_public_key.size(),
         digest);
  return absl::BytesToHexString(absl::string_view(reinterpret_cast<char*>(digest), 8));
}

absl::StatusOr<TokenSigningKey> TokenSigningKey::FromSeed(absl::string_view seed32) {
  if (seed32.size() != kRawKeySize) {
    return absl::InvalidArgumentError("an Ed25519 private key is 32 bytes");
  }
  Pkey key(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr,
                                        reinterpret_cast<const unsigned char*>(seed32.data()),
                                        seed32.size()));
  if (key == nullptr) return absl::InvalidArgumentError("not an Ed25519 private key");
  TokenSigningKey signing;
  signing.seed_ = std::string(seed32);
  signing.public_key_ = RawKey(key.get(), false);
  signing.key_id_ = TokenKeyId(signing.public_key_);
  return signing;
}

absl::StatusOr<TokenSigningKey> TokenSigningKey::Load(const std::string& path) {
  absl::StatusOr<std::string> text = ReadWhole(path);
  if (!text.ok()) return text.status();
  if (LooksLikeHexKey(*text)) {
    return absl::FailedPreconditionError(absl::StrCat(
        "'", path, "' holds a hex key: the symmetric token key is retired; tokens are signed with "
        "an Ed25519 private key (PEM, openssl genpkey -algorithm ed25519; deploy/security/"
        "make-dev-ca.sh writes token-signing.key)"));
  }
  std::unique_ptr<BIO, BioFree> bio(BIO_new_mem_buf(text->data(), static_cast<int>(text->size())));
  Pkey key(bio == nullptr ? nullptr
                          : PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (key == nullptr || EVP_PKEY_id(key.get()) != EVP_PKEY_ED25519) {
    return absl::FailedPreconditionError(
        absl::StrCat("'", path, "' is no PEM Ed25519 private key (openssl genpkey -algorithm ed25519)"));
  }
  std::string seed = RawKey(key.get(), true);
  if (seed.empty()) return absl::FailedPreconditionError(absl::StrCat("cannot read '", path, "'"));
  return FromSeed(seed);
}

absl::StatusOr<std::string> TokenSigningKey::Sign(absl::string_view data) const {
  Pkey key(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr,
                                        reinterpret_cast<const unsigned char*>(seed_.data()),
                                        seed_.size()));
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  std::string signature(64, '\0');
  size_t length = signature.size();
  if (key == nullptr || ctx == nullptr ||
      EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key.get()) != 1 ||
      EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &length,
                     reinterpret_cast<const unsigned char*>(data.data()), data.size()) != 1) {
    return absl::InternalError("Ed25519 signing failed");
  }
  signature.resize(length);
  return signature;
}

void TokenVerifier::AddRawKey(absl::string_view raw_public_key) {
  keys_[TokenKeyId(raw_public_key)] = std::string(raw_public_key);
}

absl::StatusOr<TokenVerifier> TokenVerifier::Load(const std::string& path) {
  std::error_code error;
  std::vector<std::filesystem::path> files;
  if (std::filesystem::is_directory(path, error)) {
    for (const auto& entry : std::filesystem::directory_iterator(path, error)) {
      if (entry.path().extension() == ".pub") files.push_back(entry.path());
    }
    if (error) return absl::FailedPreconditionError(absl::StrCat("cannot list '", path, "'"));
    std::sort(files.begin(), files.end());
    if (files.empty()) {
      return absl::FailedPreconditionError(
          absl::StrCat("'", path, "' holds no token verification key (*.pub)"));
    }
  } else {
    files.emplace_back(path);
  }
  TokenVerifier verifier;
  for (const std::filesystem::path& file : files) {
    absl::StatusOr<std::string> text = ReadWhole(file.string());
    if (!text.ok()) return text.status();
    std::string raw = PublicKeyFromPem(*text);
    if (raw.empty()) {
      return absl::FailedPreconditionError(absl::StrCat(
          "'", file.string(), "' is no PEM Ed25519 public key (openssl pkey -pubout)",
          LooksLikeHexKey(*text) ? "; the symmetric token key is retired" : ""));
    }
    verifier.AddRawKey(raw);
  }
  return verifier;
}

absl::StatusOr<std::string> ReadKeyFile(const std::string& path) {
  absl::StatusOr<std::string> text = ReadWhole(path);
  if (!text.ok()) return text.status();
  std::string hex(absl::StripAsciiWhitespace(*text));
  if (hex.size() < 64 || hex.size() % 2 != 0 ||
      hex.find_first_not_of("0123456789abcdefABCDEF") != std::string::npos) {
    return absl::FailedPreconditionError(absl::StrCat(
        "key file '", path, "' must hold at least 64 hex digits (openssl rand -hex 32)"));
  }
  return absl::HexStringToBytes(hex);
}

std::string HmacSha256(absl::string_view key, absl::string_view data) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac, &length);
  return std::string(reinterpret_cast<const char*>(mac), length);
}

absl::StatusOr<std::string> IssueToken(const CallerClaims& claims, const TokenSigningKey& key) {
  for (const std::string* field : {&claims.system, &claims.subject, &claims.role, &claims.region}) {
    if (field->empty() || field->find('|') != std::string::npos) {
      return absl::InvalidArgumentError("token fields must be non-empty and must not contain '|'");
    }
  }
  if (claims.not_before == absl::InfinitePast() || claims.expires <= claims.not_before ||
      claims.expires == absl::InfiniteFuture()) {
    return absl::InvalidArgumentError("a token needs a not-before time and a later expiry");
  }
  if (claims.expires - claims.not_before > kMaxTokenValidity) {
    return absl::InvalidArgumentError(
        absl::StrCat("a token is valid for at most ", absl::FormatDuration(kMaxTokenValidity),
                     "; asked for ", absl::FormatDuration(claims.expires - claims.not_before)));
  }
  std::string body = absl::StrJoin(
      {key.key_id(), claims.system, claims.subject, claims.role, claims.region,
       absl::StrCat(absl::ToUnixSeconds(claims.not_before)),
       absl::StrCat(absl::ToUnixSeconds(claims.expires))},
      "|");
  std::string signed_part = absl::StrCat(kPrefix, absl::WebSafeBase64Escape(body));
  absl::StatusOr<std::string> signature = key.Sign(signed_part);
  if (!signature.ok()) return signature.status();
  return absl::StrCat(signed_part, ".", absl::WebSafeBase64Escape(*signature));
}

absl::StatusOr<CallerClaims> VerifyToken(absl::string_view token, const TokenVerifier& verifier,
                                         absl::Time now) {
  if (absl::StartsWith(token, kRetiredPrefix)) {
    return Unauthenticated(
        "the call token is of the retired format ue1 (symmetric key, no key id); issue a new "
        "token (ue2, Ed25519 with a key id)",
        "TOKEN_FORMAT_RETIRED");
  }
  if (!absl::StartsWith(token, kPrefix)) {
    return Unauthenticated("the call token is not a ue2 token", "TOKEN_MALFORMED");
  }
  size_t dot = token.rfind('.');
  if (dot <= kPrefix.size()) return Unauthenticated("the call token is malformed", "TOKEN_MALFORMED");
  absl::string_view signed_part = token.substr(0, dot);
  std::string signature, body;
  if (!absl::WebSafeBase64Unescape(token.substr(dot + 1), &signature) ||
      !absl::WebSafeBase64Unescape(signed_part.substr(kPrefix.size()), &body)) {
    return Unauthenticated("the call token is malformed", "TOKEN_MALFORMED");
  }
  std::vector<std::string> fields = absl::StrSplit(body, '|');
  int64_t not_before = 0, expiry = 0;
  if (fields.size() != 7 ||
      std::any_of(fields.begin(), fields.end(), [](const std::string& f) { return f.empty(); }) ||
      !absl::SimpleAtoi(fields[5], &not_before) || !absl::SimpleAtoi(fields[6], &expiry)) {
    return Unauthenticated("the call token is malformed", "TOKEN_MALFORMED");
  }
  auto key = verifier.keys().find(fields[0]);
  if (key == verifier.keys().end()) {
    return Unauthenticated(
        absl::StrCat("the call token's key id ", fields[0], " is not a verification key of this service"),
        "TOKEN_KEY_UNKNOWN");
  }
  if (!VerifySignature(key->second, signed_part, signature)) {
    return Unauthenticated("the call token's signature is not valid", "TOKEN_BAD_SIGNATURE");
  }
  CallerClaims claims{fields[1], fields[2], fields[3], fields[4], absl::FromUnixSeconds(expiry),
                      absl::FromUnixSeconds(not_before), fields[0]};
  // The issuer never signs more than kMaxTokenValidity; a longer token comes from elsewhere (a
  // leaked or misused signing key) and is refused whatever the time.
  if (claims.expires - claims.not_before > kMaxTokenValidity) {
    return Unauthenticated(
        absl::StrCat("the call token is valid for longer than ",
                     absl::FormatDuration(kMaxTokenValidity), "; issue a shorter one"),
        "TOKEN_VALIDITY_TOO_LONG");
  }
  if (absl::Status in_time = CheckTokenTime(claims, now); !in_time.ok()) return in_time;
  return claims;
}

absl::Status CheckTokenTime(const CallerClaims& claims, absl::Time now) {
  if (now == absl::InfinitePast()) return absl::OkStatus();
  if (now < claims.not_before - kTokenClockLeeway) {
    return Unauthenticated("the call token is not valid yet", "TOKEN_NOT_YET_VALID");
  }
  if (claims.expires + kTokenClockLeeway <= now) {
    return Unauthenticated("the call token has expired", "TOKEN_EXPIRED");
  }
  return absl::OkStatus();
}

bool RegionInScope(absl::string_view scope, absl::string_view region_code) {
  if (scope == "*") return true;
  return !scope.empty() && absl::StartsWith(region_code, scope);
}

}  // namespace unemployment::security
