// Drives the real registration service in process: the component its main() builds (registrar,
// SQLite store on a temporary file, event feed, workers) on a gRPC server, called over a channel
// with fuzzed requests of every unary and server-streaming method (service_harness.h: first byte
// picks the method, the rest is the request). Checks proper answers and that a failed
// CreateApplication leaves no application behind.
#include <cstddef>
#include <cstdint>

#include "services/registration/registration_component.h"
#include "tests/fuzz/service_harness.h"

namespace fz = unemployment::fuzz;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static fz::RunningService* registration =
      fz::RunningService::Start(unemployment::registration::Definition(), {});
  static const auto methods = fz::Methods("unemployment.registration.v1.RegistrationService");
  const fz::Input in = fz::Split(data, size);
  const google::protobuf::MethodDescriptor* method = methods[in.selector % methods.size()];
  if (method->name() != "CreateApplication") {
    fz::CallFromInput(registration->channel(), methods, in);
    return 0;
  }
  unemployment::registration::v1::CreateApplicationRequest request;
  if (!request.ParseFromArray(in.rest.data(), static_cast<int>(in.rest.size()))) return 0;
  fz::CheckNoHalfWrite(registration->channel(), request.channel(),
                       request.channel_application_id(), "CreateApplication",
                       [&] { return fz::Call(registration->channel(), method, request); });
  return 0;
}
