#pragma once

// Start-up, part 3 of 3 (RunServiceMain in service_main.h runs them in order): serving. The
// process's metrics and call interceptors (request ids, access log, call metrics), then, once the
// component exists: the metrics listener, the gRPC server, scheduled backups, health, the
// "listening on" line, signals (SIGHUP reloads; SIGTERM or SIGINT drains and stops).

#include <signal.h>

#include <memory>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/log/logger.h"
#include "common/metrics/metrics.h"
#include "common/server/service_main.h"
#include "common/server/service_security.h"
#include "common/server/service_settings.h"
#include "grpcpp/support/server_interceptor.h"

namespace unemployment::server {

struct CallObservation {
  // Null when --metrics_listen is empty.
  std::shared_ptr<metrics::Metrics> metrics;
  // One interceptor state per process: request ids and access log lines always, call metrics
  // with metrics on.
  std::shared_ptr<grpc::experimental::ServerInterceptorFactoryInterface> call_interceptors;
};

// Creates the process's metrics (when --metrics_listen is set; common.metrics then points to
// them) and the call interceptors.
absl::StatusOr<CallObservation> ObserveCalls(const Settings& settings, ServiceSettings& service);

// Serves `component` until SIGTERM or SIGINT (taken synchronously from `stop_signals`, blocked in
// every thread), then drains and stops it. Errors before serving (ports in use, OnServing) are
// returned as StartupError; OK after a clean stop.
absl::Status Serve(ServiceSettings& service, const ServiceSecurity& security,
                   const CallObservation& observation, ServiceComponent& component,
                   const sigset_t& stop_signals, const log::Logger& lifecycle);

}  // namespace unemployment::server
