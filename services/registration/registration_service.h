#pragma once

// gRPC handler of unemployment.registration.v1.RegistrationService. The RPCs land with issue #3; until then the
// generated base class answers every call with UNIMPLEMENTED.

#include "unemployment/registration/v1/registration_service.grpc.pb.h"

namespace unemployment::registration {

class RegistrationServiceImpl final : public v1::RegistrationService::CallbackService {};

}  // namespace unemployment::registration
