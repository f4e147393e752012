#include "common/server/service_main.h"

#include <pthread.h>
#include <signal.h>

#include <iostream>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/log/logger.h"
#include "common/security/call_guard.h"
#include "common/server/service_security.h"
#include "common/server/service_serving.h"
#include "common/server/service_settings.h"

namespace unemployment::server {
namespace {

// One line "<service>: error: <reason>" on stderr; the exit code (2: bad usage, else 1).
int Fail(const std::string& service, const absl::Status& status) {
  std::cerr << service << ": error: " << status.message() << std::endl;
  return StartupExitCode(status);
}

}  // namespace

int RunServiceMain(int argc, char** argv, const ServiceDefinition& definition) {
  // Block the stop signals in every thread (gRPC's threads inherit this mask) and take them
  // synchronously in Serve, so shutdown runs on the main thread and not in a signal handler.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  // Debian's Abseil is built without NDEBUG, which turns on the mutex deadlock detector on every
  // lock (2-3% of a server's CPU under load, measured by tests/bench). Tests keep it on.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);

  const std::string& name = definition.name;
  Settings settings;
  DefineCommonSettings(settings, definition);
  if (definition.define_settings) definition.define_settings(settings);
  if (absl::Status parsed = settings.Parse(argc, argv); !parsed.ok()) {
    return Fail(name, UsageError(absl::StrCat(parsed.message(), " (see --help)")));
  }
  if (settings.help_requested()) {
    std::cout << settings.Usage(argv[0]);
    return 0;
  }

  // 1. Settings (service_settings.h).
  absl::StatusOr<std::unique_ptr<ServiceSettings>> service = ReadServiceSettings(settings, name);
  if (!service.ok()) return Fail(name, service.status());
  // Lifecycle lines (warnings at start-up, reload, stop), structured like every other line.
  const log::Logger lifecycle(name);
  // Held until the process exits: one live process per data folder (data_dir_lock.h).
  absl::StatusOr<store::DataDirLock> data_dir_lock =
      PrepareDataFolder(settings, **service, lifecycle);
  if (!data_dir_lock.ok()) return Fail(name, data_dir_lock.status());
  absl::StatusOr<CallObservation> observation = ObserveCalls(settings, **service);
  if (!observation.ok()) return Fail(name, observation.status());

  // 2. Security (service_security.h).
  absl::StatusOr<ServiceSecurity> security = StartSecurity(settings, **service, lifecycle);
  if (!security.ok()) return Fail(name, security.status());
  security->ApplyTo((*service)->server, observation->call_interceptors);
  security::InstallProcessGuard(security->guard.get());
  if (absl::Status keys = LoadDataKeyring(settings, (*service)->common, lifecycle); !keys.ok()) {
    return Fail(name, keys);
  }

  // 3. Serving (service_serving.h).
  absl::StatusOr<std::unique_ptr<ServiceComponent>> component =
      definition.create((*service)->common, settings);
  if (!component.ok()) return Fail(name, StartupError(component.status().message()));
  absl::Status served =
      Serve(**service, *security, *observation, **component, stop_signals, lifecycle);
  if (!served.ok()) return Fail(name, served);
  security::InstallProcessGuard(nullptr);
  lifecycle.Info("stopped");
  return 0;
}

}  // namespace unemployment::server
