#include "common/server/peer_channels.h"

#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/log/request_id.h"
#include "grpc/grpc.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/client_interceptor.h"

namespace unemployment::server {
namespace {

absl::StatusOr<std::string> ReadSettingFile(const Settings& settings, absl::string_view name) {
  std::string path = settings.Get(name);
  if (path.empty()) return std::string();
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::FailedPreconditionError(absl::StrCat("setting --", name, ": cannot read '", path, "'"));
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// Sends the calling thread's request id (log/request_id.h), taken when the call is created, as
// `x-request-id` unless the call sets one itself.
class RequestIdInterceptor final : public grpc::experimental::Interceptor {
 public:
  explicit RequestIdInterceptor(std::string request_id) : request_id_(std::move(request_id)) {}

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            grpc::experimental::InterceptionHookPoints::PRE_SEND_INITIAL_METADATA)) {
      std::multimap<std::string, std::string>* metadata = methods->GetSendInitialMetadata();
      if (metadata->find("x-request-id") == metadata->end()) {
        metadata->emplace("x-request-id", request_id_);
      }
    }
    methods->Proceed();
  }

 private:
  const std::string request_id_;
};

class RequestIdInterceptorFactory final
    : public grpc::experimental::ClientInterceptorFactoryInterface {
 public:
  grpc::experimental::Interceptor* CreateClientInterceptor(
      grpc::experimental::ClientRpcInfo* info) override {
    (void)info;
    absl::string_view id = log::CurrentRequestId();
    return id.empty() ? nullptr : new RequestIdInterceptor(std::string(id));
  }
};

std::vector<std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface>>
RequestIdInterceptors() {
  std::vector<std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface>> factories;
  factories.push_back(std::make_unique<RequestIdInterceptorFactory>());
  return factories;
}

}  // namespace

absl::StatusOr<PeerChannels> PeerChannels::FromSettings(const Settings& settings) {
  PeerChannelOptions options;
  absl::StatusOr<int64_t> max_bytes = settings.GetInt("max_message_bytes");
  if (max_bytes.ok() && *max_bytes >= 1024 && *max_bytes <= (1 << 30)) {
    options.max_message_bytes = static_cast<int>(*max_bytes);
  }
  std::string ca_setting = settings.Get("peer_tls_ca").empty() ? "tls_client_ca" : "peer_tls_ca";
  absl::StatusOr<std::string> ca = ReadSettingFile(settings, ca_setting);
  absl::StatusOr<std::string> cert = ReadSettingFile(settings, "peer_tls_cert");
  absl::StatusOr<std::string> key = ReadSettingFile(settings, "peer_tls_key");
  absl::StatusOr<std::string> token = ReadSettingFile(settings, "peer_token_file");
  for (const auto* read : {&ca, &cert, &key, &token}) {
    if (!read->ok()) return read->status();
  }
  if (cert->empty() != key->empty()) {
    return absl::InvalidArgumentError("settings --peer_tls_cert and --peer_tls_key go together");
  }
  if (ca->empty() && (!cert->empty() || !token->empty())) {
    return absl::InvalidArgumentError(
        "a client certificate or call token for peers needs TLS: set --peer_tls_ca or --tls_client_ca");
  }
  options.root_ca = *std::move(ca);
  options.client_cert = *std::move(cert);
  options.client_key = *std::move(key);
  options.call_token = std::string(absl::StripAsciiWhitespace(*token));
  return PeerChannels(std::move(options));
}

std::shared_ptr<grpc::Channel> PeerChannels::Connect(const std::string& address,
                                                     grpc::ChannelArguments args) const {
  args.SetMaxReceiveMessageSize(options_.max_message_bytes);
  args.SetMaxSendMessageSize(options_.max_message_bytes);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS,
              static_cast<int>(absl::ToInt64Milliseconds(options_.keepalive_time)));
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS,
              static_cast<int>(absl::ToInt64Milliseconds(options_.keepalive_timeout)));
  // Pings only while calls are open (an idle channel needs none), and without a cap on pings
  // between data frames (a caught-up feed stream carries no data for long stretches).
  args.SetInt(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 0);
  args.SetInt(GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA, 0);
  args.SetInt(GRPC_ARG_DNS_MIN_TIME_BETWEEN_RESOLUTIONS_MS,
              static_cast<int>(absl::ToInt64Milliseconds(options_.min_reresolution_interval)));
  if (options_.root_ca.empty()) {
    return grpc::experimental::CreateCustomChannelWithInterceptors(
        address, grpc::InsecureChannelCredentials(), args, RequestIdInterceptors());
  }
  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = options_.root_ca;
  ssl.pem_private_key = options_.client_key;
  ssl.pem_cert_chain = options_.client_cert;
  std::shared_ptr<grpc::ChannelCredentials> credentials = grpc::SslCredentials(ssl);
  if (!options_.call_token.empty()) {
    credentials = grpc::CompositeChannelCredentials(
        credentials, grpc::AccessTokenCredentials(options_.call_token));
  }
  return grpc::experimental::CreateCustomChannelWithInterceptors(address, credentials, args,
                                                                 RequestIdInterceptors());
}

}  // namespace unemployment::server
