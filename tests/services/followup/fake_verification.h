#pragma once

// A fake in-process VerificationService of the follow-up tests: scripted comparison hits, served
// on port 0 (FakeVerification).

#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "services/verification/stream_trailer.h"
#include "tests/testing/fake_server.h"
#include "unemployment/verification/v1/verification_service.grpc.pb.h"

namespace unemployment::followup::testing {

namespace verv1 = ::unemployment::verification::v1;
namespace codes = ::unemployment::common::v1;

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
  // Before the server shuts down: a held batch goes on.
  void StopStreams() { Release(); }
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
using FakeVerification = ::unemployment::testing::FakeServer<FakeVerificationService>;

}  // namespace unemployment::followup::testing
