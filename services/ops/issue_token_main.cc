// ue_issue_token: issues a signed per-call token (common/security/token.h) for development, tests
// and the local runner. In production tokens come from the province's identity service, which
// holds the signing key; this command is the same signing for a key file on this machine. It is
// not part of the service image (deploy/Dockerfile): a service host holds only public keys and
// cannot mint tokens.
//
//   ue_issue_token SIGNING_KEY SYSTEM SUBJECT ROLE [REGION_SCOPE] [VALIDITY]
//
// SIGNING_KEY is a PEM Ed25519 private key (deploy/security/make-dev-ca.sh writes
// token-signing.key); its key id goes into the token. SYSTEM is the calling system (its client
// certificate's CN), ROLE one of its roles in data/security/policy, REGION_SCOPE a region-code
// prefix or * (default *), VALIDITY a duration such as 8h (default 8h, at most 12h:
// security::kMaxTokenValidity; longer is refused). The token is valid from now. Prints the token
// (send it as `authorization: Bearer <token>`).

#include <iostream>
#include <string>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/security/token.h"

namespace security = unemployment::security;

int main(int argc, char** argv) {
  if (argc < 5 || argc > 7) {
    std::cerr << "usage: ue_issue_token SIGNING_KEY SYSTEM SUBJECT ROLE [REGION_SCOPE] [VALIDITY]\n"
                 "  VALIDITY at most "
              << absl::FormatDuration(security::kMaxTokenValidity) << " (default 8h)\n";
    return 2;
  }
  absl::StatusOr<security::TokenSigningKey> key = security::TokenSigningKey::Load(argv[1]);
  if (!key.ok()) {
    std::cerr << "ue_issue_token: " << key.status().message() << "\n";
    return 2;
  }
  absl::Duration validity = absl::Hours(8);
  if (argc == 7 && (!absl::ParseDuration(argv[6], &validity) || validity <= absl::ZeroDuration())) {
    std::cerr << "ue_issue_token: VALIDITY must be a positive duration such as 8h\n";
    return 2;
  }
  if (validity > security::kMaxTokenValidity) {
    std::cerr << "ue_issue_token: VALIDITY " << absl::FormatDuration(validity)
              << " is above the maximum of " << absl::FormatDuration(security::kMaxTokenValidity)
              << " (a token is a bearer credential: issue a new one per shift)\n";
    return 2;
  }
  security::CallerClaims claims;
  claims.system = argv[2];
  claims.subject = argv[3];
  claims.role = argv[4];
  claims.region = argc >= 6 ? argv[5] : "*";
  claims.not_before = absl::FromUnixSeconds(absl::ToUnixSeconds(absl::Now()));
  claims.expires = claims.not_before + validity;
  absl::StatusOr<std::string> token = security::IssueToken(claims, *key);
  if (!token.ok()) {
    std::cerr << "ue_issue_token: " << token.status().message() << "\n";
    return 2;
  }
  std::cout << *token << "\n";
  return 0;
}
