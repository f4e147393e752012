// The registration feed consumer against an in-process fake RegistrationService on port 0: events
// are applied with their cursor, a restarted consumer resumes from the stored cursor without
// repeating anything, events at or below the cursor are skipped even when the server resends
// them, and a broken stream is reconnected.
#include <catch2/catch.hpp>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "common/log/logger.h"
#include "common/server/grpc_server.h"
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
  void set_resend_all(bool value) {
    absl::MutexLock lock(&mu_);
    resend_all_ = value;
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
      for (const reg::Event& event : events_) {
        if (resend_all_ || event.sequence() > request->after_sequence()) {
          *batch.emplace_back().mutable_event() = event;
        }
      }
    }
    return new Writer(std::move(batch));
  }

 private:
  class Writer final : public grpc::ServerWriteReactor<reg::StreamEventsResponse> {
   public:
    explicit Writer(std::vector<reg::StreamEventsResponse> batch) : batch_(std::move(batch)) {
      Next();
    }
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

std::unique_ptr<RegistrationFeedConsumer> Consumer(const FakeServer& server, Tiering& tiering) {
  RegistrationFeedConsumer::Options options;
  options.initial_backoff = absl::Milliseconds(5);
  options.max_backoff = absl::Milliseconds(20);
  return std::make_unique<RegistrationFeedConsumer>(
      grpc::CreateChannel(server.grpc_server->address(), grpc::InsecureChannelCredentials()),
      tiering, log::Logger("tiering-feed-test"), options);
}

int64_t Deliveries(Env& env, const std::string& id) {
  v1::ListServiceDeliveriesRequest request;
  request.set_registration_id(id);
  absl::StatusOr<v1::ListServiceDeliveriesResponse> listed =
      env.tiering->ListServiceDeliveries(request);
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
    std::unique_ptr<RegistrationFeedConsumer> consumer = Consumer(server, *env.tiering);
    consumer->Start();
    REQUIRE(consumer->WaitForApplied(4, absl::Seconds(10)));
    consumer->Stop();
    CHECK(*env.tiering->FeedCursor("registration") == 4);
    v1::GetProfileRequest get;
    get.set_registration_id("hlj-a");
    CHECK(env.tiering->GetProfile(get)->profile().end_date() == "2025-03-01");
    get.set_registration_id("hlj-b");
    CHECK(env.tiering->GetProfile(get)->profile().end_date().empty());
    // A service recorded meanwhile must survive the restart (no re-creation of the profile).
    v1::RecordServiceDeliveryRequest delivery;
    delivery.set_request_id("d-1");
    delivery.mutable_delivery()->set_registration_id("hlj-b");
    delivery.mutable_delivery()->set_type(v1::SERVICE_TYPE_CAREER_GUIDANCE);
    delivery.mutable_delivery()->set_delivered_on("2025-02-01");
    delivery.mutable_delivery()->set_provider("office");
    delivery.mutable_delivery()->set_staff_id("s");
    REQUIRE(env.tiering->RecordServiceDelivery(delivery).ok());
  }
  const size_t first_run_requests = server.service.requested().size();
  REQUIRE(first_run_requests >= 1);
  CHECK(server.service.requested().front() == 0);

  // Restart on the same file: the next stream starts after 4, and the server now also resends
  // everything (a misbehaving peer): nothing is applied twice.
  server.service.Add(testing::Created(5, c));
  server.service.set_resend_all(true);
  Env env(dir.File("t.db"));
  std::unique_ptr<RegistrationFeedConsumer> consumer = Consumer(server, *env.tiering);
  consumer->Start();
  REQUIRE(consumer->WaitForApplied(5, absl::Seconds(10)));
  // Let it reconnect at least once more after the stream broke.
  for (int i = 0; i < 1000 && consumer->connections() < 2; ++i) {
    REQUIRE_FALSE(consumer->WaitForApplied(6, absl::Milliseconds(5)));
  }
  consumer->Stop();
  const std::vector<int64_t> requested = server.service.requested();
  REQUIRE(requested.size() >= first_run_requests + 2);
  CHECK(requested[first_run_requests] == 4);
  CHECK(requested.back() == 5);
  CHECK(*env.tiering->FeedCursor("registration") == 5);
  CHECK(Deliveries(env, "hlj-b") == 1);
  v1::GetProfileRequest get;
  get.set_registration_id("hlj-a");
  CHECK(env.tiering->GetProfile(get)->profile().end_date() == "2025-03-01");
  get.set_registration_id("hlj-c");
  CHECK(env.tiering->GetProfile(get).ok());
}

TEST_CASE("The consumer retries while registration is unreachable and stops promptly", "[feed]") {
  TempDir dir;
  Env env(dir.File("t.db"));
  RegistrationFeedConsumer::Options options;
  options.initial_backoff = absl::Milliseconds(5);
  options.max_backoff = absl::Milliseconds(20);
  // Port 1 on localhost: nothing listens there.
  RegistrationFeedConsumer consumer(
      grpc::CreateChannel("127.0.0.1:1", grpc::InsecureChannelCredentials()), *env.tiering,
      log::Logger("tiering-feed-test"), options);
  consumer.Start();
  for (int i = 0; i < 2000 && consumer.connections() < 3; ++i) {
    REQUIRE_FALSE(consumer.WaitForApplied(1, absl::Milliseconds(5)));
  }
  CHECK(consumer.connections() >= 3);
  consumer.Stop();
  CHECK(*env.tiering->FeedCursor("registration") == 0);
}

}  // namespace
}  // namespace unemployment::tiering
