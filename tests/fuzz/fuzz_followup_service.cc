// Drives the real follow-up service in process (its component on a gRPC server and a temporary
// SQLite file, reading registrations from an in-process registration service) with fuzzed
// requests of every unary and server-streaming method (service_harness.h).
#include <cstddef>
#include <cstdint>

#include "services/followup/followup_component.h"
#include "services/registration/registration_component.h"
#include "tests/fuzz/service_harness.h"

namespace fz = unemployment::fuzz;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static fz::RunningService* registration =
      fz::RunningService::Start(unemployment::registration::Definition(), {});
  static fz::RunningService* followup = fz::RunningService::Start(
      unemployment::followup::Definition(), {{"registration_addr", registration->address()},
                                             {"verification_addr", "127.0.0.1:1"},
                                             {"registration_timeout_ms", "2000"}});
  static const auto methods = fz::Methods("unemployment.followup.v1.FollowupService");
  fz::CallFromInput(followup->channel(), methods, fz::Split(data, size));
  return 0;
}
