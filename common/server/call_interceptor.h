#pragma once

// The server interceptor every service installs (common/server/service_main.cc), first in line:
//   - request id: taken from the call's `x-request-id` metadata, else from the trace id of a W3C
//     `traceparent`, else made up (log/request_id.h); an id that is not 1-64 characters of
//     [A-Za-z0-9._:-] is replaced by a new one. The id is added to the call's client metadata when
//     it was missing (handlers read it there too), sent back in the initial metadata as
//     `x-request-id`, and held as the thread's current request id while gRPC runs the call's
//     handler code, so log lines and peer calls made there carry it.
//   - one access log line per call when it ends: event=rpc method code duration_ms (health and
//     reflection calls are left out; --access_log=false turns it off);
//   - with metrics (null: none): per method and status code grpc_server_handled_total, per
//     method grpc_server_handling_seconds (histogram) and grpc_server_in_flight.
// Method labels come from the compiled-in service descriptors; a method the binary does not know
// (a caller's typo) is counted as grpc_service="unknown", so callers cannot create label values.

#include <memory>
#include <string>

#include "common/log/logger.h"
#include "common/metrics/metrics.h"
#include "grpcpp/support/server_interceptor.h"

namespace unemployment::server {

// `metrics` (may be null) and `logger` must outlive every call of the server. `access_log` false
// leaves out the per-call access line (request ids still work).
std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface> MakeCallInterceptorFactory(
    metrics::Metrics* metrics, log::Logger logger, bool access_log = true);

// A factory that forwards to `shared`. gRPC owns the factories it is given and asks for new ones
// per server; forwarding keeps one interceptor state (one set of metric children) per process.
std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface> ForwardingFactory(
    std::shared_ptr<grpc::experimental::ServerInterceptorFactoryInterface> shared);

// The request id of a call made outside any server call (a background worker acting for one
// record), as RequestIdScope wants it. Same as log::NewRequestId.
std::string NewRequestId();

// The request id the caller sent (or the interceptor made) for this server call.
std::string RequestIdOf(const grpc::ServerContextBase& context);

// Checks a caller-supplied request id (1-64 characters of [A-Za-z0-9._:-]).
bool IsValidRequestId(absl::string_view id);

// The request id for incoming metadata values (empty when absent): `x_request_id` when valid,
// else the 32-hex trace id of a valid `traceparent`, else empty.
std::string RequestIdFromMetadata(absl::string_view x_request_id, absl::string_view traceparent);

}  // namespace unemployment::server
