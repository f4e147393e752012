#include "services/statistics/statistics_component.h"

#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/feed/feed_metrics.h"
#include "common/log/logger.h"
#include "common/metrics/metrics.h"
#include "common/server/service_database.h"
#include "common/status/status_util.h"
#include "common/time/clock.h"
#include "common/time/working_day_calendar.h"
#include "common/validation/region_directory.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "services/statistics/disclosure.h"
#include "services/statistics/duty_oversight.h"
#include "services/statistics/feed_consumer.h"
#include "services/statistics/read_model.h"
#include "services/statistics/shard_settings.h"
#include "services/statistics/sqlite_statistics_store.h"
#include "services/statistics/statistics.h"
#include "services/statistics/statistics_service.h"

namespace unemployment::statistics {
namespace {

// The health entry that is NOT_SERVING while the read model loads (or when it could not be loaded).
constexpr char kReadModelHealthName[] = "unemployment.statistics.read_model";
// How long OnServing waits for the read model before the service answers SERVING without it: a
// small database is loaded by then (the service starts with its figures, as before), a large one
// is not (about 7 s for 1,000,000 registrations).
constexpr absl::Duration kServeWithoutModelAfter = absl::Seconds(1);

class Component final : public server::ServiceComponent {
 public:
  // `model` is empty: the facts of `store` are loaded into it on a thread of its own, started here;
  // the feed consumers start once it holds them and the service is serving. OnServing waits for
  // the load at most kServeWithoutModelAfter; after that the service answers SERVING while the load
  // goes on, its health entry kReadModelHealthName says NOT_SERVING and the figures answer
  // UNAVAILABLE (reason READ_MODEL_LOADING) until the model is loaded.
  // Empty `tiering_addr` / `followup_addr`: that feed is not consumed.
  Component(validation::RegionDirectory regions, std::unique_ptr<SqliteStatisticsStore> store,
            std::unique_ptr<ReadModel> model, const std::vector<RegistrationShard>& shards,
            const std::string& tiering_addr, const std::string& followup_addr,
            const server::PeerChannels& peers, const time::Clock& clock,
            time::WorkingDayCalendar calendar, int64_t disclosure_threshold,
            const std::string& data_dir)
      : clock_(clock),
        logger_("statistics"),
        regions_(std::move(regions)),
        calendar_(std::move(calendar)),
        store_(std::move(store)),
        model_(std::move(model)),
        statistics_(*model_, regions_, FeedSources{!tiering_addr.empty(), !followup_addr.empty()}),
        duty_(*model_, regions_, calendar_),
        service_(StatisticsServiceImpl::Dependencies{&statistics_, &clock_,
                                                     [this] { return FeedStatus(); }, &duty_,
                                                     disclosure_threshold},
                 logger_) {
    service_.SetModelReady([this] { return ModelReady(); });
    FeedConsumer::Options options;
    options.data_dir = data_dir;
    for (const RegistrationShard& shard : shards) {
      consumers_.push_back(std::make_unique<RegistrationFeedConsumer>(
          shard, *store_, *model_,
          peers.Connect(shard.address), clock_,
          options,
          log::Logger(absl::StrCat("statistics.feed.", shard.id))));
    }
    // Feed names sort as "followup" < "registration/..." < "tiering".
    if (!followup_addr.empty()) {
      consumers_.insert(consumers_.begin(),
                        MakeFollowupFeedConsumer(followup_addr, *store_, *model_,
                                                 peers.Connect(followup_addr), clock_,
                                                 options,
                                                 log::Logger("statistics.feed.followup")));
    }
    if (!tiering_addr.empty()) {
      consumers_.push_back(MakeTieringFeedConsumer(tiering_addr, *store_, *model_,
                                                   peers.Connect(tiering_addr), clock_,
                                                   options,
                                                   log::Logger("statistics.feed.tiering")));
    }
    loader_ = std::thread([this] { LoadThenConsume(); });
  }

  ~Component() override { Stop(); }

  // Read-at-scrape families: the cursor of every consumed feed.
  void AddMetrics(metrics::Metrics& metrics) {
    feed::AddFeedConsumerMetrics(metrics, [this] {
      std::vector<feed::FeedPosition> positions;
      for (const v1::FeedCursor& cursor : FeedStatus()) {
        positions.push_back({cursor.feed(), cursor.last_applied_sequence(),
                             cursor.state() == v1::FEED_STATE_STREAMING,
                             cursor.state() == v1::FEED_STATE_HALTED});
      }
      return positions;
    });
  }

  std::vector<grpc::Service*> GrpcServices() override { return {&service_}; }

  // One entry per feed: NOT_SERVING once its consumer halted (feed went backwards).
  std::vector<std::pair<std::string, bool>> HealthDetails() const override {
    std::vector<std::pair<std::string, bool>> details;
    details.emplace_back(kReadModelHealthName, ModelReady().ok());
    for (const v1::FeedCursor& cursor : FeedStatus()) {
      details.emplace_back(feed::FeedHealthName(cursor.feed()),
                           cursor.state() != v1::FEED_STATE_HALTED);
    }
    return details;
  }

  absl::Status OnServing(const std::string& /*self_address*/) override {
    absl::MutexLock lock(&load_mu_);
    serving_ = true;
    auto done = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(load_mu_) {
      return model_loaded_ || !load_error_.ok();
    };
    if (!load_mu_.AwaitWithTimeout(absl::Condition(&done), kServeWithoutModelAfter)) {
      logger_.Warning("serving_while_read_model_loads",
                      {{"health", kReadModelHealthName}, {"reason", "READ_MODEL_LOADING"}});
    }
    StartConsumersWhenReady();
    return absl::OkStatus();
  }

  void OnStopping() override { Stop(); }

  void Stop() override {
    {
      absl::MutexLock lock(&load_mu_);
      stopping_ = true;
    }
    // The load is not interrupted (seconds at most); no consumer starts after it.
    if (loader_.joinable() && loader_.get_id() != std::this_thread::get_id()) loader_.join();
    for (auto& consumer : consumers_) consumer->Stop();
  }

 private:
  // Loads the model from statistics.db (the log says when it begins and ends), then starts the
  // feed consumers, which apply only events after the stored cursors.
  void LoadThenConsume() {
    const absl::Time start = absl::Now();
    logger_.Info("read_model_loading", {{"from", "statistics.db"}});
    absl::Status loaded = LoadReadModel(*store_, *model_);
    absl::MutexLock lock(&load_mu_);
    if (!loaded.ok()) {
      load_error_ =
          absl::Status(loaded.code(), absl::StrCat("loading the read model: ", loaded.message()));
      logger_.Error("read_model_load_failed", {{"status", load_error_}});
      return;
    }
    model_loaded_ = true;
    logger_.Info("read_model_loaded", {{"registrations", model_->registration_count()},
                                       {"duration", absl::Now() - start}});
    StartConsumersWhenReady();
  }

  void StartConsumersWhenReady() ABSL_EXCLUSIVE_LOCKS_REQUIRED(load_mu_) {
    if (!model_loaded_ || !serving_ || stopping_ || consumers_started_) return;
    consumers_started_ = true;
    for (auto& consumer : consumers_) consumer->Start();
  }

  absl::Status ModelReady() const {
    absl::MutexLock lock(&load_mu_);
    if (model_loaded_) return absl::OkStatus();
    if (!load_error_.ok()) return load_error_;
    return status::WithErrorInfo(
        absl::UnavailableError("the read model is still loading from statistics.db; retry shortly"),
        "READ_MODEL_LOADING");
  }

  std::vector<v1::FeedCursor> FeedStatus() const {
    std::vector<v1::FeedCursor> cursors;
    for (const auto& consumer : consumers_) cursors.push_back(consumer->Status());
    return cursors;  // consumers are sorted by feed name
  }

  // The process clock (system, or --clock_start's offset clock).
  const time::Clock& clock_;
  log::Logger logger_;
  validation::RegionDirectory regions_;
  time::WorkingDayCalendar calendar_;
  std::unique_ptr<SqliteStatisticsStore> store_;
  std::unique_ptr<ReadModel> model_;
  Statistics statistics_;
  DutyOversight duty_;
  StatisticsServiceImpl service_;
  std::vector<std::unique_ptr<FeedConsumer>> consumers_;

  mutable absl::Mutex load_mu_;
  bool model_loaded_ ABSL_GUARDED_BY(load_mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(load_mu_) = false;
  bool serving_ ABSL_GUARDED_BY(load_mu_) = false;
  bool consumers_started_ ABSL_GUARDED_BY(load_mu_) = false;
  absl::Status load_error_ ABSL_GUARDED_BY(load_mu_);
  std::thread loader_;
};

void DefineSettings(server::Settings& settings) {
  settings.Define("registration_addr", "127.0.0.1:50052",
                  "address of the registration service when it runs as one shard (id \"hlj\")");
  settings.Define("registration_shards", "",
                  "every registration shard whose event feed is consumed, as "
                  "shard_id=host:port,...; empty means one shard \"hlj\" at --registration_addr");
  settings.Define("tiering_addr", "",
                  "address of the tiering service whose event feed gives types and service "
                  "deliveries (TYPE breakdown, plan fulfilment); empty = not consumed, those "
                  "figures answer FAILED_PRECONDITION / stay empty");
  settings.Define("followup_addr", "",
                  "address of the follow-up service whose event feed gives follow-ups and fraud "
                  "cases (follow-up coverage, fraud cases); empty = not consumed");
  settings.Define("regions_dir", "data/regions", "folder of the region code CSV files");
  settings.Define("calendar_dir", "data/calendar",
                  "folder of the working-day calendar CSV files (the last working day of "
                  "ListSilentOffices)");
  settings.Define("disclosure_threshold", absl::StrCat(kDefaultDisclosureThreshold),
                  "figures below this count are withheld (with complementary suppression) from "
                  "callers below province scope; 1 withholds nothing");
}

absl::StatusOr<std::unique_ptr<server::ServiceComponent>> Create(
    const server::CommonSettings& common, const server::Settings& settings) {
  absl::StatusOr<std::vector<RegistrationShard>> shards = ParseRegistrationShards(
      settings.Get("registration_shards"), settings.Get("registration_addr"));
  if (!shards.ok()) return shards.status();
  absl::StatusOr<validation::RegionDirectory> regions =
      validation::RegionDirectory::LoadDirectory(settings.Get("regions_dir"));
  if (!regions.ok()) {
    return absl::Status(regions.status().code(),
                        absl::StrCat("setting --regions_dir: ", regions.status().message()));
  }
  absl::StatusOr<time::WorkingDayCalendar> calendar =
      time::WorkingDayCalendar::LoadDirectory(settings.Get("calendar_dir"));
  if (!calendar.ok()) {
    return absl::Status(calendar.status().code(),
                        absl::StrCat("setting --calendar_dir: ", calendar.status().message()));
  }
  absl::StatusOr<int64_t> threshold = settings.GetInt("disclosure_threshold");
  if (!threshold.ok() || *threshold < 1) {
    return absl::InvalidArgumentError(
        "setting --disclosure_threshold must be a whole number of at least 1");
  }
  absl::StatusOr<std::unique_ptr<store::Database>> db =
      server::OpenServiceDatabase(common, "statistics.db", StatisticsMigrations());
  if (!db.ok()) return db.status();
  auto store = std::make_unique<SqliteStatisticsStore>(*std::move(db));
  // The model is rebuilt from statistics.db once the service listens (about 7 s for 1,000,000
  // registrations, tests/bench/README.md); until then queries answer UNAVAILABLE (reason
  // READ_MODEL_LOADING) and the log and health say so (Component).
  auto model = std::make_unique<ReadModel>();
  auto component =
      std::make_unique<Component>(*std::move(regions), std::move(store), std::move(model), *shards,
                                  settings.Get("tiering_addr"), settings.Get("followup_addr"),
                                  *common.peers, *common.clock, *std::move(calendar), *threshold,
                                  common.data_dir);
  if (common.metrics != nullptr) component->AddMetrics(*common.metrics);
  return component;
}

}  // namespace

server::ServiceDefinition Definition() {
  server::ServiceDefinition definition;
  definition.name = "statistics";
  definition.default_port = 50056;
  definition.define_settings = DefineSettings;
  definition.create = Create;
  return definition;
}

}  // namespace unemployment::statistics
