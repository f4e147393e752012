#pragma once

// The shared main() of every service binary: settings, data folder, storage, server, signals.
//
//   int main(int argc, char** argv) {
//     return unemployment::server::RunServiceMain(argc, argv, unemployment::gateway::Definition());
//   }
//
// Start-up order: parse settings -> check the listen address and data folder -> create the
// service component (it opens and migrates its SQLite file) -> listen -> health SERVING.
// Any failure before serving prints one line "<service>: error: <reason>" to stderr and exits 1
// (2 for bad command-line usage). SIGTERM or SIGINT: health NOT_SERVING, drain in-flight calls
// within the grace period, stop the component's background work, exit 0. SIGHUP: the component's
// OnReload (e.g. registration re-reads its calendar folder); the process keeps serving.

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "common/crypto/keyring.h"
#include "common/metrics/metrics.h"
#include "common/server/peer_channels.h"
#include "common/server/settings.h"
#include "common/time/clock.h"
#include "grpcpp/impl/service_type.h"

namespace unemployment::server {

// What a service contributes to its process. Implementations own their gRPC handlers, storage
// and background workers.
class ServiceComponent {
 public:
  virtual ~ServiceComponent() = default;

  // The handlers to register; they must live as long as the component.
  virtual std::vector<grpc::Service*> GrpcServices() = 0;

  // Called once the server is listening and before health turns SERVING; start background work
  // here. `self_address` is the address the server can be dialled on.
  virtual absl::Status OnServing(const std::string& self_address) {
    (void)self_address;
    return absl::OkStatus();
  }

  // Named health entries (grpc.health.v1 service names) besides the overall status, each with
  // whether it serves: details a probe can ask for, e.g. an outbound receiver switched off in
  // development, or a feed consumer that halted ("unemployment.feed.<feed>"). Set after the
  // overall status turns SERVING and read again every 5 s until shutdown begins (from another
  // thread: must be thread-safe).
  virtual std::vector<std::pair<std::string, bool>> HealthDetails() const { return {}; }

  // Called on SIGHUP, on the main thread, while serving: re-read data files that can change
  // without a rebuild. Must not block for long; errors are the component's to log.
  virtual void OnReload() {}

  // Called when shutdown begins, before in-flight calls drain: end long-lived calls such as
  // event streams so that they do not hold the drain until its deadline.
  virtual void OnStopping() {}

  // Called after the server has drained: stop background work and flush storage.
  virtual void Stop() {}
};

// Settings every service has, read by RunServiceMain and available to the component.
struct CommonSettings {
  std::string service_name;
  // Folder that holds the service's SQLite file(s); created if missing.
  std::string data_dir;
  // SQLite synchronous mode: OFF, NORMAL, FULL or EXTRA.
  std::string sqlite_synchronous;
  // The process clock for business dates: the system clock, or with --clock_start an OffsetClock
  // that starts at the given instant (acceptance tests on chosen dates). Lives as long as the
  // process.
  const time::Clock* clock = nullptr;
  // Makes every channel to another service (transport security and call credentials). Lives as
  // long as the process.
  const PeerChannels* peers = nullptr;
  // The process's Prometheus metrics (common/metrics/metrics.h) when --metrics_listen is set;
  // null when metrics are off. Components add their read-at-scrape families here (queues,
  // cursors, backlogs); what they read must live until Stop() (the metrics listener stops first).
  metrics::Metrics* metrics = nullptr;
  // Folder of the backups (--backup_dir, another volume than data_dir); empty: no backups. With
  // it, OpenServiceDatabase copies a database there before migrating it, and the process takes
  // scheduled backup sets (backup_schedule.h).
  std::string backup_dir = {};
  // The keyring that seals personal data at rest (--data_key_file), given to every database the
  // component opens (OpenServiceDatabase). Null (tests): a random keyring for this process.
  std::shared_ptr<const crypto::Keyring> keyring = nullptr;
};

struct ServiceDefinition {
  // Short name used in logs, the default data folder and the database file name ("gateway").
  std::string name;
  // Port used when --listen is not given.
  int default_port = 0;
  // Adds the service's own settings (peer addresses, data files, ...).
  std::function<void(Settings&)> define_settings;
  // Builds the component: open storage, connect peers. Errors end start-up with one line.
  std::function<absl::StatusOr<std::unique_ptr<ServiceComponent>>(const CommonSettings&,
                                                                  const Settings&)>
      create;
};

// Defines the common settings (listen, data_dir, sqlite_synchronous, TLS files, limits).
void DefineCommonSettings(Settings& settings, const ServiceDefinition& definition);

// Creates `path` (and parents) if needed and checks that a file can be created in it.
absl::Status EnsureWritableDirectory(const std::string& path);

int RunServiceMain(int argc, char** argv, const ServiceDefinition& definition);

}  // namespace unemployment::server
