#pragma once

// Sends the queued verification requests of new applications to the verification service
// (VerificationService.VerifyApplicant) and records each attempt through the registrar, which
// moves the application from PENDING_VERIFICATION to AWAITING_REVIEW on an answer. The queue lives
// in the store (table verification_jobs), so nothing is lost across restarts; every attempt of an
// application sends the same request (same request_id), so the service never verifies it twice.
//
// Answers: OK -> COMPLETED; INVALID_ARGUMENT or ALREADY_EXISTS -> REFUSED (the request can never
// succeed; the application goes to review unverified); anything else (UNAVAILABLE, a deadline,
// FAILED_PRECONDITION while no population snapshot is loaded, ...) -> retried with exponential
// back-off from 1 s doubling up to 5 min, without limit.
//
// RunOnce(now) does one round and is what tests call with a FakeClock; Start() runs a worker
// thread that calls it whenever something is due or Wake() is called (after a commit queued a new
// request), and otherwise sleeps until the earliest next attempt. The calls of one round run
// concurrently (asynchronous stub, each with a deadline) and their results are written through the
// group committer.

#include <functional>
#include <memory>
#include <optional>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/log/logger.h"
#include "common/server/retry_worker.h"
#include "common/time/clock.h"
#include "grpcpp/channel.h"
#include "services/registration/registrar.h"
#include "services/registration/registration_store.h"
#include "unemployment/verification/v1/verification_service.grpc.pb.h"

namespace unemployment::registration {

// The verification service as the worker sees it.
class VerificationClient {
 public:
  using Callback = std::function<void(
      absl::StatusOr<::unemployment::verification::v1::VerifyApplicantResponse>)>;
  virtual ~VerificationClient() = default;
  // Sends one request; `done` runs once with the answer or the failure, possibly on another
  // thread. Must not block.
  virtual void Verify(const ::unemployment::verification::v1::VerifyApplicantRequest& request,
                      Callback done) = 0;
};

// VerificationClient over gRPC's asynchronous stub; each call has a deadline.
class GrpcVerificationClient final : public VerificationClient {
 public:
  GrpcVerificationClient(std::shared_ptr<grpc::Channel> channel,
                         absl::Duration deadline = absl::Seconds(10));
  void Verify(const ::unemployment::verification::v1::VerifyApplicantRequest& request,
              Callback done) override;

 private:
  std::unique_ptr<::unemployment::verification::v1::VerificationService::Stub> stub_;
  absl::Duration deadline_;
};

class VerificationWorker final {
 public:
  struct Options {
    absl::Duration initial_backoff = absl::Seconds(1);
    absl::Duration max_backoff = absl::Minutes(5);
    // Requests sent per round (concurrently).
    int batch_size = 64;
  };

  // Pointers and references are not owned and must outlive the worker.
  VerificationWorker(RegistrationStore& store, Registrar& registrar, const time::Clock& clock,
                     VerificationClient& client, log::Logger logger, Options options);
  VerificationWorker(RegistrationStore& store, Registrar& registrar, const time::Clock& clock,
                     VerificationClient& client, log::Logger logger)
      : VerificationWorker(store, registrar, clock, client, std::move(logger), Options()) {}
  ~VerificationWorker();

  // One round: sends every request due at `now`, waits for the answers and records each attempt
  // durably. Returns the earliest next attempt still queued (nullopt when nothing is queued).
  absl::StatusOr<std::optional<absl::Time>> RunOnce(absl::Time now);

  // The delay before attempt number `attempts_made + 1` after `attempts_made` failures.
  absl::Duration Backoff(int attempts_made) const;

  // Starts / stops the worker thread. Stop is idempotent and waits for the round in progress.
  void Start();
  void Stop();
  // Asks the worker for a round now (a new request was committed).
  void Wake();

 private:

  RegistrationStore& store_;
  Registrar& registrar_;
  VerificationClient& client_;
  log::Logger logger_;
  const Options options_;

  // Runs RunOnce whenever something is due or Wake() is called.
  server::RetryWorker worker_;
};

}  // namespace unemployment::registration
