#pragma once

// Fixtures of the follow-up tests: the shipped region data, a fake in-process RegistrationService
// (scripted event feed + Deregister), a fake VerificationService (scripted comparison hits), and a
// follow-up stack served on port 0 with a FakeClock.

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
  static const validation::RegionDirectory* regions = [] {
    auto loaded = validation::RegionDirectory::LoadDirectory(UE_SOURCE_DIR "/data/regions");
    if (!loaded.ok()) std::abort();
    return new validation::RegionDirectory(*std::move(loaded));
  }();
  return *regions;
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

// RegistrationService with a scripted feed. Deregister ends a known active registration, decides
// person_notified as the contract says, and appends a RegistrationDeregistered event.
class FakeRegistrationService final : public regv1::RegistrationService::Service {
 public:
  // Appends RegistrationCreated for `r`; returns its sequence.
  int64_t AddCreated(const regv1::Registration& r) {
    absl::MutexLock lock(&mu_);
    registrations_[r.id()] = r;
    regv1::Event event;
    *event.mutable_registration_created()->mutable_registration() = r;
    return AppendLocked(std::move(event));
  }

  // Appends an event the follow-up service does not use (ApplicationStateChanged).
  int64_t AddOther() {
    absl::MutexLock lock(&mu_);
    regv1::Event event;
    event.mutable_application_state_changed()->set_application_id("hlj-a1");
    return AppendLocked(std::move(event));
  }

  int64_t AddDeregistered(const std::string& id, codes::DeregistrationReason reason,
                          const std::string& effective_date) {
    absl::MutexLock lock(&mu_);
    regv1::Registration& r = registrations_[id];
    r.set_state(regv1::REGISTRATION_STATE_DEREGISTERED);
    r.mutable_deregistration()->set_reason(reason);
    r.mutable_deregistration()->set_effective_date(effective_date);
    regv1::Event event;
    *event.mutable_registration_deregistered()->mutable_registration() = r;
    return AppendLocked(std::move(event));
  }

  // The shard_id of the events appended from now on ("hlj" by default).
  void set_shard_id(const std::string& shard_id) {
    absl::MutexLock lock(&mu_);
    shard_id_ = shard_id;
  }

  // Streams send no event appended after this call until ResumeFeed (a storage-fault test uses it
  // to keep the follow-up's feed consumer from writing while it counts or faults writes).
  void PauseFeed() {
    absl::MutexLock lock(&mu_);
    visible_ = static_cast<int64_t>(events_.size());
  }
  void ResumeFeed() {
    absl::MutexLock lock(&mu_);
    visible_ = -1;
  }

  // Makes every later call fail with `code` (OK restores normal answers).
  void FailWith(grpc::StatusCode code) {
    absl::MutexLock lock(&mu_);
    fail_with_ = code;
  }

  std::vector<regv1::DeregisterRequest> deregister_calls() const {
    absl::MutexLock lock(&mu_);
    return deregister_calls_;
  }
  std::vector<int64_t> stream_starts() const {
    absl::MutexLock lock(&mu_);
    return stream_starts_;
  }
  regv1::Registration registration(const std::string& id) const {
    absl::MutexLock lock(&mu_);
    auto it = registrations_.find(id);
    return it == registrations_.end() ? regv1::Registration() : it->second;
  }

  grpc::Status Deregister(grpc::ServerContext*, const regv1::DeregisterRequest* request,
                          regv1::DeregisterResponse* response) override {
    absl::MutexLock lock(&mu_);
    if (fail_with_ != grpc::StatusCode::OK) return grpc::Status(fail_with_, "scripted failure");
    deregister_calls_.push_back(*request);
    auto done = answers_.find(request->request_id());
    if (done != answers_.end()) {
      *response = done->second;
      return grpc::Status::OK;
    }
    auto it = registrations_.find(request->registration_id());
    if (it == registrations_.end()) {
      return status::ToGrpcStatus(
          status::WithErrorInfo(absl::NotFoundError("no registration"), "REGISTRATION_NOT_FOUND"));
    }
    regv1::Registration& r = it->second;
    if (r.state() != regv1::REGISTRATION_STATE_ACTIVE) {
      return status::ToGrpcStatus(status::WithErrorInfo(
          absl::FailedPreconditionError("already ended"), "REGISTRATION_NOT_ACTIVE"));
    }
    r.set_state(regv1::REGISTRATION_STATE_DEREGISTERED);
    regv1::Deregistration* d = r.mutable_deregistration();
    d->set_reason(request->reason());
    d->set_effective_date(request->effective_date());
    d->set_actor(request->actor());
    d->set_note(request->note());
    d->set_moved_abroad(request->moved_abroad());
    const int reason = static_cast<int>(request->reason());
    d->set_person_notified(!(reason == 25 || reason == 26 || reason == 32 ||
                             (reason == 24 && request->moved_abroad()) ||
                             request->contact_state() == regv1::CONTACT_STATE_UNREACHABLE));
    d->mutable_recorded_at()->set_seconds(absl::ToUnixSeconds(absl::Now()));
    regv1::Event event;
    *event.mutable_registration_deregistered()->mutable_registration() = r;
    AppendLocked(std::move(event));
    *response->mutable_registration() = r;
    answers_[request->request_id()] = *response;
    return grpc::Status::OK;
  }

  grpc::Status StreamEvents(grpc::ServerContext* context, const regv1::StreamEventsRequest* request,
                            grpc::ServerWriter<regv1::StreamEventsResponse>* writer) override {
    int64_t cursor = request->after_sequence();
    {
      absl::MutexLock lock(&mu_);
      stream_starts_.push_back(cursor);
      if (cursor > static_cast<int64_t>(events_.size())) {
        return grpc::Status(grpc::StatusCode::OUT_OF_RANGE, "cursor ahead of feed");
      }
    }
    while (!context->IsCancelled()) {
      std::vector<regv1::Event> batch;
      {
        absl::MutexLock lock(&mu_);
        auto more = [this, cursor]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
          return VisibleLocked() > cursor || stopping_;
        };
        // Bounded wait so that a cancelled call is noticed.
        mu_.AwaitWithTimeout(absl::Condition(&more), absl::Milliseconds(50));
        if (stopping_) return grpc::Status(grpc::StatusCode::UNAVAILABLE, "stopping");
        for (int64_t i = cursor; i < VisibleLocked(); ++i) {
          batch.push_back(events_[static_cast<size_t>(i)]);
        }
      }
      for (const regv1::Event& event : batch) {
        regv1::StreamEventsResponse response;
        *response.mutable_event() = event;
        if (!writer->Write(response)) return grpc::Status::CANCELLED;
        cursor = event.sequence();
      }
    }
    return grpc::Status::CANCELLED;
  }

  // Ends open streams (before the server shuts down).
  void StopStreams() {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }

 private:
  int64_t VisibleLocked() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return visible_ >= 0 ? visible_ : static_cast<int64_t>(events_.size());
  }

  int64_t AppendLocked(regv1::Event event) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    event.set_sequence(static_cast<int64_t>(events_.size()) + 1);
    event.set_shard_id(shard_id_);
    events_.push_back(std::move(event));
    return static_cast<int64_t>(events_.size());
  }

  mutable absl::Mutex mu_;
  std::vector<regv1::Event> events_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, regv1::Registration> registrations_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, regv1::DeregisterResponse> answers_ ABSL_GUARDED_BY(mu_);
  std::vector<regv1::DeregisterRequest> deregister_calls_ ABSL_GUARDED_BY(mu_);
  std::vector<int64_t> stream_starts_ ABSL_GUARDED_BY(mu_);
  grpc::StatusCode fail_with_ ABSL_GUARDED_BY(mu_) = grpc::StatusCode::OK;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  // The number of events streams may send; -1: all.
  int64_t visible_ ABSL_GUARDED_BY(mu_) = -1;
  std::string shard_id_ ABSL_GUARDED_BY(mu_) = "hlj";
};

// The fake registration service on port 0.
class FakeRegistration {
 public:
  FakeRegistration() {
    auto started = server::GrpcServer::Start(server::ServerOptions(), {&service_});
    if (!started.ok()) std::abort();
    server_ = *std::move(started);
  }
  ~FakeRegistration() {
    service_.StopStreams();
    server_->Shutdown();
  }
  FakeRegistrationService& service() { return service_; }
  std::string address() const { return server_->address(); }

 private:
  FakeRegistrationService service_;
  std::unique_ptr<server::GrpcServer> server_;
};

// VerificationService whose CompareActiveRegistrations answers each batch with the scripted hits
// of its subjects, in order. It can fail the stream after a number of answered batches (as an
// outage halfway through a run) and hold the first batch until released.
class FakeVerificationService final : public verv1::VerificationService::Service {
 public:
  // Scripts a hit for `registration_id` with one piece of evidence.
  void AddHit(const std::string& registration_id, verv1::HitKind kind,
              codes::DeregistrationReason reason, verv1::EvidenceKind evidence_kind,
              const std::string& organisation = "") {
    absl::MutexLock lock(&mu_);
    verv1::ComparisonHit hit;
    hit.set_registration_id(registration_id);
    hit.set_kind(kind);
    hit.set_suggested_reason(reason);
    verv1::Evidence* evidence = hit.add_evidence();
    evidence->set_kind(evidence_kind);
    evidence->set_snapshot_version("test-1");
    if (kind == verv1::HIT_KIND_DECEASED) {
      evidence->set_source(verv1::SOURCE_POPULATION);
      evidence->set_start_date("2025-06-01");
      evidence->set_detail("2025-06-01死亡");
    } else {
      evidence->set_source(verv1::SOURCE_SOCIAL_INSURANCE);
      evidence->set_organisation_code("91230103MA1B2C3D4E");
      evidence->set_organisation_name(organisation);
      evidence->set_start_date("2025-06-01");
      evidence->set_detail(absl::StrCat("2025-06-01起在", organisation, "参保"));
    }
    hits_[registration_id] = hit;
  }

  // Answers as the current verification does: unchecked_reported set, and `unchecked` listed as
  // not checkable (reason NOT_IN_POPULATION_DATA); every other subject without a hit is clean.
  void ReportUnchecked(std::set<std::string> unchecked) {
    absl::MutexLock lock(&mu_);
    report_unchecked_ = true;
    unchecked_ = std::move(unchecked);
  }

  // After `batches` answered batches of each stream, the next read batch ends the stream with
  // UNAVAILABLE; -1 never.
  void FailAfter(int batches) {
    absl::MutexLock lock(&mu_);
    fail_after_ = batches;
  }

  // Holds the first batch of every stream until Release().
  void HoldFirstBatch() {
    absl::MutexLock lock(&mu_);
    hold_ = true;
  }
  void Release() {
    absl::MutexLock lock(&mu_);
    hold_ = false;
  }
  // Waits until a stream is waiting at the hold.
  bool WaitUntilHeld(absl::Duration timeout) {
    absl::MutexLock lock(&mu_);
    return mu_.AwaitWithTimeout(absl::Condition(&held_), timeout);
  }

  // The subject counts of every batch received, over all streams.
  std::vector<int> batch_sizes() const {
    absl::MutexLock lock(&mu_);
    return batch_sizes_;
  }
  std::vector<std::string> as_of_seen() const {
    absl::MutexLock lock(&mu_);
    return as_of_seen_;
  }

  grpc::Status CompareActiveRegistrations(
      grpc::ServerContext*,
      grpc::ServerReaderWriter<verv1::CompareActiveRegistrationsResponse,
                               verv1::CompareActiveRegistrationsRequest>* stream) override {
    verv1::CompareActiveRegistrationsRequest request;
    int answered = 0;
    verification::ComparisonDigest digest;
    while (stream->Read(&request)) {
      if (request.has_trailer()) {
        // As the real service: the stream is complete only when the trailer matches.
        const int64_t count = digest.subject_count();
        const verv1::ComparisonTrailer received = digest.Finish();
        if (request.trailer().subject_count() != count ||
            request.trailer().subjects_sha256() != received.subjects_sha256()) {
          return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "trailer mismatch");
        }
        absl::MutexLock lock(&mu_);
        trailers_.push_back(count);
        return grpc::Status::OK;
      }
      digest.Add(request);
      verv1::CompareActiveRegistrationsResponse response;
      {
        absl::MutexLock lock(&mu_);
        batch_sizes_.push_back(request.subjects_size());
        as_of_seen_.push_back(request.as_of());
        if (fail_after_ >= 0 && answered >= fail_after_) {
          return grpc::Status(grpc::StatusCode::UNAVAILABLE, "scripted outage");
        }
        if (answered == 0 && hold_) {
          held_ = true;
          mu_.Await(absl::Condition(
              +[](bool* hold) { return !*hold; }, &hold_));
          held_ = false;
        }
        response.set_compared_count(request.subjects_size());
        response.set_unchecked_reported(report_unchecked_);
        for (const verv1::ComparisonSubject& subject : request.subjects()) {
          if (report_unchecked_ && unchecked_.count(subject.registration_id()) > 0) {
            verv1::UncheckedSubject* unchecked = response.add_unchecked();
            unchecked->set_registration_id(subject.registration_id());
            unchecked->set_reason(verv1::UNCHECKED_REASON_NOT_IN_POPULATION_DATA);
            continue;
          }
          auto it = hits_.find(subject.registration_id());
          if (it == hits_.end()) continue;
          verv1::ComparisonHit* hit = response.add_hits();
          *hit = it->second;
          *hit->mutable_person_id() = subject.person_id();
        }
      }
      if (!stream->Write(response)) return grpc::Status::CANCELLED;
      ++answered;
    }
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "the stream ended without a trailer");
  }

  // The subject counts of the matching trailers received, over all streams.
  std::vector<int64_t> trailers() const {
    absl::MutexLock lock(&mu_);
    return trailers_;
  }

 private:
  mutable absl::Mutex mu_;
  std::map<std::string, verv1::ComparisonHit> hits_ ABSL_GUARDED_BY(mu_);
  bool report_unchecked_ ABSL_GUARDED_BY(mu_) = false;
  std::set<std::string> unchecked_ ABSL_GUARDED_BY(mu_);
  int fail_after_ ABSL_GUARDED_BY(mu_) = -1;
  bool hold_ ABSL_GUARDED_BY(mu_) = false;
  bool held_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<int> batch_sizes_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> as_of_seen_ ABSL_GUARDED_BY(mu_);
  std::vector<int64_t> trailers_ ABSL_GUARDED_BY(mu_);
};

// The fake verification service on port 0.
class FakeVerification {
 public:
  FakeVerification() {
    auto started = server::GrpcServer::Start(server::ServerOptions(), {&service_});
    if (!started.ok()) std::abort();
    server_ = *std::move(started);
  }
  ~FakeVerification() {
    service_.Release();
    server_->Shutdown();
  }
  FakeVerificationService& service() { return service_; }
  std::string address() const { return server_->address(); }

 private:
  FakeVerificationService service_;
  std::unique_ptr<server::GrpcServer> server_;
};

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
