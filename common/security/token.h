#pragma once

// Signed per-call tokens. A calling system presents its client certificate on the connection and,
// on every call, a token in the metadata `authorization: Bearer <token>` that says who calls in
// which role for which region, from when until when. The token is signed with Ed25519 by the
// issuer (ue_issue_token, or the province's identity service in production), which alone holds
// the private signing key; services hold only public verification keys, so a service host cannot
// mint a token.
//
// Token text (format ue2):
//   "ue2." + base64url(claims) + "." + base64url(Ed25519(signing key, "ue2." + base64url(claims)))
// where claims = kid "|" system "|" subject "|" role "|" region "|" not_before "|" expiry (Unix
// seconds). The fields must not contain '|'; every field is non-empty. `kid` (key id) names the
// signing key: the first 16 hex digits of SHA-256 of the raw 32-byte Ed25519 public key
// (TokenKeyId), so it follows from the key and needs no registry.
//
// Rotation: a service accepts every key in its verification key set (a folder of `*.pub` files,
// see TokenVerifier::Load), so a new key is rolled out to the services first, then the issuer
// switches to it, and the old public key is removed once the last token it signed has expired
// (at most kMaxTokenValidity + kTokenClockLeeway later). deploy/README.md has the runbook.
//
// The retired format ue1 (HMAC-SHA256 under a key every service held, no key id) is refused with
// reason TOKEN_FORMAT_RETIRED.

#include <map>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace unemployment::security {

// Clock-skew leeway of verification: a token is accepted from not_before - leeway until
// expiry + leeway (hosts' clocks are NTP-synchronised; a minute covers the drift between them).
inline constexpr absl::Duration kTokenClockLeeway = absl::Seconds(60);
// Longest validity (expiry - not_before) the issuer signs: a working shift. A token is a bearer
// credential; if it leaks, this bounds how long it can be used.
inline constexpr absl::Duration kMaxTokenValidity = absl::Hours(12);

struct CallerClaims {
  // The calling system; equals the CN of its client certificate ("province-portal", "staff-client").
  std::string system;
  // The person or process within the system ("reviewer-0451-017"); never personal data.
  std::string subject;
  // A role of data/security/policy ("reviewer").
  std::string role;
  // Region scope: a region-code prefix ("230103" one district, "2301" one city), or "*" for the
  // whole province.
  std::string region = "*";
  absl::Time expires = absl::InfinitePast();
  // Valid from (set by the issuer: the time of issue).
  absl::Time not_before = absl::InfinitePast();
  // The signing key's id (set by IssueToken and VerifyToken).
  std::string key_id = std::string();
};

// The key id of a raw 32-byte Ed25519 public key: 16 hex digits of its SHA-256.
std::string TokenKeyId(absl::string_view raw_public_key);

// The issuer's private key.
class TokenSigningKey {
 public:
  // Reads a PEM Ed25519 private key (`openssl genpkey -algorithm ed25519`). A hex file of the
  // retired symmetric key is refused with a message saying so.
  static absl::StatusOr<TokenSigningKey> Load(const std::string& path);
  static absl::StatusOr<TokenSigningKey> FromSeed(absl::string_view seed32);

  const std::string& key_id() const { return key_id_; }
  const std::string& raw_public_key() const { return public_key_; }
  absl::StatusOr<std::string> Sign(absl::string_view data) const;

 private:
  std::string seed_;
  std::string public_key_;
  std::string key_id_;
};

// The services' verification keys: key id -> raw Ed25519 public key.
class TokenVerifier {
 public:
  // `path` is a PEM public key file (`openssl pkey -pubout`) or a folder: every `*.pub` file in it
  // is a key (other files, such as certificates, are ignored). At least one key; the key ids
  // follow from the keys. Several keys are valid at once (rotation).
  static absl::StatusOr<TokenVerifier> Load(const std::string& path);
  // Adds a raw 32-byte public key (tests, and Load).
  void AddRawKey(absl::string_view raw_public_key);

  const std::map<std::string, std::string>& keys() const { return keys_; }

 private:
  std::map<std::string, std::string> keys_;
};

// Signs `claims` (all non-empty, no '|'; not_before set; expires after not_before and at most
// kMaxTokenValidity after it). INVALID_ARGUMENT otherwise.
absl::StatusOr<std::string> IssueToken(const CallerClaims& claims, const TokenSigningKey& key);

// UNAUTHENTICATED (ErrorInfo reason TOKEN_MALFORMED, TOKEN_FORMAT_RETIRED, TOKEN_KEY_UNKNOWN,
// TOKEN_BAD_SIGNATURE, TOKEN_VALIDITY_TOO_LONG, TOKEN_NOT_YET_VALID or TOKEN_EXPIRED) unless
// `token` was signed by a key of `verifier`, is valid for at most kMaxTokenValidity, and `now`
// lies within [not_before - kTokenClockLeeway, expires + kTokenClockLeeway).
// `now` InfinitePast skips the time checks (a call already admitted).
absl::StatusOr<CallerClaims> VerifyToken(absl::string_view token, const TokenVerifier& verifier,
                                         absl::Time now);

// OK when `now` lies within [claims.not_before - kTokenClockLeeway, claims.expires +
// kTokenClockLeeway) or is InfinitePast; otherwise UNAUTHENTICATED, reason TOKEN_NOT_YET_VALID or
// TOKEN_EXPIRED. VerifyToken applies it; a cache of verified tokens applies it on every use.
absl::Status CheckTokenTime(const CallerClaims& claims, absl::Time now);

// A hex key file (the audit log's chain key): at least 32 bytes, written as 64+ hex digits
// (`openssl rand -hex 32`); surrounding white space is ignored.
absl::StatusOr<std::string> ReadKeyFile(const std::string& path);

// HMAC-SHA256 of `data` under `key` (32 raw bytes).
std::string HmacSha256(absl::string_view key, absl::string_view data);

// True when `region_code` lies within `scope` ("*" covers everything; otherwise a prefix).
bool RegionInScope(absl::string_view scope, absl::string_view region_code);

}  // namespace unemployment::security
