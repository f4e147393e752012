#pragma once

// Fixtures of the follow-up tests: the shipped region data, builders of requests and records, and
// a follow-up stack served on port 0 with a FakeClock. The fake RegistrationService (scripted
// event feed + Deregister) is in fake_registration.h, the fake VerificationService (scripted
// comparison hits) in fake_verification.h; both are included here.

#include <chrono>
#include <cstdlib>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "common/feed/event_notifier.h"
#include "common/log/logger.h"
#include "common/server/grpc_server.h"
#include "common/status/status_util.h"
#include "common/time/clock.h"
#include "common/time/time_zone.h"
#include "common/validation/region_directory.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "services/followup/followup_manager.h"
#include "services/followup/followup_service.h"
#include "services/followup/fraud_desk.h"
#include "services/followup/monthly_comparison.h"
#include "services/followup/registration_client.h"
#include "services/followup/registration_feed_consumer.h"
#include "services/followup/sqlite_followup_store.h"
#include "services/followup/verification_client.h"
#include "services/verification/stream_trailer.h"
#include "tests/common/require_ok.h"
#include "tests/services/followup/fake_registration.h"
#include "tests/services/followup/fake_verification.h"
#include "tests/testing/regions.h"
#include "tests/testing/temp_dir.h"
#include "unemployment/followup/v1/followup_service.grpc.pb.h"
#include "unemployment/registration/v1/registration_service.grpc.pb.h"
#include "unemployment/verification/v1/verification_service.grpc.pb.h"

namespace unemployment::followup::testing {

namespace regv1 = ::unemployment::registration::v1;
namespace verv1 = ::unemployment::verification::v1;
namespace codes = ::unemployment::common::v1;

// A valid resident ID number (check character X).
inline constexpr char kIdNumber[] = "34052419800101001X";

inline const validation::RegionDirectory& Regions() {
  return ::unemployment::testing::ShippedRegions();
}

inline absl::Time ChinaNoon(int year, int month, int day) {
  return time::ChinaTime(absl::CivilSecond(year, month, day, 12, 0, 0));
}

// A fresh folder for one test's database, removed when the test binary exits.
inline std::string TempDir() { return ::unemployment::testing::ProcessTempDir("ue_followup_test"); }

inline regv1::Registration MakeRegistration(const std::string& id, const std::string& name,
                                            const std::string& office,
                                            const std::string& registered_date,
                                            const std::string& id_number = kIdNumber) {
  regv1::Registration r;
  r.set_id(id);
  r.mutable_person_id()->set_id_type(codes::ID_TYPE_RESIDENT_ID_CARD);
  r.mutable_person_id()->set_id_number(id_number);
  r.set_name(name);
  r.set_office_region_code(office);
  r.set_registered_date(registered_date);
  r.set_state(regv1::REGISTRATION_STATE_ACTIVE);
  return r;
}

// The follow-up service put together as in followup_component.cc, with a FakeClock, its database
// in `dir`, its registration peer at `registration_address`, served on port 0.
class FollowupStack {
 public:
  // `verification_address` empty: no verification peer (RunMonthlyComparison is refused).
  // `server_options`: how the service is served (plaintext by default; a security test puts it
  // behind a guard, and then calls it through its own channel to port()).
  FollowupStack(const std::string& dir, const std::string& registration_address, absl::Time now,
                const std::string& verification_address = "", int comparison_batch_size = 500,
                const server::ServerOptions& server_options = server::ServerOptions())
      : clock_(now) {
    auto opened = SqliteFollowupStore::Open(dir + "/followup.db");
    if (!opened.ok()) std::abort();
    store_ = *std::move(opened);
    auto last = store_->LastEventSequence();
    if (!last.ok()) std::abort();
    notifier_ = std::make_unique<feed::EventNotifier>(*last);
    store_->SetEventsCommittedListener([this](int64_t sequence) { notifier_->Publish(sequence); });
    if (!verification_address.empty()) {
      verification_ = std::make_unique<GrpcVerificationClient>(
          grpc::CreateChannel(verification_address, grpc::InsecureChannelCredentials()),
          absl::Seconds(10), 2);
    }
    channel_ = grpc::CreateChannel(registration_address, grpc::InsecureChannelCredentials());
    registration_ = std::make_unique<GrpcRegistrationClient>(channel_, absl::Seconds(2));
    feed::RegistrationFeedConsumer::Options options;
    options.initial_backoff = absl::Milliseconds(20);
    options.max_backoff = absl::Milliseconds(200);
    consumer_ = MakeRegistrationFeedConsumer(*store_, channel_, options, log::Logger("test.feed"));
    followups_ = std::make_unique<FollowupManager>(*store_, *registration_, Regions(), clock_,
                                                   log::Logger("test.manager"));
    fraud_ = std::make_unique<FraudDesk>(*store_, Regions(), clock_, log::Logger("test.fraud"));
    comparison_ = std::make_unique<MonthlyComparison>(
        *store_, verification_.get(), Regions(), clock_,
        MonthlyComparison::Options{comparison_batch_size}, log::Logger("test.comparison"));
    service_ = std::make_unique<FollowupServiceImpl>(
        FollowupServiceImpl::Dependencies{followups_.get(), fraud_.get(), &Regions(), &clock_,
                                          comparison_.get(), store_.get(), notifier_.get()},
        log::Logger("test.service"));
    auto started = server::GrpcServer::Start(server_options, {service_.get()});
    if (!started.ok()) std::abort();
    server_ = *std::move(started);
    stub_ = v1::FollowupService::NewStub(
        grpc::CreateChannel(server_->address(), grpc::InsecureChannelCredentials()));
  }

  ~FollowupStack() {
    notifier_->Shutdown();
    consumer_->Stop();
    comparison_->Stop(absl::ZeroDuration());
    server_->Shutdown();
    comparison_->Stop(absl::Seconds(10));
    store_->Shutdown();
  }

  v1::FollowupService::Stub& stub() { return *stub_; }
  int port() const { return server_->port(); }
  feed::RegistrationFeedConsumer& consumer() { return *consumer_; }
  SqliteFollowupStore& store() { return *store_; }
  time::FakeClock& clock() { return clock_; }
  feed::EventNotifier& notifier() { return *notifier_; }

  // Starts the feed consumer and waits until it applied `sequence`.
  bool SyncTo(int64_t sequence) {
    consumer_->Start();
    return consumer_->WaitForCursor(sequence, absl::Seconds(10));
  }

 private:
  time::FakeClock clock_;
  std::unique_ptr<SqliteFollowupStore> store_;
  std::unique_ptr<feed::EventNotifier> notifier_;
  std::unique_ptr<GrpcVerificationClient> verification_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<GrpcRegistrationClient> registration_;
  std::unique_ptr<feed::RegistrationFeedConsumer> consumer_;
  std::unique_ptr<FollowupManager> followups_;
  std::unique_ptr<FraudDesk> fraud_;
  std::unique_ptr<MonthlyComparison> comparison_;
  std::unique_ptr<FollowupServiceImpl> service_;
  std::unique_ptr<server::GrpcServer> server_;
  std::unique_ptr<v1::FollowupService::Stub> stub_;
};

// What a StreamEvents call of the follow-up feed read: its events and how it ended.
struct FeedRead {
  std::vector<v1::FollowupEvent> events;
  absl::Status status;
};

// Reads the follow-up feed after `after`; `stop_at_end`: the call ends at the feed's end (else at
// the deadline, `seconds` from now).
inline FeedRead ReadAll(v1::FollowupService::Stub& stub, int64_t after, bool stop_at_end,
                        int seconds = 10) {
  v1::StreamEventsRequest request;
  request.set_after_sequence(after);
  request.set_stop_at_end(stop_at_end);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(seconds));
  auto reader = stub.StreamEvents(&context, request);
  FeedRead out;
  v1::StreamEventsResponse response;
  while (reader->Read(&response)) out.events.push_back(response.event());
  out.status = status::FromGrpcStatus(reader->Finish());
  return out;
}

// Calls a unary RPC with a deadline; returns the status converted back to absl::Status.
template <typename Request, typename Response, typename Method>
absl::Status Call(v1::FollowupService::Stub& stub, Method method, const Request& request,
                  Response* response) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  return status::FromGrpcStatus((stub.*method)(&context, request, response));
}

// "field RULE" of each BadRequest violation, in order.
inline std::vector<std::string> Violations(const absl::Status& status) {
  std::vector<std::string> out;
  std::optional<google::rpc::BadRequest> bad = status::GetBadRequest(status);
  if (!bad.has_value()) return out;
  for (const auto& v : bad->field_violations()) {
    std::string rule = v.description().substr(0, v.description().find(':'));
    out.push_back(v.field() + " " + rule);
  }
  return out;
}

inline std::string Reason(const absl::Status& status) {
  std::optional<google::rpc::ErrorInfo> info = status::GetErrorInfo(status);
  return info.has_value() ? info->reason() : "";
}

// A valid OpenFraudCase request for kIdNumber (张三) opened by `office` of `city` on `opened_on`,
// with one piece of evidence collected that day.
inline v1::OpenFraudCaseRequest OpenFraudCaseRequest(const std::string& request_id,
                                                     const std::string& city,
                                                     const std::string& office,
                                                     const std::string& opened_on) {
  v1::OpenFraudCaseRequest request;
  request.set_request_id(request_id);
  request.mutable_person_id()->set_id_type(codes::ID_TYPE_RESIDENT_ID_CARD);
  request.mutable_person_id()->set_id_number(kIdNumber);
  request.set_name("张三");
  request.set_city_code(city);
  request.set_office_region_code(office);
  request.set_benefit(v1::FRAUD_BENEFIT_UNEMPLOYMENT_INSURANCE);
  request.set_description("隐瞒就业继续领取失业保险金");
  v1::FraudEvidence* evidence = request.add_evidence();
  evidence->set_description("社保缴费记录显示已参保");
  evidence->set_reference("金保工程");
  evidence->set_collected_on(opened_on);
  request.set_opened_on(opened_on);
  request.set_staff_id("inspector-1");
  return request;
}

}  // namespace unemployment::followup::testing
