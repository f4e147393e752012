// Shared part of the service fuzz targets: the real service components (the same Definition()
// their main() runs, so the same wiring, storage and handlers) on in-process gRPC servers over
// temporary SQLite files, and a generic caller that sends request bytes to a method by its gRPC
// path and checks the answer.
//
// Input layout of a service target: first byte = method index within the service (descriptor
// order, unary and server-streaming methods; client-streaming ones are skipped), the rest = the
// encoded request message. Bytes that do not decode as the request message are dropped before the
// call (the server would refuse them without reaching a handler).
//
// Invariants checked on every call (std::abort() on a breach, so libFuzzer reports it):
//   - OK answers decode as the method's response message;
//   - any other answer is a proper status: not UNKNOWN, and it carries google.rpc.Status details
//     with an ErrorInfo of the suite's domain (house rule: every error via common/status), except
//     the harness's own deadline or cancellation of a stream;
//   - the process does not crash (ASan/UBSan/LeakSanitizer report everything else).
#pragma once

#include <stdlib.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "common/server/grpc_server.h"
#include "common/server/peer_channels.h"
#include "common/server/service_main.h"
#include "common/server/settings.h"
#include "common/status/status_util.h"
#include "common/time/clock.h"
#include "common/time/time_zone.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "google/rpc/error_details.pb.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/impl/codegen/client_unary_call.h"
#include "grpcpp/impl/codegen/rpc_method.h"
#include "grpcpp/impl/codegen/sync_stream.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/byte_buffer.h"
#include "tests/fuzz/fuzz_util.h"

namespace unemployment::fuzz {

inline std::string* temp_root_path = nullptr;

// A folder removed when the process exits normally (libFuzzer's -runs / -max_total_time end).
inline const std::string& TempRoot() {
  static const bool made = [] {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "ue_fuzz_service.XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) std::abort();
    temp_root_path = new std::string(pattern);
    std::atexit([] {
      std::error_code ignored;
      std::filesystem::remove_all(*temp_root_path, ignored);
    });
    return true;
  }();
  (void)made;
  return *temp_root_path;
}

// Friday 2025-09-26 09:00 China time, fixed: runs are reproducible.
inline const time::FakeClock& Clock() {
  static const time::FakeClock* clock =
      new time::FakeClock(time::ChinaTime(absl::CivilSecond(2025, 9, 26, 9, 0, 0)));
  return *clock;
}

// One service component serving on 127.0.0.1:<free port>, plaintext, security off.
class RunningService {
 public:
  // `overrides`: service settings (flag names) on top of the defaults; data folders, regions,
  // calendar and rules folders point into the source tree unless overridden.
  static RunningService* Start(const server::ServiceDefinition& definition,
                               const std::map<std::string, std::string>& overrides) {
    auto* running = new RunningService;
    server::Settings settings;
    server::DefineCommonSettings(settings, definition);
    if (definition.define_settings) definition.define_settings(settings);
    const char* argv[] = {"fuzz"};
    if (!settings.Parse(1, argv, [](absl::string_view) { return std::optional<std::string>(); })
             .ok()) {
      std::abort();
    }
    const std::string data_dir = absl::StrCat(TempRoot(), "/", definition.name);
    settings.Set("data_dir", data_dir);
    settings.Set("sqlite_synchronous", "OFF");
    for (const char* dir : {"regions", "calendar", "contacts", "public_service", "tiering"}) {
      const std::string name = std::string(dir == std::string("tiering") ? "tiering_rules" : dir) +
                               "_dir";
      if (!settings.Get(name).empty()) {
        settings.Set(name, absl::StrCat(UE_SOURCE_DIR, "/data/", dir));
      }
    }
    // No outbound receivers are wired: say so, as development runs do (Set ignores a setting the
    // service does not have).
    settings.Set("ministry_uploads", "off");
    settings.Set("notification_delivery", "off");
    settings.Set("credit_delivery", "off");
    for (const auto& [name, value] : overrides) settings.Set(name, value);
    if (!server::EnsureWritableDirectory(data_dir).ok()) std::abort();
    running->peers_ = std::make_unique<server::PeerChannels>();
    server::CommonSettings common{definition.name, data_dir, "OFF", &Clock(), running->peers_.get()};
    auto component = definition.create(common, settings);
    if (!component.ok()) {
      std::cerr << definition.name << ": " << component.status() << std::endl;
      std::abort();
    }
    running->component_ = *std::move(component);
    auto server = server::GrpcServer::Start({}, running->component_->GrpcServices());
    if (!server.ok()) std::abort();
    running->server_ = *std::move(server);
    if (!running->component_->OnServing(running->server_->address()).ok()) std::abort();
    running->server_->SetServing(true);
    running->channel_ =
        grpc::CreateChannel(running->server_->address(), grpc::InsecureChannelCredentials());
    return running;
  }

  std::string address() const { return server_->address(); }
  const std::shared_ptr<grpc::Channel>& channel() const { return channel_; }

 private:
  RunningService() = default;
  std::unique_ptr<server::PeerChannels> peers_;
  std::unique_ptr<server::ServiceComponent> component_;
  std::unique_ptr<server::GrpcServer> server_;
  std::shared_ptr<grpc::Channel> channel_;
};

// The callable methods of a service (descriptor order), by full service name.
inline std::vector<const google::protobuf::MethodDescriptor*> Methods(const std::string& service) {
  const google::protobuf::ServiceDescriptor* descriptor =
      google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(service);
  if (descriptor == nullptr) std::abort();
  std::vector<const google::protobuf::MethodDescriptor*> out;
  for (int i = 0; i < descriptor->method_count(); ++i) {
    if (!descriptor->method(i)->client_streaming()) out.push_back(descriptor->method(i));
  }
  return out;
}

inline std::unique_ptr<google::protobuf::Message> NewMessage(const google::protobuf::Descriptor* type) {
  return std::unique_ptr<google::protobuf::Message>(
      google::protobuf::MessageFactory::generated_factory()->GetPrototype(type)->New());
}

inline grpc::ByteBuffer ToBuffer(const std::string& bytes) {
  grpc::Slice slice(bytes);
  return grpc::ByteBuffer(&slice, 1);
}

inline std::string FromBuffer(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  std::string out;
  if (!buffer.Dump(&slices).ok()) return out;
  for (const grpc::Slice& slice : slices) {
    out.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
  }
  return out;
}

// Aborts unless `status` is a proper answer of the suite (see the file comment).
inline void CheckAnswer(const google::protobuf::MethodDescriptor* method, const grpc::Status& status) {
  if (status.ok()) return;
  const grpc::StatusCode code = status.error_code();
  if (code == grpc::StatusCode::DEADLINE_EXCEEDED || code == grpc::StatusCode::CANCELLED) return;
  std::optional<google::rpc::Status> details = status::DecodeDetails(status);
  bool has_info = false;
  if (details.has_value()) {
    for (const google::protobuf::Any& any : details->details()) {
      google::rpc::ErrorInfo info;
      if (any.UnpackTo(&info) && info.domain() == "unemployment.hrss.gov.cn" &&
          !info.reason().empty()) {
        has_info = true;
      }
    }
  }
  if (code == grpc::StatusCode::UNKNOWN || !has_info) {
    std::cerr << "improper answer of " << method->full_name() << ": code " << code << " '"
              << status.error_message() << "'" << (has_info ? "" : " without ErrorInfo")
              << std::endl;
    std::abort();
  }
}

using Metadata = std::vector<std::pair<std::string, std::string>>;

// Calls `method` on `channel` with `request` (and `metadata`); checks the answer. Unary calls
// have 5 s; server streams are read for at most 8 messages or 200 ms, then cancelled. Returns the
// status; an OK unary answer is copied to `response` when given.
inline grpc::Status Call(const std::shared_ptr<grpc::Channel>& channel,
                         const google::protobuf::MethodDescriptor* method,
                         const google::protobuf::Message& request,
                         google::protobuf::Message* response = nullptr,
                         const Metadata& metadata = {}) {
  const absl::Duration deadline = absl::Seconds(5);
  const absl::Duration stream_deadline = absl::Milliseconds(200);
  const int max_stream_messages = 8;
  const std::string path =
      absl::StrCat("/", method->service()->full_name(), "/", method->name());
  std::string bytes;
  if (!request.SerializeToString(&bytes)) std::abort();
  const grpc::ByteBuffer request_buffer = ToBuffer(bytes);
  grpc::ClientContext context;
  for (const auto& [key, value] : metadata) context.AddMetadata(key, value);
  std::unique_ptr<google::protobuf::Message> answer = NewMessage(method->output_type());
  grpc::Status status;
  if (!method->server_streaming()) {
    context.set_deadline(absl::ToChronoTime(absl::Now() + deadline));
    grpc::internal::RpcMethod rpc(path.c_str(), grpc::internal::RpcMethod::NORMAL_RPC);
    grpc::ByteBuffer response_buffer;
    status = grpc::internal::BlockingUnaryCall<grpc::ByteBuffer, grpc::ByteBuffer>(
        channel.get(), rpc, &context, request_buffer, &response_buffer);
    if (status.ok() && !answer->ParseFromString(FromBuffer(response_buffer))) {
      std::cerr << "undecodable response of " << method->full_name() << std::endl;
      std::abort();
    }
  } else {
    context.set_deadline(absl::ToChronoTime(absl::Now() + stream_deadline));
    grpc::internal::RpcMethod rpc(path.c_str(), grpc::internal::RpcMethod::SERVER_STREAMING);
    std::unique_ptr<grpc::ClientReader<grpc::ByteBuffer>> reader(
        grpc::internal::ClientReaderFactory<grpc::ByteBuffer>::Create(channel.get(), rpc, &context,
                                                                      request_buffer));
    grpc::ByteBuffer message;
    for (int read = 0; read < max_stream_messages && reader->Read(&message); ++read) {
      if (!answer->ParseFromString(FromBuffer(message))) {
        std::cerr << "undecodable stream message of " << method->full_name() << std::endl;
        std::abort();
      }
    }
    context.TryCancel();
    status = reader->Finish();
  }
  CheckAnswer(method, status);
  if (response != nullptr && status.ok()) response->CopyFrom(*answer);
  return status;
}

// Decodes `in.rest` as the request of the method `in.selector` picks and calls it.
inline void CallFromInput(const std::shared_ptr<grpc::Channel>& channel,
                          const std::vector<const google::protobuf::MethodDescriptor*>& methods,
                          const Input& in, const Metadata& metadata = {}) {
  const google::protobuf::MethodDescriptor* method = methods[in.selector % methods.size()];
  std::unique_ptr<google::protobuf::Message> request = NewMessage(method->input_type());
  if (!request->ParseFromArray(in.rest.data(), static_cast<int>(in.rest.size()))) return;
  Call(channel, method, *request, nullptr, metadata);
}

}  // namespace unemployment::fuzz

#include "unemployment/registration/v1/registration_service.pb.h"

namespace unemployment::fuzz {

// Whether the registration service at `channel` holds an application of (`channel_kind`, `id`):
// 1 yes, 0 no (NOT_FOUND), -1 cannot tell (the id itself is refused, or another error).
inline int ApplicationExists(const std::shared_ptr<grpc::Channel>& channel, int channel_kind,
                             const std::string& id) {
  static const google::protobuf::MethodDescriptor* method =
      google::protobuf::DescriptorPool::generated_pool()->FindMethodByName(
          "unemployment.registration.v1.RegistrationService.GetApplicationByChannelId");
  if (method == nullptr) std::abort();
  registration::v1::GetApplicationByChannelIdRequest request;
  request.set_channel(static_cast<common::v1::Channel>(channel_kind));
  request.set_channel_application_id(id);
  grpc::Status status = Call(channel, method, request);
  if (status.ok()) return 1;
  return status.error_code() == grpc::StatusCode::NOT_FOUND ? 0 : -1;
}

// Runs `call` (a write naming application (`channel_kind`, `id`)); if it failed, the application
// must not exist afterwards unless it existed before: no half-written record.
template <typename F>
void CheckNoHalfWrite(const std::shared_ptr<grpc::Channel>& registration, int channel_kind,
                      const std::string& id, const char* what, F call) {
  const int before = ApplicationExists(registration, channel_kind, id);
  const grpc::Status status = call();
  if (status.ok() || before != 0) return;
  // An answer that ran out of time may still complete (the client gave up, not the service).
  if (status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED ||
      status.error_code() == grpc::StatusCode::UNAVAILABLE) {
    return;
  }
  if (ApplicationExists(registration, channel_kind, id) == 1) {
    std::cerr << what << " failed (" << status.error_code() << " '" << status.error_message()
              << "') but left application '" << id << "' behind" << std::endl;
    std::abort();
  }
}

}  // namespace unemployment::fuzz
