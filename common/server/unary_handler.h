#pragma once

// The one shape of a unary gRPC handler (callback API) in this suite:
//
//   validate -> call the domain -> status with details (status::ToGrpcStatus) -> fault log
//
// A handler copies the request (validation may normalise it: trimmed text, the caller recorded as
// actor), validates it, calls the domain only when it is valid, copies the domain's answer into
// the response and finishes the call with the converted status. Server faults (INTERNAL,
// DATA_LOSS, UNKNOWN, RESOURCE_EXHAUSTED) are logged as `rpc_failed` with the method's name; a
// caller's mistake is not logged.
//
//   return server::HandleUnary(context, logger_, "GetLevel", request, response,
//       [&](v1::GetLevelRequest& r) { return ValidateGetLevel(r); },
//       [&](const v1::GetLevelRequest& r) { return tiering_.GetLevel(r); });
//
//   return server::HandleUnaryAsync(context, logger_, "Deregister", request, response,
//       [&](v1::DeregisterRequest& r) { return ValidateDeregister(r); },
//       [&](const v1::DeregisterRequest& r, auto done) { registrar_.Deregister(r, done); });
//
// `call` of HandleUnary returns absl::StatusOr<Response> (copied into the response) or
// absl::Status (the call filled the response itself). `done` of HandleUnaryAsync takes either, too,
// and converts to any std::function<void(absl::StatusOr<Response>)>; it must be called exactly
// once. `method` must outlive the call (a string literal).

#include <chrono>
#include <type_traits>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/log/logger.h"
#include "grpcpp/server_context.h"
#include "grpcpp/support/server_callback.h"

namespace unemployment::server {

// True for the codes that mean this server failed rather than the caller: INTERNAL, DATA_LOSS,
// UNKNOWN, RESOURCE_EXHAUSTED.
bool IsServerFault(absl::StatusCode code);

// Logs `rpc_failed` (method, status) when `status` is a server fault.
void LogIfServerFault(const log::Logger& logger, absl::string_view method,
                      const absl::Status& status);

// Finishes `reactor` with `status` converted by status::ToGrpcStatus (ErrorInfo, BadRequest),
// logging it first when it is a server fault.
void FinishUnary(grpc::ServerUnaryReactor* reactor, const log::Logger& logger,
                 absl::string_view method, const absl::Status& status);

// The deadline for the calls made on behalf of a caller: the caller's own deadline, at most `cap`
// from now (none: the caller's; neither: absl::InfiniteFuture()).
absl::Time CallDeadline(const grpc::ServerContextBase& context,
                        absl::Duration cap = absl::InfiniteDuration());

// The completion of an asynchronous unary call: sets the response and finishes the reactor.
template <typename Response>
class UnaryDone {
 public:
  UnaryDone(grpc::ServerUnaryReactor* reactor, const log::Logger& logger, absl::string_view method,
            Response* response)
      : reactor_(reactor), logger_(&logger), method_(method), response_(response) {}

  void operator()(absl::StatusOr<Response> result) const {
    if (result.ok()) *response_ = *std::move(result);
    FinishUnary(reactor_, *logger_, method_, result.status());
  }
  void operator()(const absl::Status& status) const {
    FinishUnary(reactor_, *logger_, method_, status);
  }

 private:
  grpc::ServerUnaryReactor* reactor_;
  const log::Logger* logger_;
  absl::string_view method_;
  Response* response_;
};

namespace internal {

template <typename Response, typename Result>
absl::Status TakeResult(Result&& result, Response* response) {
  if constexpr (std::is_same_v<std::decay_t<Result>, absl::Status>) {
    return std::forward<Result>(result);
  } else {
    if (result.ok()) *response = *std::move(result);
    return result.status();
  }
}

}  // namespace internal

// A synchronous unary call: validate(Request&) -> absl::Status, then
// call(const Request&) -> absl::StatusOr<Response> or absl::Status.
template <typename Request, typename Response, typename Validate, typename Call>
grpc::ServerUnaryReactor* HandleUnary(grpc::CallbackServerContext* context,
                                      const log::Logger& logger, absl::string_view method,
                                      const Request* request, Response* response,
                                      Validate&& validate, Call&& call) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  Request normalized = *request;
  absl::Status status = validate(normalized);
  if (status.ok()) status = internal::TakeResult(call(std::as_const(normalized)), response);
  FinishUnary(reactor, logger, method, status);
  return reactor;
}

// An asynchronous unary call (a write answered from the store's commit callback, a peer call):
// validate(Request&) -> absl::Status, then call(const Request&, UnaryDone<Response>), whose done
// finishes the call.
template <typename Request, typename Response, typename Validate, typename Call>
grpc::ServerUnaryReactor* HandleUnaryAsync(grpc::CallbackServerContext* context,
                                           const log::Logger& logger, absl::string_view method,
                                           const Request* request, Response* response,
                                           Validate&& validate, Call&& call) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  Request normalized = *request;
  if (absl::Status valid = validate(normalized); !valid.ok()) {
    FinishUnary(reactor, logger, method, valid);
    return reactor;
  }
  call(std::as_const(normalized), UnaryDone<Response>(reactor, logger, method, response));
  return reactor;
}

// For a request with nothing to check before the call (the call checks what it needs).
struct NoValidation {
  template <typename Request>
  absl::Status operator()(Request&) const {
    return absl::OkStatus();
  }
};

}  // namespace unemployment::server
