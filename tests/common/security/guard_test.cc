// Transport security, caller authentication, authorisation, rate limits and the audit log on a
// real gRPC server over loopback, with certificates made by deploy/security/make-dev-ca.sh.

#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/security/call_guard.h"
#include "common/server/grpc_server.h"
#include "common/status/status_util.h"
#include "common/store/database.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/impl/codegen/client_unary_call.h"
#include "grpcpp/security/credentials.h"
#include "tests/common/security/dev_ca.h"
#include "unemployment/testing/v1/echo_service.grpc.pb.h"

namespace unemployment::security {
namespace {

namespace fs = std::filesystem;

using test_support::ReadAll;

// One dev CA for the whole test binary.
const fs::path& Certs() { return test_support::DevCa("guard-test"); }

const TokenSigningKey& SigningKey() {
  static const TokenSigningKey key = test_support::DevSigningKey(Certs());
  return key;
}

TokenVerifier VerificationKeys() { return test_support::DevVerifier(Certs()); }

// The ErrorInfo reason of `status` ("" when none).
std::string ReasonOf(const absl::Status& status) {
  std::optional<google::rpc::ErrorInfo> info = status::GetErrorInfo(status);
  return info.has_value() ? info->reason() : "";
}

// `token` with its claims replaced by `claims` (same key id) and the old signature kept.
std::string WithClaims(const std::string& token, const std::string& claims) {
  return absl::StrCat("ue2.", absl::WebSafeBase64Escape(claims), token.substr(token.rfind('.')));
}

constexpr char kTestPolicy[] = R"(
system province-portal    province-portal
system ministry-platform  ministry
system staff-client       reviewer
system svc-registration   svc-registration certificate-only
allow unemployment.testing.v1.EchoService/Echo personal any ministry svc-registration reviewer
allow unemployment.testing.v1.PortalOnly/Method none any province-portal
allow grpc.reflection.v1.ServerReflection/ServerReflectionInfo none any reviewer
)";

// The ErrorInfo reason in a status's details trailer ("" when there is none), and its domain.
std::string Reason(const grpc::Status& status) {
  std::optional<google::rpc::Status> details = status::DecodeDetails(status);
  if (!details.has_value()) return "";
  for (const google::protobuf::Any& any : details->details()) {
    google::rpc::ErrorInfo info;
    if (any.UnpackTo(&info) && info.domain() == status::kErrorDomain) return info.reason();
  }
  return "";
}

class EchoImpl final : public testing::v1::EchoService::CallbackService {
  grpc::ServerUnaryReactor* Echo(grpc::CallbackServerContext* context,
                                 const testing::v1::EchoRequest* request,
                                 testing::v1::EchoResponse* response) override {
    response->set_payload(request->payload());
    ++calls;
    seen_region = CallerRegionScope(*context);
    auto* reactor = context->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }

 public:
  std::string seen_region;
  std::atomic<int> calls{0};
};

struct Fixture {
  explicit Fixture(GuardOptions options = {}) {
    absl::StatusOr<Policy> policy = Policy::Parse(kTestPolicy);
    REQUIRE(policy.ok());
    options.policy = *std::move(policy);
    options.token_keys = VerificationKeys();
    audit_path = (Certs() / absl::StrCat("audit-", ++counter, ".db")).string();
    absl::StatusOr<std::unique_ptr<AuditLog>> opened = AuditLog::Open(
        audit_path, "audit-key-of-32-bytes-for-tests!", store::SynchronousMode::kOff);
    REQUIRE(opened.ok());
    audit = *std::move(opened);
    options.audit = audit.get();
    guard = std::make_unique<CallGuard>(std::move(options));
    server::ServerOptions server_options;
    server_options.tls_cert_file = (Certs() / "server/gateway.pem").string();
    server_options.tls_key_file = (Certs() / "server/gateway.key").string();
    server_options.tls_client_ca_file = (Certs() / "ca.pem").string();
    server_options.auth_processor = guard->MakeProcessor();
    server_options.health_listen_address = "127.0.0.1:0";
    CallGuard* g = guard.get();
    server_options.guard_service = [g](grpc::Service* service) { g->GuardService(service); };
    server_options.answer_unserved = guard->MakeUnservedAnswer();
    server_options.make_interceptors = [g] {
      std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> v;
      v.push_back(g->MakeAuditInterceptorFactory());
      return v;
    };
    absl::StatusOr<std::unique_ptr<server::GrpcServer>> started =
        server::GrpcServer::Start(server_options, {&echo});
    INFO(started.status().ToString());
    REQUIRE(started.ok());
    srv = *std::move(started);
    srv->SetServing(true);
    InstallProcessGuard(guard.get());
  }
  ~Fixture() {
    srv.reset();
    InstallProcessGuard(nullptr);
  }

  // A call of `path` (any method name; the request is an EchoRequest) as `client` with `token`.
  grpc::Status CallPath(const std::string& path, const std::string& client, const std::string& token) {
    grpc::SslCredentialsOptions ssl;
    ssl.pem_root_certs = ReadAll(Certs() / "ca.pem");
    ssl.pem_cert_chain = ReadAll(Certs() / (client + ".pem"));
    ssl.pem_private_key = ReadAll(Certs() / (client + ".key"));
    auto channel =
        grpc::CreateChannel(absl::StrCat("localhost:", srv->port()), grpc::SslCredentials(ssl));
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    if (!token.empty()) context.AddMetadata("authorization", "Bearer " + token);
    testing::v1::EchoRequest request;
    testing::v1::EchoResponse response;
    return grpc::internal::BlockingUnaryCall(
        channel.get(), grpc::internal::RpcMethod(path.c_str(), grpc::internal::RpcMethod::NORMAL_RPC),
        &context, request, &response);
  }

  // A client presenting `client` (a file base under the CA folder, e.g. "client/province-portal")
  // and, when not empty, `token`.
  grpc::Status Call(const std::string& client, const std::string& token,
                    int deadline_seconds = 10) {
    grpc::SslCredentialsOptions ssl;
    ssl.pem_root_certs = ReadAll(Certs() / "ca.pem");
    if (!client.empty()) {
      ssl.pem_cert_chain = ReadAll(Certs() / (client + ".pem"));
      ssl.pem_private_key = ReadAll(Certs() / (client + ".key"));
    }
    auto stub = testing::v1::EchoService::NewStub(
        grpc::CreateChannel(absl::StrCat("localhost:", srv->port()), grpc::SslCredentials(ssl)));
    grpc::ClientContext context;
    if (deadline_seconds > 0) {
      context.set_deadline(std::chrono::system_clock::now() +
                           std::chrono::seconds(deadline_seconds));
    }
    if (!token.empty()) context.AddMetadata("authorization", "Bearer " + token);
    testing::v1::EchoRequest request;
    request.set_payload("x");
    testing::v1::EchoResponse response;
    return stub->Echo(&context, request, &response);
  }

  std::string Token(const std::string& system, const std::string& role,
                    const std::string& region = "*", absl::Duration ttl = absl::Hours(1)) {
    return test_support::DevToken(SigningKey(), system, absl::StrCat(system, "-user"), role, region,
                                  ttl);
  }

  static inline int counter = 0;
  EchoImpl echo;
  std::string audit_path;
  std::unique_ptr<AuditLog> audit;
  std::unique_ptr<CallGuard> guard;
  std::unique_ptr<server::GrpcServer> srv;
};

TEST_CASE("tokens: Ed25519 with a key id; a changed byte, an unknown key or expiry is refused") {
  absl::StatusOr<TokenSigningKey> key = TokenSigningKey::FromSeed(std::string(32, 'k'));
  REQUIRE(key.ok());
  CHECK(key->key_id().size() == 16);
  CHECK(key->key_id() == TokenKeyId(key->raw_public_key()));
  TokenVerifier keys;
  keys.AddRawKey(key->raw_public_key());
  absl::Time now = absl::FromUnixSeconds(1'800'000'000);
  CallerClaims claims{"staff-client", "reviewer-0451-017", "reviewer", "230103",
                      now + absl::Hours(8), now};
  absl::StatusOr<std::string> token = IssueToken(claims, *key);
  REQUIRE(token.ok());
  CHECK(absl::StartsWith(*token, "ue2."));
  absl::StatusOr<CallerClaims> back = VerifyToken(*token, keys, now);
  REQUIRE(back.ok());
  CHECK(back->subject == "reviewer-0451-017");
  CHECK(back->region == "230103");
  CHECK(back->expires == claims.expires);
  CHECK(back->not_before == claims.not_before);
  CHECK(back->key_id == key->key_id());
  auto reason = [](const absl::StatusOr<CallerClaims>& result) {
    CHECK(result.status().code() == absl::StatusCode::kUnauthenticated);
    return std::string(ReasonOf(result.status()));
  };
  // Claims changed under the same key id: the signature no longer verifies.
  std::string body = absl::StrCat(key->key_id(), "|staff-client|reviewer-0451-017|reviewer|*|",
                                  absl::ToUnixSeconds(now), "|",
                                  absl::ToUnixSeconds(now + absl::Hours(8)));
  CHECK(reason(VerifyToken(WithClaims(*token, body), keys, now)) == "TOKEN_BAD_SIGNATURE");
  std::string tampered = *token;
  tampered.back() = tampered.back() == 'A' ? 'B' : 'A';
  CHECK(reason(VerifyToken(tampered, keys, now)) == "TOKEN_BAD_SIGNATURE");
  // Signed by a key the verifier does not hold.
  absl::StatusOr<TokenSigningKey> other = TokenSigningKey::FromSeed(std::string(32, 'o'));
  REQUIRE(other.ok());
  absl::StatusOr<std::string> foreign = IssueToken(claims, *other);
  REQUIRE(foreign.ok());
  CHECK(reason(VerifyToken(*foreign, keys, now)) == "TOKEN_KEY_UNKNOWN");
  CHECK(reason(VerifyToken("garbage", keys, now)) == "TOKEN_MALFORMED");
  CHECK(reason(VerifyToken("ue2.AAAA.BBBB", keys, now)) == "TOKEN_MALFORMED");
  CHECK(RegionInScope("2301", "230103"));
  CHECK_FALSE(RegionInScope("230103", "230104"));
  CHECK(RegionInScope("*", "110000"));
}

TEST_CASE("tokens: rotation keeps two keys valid at once; a retired key is refused") {
  absl::StatusOr<TokenSigningKey> old_key = TokenSigningKey::FromSeed(std::string(32, '1'));
  absl::StatusOr<TokenSigningKey> new_key = TokenSigningKey::FromSeed(std::string(32, '2'));
  REQUIRE(old_key.ok());
  REQUIRE(new_key.ok());
  CHECK(old_key->key_id() != new_key->key_id());
  absl::Time now = absl::FromUnixSeconds(1'800'000'000);
  CallerClaims claims{"staff-client", "r", "reviewer", "*", now + absl::Hours(1), now};
  std::string by_old = *IssueToken(claims, *old_key), by_new = *IssueToken(claims, *new_key);
  // During the rotation the services hold both public keys.
  TokenVerifier both;
  both.AddRawKey(old_key->raw_public_key());
  both.AddRawKey(new_key->raw_public_key());
  CHECK(VerifyToken(by_old, both, now).ok());
  CHECK(VerifyToken(by_new, both, now).ok());
  CHECK(VerifyToken(by_new, both, now)->key_id == new_key->key_id());
  // After it, only the new one.
  TokenVerifier after;
  after.AddRawKey(new_key->raw_public_key());
  CHECK(VerifyToken(by_new, after, now).ok());
  CHECK(ReasonOf(VerifyToken(by_old, after, now).status()) == "TOKEN_KEY_UNKNOWN");
  // Loaded from a folder of *.pub files (what --token_public_keys names); other files are ignored.
  std::filesystem::path dir = Certs() / "rotation-keys";
  std::filesystem::create_directories(dir);
  std::filesystem::copy_file(Certs() / "token-keys" / absl::StrCat("token-", SigningKey().key_id(), ".pub"),
                             dir / "current.pub", std::filesystem::copy_options::overwrite_existing);
  std::filesystem::copy_file(Certs() / "ca.pem", dir / "ca.pem",
                             std::filesystem::copy_options::overwrite_existing);
  absl::StatusOr<TokenVerifier> loaded = TokenVerifier::Load(dir.string());
  REQUIRE(loaded.ok());
  CHECK(loaded->keys().size() == 1);
  CHECK(loaded->keys().count(SigningKey().key_id()) == 1);
  // make-dev-ca.sh --rotate-token-key: a new signing key, both public keys in token-keys/.
  std::filesystem::path rotated = Certs() / "rotated-ca";
  std::string command = absl::StrCat(UE_SOURCE_DIR, "/deploy/security/make-dev-ca.sh '", rotated.string(),
                                     "' >/dev/null && ", UE_SOURCE_DIR,
                                     "/deploy/security/make-dev-ca.sh --rotate-token-key '",
                                     rotated.string(), "' >/dev/null");
  REQUIRE(std::system(command.c_str()) == 0);
  absl::StatusOr<TokenVerifier> two = TokenVerifier::Load((rotated / "token-keys").string());
  REQUIRE(two.ok());
  CHECK(two->keys().size() == 2);
  TokenSigningKey current = test_support::DevSigningKey(rotated);
  CHECK(two->keys().count(current.key_id()) == 1);
  CHECK(VerifyToken(test_support::DevToken(current, "staff-client", "s", "reviewer", "*",
                                           absl::Hours(1)),
                    *two, absl::Now())
            .ok());
  // A folder without keys, or the retired hex key, is refused with a message saying so.
  CHECK_FALSE(TokenVerifier::Load((Certs() / "server").string()).ok());
  absl::StatusOr<TokenSigningKey> hex = TokenSigningKey::Load((Certs() / "audit.key").string());
  REQUIRE_FALSE(hex.ok());
  CHECK(absl::StrContains(hex.status().message(), "retired"));
}

TEST_CASE("tokens: a 60 s clock-skew leeway on not-before and expiry, and no further") {
  absl::StatusOr<TokenSigningKey> key = TokenSigningKey::FromSeed(std::string(32, 'k'));
  REQUIRE(key.ok());
  TokenVerifier keys;
  keys.AddRawKey(key->raw_public_key());
  CHECK(kTokenClockLeeway == absl::Seconds(60));
  absl::Time issued = absl::FromUnixSeconds(1'800'000'000);
  CallerClaims claims{"staff-client", "r", "reviewer", "*", issued + absl::Hours(1), issued};
  std::string token = *IssueToken(claims, *key);
  // Expired 59 s ago by this host's clock: within the leeway.
  CHECK(VerifyToken(token, keys, claims.expires + absl::Seconds(59)).ok());
  CHECK(ReasonOf(VerifyToken(token, keys, claims.expires + absl::Seconds(60)).status()) ==
        "TOKEN_EXPIRED");
  CHECK(ReasonOf(VerifyToken(token, keys, claims.expires + absl::Hours(1)).status()) ==
        "TOKEN_EXPIRED");
  // Issued by a host whose clock runs 59 s ahead: accepted; 61 s ahead: not yet valid.
  CHECK(VerifyToken(token, keys, issued - absl::Seconds(59)).ok());
  CHECK(ReasonOf(VerifyToken(token, keys, issued - absl::Seconds(61)).status()) ==
        "TOKEN_NOT_YET_VALID");
}

TEST_CASE("tokens: the verifier refuses a validity above the maximum, even when the signature is good") {
  absl::StatusOr<TokenSigningKey> key = TokenSigningKey::FromSeed(std::string(32, 'k'));
  REQUIRE(key.ok());
  TokenVerifier keys;
  keys.AddRawKey(key->raw_public_key());
  absl::Time now = absl::FromUnixSeconds(1'800'000'000);
  // Signed by hand with the real key, as a leaked key or a foreign issuer would: the suite's
  // issuer refuses to make such a token.
  auto sign = [&](absl::Duration validity) {
    std::string signed_part = absl::StrCat(
        "ue2.", absl::WebSafeBase64Escape(absl::StrCat(
                    key->key_id(), "|staff-client|r|reviewer|*|", absl::ToUnixSeconds(now), "|",
                    absl::ToUnixSeconds(now + validity))));
    return absl::StrCat(signed_part, ".", absl::WebSafeBase64Escape(*key->Sign(signed_part)));
  };
  CHECK(VerifyToken(sign(absl::Hours(12)), keys, now + absl::Hours(1)).ok());
  absl::StatusOr<CallerClaims> too_long =
      VerifyToken(sign(absl::Hours(12) + absl::Seconds(1)), keys, now + absl::Hours(1));
  CHECK(too_long.status().code() == absl::StatusCode::kUnauthenticated);
  CHECK(ReasonOf(too_long.status()) == "TOKEN_VALIDITY_TOO_LONG");
  CHECK(ReasonOf(VerifyToken(sign(absl::Hours(24 * 365)), keys, now).status()) ==
        "TOKEN_VALIDITY_TOO_LONG");
}

TEST_CASE("tokens: the issuer refuses a validity above the maximum; the retired ue1 format is refused") {
  absl::StatusOr<TokenSigningKey> key = TokenSigningKey::FromSeed(std::string(32, 'k'));
  REQUIRE(key.ok());
  CHECK(kMaxTokenValidity == absl::Hours(12));
  absl::Time now = absl::FromUnixSeconds(1'800'000'000);
  CHECK(IssueToken({"staff-client", "r", "reviewer", "*", now + absl::Hours(12), now}, *key).ok());
  absl::StatusOr<std::string> too_long =
      IssueToken({"staff-client", "r", "reviewer", "*", now + absl::Hours(12) + absl::Seconds(1), now},
                 *key);
  CHECK(too_long.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK_FALSE(IssueToken({"staff-client", "r", "reviewer", "*", now + absl::Hours(1)}, *key).ok());
  CHECK_FALSE(IssueToken({"staff-client", "r|x", "reviewer", "*", now + absl::Hours(1), now}, *key).ok());
  // The command line issuer: 12h is signed, 13h refused (exit 2, nothing printed).
  const std::string issuer = absl::StrCat(UE_BINARY_DIR, "/services/ops/ue_issue_token '",
                                          (Certs() / "token-signing.key").string(),
                                          "' staff-client s reviewer '*' ");
  CHECK(std::system((issuer + "12h >/dev/null").c_str()) == 0);
  CHECK(WEXITSTATUS(std::system((issuer + "13h >/dev/null 2>&1").c_str())) == 2);
  // A token of the retired format (HMAC, no key id), well formed: refused with its own reason.
  TokenVerifier keys;
  keys.AddRawKey(key->raw_public_key());
  std::string body = absl::StrCat("staff-client|r|reviewer|*|", absl::ToUnixSeconds(now + absl::Hours(1)));
  std::string signed_part = absl::StrCat("ue1.", absl::WebSafeBase64Escape(body));
  std::string ue1 = absl::StrCat(signed_part, ".",
                                 absl::WebSafeBase64Escape(HmacSha256(std::string(32, 'k'), signed_part)));
  absl::Status retired = VerifyToken(ue1, keys, now).status();
  CHECK(retired.code() == absl::StatusCode::kUnauthenticated);
  CHECK(ReasonOf(retired) == "TOKEN_FORMAT_RETIRED");
  CHECK(absl::StrContains(retired.message(), "retired"));
}

TEST_CASE("a client certificate from another CA, or none, is refused at the handshake") {
  Fixture f;
  CHECK(f.Call("client/ministry-platform", f.Token("ministry-platform", "ministry")).ok());
  grpc::Status rogue = f.Call("rogue/client", f.Token("province-portal", "province-portal"));
  CHECK(rogue.error_code() == grpc::StatusCode::UNAVAILABLE);
  grpc::Status none = f.Call("", f.Token("ministry-platform", "ministry"));
  CHECK(none.error_code() == grpc::StatusCode::UNAVAILABLE);
}

TEST_CASE("missing, expired, forged or borrowed tokens are UNAUTHENTICATED, each with its reason") {
  Fixture f;
  auto check = [&f](const grpc::Status& status, const char* reason) {
    INFO(reason << ": " << status.error_message());
    CHECK(status.error_code() == grpc::StatusCode::UNAUTHENTICATED);
    CHECK(Reason(status) == reason);
    // The details repeat the code and message.
    std::optional<google::rpc::Status> details = status::DecodeDetails(status);
    REQUIRE(details.has_value());
    CHECK(details->code() == static_cast<int>(grpc::StatusCode::UNAUTHENTICATED));
    CHECK(details->message() == status.error_message());
  };
  check(f.Call("client/ministry-platform", ""), "TOKEN_MISSING");
  check(f.Call("client/ministry-platform",
               f.Token("ministry-platform", "ministry", "*", -absl::Seconds(61))),
        "TOKEN_EXPIRED");
  // Expired 30 s ago: within the clock-skew leeway, still accepted.
  CHECK(f.Call("client/ministry-platform",
               f.Token("ministry-platform", "ministry", "*", -absl::Seconds(30)))
            .ok());
  absl::StatusOr<TokenSigningKey> stranger = TokenSigningKey::FromSeed(std::string(32, 'f'));
  REQUIRE(stranger.ok());
  std::string unknown_key =
      test_support::DevToken(*stranger, "ministry-platform", "x", "ministry", "*", absl::Hours(1));
  check(f.Call("client/ministry-platform", unknown_key), "TOKEN_KEY_UNKNOWN");
  std::string valid = f.Token("ministry-platform", "ministry");
  std::string forged = WithClaims(
      valid, absl::StrCat(SigningKey().key_id(), "|ministry-platform|x|ministry|*|",
                          absl::ToUnixSeconds(absl::Now()), "|",
                          absl::ToUnixSeconds(absl::Now() + absl::Hours(2))));
  check(f.Call("client/ministry-platform", forged), "TOKEN_BAD_SIGNATURE");
  check(f.Call("client/ministry-platform", "not-a-token"), "TOKEN_MALFORMED");
  // A ministry token presented with the portal's certificate.
  check(f.Call("client/province-portal", f.Token("ministry-platform", "ministry")),
        "TOKEN_SYSTEM_MISMATCH");
  // A role the system does not have.
  check(f.Call("client/province-portal", f.Token("province-portal", "ministry")),
        "TOKEN_ROLE_UNKNOWN");
  // A certificate whose CN is no system of the policy.
  check(f.Call("client/operator-console", f.Token("operator-console", "operator")),
        "CERTIFICATE_UNKNOWN");
  // None of these reached the method (only the call within the leeway did).
  CHECK(f.echo.calls == 1);
  // Certificate-only systems need no token.
  CHECK(f.Call("client/svc-registration", "").ok());
  CHECK(f.echo.calls == 2);
}

TEST_CASE("a refusal is per call: the next call on the same connection is decided afresh") {
  Fixture f;
  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = ReadAll(Certs() / "ca.pem");
  ssl.pem_cert_chain = ReadAll(Certs() / "client/ministry-platform.pem");
  ssl.pem_private_key = ReadAll(Certs() / "client/ministry-platform.key");
  auto stub = testing::v1::EchoService::NewStub(grpc::CreateChannel(
      absl::StrCat("localhost:", f.srv->port()), grpc::SslCredentials(ssl)));
  auto call = [&stub](const std::string& token, const std::string& mark = "") {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    if (!token.empty()) context.AddMetadata("authorization", "Bearer " + token);
    if (!mark.empty()) context.AddMetadata("ue-guard-mark", mark);
    testing::v1::EchoRequest request;
    testing::v1::EchoResponse response;
    return stub->Echo(&context, request, &response);
  };
  std::string token = f.Token("ministry-platform", "ministry");
  for (int round = 0; round < 3; ++round) {
    CHECK(Reason(call("")) == "TOKEN_MISSING");
    CHECK(call(token).ok());
  }
  // A client cannot mark its own call as checked.
  CHECK(Reason(call("", "passed:00000000000000000000000000000000")) == "TOKEN_MISSING");
  CHECK(Reason(call("", f.guard->PassedMark())) == "TOKEN_MISSING");
  CHECK(f.echo.calls == 3);
}

TEST_CASE("the portal's token cannot call a ministry method") {
  Fixture f;
  grpc::Status denied =
      f.Call("client/province-portal", f.Token("province-portal", "province-portal"));
  CHECK(denied.error_code() == grpc::StatusCode::PERMISSION_DENIED);
  CHECK(Reason(denied) == "ROLE_NOT_ALLOWED");
  CHECK(f.echo.calls == 0);
  // The same decision with the real policy for the gateway's ministry method.
  absl::StatusOr<Policy> policy =
      Policy::Load(std::string(UE_SOURCE_DIR) + "/data/security/policy");
  REQUIRE(policy.ok());
  GuardOptions options;
  options.policy = *std::move(policy);
  options.token_keys = VerificationKeys();
  CallGuard guard(std::move(options));
  std::string portal = f.Token("province-portal", "province-portal");
  CHECK(guard
            .Check("/unemployment.gateway.v1.GatewayService/ForwardApplication", "province-portal",
                   portal, absl::Seconds(10))
            .status()
            .code() == absl::StatusCode::kPermissionDenied);
  CHECK(guard
            .Check("/unemployment.gateway.v1.GatewayService/SubmitApplication", "province-portal",
                   portal, absl::Seconds(10))
            .ok());
}

TEST_CASE("a method neither served nor in the policy is UNIMPLEMENTED, after authentication") {
  // Clients that probe a newer API version (as grpcurl and buf curl do with reflection) fall back
  // only on UNIMPLEMENTED.
  Fixture f;
  constexpr char kV1[] = "/grpc.reflection.v2.ServerReflection/ServerReflectionInfo";
  std::string reviewer = f.Token("staff-client", "reviewer");
  absl::Status answer = f.guard->Check(kV1, "staff-client", reviewer, absl::Seconds(10)).status();
  CHECK(answer.code() == absl::StatusCode::kUnimplemented);
  CHECK(f.guard->Check(kV1, "staff-client", "", absl::Seconds(10)).status().code() ==
        absl::StatusCode::kUnauthenticated);
  CHECK(f.guard
            ->Check("/unemployment.testing.v1.EchoService/Unknown", "staff-client", reviewer,
                    absl::Seconds(10))
            .status()
            .code() == absl::StatusCode::kUnimplemented);
  // A method the policy names but the role may not call stays PERMISSION_DENIED.
  CHECK(f.guard
            ->Check("/unemployment.testing.v1.PortalOnly/Method", "staff-client", reviewer,
                    absl::Seconds(10))
            .status()
            .code() == absl::StatusCode::kPermissionDenied);
}

TEST_CASE("a method the server does not serve, and reflection, answer with their ErrorInfo") {
  Fixture f;
  std::string reviewer = f.Token("staff-client", "reviewer");
  // Not served: refused for what the caller lacks first, then METHOD_NOT_SERVED; each with details.
  const std::string unknown = "/unemployment.testing.v1.EchoService/Unknown";
  grpc::Status no_token = f.CallPath(unknown, "client/staff-client", "");
  CHECK(no_token.error_code() == grpc::StatusCode::UNAUTHENTICATED);
  CHECK(Reason(no_token) == "TOKEN_MISSING");
  grpc::Status bad_token = f.CallPath(unknown, "client/staff-client", reviewer + "x");
  CHECK(bad_token.error_code() == grpc::StatusCode::UNAUTHENTICATED);
  CHECK(Reason(bad_token) != "");
  grpc::Status not_served = f.CallPath(unknown, "client/staff-client", reviewer);
  CHECK(not_served.error_code() == grpc::StatusCode::UNIMPLEMENTED);
  CHECK(Reason(not_served) == "METHOD_NOT_SERVED");
  // Reflection is a guarded service like any other: no token; a method the policy does not name.
  const std::string v1 = "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo";
  const std::string v1alpha = "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo";
  grpc::Status reflection_no_token = f.CallPath(v1, "client/staff-client", "");
  CHECK(reflection_no_token.error_code() == grpc::StatusCode::UNAUTHENTICATED);
  CHECK(Reason(reflection_no_token) == "TOKEN_MISSING");
  grpc::Status reflection_denied = f.CallPath(v1alpha, "client/staff-client", reviewer);
  CHECK(reflection_denied.error_code() == grpc::StatusCode::PERMISSION_DENIED);
  CHECK(Reason(reflection_denied) == "METHOD_NOT_IN_POLICY");
  CHECK(f.echo.calls == 0);
}

TEST_CASE("handlers see the token's region scope") {
  Fixture f;
  REQUIRE(f.Call("client/staff-client", f.Token("staff-client", "reviewer", "230103")).ok());
  CHECK(f.echo.seen_region == "230103");
}

TEST_CASE("a caller above its rate gets RESOURCE_EXHAUSTED; a call without a deadline is refused") {
  GuardOptions options;
  options.rate_per_second = 1;
  options.rate_burst = 2;
  absl::Time now = absl::Now();
  options.now = [&now] { return now; };
  options.max_call_deadline = absl::Minutes(1);
  Fixture f(std::move(options));
  std::string token = f.Token("ministry-platform", "ministry");
  CHECK(f.Call("client/ministry-platform", token).ok());
  CHECK(f.Call("client/ministry-platform", token).ok());
  grpc::Status limited = f.Call("client/ministry-platform", token);
  CHECK(limited.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED);
  CHECK(Reason(limited) == "RATE_LIMITED");
  // Another caller has its own bucket; the suite's own services (certificate only) have none.
  for (int i = 0; i < 5; ++i) CHECK(f.Call("client/svc-registration", "").ok());
  now += absl::Seconds(1);
  CHECK(f.Call("client/ministry-platform", token).ok());
  now += absl::Seconds(5);
  int before = f.echo.calls;
  for (int deadline_seconds : {0, 3600}) {  // none; longer than the cap
    grpc::Status refused = f.Call("client/ministry-platform", token, deadline_seconds);
    CHECK(refused.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
    CHECK(Reason(refused) == "DEADLINE_REQUIRED");
  }
  CHECK(f.echo.calls == before);
}

TEST_CASE("health answers on the plaintext health port without a certificate") {
  Fixture f;
  REQUIRE(f.srv->health_port() != 0);
  auto stub = grpc::health::v1::Health::NewStub(grpc::CreateChannel(
      absl::StrCat("127.0.0.1:", f.srv->health_port()), grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  grpc::health::v1::HealthCheckResponse response;
  REQUIRE(stub->Check(&context, {}, &response).ok());
  CHECK(response.status() == grpc::health::v1::HealthCheckResponse::SERVING);
}

// Runs SQL on the audit file behind the log's back (as an intruder with file access would).
void Tamper(const std::string& path, const std::string& sql) {
  store::DatabaseOptions options;
  options.path = path;
  absl::StatusOr<std::unique_ptr<store::Database>> db = store::Database::Open(options);
  REQUIRE(db.ok());
  absl::Status done = (*db)->Execute(sql);
  INFO(done.ToString());
  REQUIRE(done.ok());
}

TEST_CASE(
    "every audited call is logged with caller and result; edits, removals, moves are detected") {
  Fixture f;
  REQUIRE(f.Call("client/ministry-platform", f.Token("ministry-platform", "ministry")).ok());
  REQUIRE(f.Call("client/staff-client", f.Token("staff-client", "reviewer", "230103")).ok());
  REQUIRE(f.Call("client/svc-registration", "").ok());
  absl::StatusOr<AuditVerification> good = f.audit->Verify();
  REQUIRE(good.ok());
  CHECK(good->entries == 3);
  CHECK(good->head_seq == 3);
  // The log refuses changes through SQL.
  store::DatabaseOptions options;
  options.path = f.audit_path;
  auto db = store::Database::Open(options);
  REQUIRE(db.ok());
  CHECK_FALSE((*db)->Execute("UPDATE audit_log SET result = 'OK' WHERE seq = 2").ok());
  CHECK_FALSE((*db)->Execute("DELETE FROM audit_log WHERE seq = 2").ok());
  db->reset();
  std::string key = "audit-key-of-32-bytes-for-tests!";
  REQUIRE(VerifyAuditFile(f.audit_path, key).ok());
  CHECK(VerifyAuditFile(f.audit_path, "another key of 32 bytes for test").status().code() ==
        absl::StatusCode::kDataLoss);

  SECTION("an edited row") {
    Tamper(f.audit_path,
           "DROP TRIGGER audit_log_no_update;"
           "UPDATE audit_log SET region = '*' WHERE seq = 2;");
    absl::StatusOr<AuditVerification> checked = VerifyAuditFile(f.audit_path, key);
    CHECK(checked.status().code() == absl::StatusCode::kDataLoss);
    CHECK(std::string(checked.status().message()).find("entry 2") != std::string::npos);
  }
  SECTION("a removed row") {
    Tamper(f.audit_path, "DROP TRIGGER audit_log_no_delete; DELETE FROM audit_log WHERE seq = 2;");
    CHECK(VerifyAuditFile(f.audit_path, key).status().code() == absl::StatusCode::kDataLoss);
  }
  SECTION("reordered rows") {
    Tamper(f.audit_path,
           "DROP TRIGGER audit_log_no_update;"
           "UPDATE audit_log SET seq = 10 WHERE seq = 1;"
           "UPDATE audit_log SET seq = 1 WHERE seq = 2;"
           "UPDATE audit_log SET seq = 2 WHERE seq = 10;");
    CHECK(VerifyAuditFile(f.audit_path, key).status().code() == absl::StatusCode::kDataLoss);
  }
}

TEST_CASE("concurrent audit entries share transactions and keep one unbroken chain") {
  const std::string dir =
      std::filesystem::temp_directory_path() / absl::StrCat("ue_audit_concurrent_", ::getpid());
  std::filesystem::create_directories(dir);
  const std::string path = dir + "/audit.db";
  const std::string key = "audit-key-of-32-bytes-for-tests!";
  constexpr int kThreads = 8;
  constexpr int kPerThread = 150;
  {
    absl::StatusOr<std::unique_ptr<AuditLog>> log =
        AuditLog::Open(path, key, store::SynchronousMode::kFull);
    REQUIRE(log.ok());
    std::vector<std::thread> threads;
    std::atomic<int> failed{0};
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < kPerThread; ++i) {
          AuditEntry entry;
          entry.at = absl::Now();
          entry.system = absl::StrCat("system-", t);
          entry.method = "/unemployment.testing.v1.EchoService/Echo";
          entry.record = absl::StrCat(i);
          entry.result = "OK";
          if (!(*log)->Append(std::move(entry)).ok()) ++failed;
        }
      });
    }
    for (std::thread& thread : threads) thread.join();
    CHECK(failed == 0);
    absl::StatusOr<AuditVerification> verified = (*log)->Verify();
    REQUIRE(verified.ok());
    CHECK(verified->entries == kThreads * kPerThread);
  }
  // Reopened: the chain goes on from the stored head.
  {
    absl::StatusOr<std::unique_ptr<AuditLog>> log =
        AuditLog::Open(path, key, store::SynchronousMode::kFull);
    REQUIRE(log.ok());
    AuditEntry entry;
    entry.at = absl::Now();
    entry.system = "after-restart";
    entry.result = "OK";
    REQUIRE((*log)->Append(entry).ok());
  }
  absl::StatusOr<AuditVerification> verified = VerifyAuditFile(path, key);
  REQUIRE(verified.ok());
  CHECK(verified->entries == kThreads * kPerThread + 1);
  CHECK(verified->head_seq == kThreads * kPerThread + 1);
  std::filesystem::remove_all(dir);
}

TEST_CASE("a call whose audit entry cannot be written fails") {
  Fixture f;
  REQUIRE(f.Call("client/ministry-platform", f.Token("ministry-platform", "ministry")).ok());
  Tamper(f.audit_path, "DROP TABLE audit_log;");
  grpc::Status failed =
      f.Call("client/ministry-platform", f.Token("ministry-platform", "ministry"));
  CHECK(failed.error_code() == grpc::StatusCode::UNAVAILABLE);
  CHECK(Reason(failed) == "AUDIT_LOG_UNAVAILABLE");
}

AuditEntry Entry(int i) {
  AuditEntry entry;
  entry.at = absl::FromUnixSeconds(1'800'000'000 + i);
  entry.system = "staff-client";
  entry.subject = absl::StrCat("reviewer-", i);
  entry.role = "reviewer";
  entry.region = "230103";
  entry.method = "/unemployment.testing.v1.EchoService/Echo";
  entry.result = "OK";
  return entry;
}

std::string ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

void WriteText(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

TEST_CASE("the audit anchor: signed checkpoints of the head detect removed newest entries") {
  const std::string dir =
      std::filesystem::temp_directory_path() / absl::StrCat("ue_audit_anchor_", ::getpid());
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir + "/anchor");
  const std::string path = dir + "/audit.db";
  const std::string anchor_path = dir + "/anchor/audit.anchor";
  const std::string key = "audit-key-of-32-bytes-for-tests!";
  AuditAnchorOptions anchor;
  anchor.path = anchor_path;
  anchor.every_entries = 4;
  anchor.interval = absl::ZeroDuration();  // no timer: checkpoints by count and at close
  {
    absl::StatusOr<std::unique_ptr<AuditLog>> log =
        AuditLog::Open(path, key, store::SynchronousMode::kOff, anchor);
    REQUIRE(log.ok());
    for (int i = 1; i <= 10; ++i) REQUIRE((*log)->Append(Entry(i)).ok());
    absl::StatusOr<std::vector<AuditCheckpoint>> so_far = ReadAuditAnchor(anchor_path, key);
    REQUIRE(so_far.ok());
    REQUIRE(so_far->size() == 2);
    CHECK((*so_far)[0].head_seq == 4);
    CHECK((*so_far)[1].head_seq == 8);
  }  // closing anchors the rest
  absl::StatusOr<std::vector<AuditCheckpoint>> checkpoints = ReadAuditAnchor(anchor_path, key);
  REQUIRE(checkpoints.ok());
  REQUIRE(checkpoints->size() == 3);
  CHECK(checkpoints->back().number == 3);
  CHECK(checkpoints->back().head_seq == 10);
  absl::StatusOr<AuditCheckpoint> verified = VerifyAuditAnchor(path, anchor_path, key);
  REQUIRE(verified.ok());
  CHECK(verified->head_seq == 10);
  // Reopened, the log goes on from the anchor's numbering.
  {
    absl::StatusOr<std::unique_ptr<AuditLog>> log =
        AuditLog::Open(path, key, store::SynchronousMode::kOff, anchor);
    REQUIRE(log.ok());
    REQUIRE((*log)->Append(Entry(11)).ok());
    REQUIRE((*log)->AnchorNow().ok());
  }
  checkpoints = ReadAuditAnchor(anchor_path, key);
  REQUIRE(checkpoints.ok());
  CHECK(checkpoints->back().number == 4);
  CHECK(checkpoints->back().head_seq == 11);
  const std::string anchor_text = ReadText(anchor_path);

  SECTION("the newest entries removed: the chain alone is intact, the anchor is not") {
    Tamper(path, "DROP TRIGGER audit_log_no_delete; DELETE FROM audit_log WHERE seq >= 10;");
    absl::StatusOr<AuditVerification> chain = VerifyAuditFile(path, key);
    REQUIRE(chain.ok());
    CHECK(chain->head_seq == 9);
    absl::StatusOr<AuditCheckpoint> checked = VerifyAuditAnchor(path, anchor_path, key);
    CHECK(checked.status().code() == absl::StatusCode::kDataLoss);
    CHECK(std::string(checked.status().message()).find("no entry 11") != std::string::npos);
    // The service does not start on it either.
    absl::StatusOr<std::unique_ptr<AuditLog>> reopened =
        AuditLog::Open(path, key, store::SynchronousMode::kOff, anchor);
    CHECK(reopened.status().code() == absl::StatusCode::kFailedPrecondition);
  }
  SECTION("the log rewritten with the same number of entries") {
    const std::string other = dir + "/other.db";
    {
      absl::StatusOr<std::unique_ptr<AuditLog>> log =
          AuditLog::Open(other, key, store::SynchronousMode::kOff);
      REQUIRE(log.ok());
      for (int i = 1; i <= 11; ++i) REQUIRE((*log)->Append(Entry(100 + i)).ok());
    }
    REQUIRE(VerifyAuditFile(other, key).ok());
    absl::StatusOr<AuditCheckpoint> checked = VerifyAuditAnchor(other, anchor_path, key);
    CHECK(checked.status().code() == absl::StatusCode::kDataLoss);
    CHECK(std::string(checked.status().message()).find("differs") != std::string::npos);
  }
  SECTION("an edited checkpoint (to cover a shortened log)") {
    std::string edited = anchor_text;
    size_t at = edited.rfind(" 11 ");
    REQUIRE(at != std::string::npos);
    edited.replace(at, 4, " 9 ");
    WriteText(anchor_path, edited);
    CHECK(ReadAuditAnchor(anchor_path, key).status().code() == absl::StatusCode::kDataLoss);
    CHECK(VerifyAuditAnchor(path, anchor_path, key).status().code() ==
          absl::StatusCode::kDataLoss);
  }
  SECTION("a checkpoint removed from the middle") {
    size_t first_end = anchor_text.find('\n');
    size_t second_end = anchor_text.find('\n', first_end + 1);
    WriteText(anchor_path, anchor_text.substr(0, first_end + 1) + anchor_text.substr(second_end + 1));
    absl::StatusOr<std::vector<AuditCheckpoint>> read = ReadAuditAnchor(anchor_path, key);
    CHECK(read.status().code() == absl::StatusCode::kDataLoss);
  }
  SECTION("a rolled-back anchor: the checkpoint number goes back") {
    // Dropping the newest checkpoints leaves a valid but older anchor; what gives it away is the
    // checkpoint number recorded at the previous check (ue_audit_verify --min_checkpoint).
    size_t cut = anchor_text.rfind('\n', anchor_text.size() - 2);
    WriteText(anchor_path, anchor_text.substr(0, cut + 1));
    absl::StatusOr<AuditCheckpoint> checked = VerifyAuditAnchor(path, anchor_path, key);
    REQUIRE(checked.ok());
    CHECK(checked->number == 3);
  }
  SECTION("a checkpoint cut by a crash while written is ignored") {
    WriteText(anchor_path, anchor_text + "ue-audit-anchor-1 5 2027");
    absl::StatusOr<std::vector<AuditCheckpoint>> read = ReadAuditAnchor(anchor_path, key);
    REQUIRE(read.ok());
    CHECK(read->size() == 4);
  }
  SECTION("the anchor file removed") {
    std::filesystem::remove(anchor_path);
    CHECK(VerifyAuditAnchor(path, anchor_path, key).status().code() ==
          absl::StatusCode::kNotFound);
  }
  std::filesystem::remove_all(dir);
}

TEST_CASE("the audit anchor's timer anchors entries that wait") {
  const std::string dir =
      std::filesystem::temp_directory_path() / absl::StrCat("ue_audit_anchor_timer_", ::getpid());
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const std::string key = "audit-key-of-32-bytes-for-tests!";
  AuditAnchorOptions anchor;
  anchor.path = dir + "/audit.anchor";
  anchor.every_entries = 1000;
  anchor.interval = absl::Milliseconds(20);
  absl::StatusOr<std::unique_ptr<AuditLog>> log =
      AuditLog::Open(dir + "/audit.db", key, store::SynchronousMode::kOff, anchor);
  REQUIRE(log.ok());
  // The anchor exists from the start (empty: nothing to anchor yet).
  absl::StatusOr<std::vector<AuditCheckpoint>> empty = ReadAuditAnchor(anchor.path, key);
  REQUIRE(empty.ok());
  CHECK(empty->empty());
  REQUIRE((*log)->Append(Entry(1)).ok());
  // The timer runs on its own thread; wait for its checkpoint (bounded).
  absl::Time give_up = absl::Now() + absl::Seconds(10);
  absl::StatusOr<std::vector<AuditCheckpoint>> read;
  do {
    read = ReadAuditAnchor(anchor.path, key);
    if (read.ok() && !read->empty()) break;
    absl::SleepFor(absl::Milliseconds(5));
  } while (absl::Now() < give_up);
  REQUIRE(read.ok());
  REQUIRE(read->size() == 1);
  CHECK(read->front().head_seq == 1);
  log->reset();
  std::filesystem::remove_all(dir);
}


TEST_CASE("the guard remembers a verified token but checks its times on every call") {
  absl::StatusOr<Policy> policy =
      Policy::Load(std::string(UE_SOURCE_DIR) + "/data/security/policy");
  REQUIRE(policy.ok());
  absl::StatusOr<TokenSigningKey> key = TokenSigningKey::FromSeed(std::string(32, 'r'));
  REQUIRE(key.ok());
  absl::Time issued = absl::FromUnixSeconds(1'800'000'000);
  absl::Time now = issued;
  GuardOptions options;
  options.policy = *std::move(policy);
  options.token_keys.AddRawKey(key->raw_public_key());
  options.now = [&now] { return now; };
  CallGuard guard(std::move(options));
  constexpr char kQueue[] = "/unemployment.registration.v1.RegistrationService/ListReviewQueue";
  CallerClaims claims{"staff-client", "reviewer-2301", "reviewer", "2301", issued + absl::Hours(1),
                      issued};
  std::string token = *IssueToken(claims, *key);
  auto check = [&](const std::string& presented) {
    return guard.Check(kQueue, "staff-client", presented, absl::Seconds(10));
  };
  // Verified, then answered from memory with the same claims.
  REQUIRE(check(token).ok());
  absl::StatusOr<Caller> again = check(token);
  REQUIRE(again.ok());
  CHECK(again->claims.subject == "reviewer-2301");
  CHECK(again->claims.region == "2301");
  CHECK(again->claims.key_id == key->key_id());
  // A remembered token still expires (past the leeway) and is still not valid before its time.
  now = claims.expires + absl::Seconds(59);
  CHECK(check(token).ok());
  now = claims.expires + absl::Seconds(60);
  CHECK(ReasonOf(check(token).status()) == "TOKEN_EXPIRED");
  now = issued - absl::Seconds(61);
  CHECK(ReasonOf(check(token).status()) == "TOKEN_NOT_YET_VALID");
  // Another text (one signature character changed) is verified on its own and refused, every time.
  now = issued;
  std::string tampered = token;
  tampered[tampered.size() - 2] = tampered[tampered.size() - 2] == 'A' ? 'B' : 'A';
  CHECK(ReasonOf(check(tampered).status()) == "TOKEN_BAD_SIGNATURE");
  CHECK(ReasonOf(check(tampered).status()) == "TOKEN_BAD_SIGNATURE");
  CHECK(check(token).ok());
}

}  // namespace
}  // namespace unemployment::security
