// The registration feed consumer against an in-process fake RegistrationService on port 0: events
// are applied with their cursor, a restarted consumer resumes from the stored cursor without
// repeating anything, events at or below the cursor are skipped even when the server resends
// them, and a broken stream is reconnected. Two shards feed one tiering, each with its own cursor,
// through a restart mid-feed; an upgraded database keeps its one-shard cursor. A feed that went
// back (a restored registration) halts the consumer: below the cursor (CURSOR_AHEAD_OF_FEED) or
// with reused sequence numbers (the checkpoint's fingerprint), also after a restart.
#include <catch2/catch.hpp>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "common/feed/event_stream.h"
#include "common/log/logger.h"
#include "common/server/grpc_server.h"
#include "common/status/status_util.h"
#include "common/store/database.h"
#include "common/store/migration.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "services/tiering/registration_feed_consumer.h"
#include "tests/services/tiering/test_util.h"
#include "unemployment/registration/v1/registration_service.grpc.pb.h"

namespace unemployment::tiering {
namespace {

using testing::Env;
using testing::Person;
using testing::TempDir;
namespace reg = ::unemployment::registration::v1;

// Streams the scripted events after the requested sequence (or all of them when `resend_all`),
// then ends the stream with UNAVAILABLE, as a registration server going away would.
class FakeRegistration final : public reg::RegistrationService::CallbackService {
 public:
  void Add(reg::Event event) {
    absl::MutexLock lock(&mu_);
    events_.push_back(std::move(event));
  }
  // A restore: the feed becomes `events`.
  void Replace(std::vector<reg::Event> events) {
    absl::MutexLock lock(&mu_);
    events_ = std::move(events);
  }
  void set_resend_all(bool value) {
    absl::MutexLock lock(&mu_);
    resend_all_ = value;
  }
  // Each stream sends at most `count` events before it ends (0: no limit).
  void set_max_per_stream(size_t count) {
    absl::MutexLock lock(&mu_);
    max_per_stream_ = count;
  }
  std::vector<int64_t> requested() {
    absl::MutexLock lock(&mu_);
    return requested_;
  }

  grpc::ServerWriteReactor<reg::StreamEventsResponse>* StreamEvents(
      grpc::CallbackServerContext* /*context*/, const reg::StreamEventsRequest* request) override {
    std::vector<reg::StreamEventsResponse> batch;
    {
      absl::MutexLock lock(&mu_);
      requested_.push_back(request->after_sequence());
      // As the real feed: a cursor beyond the last event is OUT_OF_RANGE CURSOR_AHEAD_OF_FEED.
      const int64_t last = events_.empty() ? 0 : events_.back().sequence();
      if (absl::Status ahead = feed::CheckCursor(request->after_sequence(), last); !ahead.ok()) {
        auto* refused = new Writer({});
        refused->Refuse(status::ToGrpcStatus(ahead));
        return refused;
      }
      for (const reg::Event& event : events_) {
        if (max_per_stream_ > 0 && batch.size() == max_per_stream_) break;
        if (resend_all_ || event.sequence() > request->after_sequence()) {
          *batch.emplace_back().mutable_event() = event;
        }
      }
    }
    auto* writer = new Writer(std::move(batch));
    writer->Begin();
    return writer;
  }

 private:
  class Writer final : public grpc::ServerWriteReactor<reg::StreamEventsResponse> {
   public:
    explicit Writer(std::vector<reg::StreamEventsResponse> batch) : batch_(std::move(batch)) {}
    void Begin() { Next(); }
    void Refuse(const grpc::Status& status) { Finish(status); }
    void OnWriteDone(bool ok) override {
      if (!ok) {
        Finish(grpc::Status(grpc::StatusCode::CANCELLED, "write failed"));
        return;
      }
      Next();
    }
    void OnDone() override { delete this; }

   private:
    void Next() {
      if (next_ < batch_.size()) {
        StartWrite(&batch_[next_++]);
      } else {
        Finish(grpc::Status(grpc::StatusCode::UNAVAILABLE, "going away"));
      }
    }
    std::vector<reg::StreamEventsResponse> batch_;
    size_t next_ = 0;
  };

  absl::Mutex mu_;
  std::vector<reg::Event> events_ ABSL_GUARDED_BY(mu_);
  std::vector<int64_t> requested_ ABSL_GUARDED_BY(mu_);
  bool resend_all_ ABSL_GUARDED_BY(mu_) = false;
  size_t max_per_stream_ ABSL_GUARDED_BY(mu_) = 0;
};

struct FakeServer {
  FakeServer() {
    absl::StatusOr<std::unique_ptr<server::GrpcServer>> started =
        server::GrpcServer::Start({}, {&service});
    REQUIRE(started.ok());
    grpc_server = *std::move(started);
  }
  ~FakeServer() { grpc_server->Shutdown(); }
  FakeRegistration service;
  std::unique_ptr<server::GrpcServer> grpc_server;
};

std::unique_ptr<feed::RegistrationFeedConsumer> Consumer(const FakeServer& server, Tiering& tiering,
                                                         const std::string& shard_id = "hlj",
                                                         const std::string& checkpoint = "") {
  feed::RegistrationFeedConsumer::Options options;
  options.shard_id = shard_id;
  options.checkpoint_path = checkpoint;
  options.initial_backoff = absl::Milliseconds(5);
  options.max_backoff = absl::Milliseconds(20);
  return MakeRegistrationFeedConsumer(
      grpc::CreateChannel(server.grpc_server->address(), grpc::InsecureChannelCredentials()),
      tiering.profiles, log::Logger("tiering-feed-test"), options);
}

int64_t Deliveries(Env& env, const std::string& id) {
  v1::ListServiceDeliveriesRequest request;
  request.set_registration_id(id);
  absl::StatusOr<v1::ListServiceDeliveriesResponse> listed =
      env.tiering->plans.ListServiceDeliveries(request);
  return listed.ok() ? listed->deliveries_size() : -1;
}

TEST_CASE("The consumer applies the feed and resumes from its stored cursor", "[feed]") {
  TempDir dir;
  FakeServer server;
  Person a, b, c;
  a.id = "hlj-a";
  b.id = "hlj-b";
  c.id = "hlj-c";
  server.service.Add(testing::Created(1, a));
  reg::Event other;  // an event tiering does not use still advances the cursor
  other.set_sequence(2);
  other.mutable_application_received()->mutable_application()->set_id("hlj-app");
  server.service.Add(other);
  server.service.Add(testing::Created(3, b));
  server.service.Add(testing::Deregistered(4, a, "2025-03-01"));
  {
    Env env(dir.File("t.db"));
    std::unique_ptr<feed::RegistrationFeedConsumer> consumer = Consumer(server, *env.tiering);
    consumer->Start();
    REQUIRE(consumer->WaitForCursor(4, absl::Seconds(10)));
    consumer->Stop();
    CHECK(*env.tiering->profiles.FeedCursor("registration/hlj") == 4);
    v1::GetProfileRequest get;
    get.set_registration_id("hlj-a");
    CHECK(env.tiering->profiles.GetProfile(get)->profile().end_date() == "2025-03-01");
    get.set_registration_id("hlj-b");
    CHECK(env.tiering->profiles.GetProfile(get)->profile().end_date().empty());
    // A service recorded meanwhile must survive the restart (no re-creation of the profile).
    v1::RecordServiceDeliveryRequest delivery;
    delivery.set_request_id("d-1");
    delivery.mutable_delivery()->set_registration_id("hlj-b");
    delivery.mutable_delivery()->set_type(v1::SERVICE_TYPE_CAREER_GUIDANCE);
    delivery.mutable_delivery()->set_delivered_on("2025-02-01");
    delivery.mutable_delivery()->set_provider("office");
    delivery.mutable_delivery()->set_staff_id("s");
    REQUIRE(env.tiering->plans.RecordServiceDelivery(delivery).ok());
  }
  const size_t first_run_requests = server.service.requested().size();
  REQUIRE(first_run_requests >= 1);
  CHECK(server.service.requested().front() == 0);

  // Restart on the same file: the next stream starts after 4, and the server now also resends
  // everything (a misbehaving peer): nothing is applied twice.
  server.service.Add(testing::Created(5, c));
  server.service.set_resend_all(true);
  Env env(dir.File("t.db"));
  std::unique_ptr<feed::RegistrationFeedConsumer> consumer = Consumer(server, *env.tiering);
  consumer->Start();
  REQUIRE(consumer->WaitForCursor(5, absl::Seconds(10)));
  // Let it reconnect at least once more after the stream broke, until the server has seen that
  // second request (the consumer counts a connection before its request reaches the server).
  for (int i = 0; i < 1000 && server.service.requested().size() < first_run_requests + 2; ++i) {
    REQUIRE_FALSE(consumer->WaitForCursor(6, absl::Milliseconds(5)));
  }
  consumer->Stop();
  const std::vector<int64_t> requested = server.service.requested();
  REQUIRE(requested.size() >= first_run_requests + 2);
  CHECK(requested[first_run_requests] == 4);
  // A reconnect resumes one event before the last applied, to see that event again (the check
  // that the feed did not go back).
  CHECK(requested.back() == 4);
  CHECK(*env.tiering->profiles.FeedCursor("registration/hlj") == 5);
  CHECK(Deliveries(env, "hlj-b") == 1);
  v1::GetProfileRequest get;
  get.set_registration_id("hlj-a");
  CHECK(env.tiering->profiles.GetProfile(get)->profile().end_date() == "2025-03-01");
  get.set_registration_id("hlj-c");
  CHECK(env.tiering->profiles.GetProfile(get).ok());
}

TEST_CASE("The consumer retries while registration is unreachable and stops promptly", "[feed]") {
  TempDir dir;
  Env env(dir.File("t.db"));
  feed::RegistrationFeedConsumer::Options options;
  options.initial_backoff = absl::Milliseconds(5);
  options.max_backoff = absl::Milliseconds(20);
  // Port 1 on localhost: nothing listens there.
  std::unique_ptr<feed::RegistrationFeedConsumer> consumer = MakeRegistrationFeedConsumer(
      grpc::CreateChannel("127.0.0.1:1", grpc::InsecureChannelCredentials()), env.tiering->profiles,
      log::Logger("tiering-feed-test"), options);
  consumer->Start();
  for (int i = 0; i < 2000 && consumer->connections() < 3; ++i) {
    REQUIRE_FALSE(consumer->WaitForCursor(1, absl::Milliseconds(5)));
  }
  CHECK(consumer->connections() >= 3);
  consumer->Stop();
  CHECK(*env.tiering->profiles.FeedCursor("registration/hlj") == 0);
}

// Shard `shard`'s RegistrationCreated event `sequence` for registration "<shard>-r<sequence>",
// registered on 2025-01-<sequence> in office 230103.
reg::Event ShardCreated(const std::string& shard, int64_t sequence) {
  Person person;
  person.id = absl::StrCat(shard, "-r", sequence);
  person.registered_date = absl::StrFormat("2025-01-%02d", sequence);
  reg::Event event = testing::Created(sequence, person);
  event.set_shard_id(shard);
  return event;
}

TEST_CASE("Two registration shards feed one tiering; a restart mid-feed repeats and loses nothing",
          "[feed]") {
  TempDir dir;
  FakeServer hlj, hrb;
  for (int64_t sequence = 1; sequence <= 6; ++sequence) {
    hlj.service.Add(ShardCreated("hlj", sequence));
    hrb.service.Add(ShardCreated("hrb", sequence));
  }
  // Two events per stream: the first run is stopped part-way through each feed.
  hlj.service.set_max_per_stream(2);
  hrb.service.set_max_per_stream(2);
  int64_t stopped_hlj = 0;
  int64_t stopped_hrb = 0;
  {
    Env env(dir.File("t.db"));
    std::unique_ptr<feed::RegistrationFeedConsumer> a = Consumer(hlj, *env.tiering, "hlj");
    std::unique_ptr<feed::RegistrationFeedConsumer> b = Consumer(hrb, *env.tiering, "hrb");
    a->Start();
    b->Start();
    REQUIRE(a->WaitForCursor(2, absl::Seconds(10)));
    REQUIRE(b->WaitForCursor(2, absl::Seconds(10)));
    a->Stop();
    b->Stop();
    stopped_hlj = *env.tiering->profiles.FeedCursor("registration/hlj");
    stopped_hrb = *env.tiering->profiles.FeedCursor("registration/hrb");
    // One cursor per shard; the legacy single cursor is not used.
    CHECK(*env.tiering->profiles.FeedCursor("registration") == 0);
  }
  REQUIRE(stopped_hlj >= 2);
  REQUIRE(stopped_hrb >= 2);
  const size_t hlj_before = hlj.service.requested().size();
  const size_t hrb_before = hrb.service.requested().size();

  // Restart: each consumer resumes after its own shard's cursor, even though the servers now
  // resend everything.
  hlj.service.set_resend_all(true);
  hrb.service.set_resend_all(true);
  hlj.service.set_max_per_stream(0);
  hrb.service.set_max_per_stream(0);
  Env env(dir.File("t.db"));
  std::unique_ptr<feed::RegistrationFeedConsumer> a = Consumer(hlj, *env.tiering, "hlj");
  std::unique_ptr<feed::RegistrationFeedConsumer> b = Consumer(hrb, *env.tiering, "hrb");
  a->Start();
  b->Start();
  REQUIRE(a->WaitForCursor(6, absl::Seconds(10)));
  REQUIRE(b->WaitForCursor(6, absl::Seconds(10)));
  a->Stop();
  b->Stop();
  CHECK(hlj.service.requested()[hlj_before] == stopped_hlj);
  CHECK(hrb.service.requested()[hrb_before] == stopped_hrb);
  CHECK(*env.tiering->profiles.FeedCursor("registration/hlj") == 6);
  CHECK(*env.tiering->profiles.FeedCursor("registration/hrb") == 6);

  // Every registration of both shards has exactly one plan: the province's gap list (nothing was
  // delivered, so every plan has gaps) names each of the 12 once.
  v1::ListPlanGapsRequest gaps;
  gaps.set_region_code("230000");
  gaps.set_as_of("2025-03-01");
  gaps.set_page_size(5);
  std::vector<std::string> ids;
  while (true) {
    absl::StatusOr<v1::ListPlanGapsResponse> page = env.tiering->plans.ListPlanGaps(gaps);
    REQUIRE(page.ok());
    for (const v1::PlanGap& gap : page->gaps()) ids.push_back(gap.registration_id());
    if (page->next_page_token().empty()) break;
    gaps.set_page_token(page->next_page_token());
  }
  std::vector<std::string> expected;
  for (int64_t sequence = 1; sequence <= 6; ++sequence) {
    expected.push_back(absl::StrCat("hlj-r", sequence));
    expected.push_back(absl::StrCat("hrb-r", sequence));
  }
  CHECK(ids == expected);  // by (registered_date, id)
  // Each registration was learnt once: one TypeChanged event each in tiering's own feed.
  absl::StatusOr<std::vector<v1::TieringEvent>> events = env.tiering->profiles.ReadEvents(0, 1000);
  REQUIRE(events.ok());
  std::map<std::string, int> learnt;
  for (const v1::TieringEvent& event : *events) {
    if (event.has_type_changed()) ++learnt[event.type_changed().registration_id()];
  }
  CHECK(learnt.size() == 12);
  for (const auto& [id, count] : learnt) CHECK(count == 1);
}

TEST_CASE("A consumer refuses events of another shard than its own", "[feed]") {
  TempDir dir;
  FakeServer server;
  server.service.Add(ShardCreated("hrb", 1));
  Env env(dir.File("t.db"));
  std::unique_ptr<feed::RegistrationFeedConsumer> consumer = Consumer(server, *env.tiering, "hlj");
  consumer->Start();
  for (int i = 0; i < 2000 && consumer->connections() < 2; ++i) {
    REQUIRE_FALSE(consumer->WaitForCursor(1, absl::Milliseconds(5)));
  }
  consumer->Stop();
  CHECK(consumer->connections() >= 2);
  CHECK(*env.tiering->profiles.FeedCursor("registration/hlj") == 0);
  v1::GetProfileRequest get;
  get.set_registration_id("hrb-r1");
  CHECK(env.tiering->profiles.GetProfile(get).status().code() == absl::StatusCode::kNotFound);
}

TEST_CASE("An upgrade keeps the one-shard cursor as the default shard's", "[feed]") {
  TempDir dir;
  const std::string path = dir.File("t.db");
  {
    // A tiering.db at schema version 2, before cursors were kept per shard.
    store::DatabaseOptions options;
    options.path = path;
    absl::StatusOr<std::unique_ptr<store::Database>> db = store::Database::Open(options);
    REQUIRE(db.ok());
    UE_REQUIRE_OK(store::Migrate(**db, TieringMigrations().subspan(0, 2)));
    UE_REQUIRE_OK(
        (*db)->Execute("INSERT INTO feed_cursors (feed, sequence) VALUES ('registration', 41)"));
  }
  Env env(path);  // migrates to the current schema
  CHECK(*env.tiering->profiles.FeedCursor("registration/hlj") == 41);
  CHECK(*env.tiering->profiles.FeedCursor("registration") == 0);
  // Event 41 is not applied again; 42 is.
  Person person;
  person.id = "hlj-r41";
  UE_REQUIRE_OK(env.tiering->profiles.ApplyRegistrationEvent("registration/hlj",
                                                             testing::Created(41, person)));
  person.id = "hlj-r42";
  UE_REQUIRE_OK(env.tiering->profiles.ApplyRegistrationEvent("registration/hlj",
                                                             testing::Created(42, person)));
  v1::GetProfileRequest get;
  get.set_registration_id("hlj-r41");
  CHECK(env.tiering->profiles.GetProfile(get).status().code() == absl::StatusCode::kNotFound);
  get.set_registration_id("hlj-r42");
  CHECK(env.tiering->profiles.GetProfile(get).ok());
}

// Waits until the consumer halted, at most 10 s.
bool WaitHalted(const feed::RegistrationFeedConsumer& consumer) {
  for (int i = 0; i < 2000 && !consumer.halted(); ++i) absl::SleepFor(absl::Milliseconds(5));
  return consumer.halted();
}

TEST_CASE("A feed restored below the cursor halts the consumer; nothing is skipped", "[feed]") {
  TempDir dir;
  FakeServer server;
  for (int64_t sequence = 1; sequence <= 4; ++sequence) {
    server.service.Add(ShardCreated("hlj", sequence));
  }
  Env env(dir.File("t.db"));
  {
    std::unique_ptr<feed::RegistrationFeedConsumer> consumer = Consumer(server, *env.tiering);
    consumer->Start();
    REQUIRE(consumer->WaitForCursor(4, absl::Seconds(10)));
    consumer->Stop();
  }
  // The registration shard is restored to a backup with events 1-2.
  server.service.Replace({ShardCreated("hlj", 1), ShardCreated("hlj", 2)});
  std::unique_ptr<feed::RegistrationFeedConsumer> consumer = Consumer(server, *env.tiering);
  consumer->Start();
  REQUIRE(WaitHalted(*consumer));
  CHECK_THAT(consumer->consumer().halt_reason(), Catch::Contains("below the applied sequence 4"));
  // New registrations reuse 3, 4, 5: none of them is applied, the consumer does not reconnect.
  Person reused;
  reused.id = "hlj-reused";
  server.service.Add(testing::Created(3, reused));
  const int64_t connections = consumer->connections();
  REQUIRE_FALSE(consumer->WaitForCursor(5, absl::Milliseconds(100)));
  CHECK(consumer->connections() == connections);
  consumer->Stop();
  CHECK(*env.tiering->profiles.FeedCursor("registration/hlj") == 4);
}

TEST_CASE("Reused sequence numbers halt the consumer, also after a restart", "[feed]") {
  TempDir dir;
  FakeServer server;
  for (int64_t sequence = 1; sequence <= 4; ++sequence) {
    server.service.Add(ShardCreated("hlj", sequence));
  }
  const std::string checkpoint = dir.File("feed-registration-hlj.checkpoint");
  Env env(dir.File("t.db"));
  {
    std::unique_ptr<feed::RegistrationFeedConsumer> consumer =
        Consumer(server, *env.tiering, "hlj", checkpoint);
    consumer->Start();
    REQUIRE(consumer->WaitForCursor(4, absl::Seconds(10)));
    consumer->Stop();  // writes the checkpoint: event 4 and its fingerprint
  }
  // Restored to event 3, then two new registrations took 4 and 5 before the consumer came back.
  Person other;
  other.id = "hlj-other";
  Person next;
  next.id = "hlj-next";
  server.service.Replace({ShardCreated("hlj", 1), ShardCreated("hlj", 2), ShardCreated("hlj", 3),
                          testing::Created(4, other), testing::Created(5, next)});
  {
    std::unique_ptr<feed::RegistrationFeedConsumer> consumer =
        Consumer(server, *env.tiering, "hlj", checkpoint);
    consumer->Start();
    REQUIRE(WaitHalted(*consumer));
    CHECK_THAT(consumer->consumer().halt_reason(), Catch::Contains("event 4 differs"));
    // It asked for the events after 3, to see event 4 again.
    CHECK(server.service.requested().back() == 3);
    consumer->Stop();
  }
  CHECK(*env.tiering->profiles.FeedCursor("registration/hlj") == 4);
  v1::GetProfileRequest get;
  get.set_registration_id("hlj-next");
  CHECK(env.tiering->profiles.GetProfile(get).status().code() == absl::StatusCode::kNotFound);

  // A restart stays halted (the halt is in the checkpoint file) without opening a stream.
  const size_t requests = server.service.requested().size();
  std::unique_ptr<feed::RegistrationFeedConsumer> again =
      Consumer(server, *env.tiering, "hlj", checkpoint);
  again->Start();
  REQUIRE(WaitHalted(*again));
  again->Stop();
  CHECK(server.service.requested().size() == requests);
  CHECK(again->connections() == 0);

  // The operator rebuilds (a new database, the checkpoint removed): it applies the feed as it is.
  TempDir rebuilt_dir;
  Env rebuilt(rebuilt_dir.File("t.db"));
  std::remove(checkpoint.c_str());
  std::unique_ptr<feed::RegistrationFeedConsumer> fresh =
      Consumer(server, *rebuilt.tiering, "hlj", checkpoint);
  fresh->Start();
  REQUIRE(fresh->WaitForCursor(5, absl::Seconds(10)));
  fresh->Stop();
  CHECK_FALSE(fresh->halted());
  CHECK(rebuilt.tiering->profiles.GetProfile(get).ok());
}

TEST_CASE("A wiped feed halts the consumer until the right backup is back", "[feed]") {
  TempDir dir;
  FakeServer server;
  std::vector<reg::Event> original;
  for (int64_t sequence = 1; sequence <= 4; ++sequence) {
    original.push_back(ShardCreated("hlj", sequence));
  }
  server.service.Replace(original);
  Env env(dir.File("t.db"));
  std::unique_ptr<feed::RegistrationFeedConsumer> consumer =
      Consumer(server, *env.tiering, "hlj", dir.File("feed-registration-hlj.checkpoint"));
  consumer->Start();
  REQUIRE(consumer->WaitForCursor(4, absl::Seconds(10)));
  // The volume is lost: the restarted registration knows nothing (each stream of the fake ends
  // after its events, so the consumer reconnects at once).
  server.service.Replace({});
  REQUIRE(WaitHalted(*consumer));
  // Restored from the right backup: the consumer recognises event 4 and resumes.
  server.service.Replace(original);
  server.service.Add(ShardCreated("hlj", 5));
  REQUIRE(consumer->WaitForCursor(5, absl::Seconds(10)));
  CHECK_FALSE(consumer->halted());
  consumer->Stop();
  CHECK(*env.tiering->profiles.FeedCursor("registration/hlj") == 5);
}

TEST_CASE("A consumer resumes unhalted when the feed it comes back to is the same", "[feed]") {
  TempDir dir;
  FakeServer server;
  for (int64_t sequence = 1; sequence <= 3; ++sequence) {
    server.service.Add(ShardCreated("hlj", sequence));
  }
  const std::string checkpoint = dir.File("feed-registration-hlj.checkpoint");
  Env env(dir.File("t.db"));
  {
    std::unique_ptr<feed::RegistrationFeedConsumer> consumer =
        Consumer(server, *env.tiering, "hlj", checkpoint);
    consumer->Start();
    REQUIRE(consumer->WaitForCursor(3, absl::Seconds(10)));
    consumer->Stop();
  }
  server.service.Add(ShardCreated("hlj", 4));
  std::unique_ptr<feed::RegistrationFeedConsumer> consumer =
      Consumer(server, *env.tiering, "hlj", checkpoint);
  consumer->Start();
  REQUIRE(consumer->WaitForCursor(4, absl::Seconds(10)));
  consumer->Stop();
  CHECK_FALSE(consumer->halted());
  CHECK(*env.tiering->profiles.FeedCursor("registration/hlj") == 4);
}

}  // namespace
}  // namespace unemployment::tiering
