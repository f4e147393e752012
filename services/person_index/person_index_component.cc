#include "services/person_index/person_index_component.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/feed/feed_metrics.h"
#include "common/feed/registration_feed_consumer.h"
#include "common/log/logger.h"
#include "common/server/registration_shards.h"
#include "common/server/service_database.h"
#include "services/person_index/grpc_shard_fencer.h"
#include "services/person_index/person_index.h"
#include "services/person_index/person_index_service.h"
#include "services/person_index/person_index_store.h"

namespace unemployment::person_index {
namespace {

struct Config {
  std::vector<server::RegistrationShard> shards;
  PersonIndexOptions options;
  absl::Duration fence_timeout;
};

// Members in construction order; destruction runs backwards (consumers and handler before the
// store, the database last).
class Component final : public server::ServiceComponent {
 public:
  Component(std::unique_ptr<store::Database> db, const Config& config,
            const server::CommonSettings& common)
      : clock_(*common.clock),
        logger_("person_index"),
        db_(std::move(db)),
        store_(*db_),
        fencer_(config.shards, *common.peers),
        index_(store_, fencer_, clock_, logger_, config.options),
        service_(index_, config.fence_timeout, logger_) {
    for (const server::RegistrationShard& shard : config.shards) {
      shard_ids_.push_back(shard.id);
      feed::RegistrationFeedConsumer::Options options;
      options.shard_id = shard.id;
      options.initial_backoff = absl::Milliseconds(100);
      options.max_backoff = absl::Seconds(5);
      const std::string name = feed::RegistrationFeedName(shard.id);
      options.checkpoint_path = feed::CheckpointPath(common.data_dir, name);
      const std::string id = shard.id;
      consumers_.push_back(std::make_unique<feed::RegistrationFeedConsumer>(
          common.peers->Connect(shard.address), [this, name] { return store_.FeedCursor(name); },
          [this, name, id](const registration::v1::Event& event) {
            return store_.ApplyEvent(name, id, event);
          },
          std::move(options), log::Logger(absl::StrCat("person_index.feed.", shard.id))));
    }
  }

  ~Component() override { Stop(); }

  // Read-at-scrape families: the cursor and state of every registration-feed consumer.
  void AddMetrics(metrics::Metrics& metrics) {
    feed::AddFeedConsumerMetrics(metrics, [this] {
      std::vector<feed::FeedPosition> positions;
      for (size_t i = 0; i < consumers_.size(); ++i) {
        positions.push_back(feed::PositionOf(feed::RegistrationFeedName(shard_ids_[i]),
                                             consumers_[i]->consumer()));
      }
      return positions;
    });
  }

  std::vector<grpc::Service*> GrpcServices() override { return {&service_}; }

  // One entry per shard's feed: NOT_SERVING once its consumer halted (feed went backwards).
  std::vector<std::pair<std::string, bool>> HealthDetails() const override {
    std::vector<std::pair<std::string, bool>> details;
    for (size_t i = 0; i < consumers_.size(); ++i) {
      details.emplace_back(feed::FeedHealthName(feed::RegistrationFeedName(shard_ids_[i])),
                           !consumers_[i]->halted());
    }
    return details;
  }

  absl::Status OnServing(const std::string& self_address) override {
    for (auto& consumer : consumers_) consumer->Start();
    logger_.Info("serving", {{"listen", self_address}, {"shards", absl::StrJoin(shard_ids_, ",")}});
    return absl::OkStatus();
  }

  void OnStopping() override {
    for (auto& consumer : consumers_) consumer->Stop();
  }

  void Stop() override {
    for (auto& consumer : consumers_) consumer->Stop();
    store_.Shutdown();
  }

 private:
  const time::Clock& clock_;
  log::Logger logger_;
  std::unique_ptr<store::Database> db_;
  PersonIndexStore store_;
  GrpcShardFencer fencer_;
  PersonIndex index_;
  PersonIndexServiceImpl service_;
  std::vector<std::string> shard_ids_;
  std::vector<std::unique_ptr<feed::RegistrationFeedConsumer>> consumers_;
};

absl::StatusOr<Config> ReadConfig(const server::Settings& settings) {
  Config config;
  absl::StatusOr<std::vector<server::RegistrationShard>> shards = server::ParseRegistrationShards(
      settings.Get("registration_shards"), settings.Get("registration_addr"));
  if (!shards.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--registration_shards: ", shards.status().message()));
  }
  config.shards = *std::move(shards);
  absl::StatusOr<absl::Duration> lease = settings.GetDuration("reservation_lease");
  if (!lease.ok() || *lease < absl::Seconds(1)) {
    return absl::InvalidArgumentError(
        "--reservation_lease must be a duration of at least 1s, such as 5m");
  }
  config.options.reservation_lease = *lease;
  absl::StatusOr<absl::Duration> timeout = settings.GetDuration("fence_timeout");
  if (!timeout.ok() || *timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("--fence_timeout must be a positive duration such as 10s");
  }
  config.fence_timeout = *timeout;
  return config;
}

}  // namespace

server::ServiceDefinition Definition() {
  server::ServiceDefinition definition;
  definition.name = "person_index";
  definition.default_port = 50057;
  definition.define_settings = [](server::Settings& settings) {
    settings.Define("registration_addr", "127.0.0.1:50052",
                    "address of the single registration shard \"hlj\" (when "
                    "--registration_shards is empty)");
    settings.Define("registration_shards", "",
                    "every registration shard as shard_id=host:port,...: its event feed is "
                    "consumed and stale reservations are fenced there; the ids are the gateway's "
                    "shard names");
    settings.Define("reservation_lease", "5m",
                    "how long a reservation may wait for its application before another "
                    "application of the person may fence it");
    settings.Define("fence_timeout", "10s", "longest wait for a shard's fencing answer");
  };
  definition.create = [](const server::CommonSettings& common, const server::Settings& settings)
      -> absl::StatusOr<std::unique_ptr<server::ServiceComponent>> {
    absl::StatusOr<Config> config = ReadConfig(settings);
    if (!config.ok()) return config.status();
    absl::StatusOr<std::unique_ptr<store::Database>> db =
        server::OpenServiceDatabase(common, "person_index.db", PersonIndexMigrations());
    if (!db.ok()) return db.status();
    auto component = std::make_unique<Component>(*std::move(db), *config, common);
    if (common.metrics != nullptr) component->AddMetrics(*common.metrics);
    return std::unique_ptr<server::ServiceComponent>(std::move(component));
  };
  return definition;
}

}  // namespace unemployment::person_index
