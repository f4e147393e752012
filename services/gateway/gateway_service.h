#pragma once

// gRPC handler of unemployment.gateway.v1.GatewayService. The RPCs land with issue #3; until then the
// generated base class answers every call with UNIMPLEMENTED.

#include "unemployment/gateway/v1/gateway_service.grpc.pb.h"

namespace unemployment::gateway {

class GatewayServiceImpl final : public v1::GatewayService::CallbackService {};

}  // namespace unemployment::gateway
