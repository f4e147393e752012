// ue_issue_token: issues a signed per-call token (common/security/token.h) for development, tests
// and the local runner. In production tokens come from the province's identity service, which
// holds the key; this command is the same signing for a key file on this machine.
//
//   ue_issue_token KEY_FILE SYSTEM SUBJECT ROLE [REGION_SCOPE] [VALIDITY]
//
// SYSTEM is the calling system (its client certificate's CN), ROLE one of its roles in
// data/security/policy, REGION_SCOPE a region-code prefix or * (default *), VALIDITY a duration
// such as 8h (default 8h). Prints the token (send it as `authorization: Bearer <token>`).

#include <iostream>
#include <string>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/security/token.h"

int main(int argc, char** argv) {
  if (argc < 5 || argc > 7) {
    std::cerr << "usage: ue_issue_token KEY_FILE SYSTEM SUBJECT ROLE [REGION_SCOPE] [VALIDITY]\n";
    return 2;
  }
  absl::StatusOr<std::string> key = unemployment::security::ReadKeyFile(argv[1]);
  if (!key.ok()) {
    std::cerr << "ue_issue_token: " << key.status().message() << "\n";
    return 2;
  }
  absl::Duration validity = absl::Hours(8);
  if (argc == 7 && (!absl::ParseDuration(argv[6], &validity) || validity <= absl::ZeroDuration())) {
    std::cerr << "ue_issue_token: VALIDITY must be a positive duration such as 8h\n";
    return 2;
  }
  unemployment::security::CallerClaims claims;
  claims.system = argv[2];
  claims.subject = argv[3];
  claims.role = argv[4];
  claims.region = argc >= 6 ? argv[5] : "*";
  for (const std::string* field : {&claims.system, &claims.subject, &claims.role, &claims.region}) {
    if (field->empty() || field->find('|') != std::string::npos) {
      std::cerr << "ue_issue_token: fields must be non-empty and must not contain '|'\n";
      return 2;
    }
  }
  claims.expires = absl::Now() + validity;
  std::cout << unemployment::security::IssueToken(claims, *key) << "\n";
  return 0;
}
