#pragma once

// Start-up, part 2 of 3 (RunServiceMain in service_main.h runs them in order): security. With
// --security_policy: mutual TLS, caller tokens, role x method authorisation, rate limits and the
// audit log (common/security/call_guard.h); without it, a warning that security is off. Also the
// keyring that seals personal data at rest (--data_key_file). Errors follow service_settings.h
// (UsageError: exit 2, others exit 1).

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/log/logger.h"
#include "common/security/audit_log.h"
#include "common/security/call_guard.h"
#include "common/server/service_settings.h"
#include "grpcpp/support/server_interceptor.h"

namespace unemployment::server {

struct ServiceSecurity {
  std::unique_ptr<security::AuditLog> audit;
  // Null: security off.
  std::unique_ptr<security::CallGuard> guard;
  // " <kid> <kid>": the key ids of the token keys accepted (the listening line names them).
  std::string token_key_ids;

  // Makes the server check every call with the guard (authentication, authorisation, rates,
  // refusals with details, the audit interceptor after `call_interceptors`). Security off: only
  // `call_interceptors`.
  void ApplyTo(ServerOptions& options,
               std::shared_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
                   call_interceptors) const;
};

// Reads the security settings and, with --security_policy, loads the policy and token keys and
// opens the audit log (its anchor file joins `service.backups`; its counters join the metrics).
absl::StatusOr<ServiceSecurity> StartSecurity(const Settings& settings, ServiceSettings& service,
                                              const log::Logger& lifecycle);

// Loads the keyring from --data_key_file (or <data_dir>/data.key, created when missing, with a
// warning on `lifecycle`) into common.keyring, for the databases the component opens.
absl::Status LoadDataKeyring(const Settings& settings, CommonSettings& common,
                             const log::Logger& lifecycle);

}  // namespace unemployment::server
