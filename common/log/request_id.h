// The request id of the call the current thread works for, written on every log line.
//
// The server interceptor (common/server/call_interceptor.h) takes each incoming call's request id
// from its metadata (`x-request-id`, else the trace id of a W3C `traceparent`, else a new one) and
// holds a RequestIdScope while the call's handler runs on a gRPC thread; a background worker that
// acts for one record opens a scope of its own. While a scope is open on a thread, every Logger
// line written on that thread carries `request_id=<id>` after the event, and every call to a peer
// service started on that thread sends the id as `x-request-id` (common/server/peer_channels.h),
// so one id can be grepped across the services' logs.
#pragma once

#include <string>

#include "absl/strings/string_view.h"

namespace unemployment::log {

// The id of the innermost open scope on this thread; empty when none.
absl::string_view CurrentRequestId();

// A new random request id: 16 lower-case hex digits.
std::string NewRequestId();

// Makes `request_id` the current one on this thread until destroyed (scopes nest). Create and
// destroy on the same thread.
class RequestIdScope final {
 public:
  explicit RequestIdScope(std::string request_id);
  ~RequestIdScope();
  RequestIdScope(const RequestIdScope&) = delete;
  RequestIdScope& operator=(const RequestIdScope&) = delete;

 private:
  std::string id_;
  const RequestIdScope* previous_;
};

}  // namespace unemployment::log
