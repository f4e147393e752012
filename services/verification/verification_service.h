#pragma once

// gRPC handler of unemployment.verification.v1.VerificationService. The RPCs land with issue #4; until then the
// generated base class answers every call with UNIMPLEMENTED.

#include "unemployment/verification/v1/verification_service.grpc.pb.h"

namespace unemployment::verification {

class VerificationServiceImpl final : public v1::VerificationService::CallbackService {};

}  // namespace unemployment::verification
