#pragma once

// Signed per-call tokens. A calling system presents its client certificate on the connection and,
// on every call, a token in the metadata `authorization: Bearer <token>` that says who calls in
// which role for which region, until when. The token is signed with HMAC-SHA256 under a key that
// only the issuer (ue_issue_token, or the province's identity service in production) and the
// services hold.
//
// Token text: "ue1." + base64url(claims) + "." + base64url(HMAC-SHA256(key, "ue1." + base64url(claims)))
// where claims = system "|" subject "|" role "|" region "|" expiry (Unix seconds). The fields
// must not contain '|'; system, subject and role are non-empty.

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace unemployment::security {

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
};

// A signing key: at least 32 bytes. Read from a file holding hex (64+ hex digits, as
// `openssl rand -hex 32` writes) — surrounding white space is ignored.
absl::StatusOr<std::string> ReadKeyFile(const std::string& path);

std::string IssueToken(const CallerClaims& claims, absl::string_view key);

// UNAUTHENTICATED (ErrorInfo reason TOKEN_MALFORMED, TOKEN_BAD_SIGNATURE or TOKEN_EXPIRED) unless
// `token` was signed with `key` and has not expired at `now`.
absl::StatusOr<CallerClaims> VerifyToken(absl::string_view token, absl::string_view key,
                                         absl::Time now);

// HMAC-SHA256 of `data` under `key` (32 raw bytes).
std::string HmacSha256(absl::string_view key, absl::string_view data);

// True when `region_code` lies within `scope` ("*" covers everything; otherwise a prefix).
bool RegionInScope(absl::string_view scope, absl::string_view region_code);

}  // namespace unemployment::security
