#pragma once

// gRPC handler of unemployment.statistics.v1.StatisticsService. The RPCs land with issue #7; until then the
// generated base class answers every call with UNIMPLEMENTED.

#include "unemployment/statistics/v1/statistics_service.grpc.pb.h"

namespace unemployment::statistics {

class StatisticsServiceImpl final : public v1::StatisticsService::CallbackService {};

}  // namespace unemployment::statistics
