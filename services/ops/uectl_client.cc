#include "services/ops/uectl_client.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/civil_time.h"
#include "common/status/status_util.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/time_util.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"

namespace unemployment::ops {

const std::vector<ServiceEndpoint>& Endpoints() {
  static const std::vector<ServiceEndpoint> kEndpoints = {
      {"gateway", "UE_GATEWAY_ADDR", 50051},
      {"registration", "UE_REGISTRATION_ADDR", 50052},
      {"verification", "UE_VERIFICATION_ADDR", 50053},
      {"tiering", "UE_TIERING_ADDR", 50054},
      {"followup", "UE_FOLLOWUP_ADDR", 50055},
      {"statistics", "UE_STATISTICS_ADDR", 50056},
  };
  return kEndpoints;
}

const ServiceEndpoint* FindEndpoint(absl::string_view name) {
  for (const ServiceEndpoint& endpoint : Endpoints()) {
    if (endpoint.name == name) return &endpoint;
  }
  return nullptr;
}

std::string ServiceAddress(const Invocation& invocation, absl::string_view service) {
  const ServiceEndpoint* endpoint = FindEndpoint(service);
  if (endpoint == nullptr) return "";
  if (std::optional<std::string> flag = invocation.args.Value(absl::StrCat(service, "-addr"))) {
    return *flag;
  }
  if (invocation.context.getenv) {
    std::optional<std::string> env = invocation.context.getenv(std::string(endpoint->env));
    if (env.has_value() && !env->empty()) return *env;
  }
  return absl::StrCat("127.0.0.1:", endpoint->local_port);
}

namespace {

bool ReadWholeFile(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream buffer;
  buffer << in.rdbuf();
  *out = buffer.str();
  return true;
}

}  // namespace

absl::StatusOr<std::shared_ptr<grpc::Channel>> OpenChannel(const Invocation& invocation,
                                                           const std::string& address) {
  std::shared_ptr<grpc::ChannelCredentials> credentials = grpc::InsecureChannelCredentials();
  std::string ca = invocation.args.ValueOr("tls-ca", "");
  std::string cert = invocation.args.ValueOr("tls-cert", "");
  std::string key = invocation.args.ValueOr("tls-key", "");
  if (ca.empty() && (!cert.empty() || !key.empty())) {
    return absl::InvalidArgumentError("--tls-cert and --tls-key need --tls-ca");
  }
  if (cert.empty() != key.empty()) {
    return absl::InvalidArgumentError("--tls-cert and --tls-key go together");
  }
  if (!ca.empty()) {
    grpc::SslCredentialsOptions ssl;
    for (auto [path, target] :
         {std::pair{&ca, &ssl.pem_root_certs}, std::pair{&cert, &ssl.pem_cert_chain},
          std::pair{&key, &ssl.pem_private_key}}) {
      if (!path->empty() && !ReadWholeFile(*path, target)) {
        return absl::InvalidArgumentError(absl::StrCat("cannot read TLS file '", *path, "'"));
      }
    }
    credentials = grpc::SslCredentials(ssl);
  }
  // A signed call token (ue_issue_token) sent with every call, for services with security on.
  if (std::string token_file = invocation.args.ValueOr("token-file", ""); !token_file.empty()) {
    if (ca.empty()) return absl::InvalidArgumentError("--token-file needs --tls-ca");
    std::string token;
    if (!ReadWholeFile(token_file, &token)) {
      return absl::InvalidArgumentError(absl::StrCat("cannot read token file '", token_file, "'"));
    }
    credentials = grpc::CompositeChannelCredentials(
        credentials, grpc::AccessTokenCredentials(std::string(absl::StripAsciiWhitespace(token))));
  }
  return grpc::CreateChannel(address, credentials);
}

void SetDeadline(const Invocation& invocation, grpc::ClientContext& context) {
  context.set_deadline(absl::ToChronoTime(absl::Now() + invocation.timeout));
}

int ReportRpcError(const Invocation& invocation, absl::string_view what, const std::string& address,
                   const grpc::Status& status) {
  std::ostream& err = *invocation.context.err;
  absl::Status detailed = status::FromGrpcStatus(status);
  err << "uectl " << invocation.command.name << ": " << what
      << " failed: " << absl::StatusCodeToString(detailed.code()) << ": " << detailed.message()
      << "\n";
  if (std::optional<google::rpc::ErrorInfo> info = status::GetErrorInfo(detailed)) {
    err << "  reason: " << info->reason();
    std::vector<std::string> metadata;
    for (const auto& [key, value] : info->metadata())
      metadata.push_back(absl::StrCat(key, "=", value));
    std::sort(metadata.begin(), metadata.end());
    if (!metadata.empty()) err << " (" << absl::StrJoin(metadata, ", ") << ")";
    err << "\n";
  }
  if (std::optional<google::rpc::BadRequest> bad = status::GetBadRequest(detailed)) {
    err << "  field violations (" << bad->field_violations_size() << "):\n";
    for (const google::rpc::BadRequest::FieldViolation& violation : bad->field_violations()) {
      err << "    " << violation.field() << ": " << violation.description() << "\n";
    }
  }
  switch (detailed.code()) {
    case absl::StatusCode::kUnavailable:
      err << "  hint: is the service running at " << address
          << "? (set it with the --*-addr option or the UE_*_ADDR variable)\n";
      break;
    case absl::StatusCode::kDeadlineExceeded:
      err << "  hint: no answer from " << address << " within "
          << absl::FormatDuration(invocation.timeout) << "; a longer --timeout may help\n";
      break;
    case absl::StatusCode::kUnimplemented:
      err << "  note: the service at " << address
          << " does not implement this call yet (UNIMPLEMENTED); nothing was done\n";
      break;
    default:
      break;
  }
  return kExitFailure;
}

absl::StatusOr<std::string> ReadInputFile(const Invocation& invocation, const std::string& path) {
  std::string content;
  if (path == "-") {
    if (invocation.context.in == nullptr) return absl::NotFoundError("no standard input");
    std::ostringstream buffer;
    buffer << invocation.context.in->rdbuf();
    return buffer.str();
  }
  std::error_code error;
  if (!std::filesystem::is_regular_file(path, error)) {
    return absl::NotFoundError(absl::StrCat("'", path, "' is not a readable file"));
  }
  if (!ReadWholeFile(path, &content)) {
    return absl::PermissionDeniedError(absl::StrCat("cannot read '", path, "'"));
  }
  return content;
}

int ReportFailure(const Invocation& invocation, absl::string_view message) {
  *invocation.context.err << "uectl " << invocation.command.name << ": error: " << message << "\n";
  return kExitFailure;
}

bool WantsJson(const Invocation& invocation) { return invocation.args.Has("json"); }

void PrintJson(const Invocation& invocation, const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  options.preserve_proto_field_names = true;
  std::string json;
  google::protobuf::util::Status printed =
      google::protobuf::util::MessageToJsonString(message, &json, options);
  if (!printed.ok()) {
    *invocation.context.err << "uectl: cannot print the answer as JSON: " << printed.ToString()
                            << "\n";
    return;
  }
  *invocation.context.out << json;
  if (!absl::EndsWith(json, "\n")) *invocation.context.out << "\n";
}

std::string ShortEnumName(const std::string& full_name, absl::string_view prefix) {
  absl::string_view name = full_name;
  if (name.empty()) return "?";
  if (absl::StartsWith(name, prefix)) name.remove_prefix(prefix.size());
  return std::string(name);
}

std::string FormatTimestamp(const google::protobuf::Timestamp& timestamp) {
  if (timestamp.seconds() == 0 && timestamp.nanos() == 0) return "-";
  return google::protobuf::util::TimeUtil::ToString(timestamp);
}

bool IsDate(absl::string_view text) {
  absl::CivilDay day;
  return text.size() == 10 && absl::ParseCivilTime(text, &day) &&
         absl::FormatCivilTime(day) == text;
}

bool IsMonth(absl::string_view text) {
  absl::CivilMonth month;
  return text.size() == 7 && absl::ParseCivilTime(text, &month) &&
         absl::FormatCivilTime(month) == text;
}

bool IsRegionCode(absl::string_view text) {
  if (text.size() != 6) return false;
  for (char c : text) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

}  // namespace unemployment::ops
