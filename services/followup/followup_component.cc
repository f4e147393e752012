#include "services/followup/followup_component.h"

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "absl/synchronization/mutex.h"
#include "common/feed/event_notifier.h"
#include "common/feed/feed_metrics.h"
#include "common/feed/registration_feed_consumer.h"
#include "common/metrics/metrics.h"
#include "common/time/date.h"
#include "common/log/logger.h"
#include "common/server/registration_shards.h"
#include "common/server/service_database.h"
#include "common/time/clock.h"
#include "common/validation/region_directory.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "services/followup/credit_deliverer.h"
#include "services/followup/followup_manager.h"
#include "services/followup/followup_service.h"
#include "services/followup/fraud_desk.h"
#include "services/followup/monthly_comparison.h"
#include "services/followup/registration_client.h"
#include "services/followup/registration_feed_consumer.h"
#include "services/followup/sqlite_followup_store.h"
#include "services/followup/verification_client.h"

namespace unemployment::followup {
namespace {

// The settings of the monthly comparison's peer.
struct VerificationSettings {
  // Empty: no verification service; RunMonthlyComparison fails with FAILED_PRECONDITION.
  std::string address;
  absl::Duration timeout;
  int batch_size = 500;
};

// Batches sent to verification before their answers are recorded.
constexpr int kComparisonBatchesInFlight = 2;

// The health entry of the credit hand-over (grpc.health.v1 service name): NOT_SERVING when it is
// switched off (--credit_delivery=off).
constexpr std::string_view kCreditDeliveryHealth = "unemployment.followup.credit_delivery";

class Component final : public server::ServiceComponent {
 public:
  Component(const time::Clock& clock, validation::RegionDirectory regions,
            std::unique_ptr<SqliteFollowupStore> store, int64_t last_sequence,
            const std::vector<server::RegistrationShard>& shards,
            absl::Duration registration_timeout, const VerificationSettings& verification,
            const std::string& credit_receiver_address, const server::PeerChannels& peers,
            const std::string& data_dir)
      : logger_("followup"),
        clock_(clock),
        regions_(std::move(regions)),
        store_(std::move(store)),
        notifier_(last_sequence),
        shards_(ConnectShards(shards, registration_timeout, peers)),
        registration_(ClientsByShard(shards_)),
        verification_(verification.address.empty()
                          ? nullptr
                          : std::make_unique<GrpcVerificationClient>(
                                peers.Connect(verification.address), verification.timeout,
                                kComparisonBatchesInFlight)),
        followups_(*store_, registration_, regions_, clock_, log::Logger("followup.manager")),
        fraud_(*store_, regions_, clock_, log::Logger("followup.fraud")),
        comparison_(*store_, verification_.get(), regions_, clock_,
                    MonthlyComparison::Options{verification.batch_size},
                    log::Logger("followup.comparison")),
        service_(FollowupServiceImpl::Dependencies{&followups_, &fraud_, &regions_, &clock_,
                                                   &comparison_, store_.get(), &notifier_},
                 logger_) {
    if (!credit_receiver_address.empty()) {
      // Reconnect soon after an outage: the deliverer's own back-off paces the retries.
      grpc::ChannelArguments outbound_args;
      outbound_args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 1000);
      outbound_args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 10000);
      credit_sender_ = std::make_unique<GrpcCreditRecordSender>(
          peers.Connect(credit_receiver_address, outbound_args));
      logger_.Info("credit_delivery_on", {{"credit_receiver_addr", credit_receiver_address}});
    } else {
      logger_.Warning(
          "DEVELOPMENT_MODE_credit_delivery_off",
          {{"detail",
            "--credit_delivery=off and no --credit_receiver_addr: confirmed fraud cases "
            "are NOT handed over to the credit platform, they stay queued (PENDING); "
            "never run like this in production"}});
    }
    credit_deliverer_ = std::make_unique<CreditDeliverer>(*store_, clock_, credit_sender_.get(),
                                                          log::Logger("followup.credit"),
                                                          CreditDeliverer::Options());
    fraud_.SetCreditRecordQueuedListener([this] { credit_deliverer_->Wake(); });
    store_->SetEventsCommittedListener([this](int64_t sequence) { notifier_.Publish(sequence); });
    // One feed consumer per registration shard, each with its own cursor.
    for (Shard& shard : shards_) {
      feed::RegistrationFeedConsumer::Options options;
      options.shard_id = shard.id;
      options.checkpoint_path =
          feed::CheckpointPath(data_dir, feed::RegistrationFeedName(shard.id));
      shard.consumer = MakeRegistrationFeedConsumer(
          *store_, shard.channel, options, log::Logger(absl::StrCat("followup.feed.", shard.id)));
    }
    if (verification.address.empty()) {
      logger_.Warning("verification_addr_unset",
                      {{"detail", "no --verification_addr: RunMonthlyComparison is refused"}});
    }
  }

  ~Component() override { Stop(); }

  // Read-at-scrape families: feed head and cursors, and per city of `province` this month's
  // follow-up coverage and fraud reports past their due day (computed at most once a minute).
  void AddMetrics(metrics::Metrics& metrics, const std::string& province) {
    feed::AddFeedHeadMetric(metrics, "followup", [this] { return notifier_.last_sequence(); });
    feed::AddFeedConsumerMetrics(metrics, [this] {
      std::vector<feed::FeedPosition> positions;
      for (const Shard& shard : shards_) {
        positions.push_back(
            feed::PositionOf(feed::RegistrationFeedName(shard.id), shard.consumer->consumer()));
      }
      return positions;
    });
    metrics_province_ = province;
    for (const validation::Region* city : regions_.Children(province)) {
      metrics_cities_.push_back(city->code);
    }
    auto family = [this](auto value) {
      return [this, value] {
        std::vector<metrics::Sample> samples;
        for (const CityFigures& f : ReadCityFigures()) {
          samples.push_back({{{"city", f.city.substr(0, 4)}}, value(f)});
        }
        return samples;
      };
    };
    metrics.AddReadAtScrape("ue_followup_active_registrations",
                            "Active registrations at the start of this month's follow-up, by city.",
                            metrics::Kind::kGauge,
                            family([](const CityFigures& f) { return f.active; }));
    metrics.AddReadAtScrape("ue_followup_covered_registrations",
                            "Active registrations followed up this month so far, by city.",
                            metrics::Kind::kGauge,
                            family([](const CityFigures& f) { return f.covered; }));
    // The credit hand-over outbox: one small indexed query per scrape.
    metrics.AddReadAtScrape(
        "ue_followup_credit_records_undelivered",
        "Confirmed fraud cases not yet acknowledged by the credit platform, by state (pending: "
        "being retried; failed: refused for good, left to staff).",
        metrics::Kind::kGauge, [this] {
          absl::StatusOr<CreditBacklog> backlog = store_->CreditDeliveryBacklog();
          if (!backlog.ok()) return std::vector<metrics::Sample>{};
          return std::vector<metrics::Sample>{
              {{{"state", "pending"}}, static_cast<double>(backlog->pending)},
              {{{"state", "failed"}}, static_cast<double>(backlog->failed)}};
        });
    metrics.AddReadAtScrape(
        "ue_followup_credit_records_oldest_undelivered_seconds",
        "Age of the oldest confirmed fraud case not yet acknowledged by the credit platform (0 "
        "when none).",
        metrics::Kind::kGauge, [this] {
          absl::StatusOr<CreditBacklog> backlog = store_->CreditDeliveryBacklog();
          double age = 0;
          if (backlog.ok() && backlog->oldest_create_micros.has_value()) {
            age = std::max(
                0.0, absl::ToDoubleSeconds(clock_.Now() -
                                           absl::FromUnixMicros(*backlog->oldest_create_micros)));
          }
          return std::vector<metrics::Sample>{{{}, age}};
        });
    metrics.AddReadAtScrape(
        "ue_fraud_reports_overdue",
        "Monthly fraud reports (this month's and last month's) not submitted by their due day "
        "(the 30th), by city.",
        metrics::Kind::kGauge, family([](const CityFigures& f) { return f.overdue_reports; }));
  }

  std::vector<grpc::Service*> GrpcServices() override { return {&service_}; }

  absl::Status OnServing(const std::string& /*self_address*/) override {
    for (Shard& shard : shards_) shard.consumer->Start();
    credit_deliverer_->Start();
    return absl::OkStatus();
  }

  // Development mode shows in the health details: NOT_SERVING when the credit hand-over is
  // switched off (--credit_delivery=off).
  // A feed consumer that halted (its feed went backwards) shows as NOT_SERVING too.
  std::vector<std::pair<std::string, bool>> HealthDetails() const override {
    std::vector<std::pair<std::string, bool>> details = {
        {std::string(kCreditDeliveryHealth), credit_sender_ != nullptr}};
    for (const Shard& shard : shards_) {
      details.emplace_back(feed::FeedHealthName(feed::RegistrationFeedName(shard.id)),
                           !shard.consumer->halted());
    }
    return details;
  }

  // Open event streams end with UNAVAILABLE and running comparisons stop before their next batch,
  // so that the drain does not wait for them.
  void OnStopping() override {
    notifier_.Shutdown();
    for (Shard& shard : shards_) shard.consumer->Stop();
    comparison_.Stop(absl::ZeroDuration());
  }

  void Stop() override {
    notifier_.Shutdown();
    for (Shard& shard : shards_) shard.consumer->Stop();
    // A run still finishing writes through the store and answers its caller: let it.
    comparison_.Stop(absl::Seconds(10));
    credit_deliverer_->Stop();
    store_->Shutdown();
  }

 private:
  // A registration shard: its channel, the client of its API and the consumer of its feed.
  struct Shard {
    std::string id;
    std::shared_ptr<grpc::Channel> channel;
    std::unique_ptr<GrpcRegistrationClient> client;
    std::unique_ptr<feed::RegistrationFeedConsumer> consumer;
  };

  static std::vector<Shard> ConnectShards(const std::vector<server::RegistrationShard>& shards,
                                          absl::Duration timeout,
                                          const server::PeerChannels& peers) {
    std::vector<Shard> out;
    for (const server::RegistrationShard& shard : shards) {
      Shard& connected = out.emplace_back();
      connected.id = shard.id;
      connected.channel = peers.Connect(shard.address);
      connected.client = std::make_unique<GrpcRegistrationClient>(connected.channel, timeout);
    }
    return out;
  }

  static std::map<std::string, RegistrationClient*> ClientsByShard(
      const std::vector<Shard>& shards) {
    std::map<std::string, RegistrationClient*> clients;
    for (const Shard& shard : shards) clients[shard.id] = shard.client.get();
    return clients;
  }

  struct CityFigures {
    std::string city;
    double active = 0;
    double covered = 0;
    double overdue_reports = 0;
  };

  std::vector<CityFigures> ReadCityFigures() {
    absl::MutexLock lock(&figures_mu_);
    const absl::Time now = absl::Now();
    if (now - figures_read_at_ < absl::Minutes(1)) return city_figures_;
    figures_read_at_ = now;
    city_figures_.clear();
    const absl::CivilDay today = clock_.Today();
    const absl::CivilMonth month(today);
    // Overdue monthly fraud reports (last month's and this month's), from the province's view
    // that lists them: one look-up per city and month, no draft of the report's cases.
    std::map<std::string, double> overdue;
    for (absl::CivilMonth m : {month - 1, month}) {
      v1::GetFraudReportComplianceRequest compliance_request;
      compliance_request.set_province_code(metrics_province_);
      compliance_request.set_month(time::FormatMonth(m));
      compliance_request.set_as_of(time::FormatDate(today));
      absl::StatusOr<v1::GetFraudReportComplianceResponse> compliance =
          fraud_.GetFraudReportCompliance(compliance_request);
      if (!compliance.ok()) continue;
      for (const v1::CityFraudReportStatus& city : compliance->cities()) {
        if (city.state() == v1::REPORT_SUBMISSION_STATE_OVERDUE) overdue[city.city_code()] += 1;
      }
    }
    for (const std::string& city : metrics_cities_) {
      CityFigures figures;
      figures.city = city;
      v1::GetFollowUpCoverageRequest coverage_request;
      coverage_request.set_region_code(city);
      coverage_request.set_month(time::FormatMonth(month));
      absl::StatusOr<v1::GetFollowUpCoverageResponse> coverage =
          followups_.GetFollowUpCoverage(coverage_request);
      if (coverage.ok()) {
        figures.active = static_cast<double>(coverage->active_count());
        figures.covered = static_cast<double>(coverage->covered_count());
      }
      if (auto it = overdue.find(city); it != overdue.end()) figures.overdue_reports = it->second;
      city_figures_.push_back(std::move(figures));
    }
    return city_figures_;
  }

  absl::Mutex figures_mu_;
  absl::Time figures_read_at_ ABSL_GUARDED_BY(figures_mu_) = absl::InfinitePast();
  std::vector<CityFigures> city_figures_ ABSL_GUARDED_BY(figures_mu_);
  std::string metrics_province_;             // set before the first scrape
  std::vector<std::string> metrics_cities_;  // set before the first scrape

  log::Logger logger_;
  // The process clock (the system clock, or --clock_start's offset clock).
  const time::Clock& clock_;
  validation::RegionDirectory regions_;
  std::unique_ptr<SqliteFollowupStore> store_;
  feed::EventNotifier notifier_;
  std::vector<Shard> shards_;
  ShardedRegistrationClient registration_;
  std::unique_ptr<GrpcVerificationClient> verification_;
  FollowupManager followups_;
  FraudDesk fraud_;
  MonthlyComparison comparison_;
  FollowupServiceImpl service_;
  // Null with --credit_delivery=off.
  std::unique_ptr<GrpcCreditRecordSender> credit_sender_;
  std::unique_ptr<CreditDeliverer> credit_deliverer_;
};

void DefineSettings(server::Settings& settings) {
  settings.Define("registration_addr", "127.0.0.1:50052",
                  "address of the registration service (its event feed and API) when it runs as "
                  "one shard (id \"hlj\")");
  settings.Define("registration_shards", "",
                  "every registration shard, as shard_id=host:port,...: each one's feed is "
                  "consumed and calls about a registration go to its shard; empty means one "
                  "shard \"hlj\" at --registration_addr");
  settings.Define("regions_dir", "data/regions", "folder of the region code CSV files");
  settings.Define("province_code", "230000",
                  "6-digit code of the province this deployment serves (metrics by city)");
  settings.Define("registration_timeout_ms", "5000",
                  "longest wait for one call to the registration service, in milliseconds");
  settings.Define("reader_connections", "4", "SQLite reader connections");
  settings.Define("verification_addr", "127.0.0.1:50053",
                  "address of the verification service (monthly information comparison); empty "
                  "disables RunMonthlyComparison");
  settings.Define("comparison_batch_size", "500",
                  "registrations per batch sent to verification's comparison (1 to 1000)");
  settings.Define("comparison_timeout_ms", "600000",
                  "longest a monthly comparison stream may last, in milliseconds");
  settings.Define("credit_receiver_addr", "",
                  "host:port of the CreditRecordReceiverService of the province credit platform "
                  "(the reference notification_receiver_server for development): confirmed fraud "
                  "cases are handed over to it; required unless --credit_delivery=off");
  settings.Define("credit_delivery", "on",
                  "'on': --credit_receiver_addr is required; 'off' (development only): may run "
                  "without it, confirmed cases stay queued for hand-over");
}

absl::StatusOr<std::unique_ptr<server::ServiceComponent>> Create(
    const server::CommonSettings& common, const server::Settings& settings) {
  absl::StatusOr<std::vector<server::RegistrationShard>> shards = server::ParseRegistrationShards(
      settings.Get("registration_shards"), settings.Get("registration_addr"));
  if (!shards.ok()) return shards.status();
  absl::StatusOr<int64_t> timeout_ms = settings.GetInt("registration_timeout_ms");
  if (!timeout_ms.ok() || *timeout_ms < 1 || *timeout_ms > 600000) {
    return absl::InvalidArgumentError("setting --registration_timeout_ms must be 1 to 600000");
  }
  absl::StatusOr<int64_t> readers = settings.GetInt("reader_connections");
  if (!readers.ok() || *readers < 1 || *readers > 64) {
    return absl::InvalidArgumentError("setting --reader_connections must be 1 to 64");
  }
  VerificationSettings verification;
  verification.address = settings.Get("verification_addr");
  absl::StatusOr<int64_t> batch_size = settings.GetInt("comparison_batch_size");
  if (!batch_size.ok() || *batch_size < 1 || *batch_size > 1000) {
    return absl::InvalidArgumentError("setting --comparison_batch_size must be 1 to 1000");
  }
  verification.batch_size = static_cast<int>(*batch_size);
  absl::StatusOr<int64_t> comparison_timeout_ms = settings.GetInt("comparison_timeout_ms");
  if (!comparison_timeout_ms.ok() || *comparison_timeout_ms < 1 ||
      *comparison_timeout_ms > 24 * 3600 * 1000) {
    return absl::InvalidArgumentError("setting --comparison_timeout_ms must be 1 to 86400000");
  }
  verification.timeout = absl::Milliseconds(*comparison_timeout_ms);
  // The credit platform: required unless the operator says explicitly that it is off.
  const std::string credit_receiver_address = settings.Get("credit_receiver_addr");
  const std::string credit_delivery = settings.Get("credit_delivery");
  if (credit_delivery != "on" && credit_delivery != "off") {
    return absl::InvalidArgumentError("setting --credit_delivery must be on or off");
  }
  if (credit_receiver_address.empty() && credit_delivery == "on") {
    return absl::InvalidArgumentError(
        "setting --credit_receiver_addr is required (the province credit platform's "
        "CreditRecordReceiverService, or the reference notification_receiver_server); only for "
        "development, --credit_delivery=off runs without it");
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
      SqliteFollowupStore::Create(*std::move(db), static_cast<int>(*readers), common.clock);
  if (!store.ok()) return store.status();
  // No comparison run survives its process: one left RUNNING by a crash is marked INTERRUPTED
  // (repeating the run completes it).
  const google::protobuf::Timestamp now = ToTimestamp(common.clock->Now());
  absl::Status interrupted = (*store)->WriteAndWait(
      [now](FollowupTransaction& tx) { return tx.InterruptRunningComparisons(now); });
  if (!interrupted.ok()) return interrupted;
  absl::StatusOr<int64_t> last_sequence = (*store)->LastEventSequence();
  if (!last_sequence.ok()) return last_sequence.status();
  auto component = std::make_unique<Component>(
      *common.clock, *std::move(regions), *std::move(store), *last_sequence, *shards,
      absl::Milliseconds(*timeout_ms), verification,
      credit_delivery == "on" ? credit_receiver_address : std::string(), *common.peers,
      common.data_dir);
  if (common.metrics != nullptr) {
    component->AddMetrics(*common.metrics, settings.Get("province_code"));
  }
  return component;
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
