#include "services/followup/followup_component.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/log/logger.h"
#include "common/server/service_database.h"
#include "common/time/clock.h"
#include "common/validation/region_directory.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "services/followup/event_notifier.h"
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

class Component final : public server::ServiceComponent {
 public:
  Component(const time::Clock& clock, validation::RegionDirectory regions,
            std::unique_ptr<SqliteFollowupStore> store, int64_t last_sequence,
            const std::string& registration_address, absl::Duration registration_timeout,
            const VerificationSettings& verification, const server::PeerChannels& peers)
      : logger_("followup"),
        clock_(clock),
        regions_(std::move(regions)),
        store_(std::move(store)),
        notifier_(last_sequence),
        channel_(peers.Connect(registration_address)),
        registration_(channel_, registration_timeout),
        verification_(verification.address.empty()
                          ? nullptr
                          : std::make_unique<GrpcVerificationClient>(
                                peers.Connect(verification.address),
                                verification.timeout, kComparisonBatchesInFlight)),
        consumer_(*store_, channel_, RegistrationFeedConsumer::Options(),
                  log::Logger("followup.feed")),
        followups_(*store_, registration_, regions_, clock_, log::Logger("followup.manager")),
        fraud_(*store_, regions_, clock_, log::Logger("followup.fraud")),
        comparison_(*store_, verification_.get(), regions_, clock_,
                    MonthlyComparison::Options{verification.batch_size},
                    log::Logger("followup.comparison")),
        service_(FollowupServiceImpl::Dependencies{&followups_, &fraud_, &regions_, &clock_,
                                                   &comparison_, store_.get(), &notifier_},
                 logger_) {
    store_->SetEventsCommittedListener([this](int64_t sequence) { notifier_.Publish(sequence); });
    if (verification.address.empty()) {
      logger_.Warning("verification_addr_unset",
                      {{"detail", "no --verification_addr: RunMonthlyComparison is refused"}});
    }
  }

  ~Component() override { Stop(); }

  std::vector<grpc::Service*> GrpcServices() override { return {&service_}; }

  absl::Status OnServing(const std::string& /*self_address*/) override {
    consumer_.Start();
    return absl::OkStatus();
  }

  // Open event streams end with UNAVAILABLE and running comparisons stop before their next batch,
  // so that the drain does not wait for them.
  void OnStopping() override {
    notifier_.Close();
    consumer_.Stop();
    comparison_.Stop(absl::ZeroDuration());
  }

  void Stop() override {
    notifier_.Close();
    consumer_.Stop();
    // A run still finishing writes through the store and answers its caller: let it.
    comparison_.Stop(absl::Seconds(10));
    store_->Shutdown();
  }

 private:
  log::Logger logger_;
  // The process clock (the system clock, or --clock_start's offset clock).
  const time::Clock& clock_;
  validation::RegionDirectory regions_;
  std::unique_ptr<SqliteFollowupStore> store_;
  FeedNotifier notifier_;
  std::shared_ptr<grpc::Channel> channel_;
  GrpcRegistrationClient registration_;
  std::unique_ptr<GrpcVerificationClient> verification_;
  RegistrationFeedConsumer consumer_;
  FollowupManager followups_;
  FraudDesk fraud_;
  MonthlyComparison comparison_;
  FollowupServiceImpl service_;
};

void DefineSettings(server::Settings& settings) {
  settings.Define("registration_addr", "127.0.0.1:50052",
                  "address of the registration service (its event feed and API)");
  settings.Define("regions_dir", "data/regions", "folder of the region code CSV files");
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
  // No comparison run survives its process: one left RUNNING by a crash is marked INTERRUPTED
  // (repeating the run completes it).
  const google::protobuf::Timestamp now = ToTimestamp(common.clock->Now());
  absl::Status interrupted = (*store)->WriteAndWait([now](FollowupTransaction& tx) {
    return tx.InterruptRunningComparisons(now);
  });
  if (!interrupted.ok()) return interrupted;
  absl::StatusOr<int64_t> last_sequence = (*store)->LastEventSequence();
  if (!last_sequence.ok()) return last_sequence.status();
  return std::make_unique<Component>(*common.clock, *std::move(regions), *std::move(store),
                                     *last_sequence, registration_address,
                                     absl::Milliseconds(*timeout_ms), verification,
                                     *common.peers);
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
