#include "services/followup/followup_component.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/log/logger.h"
#include "common/server/service_database.h"
#include "common/time/clock.h"
#include "common/validation/region_directory.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "services/followup/followup_manager.h"
#include "services/followup/followup_service.h"
#include "services/followup/fraud_desk.h"
#include "services/followup/registration_client.h"
#include "services/followup/registration_feed_consumer.h"
#include "services/followup/sqlite_followup_store.h"

namespace unemployment::followup {
namespace {

class Component final : public server::ServiceComponent {
 public:
  Component(validation::RegionDirectory regions, std::unique_ptr<SqliteFollowupStore> store,
            const std::string& registration_address, absl::Duration registration_timeout)
      : logger_("followup"),
        regions_(std::move(regions)),
        store_(std::move(store)),
        channel_(grpc::CreateChannel(registration_address, grpc::InsecureChannelCredentials())),
        registration_(channel_, registration_timeout),
        consumer_(*store_, channel_, RegistrationFeedConsumer::Options(),
                  log::Logger("followup.feed")),
        followups_(*store_, registration_, regions_, clock_, log::Logger("followup.manager")),
        fraud_(*store_, regions_, clock_, log::Logger("followup.fraud")),
        service_(FollowupServiceImpl::Dependencies{&followups_, &fraud_, &regions_, &clock_},
                 logger_) {}

  ~Component() override { Stop(); }

  std::vector<grpc::Service*> GrpcServices() override { return {&service_}; }

  absl::Status OnServing(const std::string& /*self_address*/) override {
    consumer_.Start();
    return absl::OkStatus();
  }

  void OnStopping() override { consumer_.Stop(); }

  void Stop() override {
    consumer_.Stop();
    store_->Shutdown();
  }

 private:
  log::Logger logger_;
  time::SystemClock clock_;
  validation::RegionDirectory regions_;
  std::unique_ptr<SqliteFollowupStore> store_;
  std::shared_ptr<grpc::Channel> channel_;
  GrpcRegistrationClient registration_;
  RegistrationFeedConsumer consumer_;
  FollowupManager followups_;
  FraudDesk fraud_;
  FollowupServiceImpl service_;
};

void DefineSettings(server::Settings& settings) {
  settings.Define("registration_addr", "127.0.0.1:50052",
                  "address of the registration service (its event feed and API)");
  settings.Define("regions_dir", "data/regions", "folder of the region code CSV files");
  settings.Define("registration_timeout_ms", "5000",
                  "longest wait for one call to the registration service, in milliseconds");
  settings.Define("reader_connections", "4", "SQLite reader connections");
}

absl::StatusOr<std::unique_ptr<server::ServiceComponent>> Create(
    const server::CommonSettings& common, const server::Settings& settings) {
  const std::string registration_address = settings.Get("registration_addr");
  if (registration_address.empty()) {
    return absl::InvalidArgumentError("setting --registration_addr is required");
  }
  absl::StatusOr<int64_t> timeout_ms = settings.GetInt("registration_timeout_ms");
  if (!timeout_ms.ok() || *timeout_ms < 1 || *timeout_ms > 600000) {
    return absl::InvalidArgumentError("setting --registration_timeout_ms must be 1 to 600000");
  }
  absl::StatusOr<int64_t> readers = settings.GetInt("reader_connections");
  if (!readers.ok() || *readers < 1 || *readers > 64) {
    return absl::InvalidArgumentError("setting --reader_connections must be 1 to 64");
  }
  absl::StatusOr<validation::RegionDirectory> regions =
      validation::RegionDirectory::LoadDirectory(settings.Get("regions_dir"));
  if (!regions.ok()) {
    return absl::Status(regions.status().code(),
                        absl::StrCat("setting --regions_dir: ", regions.status().message()));
  }
  absl::StatusOr<std::unique_ptr<store::Database>> db =
      server::OpenServiceDatabase(common, "followup.db", FollowupMigrations());
  if (!db.ok()) return db.status();
  absl::StatusOr<std::unique_ptr<SqliteFollowupStore>> store =
      SqliteFollowupStore::Create(*std::move(db), static_cast<int>(*readers));
  if (!store.ok()) return store.status();
  return std::make_unique<Component>(*std::move(regions), *std::move(store), registration_address,
                                     absl::Milliseconds(*timeout_ms));
}

}  // namespace

server::ServiceDefinition Definition() {
  server::ServiceDefinition definition;
  definition.name = "followup";
  definition.default_port = 50055;
  definition.define_settings = DefineSettings;
  definition.create = Create;
  return definition;
}

}  // namespace unemployment::followup
