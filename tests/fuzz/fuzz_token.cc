// Fuzzes token verification (common/security/token.h) through its public entry points only, so
// that the harness survives a change of the token format: arbitrary text must be refused with
// UNAUTHENTICATED or verify to claims that are complete and not expired; a token the issuer made
// from fuzzed claims verifies (or is refused as a whole, never half-read), and any one-byte change
// of it is refused.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "common/security/token.h"
#include "tests/fuzz/fuzz_util.h"

namespace {

using unemployment::security::CallerClaims;
using unemployment::security::TokenSigningKey;
using unemployment::security::TokenVerifier;

const TokenSigningKey& Key() {
  static const TokenSigningKey* key =
      new TokenSigningKey(*TokenSigningKey::FromSeed(std::string(32, '\x5a')));
  return *key;
}

// The verifier holding Key()'s public key, and one holding only another key.
const TokenVerifier& Verifier() {
  static const TokenVerifier* verifier = [] {
    auto* v = new TokenVerifier();
    v->AddRawKey(Key().raw_public_key());
    return v;
  }();
  return *verifier;
}
const TokenVerifier& OtherVerifier() {
  static const TokenVerifier* verifier = [] {
    auto* v = new TokenVerifier();
    v->AddRawKey(TokenSigningKey::FromSeed(std::string(32, '\x01'))->raw_public_key());
    return v;
  }();
  return *verifier;
}

absl::Time Now() { return absl::FromUnixSeconds(1758848400); }  // 2025-09-26T01:00:00Z

void CheckVerified(const absl::StatusOr<CallerClaims>& claims) {
  if (!claims.ok()) {
    if (claims.status().code() != absl::StatusCode::kUnauthenticated) std::abort();
    return;
  }
  if (claims->system.empty() || claims->subject.empty() || claims->role.empty()) std::abort();
  if (claims->expires + unemployment::security::kTokenClockLeeway <= Now()) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  unemployment::fuzz::Input in = unemployment::fuzz::Split(data, size);
  if ((in.selector & 1) == 0) {
    // Arbitrary text as a presented token, under the right key and under a wrong one.
    CheckVerified(unemployment::security::VerifyToken(in.rest, Verifier(), Now()));
    absl::StatusOr<CallerClaims> wrong =
        unemployment::security::VerifyToken(in.rest, OtherVerifier(), Now());
    if (wrong.ok()) CheckVerified(wrong);
    return 0;
  }
  // Claims from the input: system|subject|role|region|seconds-left; then one byte flipped.
  std::vector<std::string> parts = absl::StrSplit(in.rest, absl::MaxSplits('\n', 5));
  if (parts.size() < 5) return 0;
  for (int i = 0; i < 4; ++i) {
    if (parts[i].find('|') != std::string::npos) return 0;  // not allowed in a claim (token.h)
  }
  CallerClaims claims;
  claims.system = parts[0];
  claims.subject = parts[1];
  claims.role = parts[2];
  claims.region = parts[3];
  int64_t seconds = 0;
  for (char c : parts[4].substr(0, 9)) seconds = seconds * 10 + (c & 0x0f);
  // Issued between about 28 h before and 28 h after Now(), valid for up to 14 h (above the 12 h
  // maximum the issuer refuses).
  claims.not_before = Now() + absl::Seconds(seconds % 200000 - 100000);
  claims.expires = claims.not_before + absl::Seconds((seconds / 200000) % 50400 + 1);
  absl::StatusOr<std::string> issued = unemployment::security::IssueToken(claims, Key());
  if (!issued.ok()) {
    if (issued.status().code() != absl::StatusCode::kInvalidArgument) std::abort();
    return 0;
  }
  const std::string& token = *issued;
  absl::StatusOr<CallerClaims> verified =
      unemployment::security::VerifyToken(token, Verifier(), Now());
  CheckVerified(verified);
  if (verified.ok() && (verified->system != claims.system || verified->subject != claims.subject ||
                        verified->role != claims.role || verified->region != claims.region)) {
    std::abort();
  }
  if (!token.empty() && parts.size() > 5 && !parts[5].empty()) {
    std::string changed = token;
    const size_t at = static_cast<unsigned char>(parts[5][0]) % changed.size();
    const char flip = static_cast<char>(parts[5].size() > 1 ? parts[5][1] : 1);
    if (flip != 0) {
      changed[at] = static_cast<char>(changed[at] ^ flip);
      absl::StatusOr<CallerClaims> tampered =
          unemployment::security::VerifyToken(changed, Verifier(), Now());
      // A different text may still decode to the same claims (base64 padding bits); it must
      // never verify to different claims.
      if (tampered.ok() && (tampered->system != claims.system || tampered->role != claims.role ||
                            tampered->subject != claims.subject ||
                            tampered->region != claims.region)) {
        std::abort();
      }
    }
  }
  return 0;
}
