#include "common/server/service_security.h"

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/crypto/data_keyring.h"
#include "common/server/call_interceptor.h"
#include "common/store/database.h"

namespace unemployment::server {
namespace {

void AddAuditMetrics(metrics::Metrics& metrics, const security::AuditLog& audit) {
  const security::AuditLog* audit_log = &audit;
  metrics.AddReadAtScrape(
      "ue_audit_entries_total", "Audit-log entries this process appended.", metrics::Kind::kCounter,
      [audit_log] {
        return std::vector<metrics::Sample>{{{}, static_cast<double>(audit_log->appended())}};
      });
  metrics.AddReadAtScrape("ue_audit_append_failures_total",
                          "Audit-log appends that failed (the calls they described were refused).",
                          metrics::Kind::kCounter, [audit_log] {
                            return std::vector<metrics::Sample>{
                                {{}, static_cast<double>(audit_log->append_failures())}};
                          });
}

absl::StatusOr<std::unique_ptr<security::AuditLog>> OpenAuditLog(const Settings& settings,
                                                                 ServiceSettings& service) {
  const CommonSettings& common = service.common;
  absl::StatusOr<std::string> audit_key = security::ReadKeyFile(settings.Get("audit_key_file"));
  if (!audit_key.ok()) return StartupError(audit_key.status().message());
  absl::StatusOr<store::SynchronousMode> sync =
      store::ParseSynchronousMode(common.sqlite_synchronous);
  if (!sync.ok()) return UsageError(sync.status().message());
  security::AuditAnchorOptions anchor;
  anchor.path = settings.Get("audit_anchor_file");
  if (anchor.path.empty()) anchor.path = absl::StrCat(common.data_dir, "/audit.anchor");
  absl::StatusOr<int64_t> anchor_every = settings.GetInt("audit_anchor_every");
  absl::StatusOr<absl::Duration> anchor_interval = settings.GetDuration("audit_anchor_interval");
  if (!anchor_every.ok() || *anchor_every < 1) {
    return UsageError("setting --audit_anchor_every must be a whole number >= 1");
  }
  if (!anchor_interval.ok()) return UsageError(anchor_interval.status().message());
  anchor.every_entries = *anchor_every;
  service.backups.plain_files.push_back(anchor.path);
  anchor.interval = *anchor_interval;
  absl::StatusOr<std::unique_ptr<security::AuditLog>> opened = security::AuditLog::Open(
      absl::StrCat(common.data_dir, "/audit.db"), *std::move(audit_key), *sync, std::move(anchor));
  if (!opened.ok()) {
    return StartupError(absl::StrCat("audit log: ", opened.status().message()));
  }
  if (common.metrics != nullptr) AddAuditMetrics(*common.metrics, **opened);
  return opened;
}

}  // namespace

absl::StatusOr<ServiceSecurity> StartSecurity(const Settings& settings, ServiceSettings& service,
                                              const log::Logger& lifecycle) {
  ServiceSecurity security;
  const std::string policy_path = settings.Get("security_policy");
  if (policy_path.empty()) {
    lifecycle.Warning("security_off",
                      {{"detail",
                        "no --security_policy: plaintext, no caller authentication, no "
                        "authorisation, no audit log. For loopback development and tests only; "
                        "see deploy/README.md, Security."}});
    return security;
  }
  if (!settings.Get("token_key_file").empty()) {
    return UsageError(
        "setting --token_key_file (UE_TOKEN_KEY_FILE) is retired: tokens are signed with "
        "Ed25519 and services hold only the public keys; give --token_public_keys "
        "(UE_TOKEN_PUBLIC_KEYS) and remove the symmetric key from this host");
  }
  for (const char* required :
       {"tls_cert", "tls_key", "tls_client_ca", "token_public_keys", "audit_key_file"}) {
    if (settings.Get(required).empty()) {
      return UsageError(
          absl::StrCat("setting --", required, " is required with --security_policy"));
    }
  }
  absl::StatusOr<security::Policy> policy = security::Policy::Load(policy_path);
  if (!policy.ok()) return StartupError(policy.status().message());
  absl::StatusOr<security::TokenVerifier> token_keys =
      security::TokenVerifier::Load(settings.Get("token_public_keys"));
  if (!token_keys.ok()) {
    return StartupError(
        absl::StrCat("setting --token_public_keys: ", token_keys.status().message()));
  }
  absl::StatusOr<std::unique_ptr<security::AuditLog>> audit = OpenAuditLog(settings, service);
  if (!audit.ok()) return audit.status();
  security.audit = *std::move(audit);

  security::GuardOptions guard_options;
  guard_options.policy = *std::move(policy);
  for (const auto& [key_id, key] : token_keys->keys()) {
    absl::StrAppend(&security.token_key_ids, " ", key_id);
  }
  guard_options.token_keys = *std::move(token_keys);
  guard_options.audit = security.audit.get();
  absl::StatusOr<int64_t> rate = settings.GetInt("rate_limit");
  absl::StatusOr<int64_t> burst = settings.GetInt("rate_limit_burst");
  absl::StatusOr<absl::Duration> max_deadline = settings.GetDuration("max_call_deadline");
  if (!rate.ok() || !burst.ok() || *rate < 0 || *burst < 0) {
    return UsageError("settings --rate_limit and --rate_limit_burst must be whole numbers >= 0");
  }
  if (!max_deadline.ok()) return UsageError(max_deadline.status().message());
  guard_options.rate_per_second = static_cast<double>(*rate);
  guard_options.rate_burst = static_cast<double>(*burst);
  guard_options.max_call_deadline = *max_deadline;
  security.guard = std::make_unique<security::CallGuard>(std::move(guard_options));
  return security;
}

void ServiceSecurity::ApplyTo(ServerOptions& options,
                              std::shared_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
                                  call_interceptors) const {
  security::CallGuard* guard_ptr = guard.get();
  options.make_interceptors = [guard_ptr, call_interceptors] {
    std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> factories;
    factories.push_back(ForwardingFactory(call_interceptors));
    if (guard_ptr != nullptr) factories.push_back(guard_ptr->MakeAuditInterceptorFactory());
    return factories;
  };
  if (guard_ptr == nullptr) return;
  options.auth_processor = guard->MakeProcessor();
  options.guard_service = [guard_ptr](grpc::Service* service) { guard_ptr->GuardService(service); };
  options.answer_unserved = guard->MakeUnservedAnswer();
}

absl::Status LoadDataKeyring(const Settings& settings, CommonSettings& common,
                             const log::Logger& lifecycle) {
  std::string key_warning;
  absl::StatusOr<std::shared_ptr<const crypto::Keyring>> keyring =
      crypto::LoadDataKeyring(settings.Get("data_key_file"), common.data_dir, &key_warning);
  if (!keyring.ok()) {
    return StartupError(absl::StrCat("setting --data_key_file: ", keyring.status().message()));
  }
  if (!key_warning.empty()) lifecycle.Warning("data_key", {{"detail", key_warning}});
  common.keyring = *std::move(keyring);
  return absl::OkStatus();
}

}  // namespace unemployment::server
