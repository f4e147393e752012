// Drives gateway intake end to end in process: the real gateway, person index and registration
// components (as their main() builds them, each on its own gRPC server and temporary SQLite file),
// the gateway calling the other two over gRPC. Fuzzed requests of every gateway method
// (service_harness.h; the method index is the selector modulo the method count, selectors from
// 0x80 up send no channel identity); a failed SubmitApplication / ForwardApplication must leave no application
// in registration.
#include <cstddef>
#include <cstdint>

#include "services/gateway/gateway_component.h"
#include "services/person_index/person_index_component.h"
#include "services/registration/registration_component.h"
#include "tests/fuzz/service_harness.h"
#include "unemployment/gateway/v1/gateway_service.pb.h"

namespace fz = unemployment::fuzz;
namespace gw = unemployment::gateway::v1;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static fz::RunningService* registration =
      fz::RunningService::Start(unemployment::registration::Definition(), {});
  static fz::RunningService* person_index = fz::RunningService::Start(
      unemployment::person_index::Definition(), {{"registration_addr", registration->address()}});
  static fz::RunningService* gateway = fz::RunningService::Start(
      unemployment::gateway::Definition(), {{"registration_addr", registration->address()},
                                            {"person_index_addr", person_index->address()},
                                            {"shard_timeout", "3s"}});
  static const auto methods = fz::Methods("unemployment.gateway.v1.GatewayService");
  const fz::Input in = fz::Split(data, size);
  const google::protobuf::MethodDescriptor* method = methods[in.selector % methods.size()];
  // The channel identity each intake method needs (x-channel-id, security off); the selector's
  // high bit sends none, so the refusal path is fuzzed too.
  fz::Metadata identity;
  if ((in.selector & 0x80) == 0) {
    if (method->name() == "SubmitApplication" || method->name() == "GetApplicationStatus") {
      identity = {{"x-channel-id", "province-portal"}};
    } else if (method->name() == "ForwardApplication" ||
               method->name() == "BatchForwardApplications") {
      identity = {{"x-channel-id", "ministry"}};
    }
  }
  if (method->name() == "SubmitApplication") {
    gw::SubmitApplicationRequest request;
    if (!request.ParseFromArray(in.rest.data(), static_cast<int>(in.rest.size()))) return 0;
    fz::CheckNoHalfWrite(registration->channel(), unemployment::common::v1::CHANNEL_PROVINCE_PORTAL,
                         request.portal_application_id(), "SubmitApplication",
                         [&] { return fz::Call(gateway->channel(), method, request, nullptr, identity); });
  } else if (method->name() == "ForwardApplication") {
    gw::ForwardApplicationRequest request;
    if (!request.ParseFromArray(in.rest.data(), static_cast<int>(in.rest.size()))) return 0;
    fz::CheckNoHalfWrite(registration->channel(), unemployment::common::v1::CHANNEL_MINISTRY,
                         request.ministry_application_id(), "ForwardApplication",
                         [&] { return fz::Call(gateway->channel(), method, request, nullptr, identity); });
  } else {
    fz::CallFromInput(gateway->channel(), methods, in, identity);
  }
  return 0;
}
