#include "services/tiering/tiering_component.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/feed/event_notifier.h"
#include "common/feed/feed_metrics.h"
#include "common/feed/registration_feed_consumer.h"
#include "common/log/logger.h"
#include "common/metrics/metrics.h"
#include "common/server/registration_shards.h"
#include "common/server/service_database.h"
#include "common/time/clock.h"
#include "common/validation/region_directory.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "services/tiering/difficulty_criteria.h"
#include "services/tiering/registration_feed_consumer.h"
#include "services/tiering/sqlite_tiering_store.h"
#include "services/tiering/tiering.h"
#include "services/tiering/tiering_service.h"
#include "services/tiering/type_rules.h"

namespace unemployment::tiering {
namespace {

class Component final : public server::ServiceComponent {
 public:
  Component(std::unique_ptr<SqliteTieringStore> store, int64_t last_sequence, TypeRules type_rules,
            DifficultyCriteria criteria, validation::RegionDirectory regions,
            const std::vector<server::RegistrationShard>& shards, const server::PeerChannels& peers,
            const time::Clock& clock, const std::string& data_dir)
      : clock_(clock),
        logger_("tiering"),
        store_(std::move(store)),
        notifier_(last_sequence),
        type_rules_(std::move(type_rules)),
        criteria_(std::move(criteria)),
        regions_(std::move(regions)),
        tiering_(*store_, clock_, type_rules_, criteria_, &regions_),
        service_(tiering_, clock_, notifier_, logger_) {
    store_->SetEventsCommittedListener([this](int64_t sequence) { notifier_.Publish(sequence); });
    // One consumer per registration shard, each with its own cursor.
    for (const server::RegistrationShard& shard : shards) {
      feed::RegistrationFeedConsumer::Options options;
      options.shard_id = shard.id;
      options.initial_backoff = absl::Milliseconds(100);
      options.max_backoff = absl::Seconds(10);
      options.checkpoint_path =
          feed::CheckpointPath(data_dir, feed::RegistrationFeedName(shard.id));
      feed_names_.push_back(feed::RegistrationFeedName(shard.id));
      consumers_.push_back(MakeRegistrationFeedConsumer(
          peers.Connect(shard.address), tiering_.profiles,
          log::Logger(absl::StrCat("tiering.feed.", shard.id)), std::move(options)));
    }
    if (shards.empty()) {
      logger_.Warning("registration_addr_unset",
                      {{"detail",
                        "no --registration_addr or --registration_shards: no "
                        "registrations will be learnt"}});
    }
  }

  ~Component() override { Stop(); }

  // Read-at-scrape families: this service's feed head and its registration-feed cursors.
  void AddMetrics(metrics::Metrics& metrics) {
    feed::AddFeedHeadMetric(metrics, "tiering", [this] { return notifier_.last_sequence(); });
    feed::AddFeedConsumerMetrics(metrics, [this] {
      std::vector<feed::FeedPosition> positions;
      for (size_t i = 0; i < consumers_.size(); ++i) {
        positions.push_back(feed::PositionOf(feed_names_[i], consumers_[i]->consumer()));
      }
      return positions;
    });
  }

  std::vector<grpc::Service*> GrpcServices() override { return {&service_}; }

  // One entry per registration feed: NOT_SERVING once its consumer halted (feed went backwards).
  std::vector<std::pair<std::string, bool>> HealthDetails() const override {
    std::vector<std::pair<std::string, bool>> details;
    for (size_t i = 0; i < consumers_.size(); ++i) {
      details.emplace_back(feed::FeedHealthName(feed_names_[i]), !consumers_[i]->halted());
    }
    return details;
  }

  absl::Status OnServing(const std::string& /*self_address*/) override {
    for (auto& consumer : consumers_) consumer->Start();
    return absl::OkStatus();
  }

  // Open event streams end with UNAVAILABLE so that the drain does not wait for them.
  void OnStopping() override {
    notifier_.Shutdown();
    for (auto& consumer : consumers_) consumer->Stop();
  }

  void Stop() override {
    notifier_.Shutdown();
    for (auto& consumer : consumers_) consumer->Stop();
  }

 private:
  // The process clock (system, or --clock_start's offset clock).
  const time::Clock& clock_;
  log::Logger logger_;
  std::unique_ptr<SqliteTieringStore> store_;
  feed::EventNotifier notifier_;
  TypeRules type_rules_;
  DifficultyCriteria criteria_;
  validation::RegionDirectory regions_;
  Tiering tiering_;
  TieringServiceImpl service_;
  std::vector<std::unique_ptr<feed::RegistrationFeedConsumer>> consumers_;
  std::vector<std::string> feed_names_;  // consumers_[i]'s feed
};

absl::Status SettingError(absl::string_view name, const absl::Status& status) {
  return absl::Status(status.code(), absl::StrCat("setting --", name, ": ", status.message()));
}

}  // namespace

server::ServiceDefinition Definition() {
  server::ServiceDefinition definition;
  definition.name = "tiering";
  definition.default_port = 50054;
  definition.define_settings = [](server::Settings& settings) {
    settings.Define("registration_addr", "127.0.0.1:50052",
                    "address of the registration service when it runs as one shard (id \"hlj\"); "
                    "empty (and no --registration_shards) disables the feed consumer");
    settings.Define("registration_shards", "",
                    "every registration shard whose event feed is consumed, as "
                    "shard_id=host:port,...; empty means one shard \"hlj\" at "
                    "--registration_addr");
    settings.Define("tiering_rules_dir", "data/tiering",
                    "folder of type_rules.csv and difficulty_criteria.csv (see its README.md)");
    settings.Define("regions_dir", "data/regions", "folder of the region code CSV files");
    settings.Define("reader_connections", "4", "SQLite reader connections");
  };
  definition.create = [](const server::CommonSettings& common, const server::Settings& settings)
      -> absl::StatusOr<std::unique_ptr<server::ServiceComponent>> {
    absl::StatusOr<int64_t> readers = settings.GetInt("reader_connections");
    if (!readers.ok() || *readers < 1 || *readers > 64) {
      return absl::InvalidArgumentError("setting --reader_connections must be 1 to 64");
    }
    std::vector<server::RegistrationShard> shards;
    if (!settings.Get("registration_shards").empty() ||
        !settings.Get("registration_addr").empty()) {
      absl::StatusOr<std::vector<server::RegistrationShard>> parsed =
          server::ParseRegistrationShards(settings.Get("registration_shards"),
                                          settings.Get("registration_addr"));
      if (!parsed.ok()) return parsed.status();
      shards = *std::move(parsed);
    }
    const std::string rules_dir = settings.Get("tiering_rules_dir");
    absl::StatusOr<TypeRules> rules = TypeRules::LoadFile(rules_dir + "/type_rules.csv");
    if (!rules.ok()) return SettingError("tiering_rules_dir", rules.status());
    absl::StatusOr<DifficultyCriteria> criteria =
        DifficultyCriteria::LoadFile(rules_dir + "/difficulty_criteria.csv");
    if (!criteria.ok()) return SettingError("tiering_rules_dir", criteria.status());
    absl::StatusOr<validation::RegionDirectory> regions =
        validation::RegionDirectory::LoadDirectory(settings.Get("regions_dir"));
    if (!regions.ok()) return SettingError("regions_dir", regions.status());
    absl::StatusOr<std::unique_ptr<store::Database>> db =
        server::OpenServiceDatabase(common, "tiering.db", TieringMigrations());
    if (!db.ok()) return db.status();
    absl::StatusOr<int64_t> last_sequence = LastSequenceOf(**db);
    if (!last_sequence.ok()) return last_sequence.status();
    absl::StatusOr<std::unique_ptr<SqliteTieringStore>> store =
        SqliteTieringStore::Create(*std::move(db), static_cast<int>(*readers));
    if (!store.ok()) return store.status();
    auto component = std::make_unique<Component>(
        *std::move(store), *last_sequence, *std::move(rules), *std::move(criteria),
        *std::move(regions), shards, *common.peers, *common.clock, common.data_dir);
    if (common.metrics != nullptr) component->AddMetrics(*common.metrics);
    return component;
  };
  return definition;
}

}  // namespace unemployment::tiering
