#pragma once

// gRPC handler of unemployment.followup.v1.FollowupService. The RPCs land with issue #6; until then the
// generated base class answers every call with UNIMPLEMENTED.

#include "unemployment/followup/v1/followup_service.grpc.pb.h"

namespace unemployment::followup {

class FollowupServiceImpl final : public v1::FollowupService::CallbackService {};

}  // namespace unemployment::followup
