#include "services/registration/registration_component.h"

#include <memory>
#include <optional>
#include <thread>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "common/log/logger.h"
#include "common/server/service_database.h"
#include "common/time/clock.h"
#include "common/time/date.h"
#include "common/feed/feed_metrics.h"
#include "common/feed/registration_feed_consumer.h"
#include "common/metrics/metrics.h"
#include "common/time/working_day_calendar.h"
#include "common/validation/region_directory.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/channel_arguments.h"
#include "common/feed/event_notifier.h"
#include "services/registration/notification_deliverer.h"
#include "services/registration/registrar.h"
#include "services/registration/registration_service.h"
#include "services/registration/sqlite_registration_store.h"
#include "services/registration/verification_worker.h"

namespace unemployment::registration {
namespace {

bool ValidShardId(absl::string_view id) {
  if (id.empty() || id.size() > 32) return false;
  for (char c : id) {
    if (!absl::ascii_islower(static_cast<unsigned char>(c)) &&
        !absl::ascii_isdigit(static_cast<unsigned char>(c))) {
      return false;
    }
  }
  return true;
}

bool SixDigits(absl::string_view code) {
  if (code.size() != 6) return false;
  for (char c : code) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

// Health entries of the outbound receivers (grpc.health.v1 service names).
constexpr std::string_view kMinistryUploadsHealth = "unemployment.registration.ministry_uploads";
constexpr std::string_view kNotificationDeliveryHealth =
    "unemployment.registration.notification_delivery";

class Component final : public server::ServiceComponent {
 public:
  Component(const time::Clock& clock, time::WorkingDayCalendar calendar, std::string calendar_dir,
            absl::Duration calendar_check_interval,
            validation::RegionDirectory regions,
            std::unique_ptr<SqliteRegistrationStore> store, int64_t last_sequence,
            RegistrarOptions registrar_options, std::string province_code,
            std::string ministry_address, std::string notification_address,
            std::string verification_address,
            absl::Duration verification_deadline, const server::PeerChannels& peers)
      : logger_("registration"),
        clock_(clock),
        calendar_(std::move(calendar)),
        calendar_dir_(std::move(calendar_dir)),
        calendar_check_interval_(calendar_check_interval),
        regions_(std::move(regions)),
        store_(std::move(store)),
        notifier_(last_sequence),
        registrar_(*store_, clock_, calendar_, std::move(registrar_options)),
        service_(
            RegistrationServiceImpl::Dependencies{&registrar_, store_.get(), &notifier_, &regions_,
                                                  &clock_, std::move(province_code)},
            logger_),
        deliverer_logger_("registration.outbox") {
    // Reconnect soon after an outage: the deliverer's own back-off paces the retries.
    grpc::ChannelArguments outbound_args;
    outbound_args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 1000);
    outbound_args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 10000);
    if (!ministry_address.empty()) {
      ministry_ = std::make_unique<GrpcMinistryFeedbackClient>(
          peers.Connect(ministry_address, outbound_args));
    } else {
      logger_.Warning("DEVELOPMENT_MODE_ministry_uploads_off",
                      {{"detail",
                        "--ministry_uploads=off and no --ministry_feedback_addr: ministry result "
                        "uploads are NOT sent, they stay queued (PENDING); never run like this in "
                        "production"}});
    }
    if (!notification_address.empty()) {
      notices_ = std::make_unique<GrpcNotificationSender>(
          peers.Connect(notification_address, outbound_args));
    } else {
      logger_.Warning("DEVELOPMENT_MODE_notification_delivery_off",
                      {{"detail",
                        "--notification_delivery=off and no --notification_receiver_addr: SMS "
                        "notices and online replies are NOT sent, they stay queued (PENDING); "
                        "never run like this in production"}});
    }
    deliverer_ = std::make_unique<NotificationDeliverer>(*store_, clock_, ministry_.get(),
                                                         notices_.get(), deliverer_logger_);
    if (!verification_address.empty()) {
      // Reconnect soon after an outage: the worker's own back-off paces the retries.
      grpc::ChannelArguments args;
      args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 1000);
      args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 10000);
      verification_client_ = std::make_unique<GrpcVerificationClient>(
          peers.Connect(verification_address, args),
          verification_deadline);
      verifier_ =
          std::make_unique<VerificationWorker>(*store_, registrar_, clock_, *verification_client_,
                                               log::Logger("registration.verification"));
      registrar_.SetVerificationQueuedListener([this] { verifier_->Wake(); });
    } else {
      logger_.Warning("verification_unset",
                      {{"detail",
                        "no --verification_addr: applications are not verified and go "
                        "straight to the review queue"}});
    }
    store_->SetEventsCommittedListener([this](int64_t sequence) { notifier_.Publish(sequence); });
    registrar_.SetNotificationsQueuedListener([this] { deliverer_->Wake(); });
  }

  ~Component() override { Stop(); }

  // Read-at-scrape families: the review queues, the outboxes, verification jobs and the feed head.
  void AddMetrics(metrics::Metrics& metrics, const std::string& feed_name) {
    auto figures = [this]() -> OperationalFigures {
      absl::StatusOr<OperationalFigures> read =
          store_->ReadOperationalFigures(time::FormatDate(clock_.Today()));
      return read.ok() ? *std::move(read) : OperationalFigures();
    };
    auto queue_name = [](int kind) -> std::string {
      return kind == v1::REVIEW_QUEUE_KIND_MINISTRY_FORWARDED ? "ministry_forwarded" : "province";
    };
    auto method_name = [](int method) -> std::string {
      switch (method) {
        case v1::NOTIFICATION_METHOD_SMS: return "sms";
        case v1::NOTIFICATION_METHOD_ONLINE_REPLY: return "online_reply";
        case v1::NOTIFICATION_METHOD_MINISTRY_RESULT_UPLOAD: return "ministry_result_upload";
        default: return "other";
      }
    };
    // One sample per office city and queue, from `value` of the queue's figures.
    auto queues = [figures, queue_name](int64_t OperationalFigures::Queue::*value) {
      return [figures, queue_name, value] {
        std::vector<metrics::Sample> samples;
        for (const auto& q : figures().queues) {
          samples.push_back({{{"city", q.city}, {"queue", queue_name(q.queue_kind)}},
                             static_cast<double>(q.*value)});
        }
        return samples;
      };
    };
    metrics.AddReadAtScrape(
        "ue_review_queue_waiting",
        "Applications waiting for a decision, by office city (4-digit code) and queue "
        "(ministry_forwarded = 部转, province = 省端).",
        metrics::Kind::kGauge, queues(&OperationalFigures::Queue::waiting));
    metrics.AddReadAtScrape(
        "ue_review_queue_overdue",
        "Applications past their 7-working-day deadline without a decision, by office city and "
        "queue.",
        metrics::Kind::kGauge, queues(&OperationalFigures::Queue::overdue));
    // The outbox families always show the three methods (0 when empty) so that alerts see them.
    auto outbox = [figures, method_name, this](bool age) {
      std::vector<metrics::Sample> samples;
      std::map<std::string, double> values{
          {"sms", 0}, {"online_reply", 0}, {"ministry_result_upload", 0}};
      const absl::Time now = clock_.Now();
      for (const auto& o : figures().outboxes) {
        values[method_name(o.method)] +=
            age ? (o.oldest ? absl::ToDoubleSeconds(now - *o.oldest) : 0)
                : static_cast<double>(o.pending);
      }
      for (const auto& [method, value] : values) samples.push_back({{{"method", method}}, value});
      return samples;
    };
    metrics.AddReadAtScrape("ue_outbox_pending",
                            "Notifications not yet delivered, by method (sms, online_reply, "
                            "ministry_result_upload = 审核结果上传).",
                            metrics::Kind::kGauge, [outbox] { return outbox(false); });
    metrics.AddReadAtScrape("ue_outbox_oldest_age_seconds",
                            "Age of the oldest undelivered notification, by method, seconds "
                            "(0 when none is pending).",
                            metrics::Kind::kGauge, [outbox] { return outbox(true); });
    metrics.AddReadAtScrape(
        "ue_verification_jobs_pending",
        "Applications whose verification call is queued (state=retrying: failed at least once).",
        metrics::Kind::kGauge, [figures] {
          OperationalFigures f = figures();
          return std::vector<metrics::Sample>{
              {{{"state", "queued"}}, static_cast<double>(f.verification_jobs - f.verification_retries)},
              {{{"state", "retrying"}}, static_cast<double>(f.verification_retries)}};
        });
    feed::AddFeedHeadMetric(metrics, feed_name, [this] { return notifier_.last_sequence(); });
  }

  std::vector<grpc::Service*> GrpcServices() override { return {&service_}; }

  absl::Status OnServing(const std::string& /*self_address*/) override {
    deliverer_->Start();
    if (verifier_ != nullptr) verifier_->Start();
    // Start-up: finish any recomputation a crash interrupted, or that a calendar file added while
    // the service was down makes possible.
    RecomputeDeadlines("start-up");
    if (calendar_check_interval_ > absl::ZeroDuration()) {
      calendar_thread_ = std::thread([this] { CalendarCheckLoop(); });
    }
    return absl::OkStatus();
  }

  // SIGHUP: re-read the calendar folder now.
  void OnReload() override { ReloadCalendar("SIGHUP"); }

  // Development mode shows in the health details: NOT_SERVING for an outbound receiver that is
  // switched off (--ministry_uploads=off / --notification_delivery=off).
  std::vector<std::pair<std::string, bool>> HealthDetails() const override {
    return {{std::string(kMinistryUploadsHealth), ministry_ != nullptr},
            {std::string(kNotificationDeliveryHealth), notices_ != nullptr}};
  }

  // Open event streams end with UNAVAILABLE so that the drain does not wait for them.
  void OnStopping() override { notifier_.Shutdown(); }

  void Stop() override {
    {
      absl::MutexLock lock(&calendar_check_mu_);
      stopping_ = true;
    }
    if (calendar_thread_.joinable()) calendar_thread_.join();
    if (verifier_ != nullptr) verifier_->Stop();
    deliverer_->Stop();
    notifier_.Shutdown();
    store_->Shutdown();
  }

 private:
  // Re-reads the calendar folder; when it covers other years than the calendar in use, installs it
  // and recomputes the provisional deadlines. A folder that fails to load keeps the calendar in use
  // (logged). Serialised: the periodic check and SIGHUP never run it at the same time.
  void ReloadCalendar(absl::string_view trigger) {
    absl::MutexLock reload(&reload_mu_);
    absl::StatusOr<time::WorkingDayCalendar> loaded =
        time::WorkingDayCalendar::LoadDirectory(calendar_dir_);
    if (!loaded.ok()) {
      logger_.Error("calendar_reload_failed", {{"trigger", trigger},
                                               {"calendar_dir", calendar_dir_},
                                               {"error", loaded.status()}});
      return;
    }
    const std::vector<int> years = loaded->CoveredYears();
    if (years != registrar_.calendar()->CoveredYears()) {
      logger_.Info("calendar_reloaded", {{"trigger", trigger},
                                         {"covered_years", absl::StrJoin(years, ",")}});
      registrar_.ReplaceCalendar(
          std::make_shared<const time::WorkingDayCalendar>(*std::move(loaded)));
    }
    // Also when nothing changed: cheap (only marked rows are read), and it completes a run that a
    // failed write interrupted.
    RecomputeDeadlinesLocked(trigger);
  }

  void RecomputeDeadlines(absl::string_view trigger) {
    absl::MutexLock reload(&reload_mu_);
    RecomputeDeadlinesLocked(trigger);
  }

  void RecomputeDeadlinesLocked(absl::string_view trigger) ABSL_EXCLUSIVE_LOCKS_REQUIRED(reload_mu_) {
    absl::StatusOr<DeadlineRecomputation> done =
        registrar_.RecomputeProvisionalDeadlines(logger_);
    if (!done.ok()) {
      logger_.Error("deadline_recomputation_failed",
                    {{"trigger", trigger}, {"error", done.status()}});
      return;
    }
    // The periodic check stays quiet while nothing changes (a year may lack data for weeks).
    if (done->changed > 0 || (trigger != "periodic" && done->examined > 0)) {
      logger_.Info("deadlines_recomputed", {{"trigger", trigger},
                                            {"examined", done->examined},
                                            {"changed", done->changed},
                                            {"still_provisional", done->still_provisional}});
    }
  }

  void CalendarCheckLoop() {
    while (true) {
      {
        absl::MutexLock lock(&calendar_check_mu_);
        // Real time on purpose: how often a folder is looked at is no business date.
        calendar_check_mu_.AwaitWithTimeout(absl::Condition(&stopping_), calendar_check_interval_);
        if (stopping_) return;
      }
      ReloadCalendar("periodic");
    }
  }

  log::Logger logger_;
  const time::Clock& clock_;
  time::WorkingDayCalendar calendar_;
  const std::string calendar_dir_;
  const absl::Duration calendar_check_interval_;
  absl::Mutex reload_mu_;
  absl::Mutex calendar_check_mu_;
  bool stopping_ ABSL_GUARDED_BY(calendar_check_mu_) = false;
  std::thread calendar_thread_;
  validation::RegionDirectory regions_;
  std::unique_ptr<SqliteRegistrationStore> store_;
  feed::EventNotifier notifier_;
  Registrar registrar_;
  RegistrationServiceImpl service_;
  log::Logger deliverer_logger_;
  std::unique_ptr<GrpcMinistryFeedbackClient> ministry_;
  std::unique_ptr<GrpcNotificationSender> notices_;
  std::unique_ptr<NotificationDeliverer> deliverer_;
  std::unique_ptr<GrpcVerificationClient> verification_client_;
  std::unique_ptr<VerificationWorker> verifier_;
};

void DefineSettings(server::Settings& settings) {
  settings.Define("shard_id", "hlj",
                  "id of this shard (1-32 lower-case letters and digits); prefix of every id");
  settings.Define("province_code", "230000", "6-digit code of the province this deployment serves");
  settings.Define("served_regions", "",
                  "comma-separated region codes whose offices this shard serves (default: the "
                  "province)");
  settings.Define("calendar_dir", "data/calendar", "folder of the working-day calendar CSV files");
  settings.Define("calendar_check_interval", "5m",
                  "how often the calendar folder is re-read for a new year's file (provisional "
                  "deadlines are then recomputed); 0 = only at start-up and on SIGHUP");
  settings.Define("regions_dir", "data/regions", "folder of the region code CSV files");
  settings.Define("ministry_feedback_addr", "",
                  "host:port of the ministry's MinistryFeedbackService (the reference "
                  "ministry_receiver_server where no real endpoint exists); required unless "
                  "--ministry_uploads=off");
  settings.Define("ministry_uploads", "on",
                  "'on': --ministry_feedback_addr is required; 'off' (development only): may run "
                  "without it, results stay queued");
  settings.Define("notification_receiver_addr", "",
                  "host:port of the NotificationReceiverService of the province SMS platform and "
                  "portal (the reference notification_receiver_server for development); required "
                  "unless --notification_delivery=off");
  settings.Define("notification_delivery", "on",
                  "'on': --notification_receiver_addr is required; 'off' (development only): may "
                  "run without it, SMS notices and online replies stay queued");
  settings.Define("reader_connections", "4", "SQLite reader connections");
  settings.Define("verification_addr", "",
                  "host:port of VerificationService; empty: applications are not verified and go "
                  "straight to the review queue");
  settings.Define("verification_deadline_ms", "10000",
                  "deadline of one VerifyApplicant call in milliseconds");
}

absl::StatusOr<std::unique_ptr<server::ServiceComponent>> Create(
    const server::CommonSettings& common, const server::Settings& settings) {
  RegistrarOptions options;
  options.shard_id = settings.Get("shard_id");
  if (!ValidShardId(options.shard_id)) {
    return absl::InvalidArgumentError(
        "setting --shard_id must be 1 to 32 lower-case letters and digits");
  }
  const std::string province = settings.Get("province_code");
  if (!SixDigits(province) || province.compare(2, 4, "0000") != 0) {
    return absl::InvalidArgumentError("setting --province_code must be a province code like 230000");
  }
  options.served_regions.clear();
  for (absl::string_view part :
       absl::StrSplit(settings.Get("served_regions"), ',', absl::SkipWhitespace())) {
    std::string code(absl::StripAsciiWhitespace(part));
    if (!SixDigits(code)) {
      return absl::InvalidArgumentError(
          absl::StrCat("setting --served_regions: '", code, "' is not a 6-digit region code"));
    }
    options.served_regions.push_back(code);
  }
  if (options.served_regions.empty()) options.served_regions.push_back(province);

  absl::StatusOr<int64_t> readers = settings.GetInt("reader_connections");
  if (!readers.ok() || *readers < 1 || *readers > 64) {
    return absl::InvalidArgumentError("setting --reader_connections must be 1 to 64");
  }

  // Outbound receivers: required unless the operator says explicitly that they are off.
  const std::string ministry_address = settings.Get("ministry_feedback_addr");
  const std::string ministry_uploads = settings.Get("ministry_uploads");
  if (ministry_uploads != "on" && ministry_uploads != "off") {
    return absl::InvalidArgumentError("setting --ministry_uploads must be on or off");
  }
  if (ministry_address.empty() && ministry_uploads == "on") {
    return absl::InvalidArgumentError(
        "setting --ministry_feedback_addr is required (the ministry platform's "
        "MinistryFeedbackService, or the reference ministry_receiver_server); only for "
        "development, --ministry_uploads=off runs without it");
  }
  const std::string notification_address = settings.Get("notification_receiver_addr");
  const std::string notification_delivery = settings.Get("notification_delivery");
  if (notification_delivery != "on" && notification_delivery != "off") {
    return absl::InvalidArgumentError("setting --notification_delivery must be on or off");
  }
  if (notification_address.empty() && notification_delivery == "on") {
    return absl::InvalidArgumentError(
        "setting --notification_receiver_addr is required (the SMS platform's and portal's "
        "NotificationReceiverService, or the reference notification_receiver_server); only for "
        "development, --notification_delivery=off runs without it");
  }

  const std::string verification_address = settings.Get("verification_addr");
  options.verification_enabled = !verification_address.empty();
  absl::StatusOr<int64_t> verification_deadline_ms = settings.GetInt("verification_deadline_ms");
  if (!verification_deadline_ms.ok() || *verification_deadline_ms < 100 ||
      *verification_deadline_ms > 600000) {
    return absl::InvalidArgumentError(
        "setting --verification_deadline_ms must be 100 to 600000 milliseconds");
  }

  absl::StatusOr<time::WorkingDayCalendar> calendar =
      time::WorkingDayCalendar::LoadDirectory(settings.Get("calendar_dir"));
  if (!calendar.ok()) {
    return absl::Status(calendar.status().code(),
                        absl::StrCat("setting --calendar_dir: ", calendar.status().message()));
  }
  absl::StatusOr<absl::Duration> calendar_check = settings.GetDuration("calendar_check_interval");
  if (!calendar_check.ok() || *calendar_check < absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        "setting --calendar_check_interval must be a duration like 5m, or 0 for off");
  }
  absl::StatusOr<validation::RegionDirectory> regions =
      validation::RegionDirectory::LoadDirectory(settings.Get("regions_dir"));
  if (!regions.ok()) {
    return absl::Status(regions.status().code(),
                        absl::StrCat("setting --regions_dir: ", regions.status().message()));
  }
  for (const std::string& code : options.served_regions) {
    if (!regions->IsWithin(code, province)) {
      return absl::InvalidArgumentError(absl::StrCat("setting --served_regions: ", code,
                                                     " is not a known region of ", province));
    }
  }

  absl::StatusOr<std::unique_ptr<store::Database>> db =
      server::OpenServiceDatabase(common, "registration.db", RegistrationMigrations());
  if (!db.ok()) return db.status();
  SqliteRegistrationStore::Options store_options;
  store_options.reader_count = static_cast<int>(*readers);
  absl::StatusOr<std::unique_ptr<SqliteRegistrationStore>> store =
      SqliteRegistrationStore::Create(*std::move(db), std::move(store_options));
  if (!store.ok()) return store.status();
  absl::StatusOr<int64_t> last_sequence = (*store)->LastSequence();
  if (!last_sequence.ok()) return last_sequence.status();

  const std::string feed_name = feed::RegistrationFeedName(options.shard_id);
  auto component = std::make_unique<Component>(*common.clock, *std::move(calendar),
                                               settings.Get("calendar_dir"), *calendar_check,
                                               *std::move(regions),
                                     *std::move(store),
                                     *last_sequence, std::move(options), province,
                                     ministry_address, notification_address, verification_address,
                                     absl::Milliseconds(*verification_deadline_ms),
                                     *common.peers);
  if (common.metrics != nullptr) component->AddMetrics(*common.metrics, feed_name);
  return component;
}

}  // namespace

server::ServiceDefinition Definition() {
  server::ServiceDefinition definition;
  definition.name = "registration";
  definition.default_port = 50052;
  definition.define_settings = DefineSettings;
  definition.create = Create;
  return definition;
}

}  // namespace unemployment::registration
