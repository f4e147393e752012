#include "common/server/unary_handler.h"

#include <algorithm>

#include "common/status/status_util.h"

namespace unemployment::server {

bool IsServerFault(absl::StatusCode code) {
  return code == absl::StatusCode::kInternal || code == absl::StatusCode::kDataLoss ||
         code == absl::StatusCode::kUnknown || code == absl::StatusCode::kResourceExhausted;
}

void LogIfServerFault(const log::Logger& logger, absl::string_view method,
                      const absl::Status& status) {
  if (IsServerFault(status.code())) {
    logger.Error("rpc_failed", {{"method", method}, {"status", status}});
  }
}

void FinishUnary(grpc::ServerUnaryReactor* reactor, const log::Logger& logger,
                 absl::string_view method, const absl::Status& status) {
  LogIfServerFault(logger, method, status);
  reactor->Finish(status::ToGrpcStatus(status));
}

absl::Time CallDeadline(const grpc::ServerContextBase& context, absl::Duration cap) {
  const absl::Time capped =
      cap == absl::InfiniteDuration() ? absl::InfiniteFuture() : absl::Now() + cap;
  const std::chrono::system_clock::time_point deadline = context.deadline();
  if (deadline == std::chrono::system_clock::time_point::max()) return capped;
  return std::min(capped, absl::FromChrono(deadline));
}

}  // namespace unemployment::server
