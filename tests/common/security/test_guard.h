#pragma once

// Test support for services' region-scope tests: the suite's real policy (data/security/policy)
// in a CallGuard with a dev CA's token verification keys, installed as the process guard while the object
// lives; the server options that put a service behind it (mutual TLS, the guard's processor and
// interceptors); channels and tokens of any system, role and region scope.

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "catch2/catch.hpp"
#include "common/security/call_guard.h"
#include "common/security/token.h"
#include "common/server/grpc_server.h"
#include "common/store/database.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "tests/common/security/dev_ca.h"

namespace unemployment::security::test_support {

class TestGuard {
 public:
  // `ca_name` names the dev CA folder of this test binary (see DevCa). `audit` (not owned, may be
  // null) receives the audit entries of `personal` methods.
  explicit TestGuard(const char* ca_name, AuditLog* audit = nullptr) : certs_(DevCa(ca_name)) {
    absl::StatusOr<Policy> policy =
        Policy::Load(std::string(UE_SOURCE_DIR) + "/data/security/policy");
    INFO(policy.status().ToString());
    REQUIRE(policy.ok());
    GuardOptions options;
    options.policy = *std::move(policy);
    options.token_keys = DevVerifier(certs_);
    options.audit = audit;
    guard_ = std::make_unique<CallGuard>(std::move(options));
    InstallProcessGuard(guard_.get());
  }
  ~TestGuard() { InstallProcessGuard(nullptr); }
  TestGuard(const TestGuard&) = delete;
  TestGuard& operator=(const TestGuard&) = delete;

  // Options of a server of `service` (a server certificate of the dev CA) behind the guard.
  server::ServerOptions ServerOptions(const std::string& service) const {
    server::ServerOptions options;
    options.tls_cert_file = (certs_ / "server" / (service + ".pem")).string();
    options.tls_key_file = (certs_ / "server" / (service + ".key")).string();
    options.tls_client_ca_file = (certs_ / "ca.pem").string();
    options.auth_processor = guard_->MakeProcessor();
    CallGuard* guard = guard_.get();
    options.guard_service = [guard](grpc::Service* s) { guard->GuardService(s); };
    options.answer_unserved = guard_->MakeUnservedAnswer();
    options.make_interceptors = [guard] {
      std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> v;
      v.push_back(guard->MakeAuditInterceptorFactory());
      return v;
    };
    return options;
  }

  // A mutual-TLS channel to 127.0.0.1:`port` with the client certificate of `system`.
  std::shared_ptr<grpc::Channel> Channel(int port, const std::string& system = "staff-client") const {
    grpc::SslCredentialsOptions ssl;
    ssl.pem_root_certs = ReadAll(certs_ / "ca.pem");
    ssl.pem_cert_chain = ReadAll(certs_ / "client" / (system + ".pem"));
    ssl.pem_private_key = ReadAll(certs_ / "client" / (system + ".key"));
    return grpc::CreateChannel(absl::StrCat("localhost:", port), grpc::SslCredentials(ssl));
  }

  // The directory of the dev CA (for files a test writes next to it).
  const std::filesystem::path& certs() const { return certs_; }

  // Sets a 10 s deadline and the token of a `role` of `system` with region scope `region` (the
  // token's subject is "<role>-<region>").
  void Authorize(grpc::ClientContext* context, const std::string& role, const std::string& region,
                 const std::string& system = "staff-client") const {
    context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    std::string token =
        DevToken(signing_key_, system, absl::StrCat(role, "-", region), role, region, absl::Hours(1));
    context->AddMetadata("authorization", "Bearer " + token);
  }

 private:
  std::filesystem::path certs_;
  TokenSigningKey signing_key_ = DevSigningKey(certs_);
  std::unique_ptr<CallGuard> guard_;
};

// The entries of the audit file at `path`, oldest first, each with the `columns` asked for (SQL
// column list of audit_log, e.g. "method, record, result").
inline std::vector<std::vector<std::string>> AuditRows(const std::string& path,
                                                       const std::string& columns) {
  store::DatabaseOptions options;
  options.path = path;
  absl::StatusOr<std::unique_ptr<store::Database>> db = store::Database::Open(options);
  REQUIRE(db.ok());
  absl::StatusOr<store::Statement> rows =
      (*db)->Prepare(absl::StrCat("SELECT ", columns, " FROM audit_log ORDER BY seq"));
  REQUIRE(rows.ok());
  std::vector<std::vector<std::string>> entries;
  while (true) {
    absl::StatusOr<bool> has_row = rows->Step();
    REQUIRE(has_row.ok());
    if (!*has_row) break;
    std::vector<std::string>& entry = entries.emplace_back();
    for (int i = 0; i < rows->ColumnCount(); ++i) entry.push_back(rows->ColumnString(i));
  }
  return entries;
}

}  // namespace unemployment::security::test_support
