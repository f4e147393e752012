// The outbox deliverer: ministry result uploads retried with back-off while the receiver is down,
// delivered once it is up, exactly once in effect, and surviving a restart of registration.
#include <catch2/catch.hpp>

#include <chrono>
#include <thread>

#include "common/log/logger.h"
#include "common/server/grpc_server.h"
#include "common/store/database.h"
#include "common/store/migration.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/channel_arguments.h"
#include "services/ministry_receiver/ministry_receiver.h"
#include "services/notification_receiver/notification_receiver.h"
#include "services/registration/notification_deliverer.h"
#include "tests/services/registration/test_util.h"

namespace unemployment::registration {
namespace {

using testing::Env;
using testing::TempDir;

// A reference receiver's database at `db_path`, migrated with `migrations`.
std::unique_ptr<store::Database> OpenReceiverDatabase(
    const std::string& db_path, absl::Span<const store::Migration> migrations) {
  store::DatabaseOptions options;
  options.path = db_path;
  absl::StatusOr<std::unique_ptr<store::Database>> db = store::Database::Open(options);
  REQUIRE(db.ok());
  REQUIRE(store::Migrate(**db, migrations).ok());
  return *std::move(db);
}

// `service` served on `address` (port 0 picks one).
std::unique_ptr<server::GrpcServer> Serve(const std::string& address, grpc::Service* service) {
  server::ServerOptions server_options;
  server_options.listen_address = address;
  absl::StatusOr<std::unique_ptr<server::GrpcServer>> started =
      server::GrpcServer::Start(server_options, {service});
  INFO(started.status().ToString());
  REQUIRE(started.ok());
  return *std::move(started);
}

// A channel that reconnects quickly, so that "the receiver is up again" is seen at once.
std::shared_ptr<grpc::Channel> QuickReconnectChannel(const std::string& address) {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 50);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 50);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 100);
  return grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args);
}

// A reference receiver on its own SQLite file, on `address` (port 0 picks one).
struct Receiver {
  Receiver(const std::string& db_path, const std::string& address, int unavailable_first_n = 0)
      : clock(absl::FromUnixSeconds(1760000000)) {
    results = std::make_unique<ministry_receiver::ResultStore>(
        OpenReceiverDatabase(db_path, ministry_receiver::ReceiverMigrations()));
    service = std::make_unique<ministry_receiver::MinistryReceiverService>(
        *results, clock, log::Logger("receiver-test"), unavailable_first_n);
    grpc_server = Serve(address, service.get());
  }
  ~Receiver() { grpc_server->Shutdown(); }

  time::FakeClock clock;
  std::unique_ptr<ministry_receiver::ResultStore> results;
  std::unique_ptr<ministry_receiver::MinistryReceiverService> service;
  std::unique_ptr<server::GrpcServer> grpc_server;
};

std::unique_ptr<GrpcMinistryFeedbackClient> ClientFor(const std::string& address) {
  return std::make_unique<GrpcMinistryFeedbackClient>(QuickReconnectChannel(address),
                                                      absl::Seconds(2));
}

// A notification receiver that acknowledges everything (the reference receiver's contract without
// a process).
class AcceptingSender final : public NotificationSender {
 public:
  absl::Status Send(const notification::v1::DeliverNotificationRequest& request) override {
    received.push_back(request);
    return absl::OkStatus();
  }
  std::vector<notification::v1::DeliverNotificationRequest> received;
};

std::string DecideMinistryApplication(Env& env, const std::string& channel_id,
                                      const std::string& id_number, bool accept) {
  absl::StatusOr<v1::Application> app = env.Create(
      testing::CreateRequest(channel_id, id_number, common::v1::CHANNEL_MINISTRY));
  UE_REQUIRE_OK(app.status());
  v1::ReviewApplicationRequest review;
  review.set_application_id(app->id());
  review.set_request_id("review-" + channel_id);
  review.set_outcome(accept ? common::v1::REVIEW_OUTCOME_ACCEPTED
                            : common::v1::REVIEW_OUTCOME_REJECTED);
  review.set_reason(accept ? "" : "信息不实");
  if (!accept) review.set_rejection_reason(common::v1::REJECTION_REASON_IDENTITY_NOT_CONFIRMED);
  review.set_reviewer("staff-1");
  review.set_residence_urban_rural_class("111");
  UE_REQUIRE_OK(env.Review(review).status());
  return app->id();
}

std::optional<v1::Notification> Upload(Env& env, const std::string& application_id) {
  v1::ListNotificationsRequest list;
  list.set_application_id(application_id);
  absl::StatusOr<v1::ListNotificationsResponse> notes = env.registrar->ListNotifications(list);
  REQUIRE(notes.ok());
  for (const v1::Notification& n : notes->notifications()) {
    if (n.method() == v1::NOTIFICATION_METHOD_MINISTRY_RESULT_UPLOAD) return n;
  }
  return std::nullopt;
}

TEST_CASE("back-off doubles from 1 s up to 5 minutes", "[deliverer]") {
  TempDir dir;
  Env env(dir.File("reg.db"));
  NotificationDeliverer deliverer(*env.store, env.clock, nullptr, nullptr, log::Logger("t"));
  CHECK(deliverer.Backoff(1) == absl::Seconds(1));
  CHECK(deliverer.Backoff(2) == absl::Seconds(2));
  CHECK(deliverer.Backoff(5) == absl::Seconds(16));
  CHECK(deliverer.Backoff(9) == absl::Seconds(256));
  CHECK(deliverer.Backoff(10) == absl::Minutes(5));
  CHECK(deliverer.Backoff(1000) == absl::Minutes(5));
}

TEST_CASE("results are retried while the receiver is down and delivered exactly once",
          "[deliverer]") {
  TempDir dir;
  std::string address;
  {  // Find a free port, then leave it closed: the receiver is down.
    Receiver probe(dir.File("probe.db"), "127.0.0.1:0");
    address = probe.grpc_server->address();
  }
  std::string accepted_id;
  std::string rejected_id;
  {
    Env env(dir.File("reg.db"));
    accepted_id = DecideMinistryApplication(env, "MIN-1", testing::ResidentId("230102", "19850101", 11), true);
    rejected_id = DecideMinistryApplication(env, "MIN-2", testing::ResidentId("230102", "19850101", 13), false);

    std::unique_ptr<GrpcMinistryFeedbackClient> client = ClientFor(address);
    AcceptingSender sms;
    NotificationDeliverer deliverer(*env.store, env.clock, client.get(), &sms, log::Logger("t"));

    absl::StatusOr<std::optional<absl::Time>> next = deliverer.RunOnce(env.clock.Now());
    UE_REQUIRE_OK(next.status());
    std::optional<v1::Notification> upload = Upload(env, accepted_id);
    REQUIRE(upload.has_value());
    CHECK(upload->delivery_state() == v1::DELIVERY_STATE_PENDING);
    CHECK(upload->attempt_count() == 1);
    CHECK(upload->last_error().rfind("UNAVAILABLE", 0) == 0);
    REQUIRE(next->has_value());
    CHECK(**next == env.clock.Now() + absl::Seconds(1));

    // Not due yet half a second later: no attempt.
    env.clock.Advance(absl::Milliseconds(500));
    UE_REQUIRE_OK(deliverer.RunOnce(env.clock.Now()).status());
    CHECK(Upload(env, accepted_id)->attempt_count() == 1);
    // Due after 1 s: a second failed attempt, the next in 2 s.
    env.clock.Advance(absl::Milliseconds(500));
    next = deliverer.RunOnce(env.clock.Now());
    UE_REQUIRE_OK(next.status());
    CHECK(Upload(env, accepted_id)->attempt_count() == 2);
    CHECK(**next == env.clock.Now() + absl::Seconds(2));
    // The SMS notices were sent on the first round.
    v1::ListNotificationsRequest list;
    list.set_application_id(accepted_id);
    CHECK(env.registrar->ListNotifications(list)->notifications(0).delivery_state() ==
          v1::DELIVERY_STATE_DELIVERED);
  }

  // Registration restarts (same file); the receiver comes up on the same address.
  Env env(dir.File("reg.db"), testing::BeforeNationalDay() + absl::Minutes(1));
  Receiver receiver(dir.File("ministry.db"), address);
  std::unique_ptr<GrpcMinistryFeedbackClient> client = ClientFor(address);
  NotificationDeliverer deliverer(*env.store, env.clock, client.get(), nullptr, log::Logger("t"));
  // Delivery over a fresh connection is asynchronous by nature: poll with a deadline.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (Upload(env, rejected_id)->delivery_state() == v1::DELIVERY_STATE_PENDING &&
         std::chrono::steady_clock::now() < deadline) {
    env.clock.Advance(absl::Minutes(5));
    UE_REQUIRE_OK(deliverer.RunOnce(env.clock.Now()).status());
  }
  std::optional<v1::Notification> accepted_upload = Upload(env, accepted_id);
  std::optional<v1::Notification> rejected_upload = Upload(env, rejected_id);
  CHECK(accepted_upload->delivery_state() == v1::DELIVERY_STATE_DELIVERED);
  CHECK(rejected_upload->delivery_state() == v1::DELIVERY_STATE_DELIVERED);
  CHECK(accepted_upload->has_delivered_time());

  absl::StatusOr<std::vector<ministry_receiver::ReceivedResult>> received =
      receiver.results->List();
  REQUIRE(received.ok());
  REQUIRE(received->size() == 2);
  std::map<std::string, v1::ReceiveReviewResultRequest> by_id;
  for (const auto& r : *received) by_id[r.request.result_id()] = r.request;
  REQUIRE(by_id.count(accepted_upload->id()) == 1);
  const v1::ReceiveReviewResultRequest& accepted_result = by_id[accepted_upload->id()];
  CHECK(accepted_result.ministry_application_id() == "MIN-1");
  CHECK(accepted_result.outcome() == common::v1::REVIEW_OUTCOME_ACCEPTED);
  CHECK_FALSE(accepted_result.registration_id().empty());
  // The ministry receives the code and the applicant's text (label, then the office's detail).
  CHECK(by_id[rejected_upload->id()].reason() == "身份信息核验未通过：信息不实");
  CHECK(by_id[rejected_upload->id()].rejection_reason() ==
        common::v1::REJECTION_REASON_IDENTITY_NOT_CONFIRMED);

  // Nothing is due any more; a result sent again (acknowledged but not recorded before a crash)
  // is acknowledged without a second record.
  absl::StatusOr<std::optional<absl::Time>> next = deliverer.RunOnce(env.clock.Now() + absl::Hours(1));
  UE_REQUIRE_OK(next.status());
  CHECK_FALSE(next->has_value());
  CHECK(client->Send(accepted_result).ok());
  v1::ReceiveReviewResultRequest changed = accepted_result;
  changed.set_reason("changed");
  absl::Status reused = client->Send(changed);
  CHECK(reused.code() == absl::StatusCode::kAlreadyExists);
  CHECK(testing::ReasonOf(reused) == "RESULT_ID_REUSED");
  CHECK(receiver.results->List()->size() == 2);
}

TEST_CASE("a receiver refusing with UNAVAILABLE is retried; INVALID_ARGUMENT fails for good",
          "[deliverer]") {
  TempDir dir;
  Env env(dir.File("reg.db"));
  Receiver receiver(dir.File("ministry.db"), "127.0.0.1:0", /*unavailable_first_n=*/1);
  std::unique_ptr<GrpcMinistryFeedbackClient> client = ClientFor(receiver.grpc_server->address());
  NotificationDeliverer deliverer(*env.store, env.clock, client.get(), nullptr, log::Logger("t"));
  std::string id =
      DecideMinistryApplication(env, "MIN-1", testing::ResidentId("230102", "19850101", 11), true);

  UE_REQUIRE_OK(deliverer.RunOnce(env.clock.Now()).status());
  CHECK(Upload(env, id)->delivery_state() == v1::DELIVERY_STATE_PENDING);
  env.clock.Advance(absl::Seconds(1));
  UE_REQUIRE_OK(deliverer.RunOnce(env.clock.Now()).status());
  CHECK(Upload(env, id)->delivery_state() == v1::DELIVERY_STATE_DELIVERED);
  CHECK(Upload(env, id)->attempt_count() == 2);

  // The receiver refuses a result of an application it already has a different result for.
  v1::ReceiveReviewResultRequest other = receiver.results->List()->at(0).request;
  other.set_result_id("someone-else-1");
  absl::Status refused = client->Send(other);
  CHECK(refused.code() == absl::StatusCode::kAlreadyExists);
  CHECK(testing::ReasonOf(refused) == "RESULT_ALREADY_RECORDED");
  v1::ReceiveReviewResultRequest empty;
  CHECK(client->Send(empty).code() == absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace unemployment::registration

namespace unemployment::registration {
namespace {

using testing::Env;
using testing::TempDir;

// The reference notification receiver on its own SQLite file.
struct NoticeReceiver {
  NoticeReceiver(const std::string& db_path, const std::string& address,
                 notification_receiver::NotificationReceiverService::Options options = {})
      : clock(absl::FromUnixSeconds(1760000000)) {
    notices = std::make_unique<notification_receiver::NoticeStore>(
        OpenReceiverDatabase(db_path, notification_receiver::ReceiverMigrations()));
    service = std::make_unique<notification_receiver::NotificationReceiverService>(
        *notices, clock, log::Logger("notice-receiver-test"), options);
    grpc_server = Serve(address, service.get());
  }
  ~NoticeReceiver() { grpc_server->Shutdown(); }

  time::FakeClock clock;
  std::unique_ptr<notification_receiver::NoticeStore> notices;
  std::unique_ptr<notification_receiver::NotificationReceiverService> service;
  std::unique_ptr<server::GrpcServer> grpc_server;
};

std::unique_ptr<GrpcNotificationSender> SenderFor(const std::string& address) {
  return std::make_unique<GrpcNotificationSender>(QuickReconnectChannel(address),
                                                  absl::Seconds(2));
}

std::vector<v1::Notification> NoticesOf(Env& env, const std::string& application_id) {
  v1::ListNotificationsRequest list;
  list.set_application_id(application_id);
  absl::StatusOr<v1::ListNotificationsResponse> notes = env.registrar->ListNotifications(list);
  REQUIRE(notes.ok());
  return {notes->notifications().begin(), notes->notifications().end()};
}

std::string DecidePortalApplication(Env& env) {
  absl::StatusOr<v1::Application> app = env.Create(
      testing::CreateRequest("230103-000001", testing::ResidentId("230102", "19850101", 11)));
  UE_REQUIRE_OK(app.status());
  UE_REQUIRE_OK(env.Accept(app->id(), "accept-1").status());
  return app->id();
}

TEST_CASE("SMS and online reply stay PENDING with back-off while the receiver refuses; DELIVERED "
          "once on its acknowledgement",
          "[deliverer][notices]") {
  TempDir dir;
  Env env(dir.File("reg.db"));
  const std::string application_id = DecidePortalApplication(env);
  std::string address;
  {
    notification_receiver::NotificationReceiverService::Options refuse;
    refuse.refuse_all = true;
    NoticeReceiver refusing(dir.File("refusing.db"), "127.0.0.1:0", refuse);
    address = refusing.grpc_server->address();
    std::unique_ptr<GrpcNotificationSender> sender = SenderFor(address);
    NotificationDeliverer deliverer(*env.store, env.clock, nullptr, sender.get(), log::Logger("t"));
    // Attempts at 0 s, 1 s, 3 s (1 + 2), 7 s (+4): each fails, the next doubles.
    const absl::Time start = env.clock.Now();
    for (absl::Duration at : {absl::ZeroDuration(), absl::Seconds(1), absl::Seconds(3),
                              absl::Seconds(7)}) {
      env.clock.Set(start + at);
      absl::StatusOr<std::optional<absl::Time>> next = deliverer.RunOnce(env.clock.Now());
      UE_REQUIRE_OK(next.status());
      REQUIRE(next->has_value());
    }
    // Half-way to the next attempt (7 + 8 = 15 s): nothing is tried.
    env.clock.Set(start + absl::Seconds(11));
    UE_REQUIRE_OK(deliverer.RunOnce(env.clock.Now()).status());
    for (const v1::Notification& n : NoticesOf(env, application_id)) {
      INFO(n.id());
      CHECK(n.delivery_state() == v1::DELIVERY_STATE_PENDING);
      CHECK(n.attempt_count() == 4);
      CHECK(n.last_error().rfind("UNAVAILABLE", 0) == 0);
      CHECK(absl::FromUnixSeconds(n.next_attempt_time().seconds()) == start + absl::Seconds(15));
    }
    CHECK(refusing.notices->List()->empty());

    // The office sees them as undelivered, with their age and last error.
    v1::ListUndeliveredNotificationsRequest undelivered;
    undelivered.set_region_code("230100");
    absl::StatusOr<v1::ListUndeliveredNotificationsResponse> backlog =
        env.registrar->ListUndeliveredNotifications(undelivered);
    UE_REQUIRE_OK(backlog.status());
    CHECK(backlog->total_size() == 2);
    REQUIRE(backlog->notifications_size() == 2);
    CHECK(backlog->notifications(0).age_seconds() == 11);
    CHECK_FALSE(backlog->notifications(0).notification().last_error().empty());
    undelivered.set_region_code("230200");
    CHECK(env.registrar->ListUndeliveredNotifications(undelivered)->total_size() == 0);
    absl::StatusOr<UndeliveredSummary> summary = env.store->SummarizeUndelivered("", "~");
    UE_REQUIRE_OK(summary.status());
    CHECK(summary->count == 2);
    CHECK(summary->oldest_create_time == start);
  }

  // The receiver comes back (same address) and acknowledges: each notice delivered once.
  NoticeReceiver receiver(dir.File("notices.db"), address);
  std::unique_ptr<GrpcNotificationSender> sender = SenderFor(address);
  NotificationDeliverer deliverer(*env.store, env.clock, nullptr, sender.get(), log::Logger("t"));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  auto pending = [&] {
    int count = 0;
    for (const v1::Notification& n : NoticesOf(env, application_id)) {
      count += n.delivery_state() == v1::DELIVERY_STATE_PENDING ? 1 : 0;
    }
    return count;
  };
  while (pending() > 0 && std::chrono::steady_clock::now() < deadline) {
    env.clock.Advance(absl::Minutes(5));
    UE_REQUIRE_OK(deliverer.RunOnce(env.clock.Now()).status());
  }
  std::vector<v1::Notification> notes = NoticesOf(env, application_id);
  REQUIRE(notes.size() == 2);
  for (const v1::Notification& n : notes) {
    CHECK(n.delivery_state() == v1::DELIVERY_STATE_DELIVERED);
    CHECK(n.has_delivered_time());
    CHECK_FALSE(n.has_next_attempt_time());
  }
  absl::StatusOr<std::vector<notification_receiver::ReceivedNotice>> received =
      receiver.notices->List();
  REQUIRE(received.ok());
  REQUIRE(received->size() == 2);
  CHECK(received->at(0).request.channel() == notification::v1::DELIVERY_CHANNEL_SMS);
  CHECK(received->at(0).request.mobile() == "13912345678");
  CHECK(received->at(0).request.kind() == notification::v1::NOTICE_KIND_APPLICATION_ACCEPTED);
  CHECK(received->at(1).request.channel() == notification::v1::DELIVERY_CHANNEL_ONLINE_REPLY);
  CHECK(received->at(1).request.channel_application_id() == "230103-000001");
  // A repeat (acknowledged but not recorded before a crash) is acknowledged, not stored twice.
  CHECK(sender->Send(received->at(0).request).ok());
  notification::v1::DeliverNotificationRequest changed = received->at(0).request;
  changed.set_text("changed");
  CHECK(testing::ReasonOf(sender->Send(changed)) == "NOTIFICATION_ID_REUSED");
  CHECK(receiver.notices->List()->size() == 2);
  CHECK(env.store->SummarizeUndelivered("", "~")->count == 0);
}

}  // namespace
}  // namespace unemployment::registration
