// ue_health_probe: asks a server's grpc.health.v1 service whether it is SERVING.
//
//   ue_health_probe [--tls_ca=FILE --tls_cert=FILE --tls_key=FILE] [--timeout=2s]
//                   [--service=NAME] [--wait=10s] ADDRESS
//
// Exit 0 when SERVING, 1 when reachable but not serving or unreachable (one line says which),
// 2 on bad usage. --wait keeps asking until SERVING or the wait runs out; this is what the local
// runner and container exec probes use.

#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/channel_arguments.h"

namespace {

bool ReadFile(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::stringstream buffer;
  buffer << in.rdbuf();
  *out = buffer.str();
  return true;
}

int Usage() {
  std::cerr << "usage: ue_health_probe [--timeout=2s] [--wait=0s] [--service=NAME] "
               "[--tls_ca=FILE [--tls_cert=FILE --tls_key=FILE]] ADDRESS\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::string address, service, ca, cert, key;
  absl::Duration timeout = absl::Seconds(2), wait = absl::ZeroDuration();
  for (int i = 1; i < argc; ++i) {
    absl::string_view arg = argv[i];
    auto value_of = [&](absl::string_view flag, std::string* out) {
      if (!absl::ConsumePrefix(&arg, flag)) return false;
      *out = std::string(arg);
      return true;
    };
    std::string duration;
    if (value_of("--service=", &service) || value_of("--tls_ca=", &ca) ||
        value_of("--tls_cert=", &cert) || value_of("--tls_key=", &key)) {
      continue;
    }
    if (value_of("--timeout=", &duration)) {
      if (!absl::ParseDuration(duration, &timeout)) return Usage();
    } else if (value_of("--wait=", &duration)) {
      if (!absl::ParseDuration(duration, &wait)) return Usage();
    } else if (absl::StartsWith(arg, "--") || !address.empty()) {
      return Usage();
    } else {
      address = std::string(arg);
    }
  }
  if (address.empty()) return Usage();

  std::shared_ptr<grpc::ChannelCredentials> credentials = grpc::InsecureChannelCredentials();
  if (!ca.empty()) {
    grpc::SslCredentialsOptions ssl;
    if (!ReadFile(ca, &ssl.pem_root_certs) || (!cert.empty() && !ReadFile(cert, &ssl.pem_cert_chain)) ||
        (!key.empty() && !ReadFile(key, &ssl.pem_private_key))) {
      std::cerr << "ue_health_probe: cannot read a TLS file\n";
      return 2;
    }
    credentials = grpc::SslCredentials(ssl);
  }
  // A server that is still starting refuses the first connection, and gRPC's reconnect backoff
  // (1 s, then 1.6x with jitter, kept by the subchannel) would hide it for seconds after it
  // listens: the local runner saw about 5 s. So each attempt after an unreachable one dials
  // afresh on its own channel and subchannel.
  auto connect = [&address, &credentials] {
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
    args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 100);
    args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 100);
    return grpc::health::v1::Health::NewStub(grpc::CreateCustomChannel(address, credentials, args));
  };
  auto stub = connect();
  const absl::Time give_up = absl::Now() + wait;
  std::string last;
  do {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
    grpc::health::v1::HealthCheckRequest request;
    request.set_service(service);
    grpc::health::v1::HealthCheckResponse response;
    grpc::Status status = stub->Check(&context, request, &response);
    if (status.ok() && response.status() == grpc::health::v1::HealthCheckResponse::SERVING) {
      std::cout << address << " SERVING\n";
      return 0;
    }
    last = status.ok() ? grpc::health::v1::HealthCheckResponse::ServingStatus_Name(response.status())
                       : "unreachable: " + status.error_message();
    if (!status.ok()) stub = connect();
    if (absl::Now() < give_up) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  } while (absl::Now() < give_up);
  std::cout << address << " " << last << "\n";
  return 1;
}
