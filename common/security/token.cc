#include "common/security/token.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <fstream>
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

constexpr absl::string_view kPrefix = "ue1.";

absl::Status Unauthenticated(absl::string_view message, absl::string_view reason) {
  return status::WithErrorInfo(absl::UnauthenticatedError(message), std::string(reason));
}

}  // namespace

absl::StatusOr<std::string> ReadKeyFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::FailedPreconditionError(absl::StrCat("cannot read key file '", path, "'"));
  std::stringstream buffer;
  buffer << in.rdbuf();
  std::string hex(absl::StripAsciiWhitespace(buffer.str()));
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

std::string IssueToken(const CallerClaims& claims, absl::string_view key) {
  std::string body = absl::StrJoin(
      {claims.system, claims.subject, claims.role, claims.region,
       absl::StrCat(absl::ToUnixSeconds(claims.expires))},
      "|");
  std::string signed_part = absl::StrCat(kPrefix, absl::WebSafeBase64Escape(body));
  return absl::StrCat(signed_part, ".", absl::WebSafeBase64Escape(HmacSha256(key, signed_part)));
}

absl::StatusOr<CallerClaims> VerifyToken(absl::string_view token, absl::string_view key,
                                         absl::Time now) {
  if (!absl::StartsWith(token, kPrefix)) {
    return Unauthenticated("the call token is not a ue1 token", "TOKEN_MALFORMED");
  }
  size_t dot = token.rfind('.');
  if (dot <= kPrefix.size()) return Unauthenticated("the call token is malformed", "TOKEN_MALFORMED");
  absl::string_view signed_part = token.substr(0, dot);
  std::string mac;
  if (!absl::WebSafeBase64Unescape(token.substr(dot + 1), &mac)) {
    return Unauthenticated("the call token is malformed", "TOKEN_MALFORMED");
  }
  std::string expected = HmacSha256(key, signed_part);
  if (mac.size() != expected.size() ||
      CRYPTO_memcmp(mac.data(), expected.data(), expected.size()) != 0) {
    return Unauthenticated("the call token's signature is not valid", "TOKEN_BAD_SIGNATURE");
  }
  std::string body;
  if (!absl::WebSafeBase64Unescape(signed_part.substr(kPrefix.size()), &body)) {
    return Unauthenticated("the call token is malformed", "TOKEN_MALFORMED");
  }
  std::vector<std::string> fields = absl::StrSplit(body, '|');
  int64_t expiry = 0;
  if (fields.size() != 5 || fields[0].empty() || fields[1].empty() || fields[2].empty() ||
      fields[3].empty() || !absl::SimpleAtoi(fields[4], &expiry)) {
    return Unauthenticated("the call token is malformed", "TOKEN_MALFORMED");
  }
  CallerClaims claims{fields[0], fields[1], fields[2], fields[3], absl::FromUnixSeconds(expiry)};
  if (claims.expires <= now) {
    return Unauthenticated("the call token has expired", "TOKEN_EXPIRED");
  }
  return claims;
}

bool RegionInScope(absl::string_view scope, absl::string_view region_code) {
  if (scope == "*") return true;
  return !scope.empty() && absl::StartsWith(region_code, scope);
}

}  // namespace unemployment::security
