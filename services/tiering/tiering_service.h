#pragma once

// gRPC handler of unemployment.tiering.v1.TieringService. The RPCs land with issue #5; until then the
// generated base class answers every call with UNIMPLEMENTED.

#include "unemployment/tiering/v1/tiering_service.grpc.pb.h"

namespace unemployment::tiering {

class TieringServiceImpl final : public v1::TieringService::CallbackService {};

}  // namespace unemployment::tiering
