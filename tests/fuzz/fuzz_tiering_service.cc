// Drives the real tiering service in process (its component on a gRPC server and a temporary
// SQLite file with the rules of data/tiering, reading registrations from an in-process
// registration service) with fuzzed requests of every unary and server-streaming method
// (service_harness.h).
#include <cstddef>
#include <cstdint>

#include "services/registration/registration_component.h"
#include "services/tiering/tiering_component.h"
#include "tests/fuzz/service_harness.h"

namespace fz = unemployment::fuzz;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static fz::RunningService* registration =
      fz::RunningService::Start(unemployment::registration::Definition(), {});
  static fz::RunningService* tiering = fz::RunningService::Start(
      unemployment::tiering::Definition(), {{"registration_addr", registration->address()}});
  static const auto methods = fz::Methods("unemployment.tiering.v1.TieringService");
  fz::CallFromInput(tiering->channel(), methods, fz::Split(data, size));
  return 0;
}
