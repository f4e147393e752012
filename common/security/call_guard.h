#pragma once

// Authentication, authorisation, rate limits and audit of inbound calls, the same for every
// service and configured by settings (DefineSecuritySettings).
//
// With security on (--security_policy given), a server:
//   - speaks TLS and requires a client certificate that chains to --tls_client_ca (mutual TLS);
//     a wrong certificate fails the handshake;
//   - runs CallGuard::Check on every call before the handler (the guard's interceptor for the
//     methods of the server's services, see GuardService; gRPC's AuthMetadataProcessor for any
//     other path):
//     the certificate's CN must be a system of the policy, and the call must carry a valid token
//     of that system (`authorization: Bearer <token>`, security/token.h) unless the system is
//     certificate-only; otherwise UNAUTHENTICATED. Then the caller's rate (per system and
//     subject; not for the suite's own services, see TakeRateToken) is checked
//     (RESOURCE_EXHAUSTED), the deadline is capped (a call without a deadline or with a longer one
//     than --max_call_deadline is refused with INVALID_ARGUMENT, streams excepted), and the policy
//     decides (PERMISSION_DENIED). Health checks are exempt. Every refusal carries a
//     google.rpc.ErrorInfo with its reason (TOKEN_MISSING, RATE_LIMITED, DEADLINE_REQUIRED,
//     ROLE_NOT_ALLOWED, ...; the catalogue is proto/unemployment/common/v1/error_reason.proto) in
//     the status details;
//   - writes an audit entry for every call of a `personal` or `aggregate` method, after the
//     handler, with the result; if that write fails the call fails with UNAVAILABLE
//     (AUDIT_LOG_UNAVAILABLE). A stream gets an entry when it opens too (result OPENED, once its
//     request arrived; a stream whose entry cannot be written is cancelled), so a stream cut
//     mid-way is recorded. The record names the request's ids and region codes (nested ones as
//     "spec.region_code") and an ID number only as its keyed hash (AuditPersonHash);
//   - masks personal data in responses to callers whose role does not see it clear (the policy's
//     `clear` and `mask` lines; security/masking.h), in the same interceptor as the audit;
//   - lets handlers read the caller (CurrentCaller) and check a record's region (RequireRegion).
//
// With security off (no --security_policy), nothing of this runs: plaintext, every caller is
// "insecure-dev" with the province-wide scope. This is for loopback development and the existing
// tests only; the service prints a warning at start-up (see deploy/README.md, Security).

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/security/audit_log.h"
#include "common/security/masking.h"
#include "common/security/policy.h"
#include "common/security/token.h"
#include "grpcpp/generic/async_generic_service.h"
#include "grpcpp/security/auth_metadata_processor.h"
#include "grpcpp/impl/service_type.h"
#include "grpcpp/server_context.h"
#include "grpcpp/support/server_interceptor.h"

namespace unemployment::security {

// The metadata key of the token.
inline constexpr absl::string_view kAuthorizationKey = "authorization";

struct Caller {
  CallerClaims claims;
  // False only with security off.
  bool authenticated = false;
  // A certificate-only system calling without a token: one of the suite's own services.
  bool peer_service = false;
};

struct GuardOptions {
  Policy policy;
  // Public keys that verify caller tokens (several during a key rotation).
  TokenVerifier token_keys;
  // Sustained calls per second of one caller (system + subject) and the burst above it; 0: no limit.
  double rate_per_second = 0;
  double rate_burst = 0;
  // Longest deadline an inbound unary call may ask for; zero: no cap.
  absl::Duration max_call_deadline = absl::ZeroDuration();
  // Audit log (not owned; may be null only in tests that do not audit).
  AuditLog* audit = nullptr;
  // Wall clock for token expiry and rates (tests inject).
  std::function<absl::Time()> now = [] { return absl::Now(); };
};

class CallGuard {
 public:
  explicit CallGuard(GuardOptions options);

  // The decision for one call of `path` by the holder of a certificate with CN `certificate_cn`
  // (empty: none) carrying `token` (empty: none). `timeout` is the call's deadline from now
  // (InfiniteDuration: none).
  absl::StatusOr<Caller> Check(absl::string_view path, absl::string_view certificate_cn,
                               absl::string_view token, absl::Duration timeout);

  // The identity of a call that passed Check (the token's claims, or the certificate-only
  // system's). Does not count against the rate.
  absl::StatusOr<Caller> Identify(const grpc::ServerContextBase& context) const;

  // Wraps every method handler of `service` so that the guard's refusals of its calls arrive
  // with their details (google.rpc.Status with ErrorInfo, reason e.g. TOKEN_MISSING). gRPC's
  // AuthMetadataProcessor can send only a code and a message (and has no per-call state), so a
  // wrapped method is checked instead by the guard's interceptor (MakeAuditInterceptorFactory)
  // when the call's metadata arrives, before the handler: it marks a call that passes in the
  // call's metadata; the wrapper runs the method only for a marked call and otherwise answers
  // without running it, and the interceptor sends the refusal. Call before the server starts
  // (ServerOptions::guard_service), on a server that also has the guard's interceptors (without
  // them every call of a wrapped method is refused). Calls of a method the server does not serve
  // are answered by its catch-all (MakeUnservedAnswer); only the health service is left to the
  // processor, which lets it through.
  void GuardService(grpc::Service* service);
  // The mark of a call that passed the interceptor's check (secret per guard).
  const std::string& PassedMark() const { return passed_mark_; }
  // True when `path` ("/package.Service/Method") is a method wrapped by GuardService.
  bool Wraps(absl::string_view path) const;

  std::shared_ptr<grpc::AuthMetadataProcessor> MakeProcessor();
  // The answer to a call of a method the server does not serve (ServerOptions::answer_unserved):
  // the caller's refusal when Check refuses it (TOKEN_MISSING, ...), otherwise UNIMPLEMENTED with
  // reason METHOD_NOT_SERVED, both with their details. Once made, the processor lets such calls
  // through to the server's catch-all instead of refusing them with a code and message only.
  std::function<grpc::Status(const grpc::GenericCallbackServerContext&)> MakeUnservedAnswer();
  bool AnswersUnserved() const { return answers_unserved_.load(); }
  // The server interceptor of the guard: audits calls of `personal` methods and masks responses
  // for callers who do not see personal data clear. No interceptor is made for a call that needs
  // neither.
  std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface> MakeAuditInterceptorFactory();

  const Policy& policy() const { return options_.policy; }
  AuditLog* audit() const { return options_.audit; }
  ResponseMasker& masker() { return masker_; }
  absl::Time Now() const { return options_.now(); }

 private:
  absl::StatusOr<Caller> Authenticate(absl::string_view certificate_cn, absl::string_view token,
                                      bool check_expiry) const;
  absl::Status TakeRateToken(const Caller& caller);
  // VerifyToken, remembering the tokens this guard has verified (the exact text, signature
  // included, with its claims): an Ed25519 verification costs about 100 µs of CPU, and a caller
  // sends the same token on every call until it expires. The key set never changes while the guard
  // lives, so a remembered token would verify again; its times (CheckTokenTime) are checked on
  // every call. Only tokens that verified are remembered, at most kMaxVerifiedTokens (then the
  // memory starts over).
  absl::StatusOr<CallerClaims> VerifyRemembered(absl::string_view token, absl::Time now) const;

  struct Bucket {
    double tokens = 0;
    absl::Time updated;
  };
  GuardOptions options_;
  std::string passed_mark_;
  std::atomic<bool> answers_unserved_{false};
  ResponseMasker masker_{&options_.policy};
  absl::Mutex mu_;
  std::map<std::string, Bucket> buckets_ ABSL_GUARDED_BY(mu_);
  static constexpr size_t kMaxVerifiedTokens = 4096;
  mutable absl::Mutex tokens_mu_;
  mutable std::unordered_map<std::string, CallerClaims> verified_tokens_
      ABSL_GUARDED_BY(tokens_mu_);
  mutable absl::Mutex wrapped_mu_;
  std::set<std::string, std::less<>> wrapped_paths_ ABSL_GUARDED_BY(wrapped_mu_);
};

// The guard of this process's server; null with security off. Set once at start-up.
void InstallProcessGuard(CallGuard* guard);
CallGuard* ProcessGuard();

// The caller of a call being handled: with security off an unauthenticated "insecure-dev" caller
// with the province-wide scope.
absl::StatusOr<Caller> CurrentCaller(const grpc::ServerContextBase& context);

// OK when the caller's region scope covers `region_code`; otherwise PERMISSION_DENIED, reason
// OUTSIDE_REGION_SCOPE. Handlers call it before returning or changing a record of that region.
absl::Status RequireRegion(const grpc::ServerContextBase& context, absl::string_view region_code);

// The caller's region scope ("*" province-wide).
std::string CallerRegionScope(const grpc::ServerContextBase& context);

// For a `regional` method whose request names its record only by id (a registration, a case), so
// the region is known only once the record is loaded. A province-wide caller passes without a
// lookup (the handler then answers NOT_FOUND itself for an unknown id). For a narrower caller,
// `office_region_of` loads the record's office region: one in scope passes; one outside the scope
// and a record that does not exist (`office_region_of` returns NOT_FOUND) get the same answer,
// PERMISSION_DENIED reason OUTSIDE_REGION_SCOPE (the code, reason and metadata of RequireRegion)
// with a message that names neither the id nor a region, so an out-of-scope caller cannot tell
// whether the id exists elsewhere. Other lookup errors (UNAVAILABLE, ...) are returned as they are.
absl::Status RequireRecordInScope(
    const grpc::ServerContextBase& context,
    const std::function<absl::StatusOr<std::string>()>& office_region_of);

}  // namespace unemployment::security
