#pragma once

// A fake in-process RegistrationService of the follow-up tests: a scripted event feed and
// Deregister, served on port 0 (FakeRegistration).

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/status/status_util.h"
#include "tests/testing/fake_server.h"
#include "unemployment/registration/v1/registration_service.grpc.pb.h"

namespace unemployment::followup::testing {

namespace regv1 = ::unemployment::registration::v1;
namespace codes = ::unemployment::common::v1;

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
using FakeRegistration = ::unemployment::testing::FakeServer<FakeRegistrationService>;

}  // namespace unemployment::followup::testing
