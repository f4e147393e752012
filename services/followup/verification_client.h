#pragma once

// The follow-up service's side of verification's CompareActiveRegistrations stream, behind an
// interface so that the comparison run (monthly_comparison.h) has no gRPC types.
//
// The stream is pipelined: up to `max_in_flight` batches are sent before their answers have been
// dealt with. A batch counts as in flight from the moment it is sent until the caller has settled
// its answer (typically after the answer's hits are committed), so a slow store slows the stream
// instead of piling answers up in memory.

#include <functional>
#include <memory>
#include <optional>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpcpp/channel.h"
#include "unemployment/verification/v1/verification_service.grpc.pb.h"

namespace unemployment::followup {

namespace verv1 = ::unemployment::verification::v1;

class VerificationClient {
 public:
  // The next batch to send; std::nullopt when there are no more (the trailer is then sent and the
  // stream half-closed); an error ends the stream with that error.
  using NextBatch =
      std::function<absl::StatusOr<std::optional<verv1::CompareActiveRegistrationsRequest>>()>;
  // Reports that an answer has been dealt with: OK, or an error that ends the stream with it.
  using Settle = std::function<void(absl::Status)>;
  // Receives each answer, in the order of the batches. `settle` must be called exactly once, on
  // any thread, possibly before OnAnswer returns.
  using OnAnswer = std::function<void(verv1::CompareActiveRegistrationsResponse, Settle)>;
  // Runs once, after the stream has ended and every answer has been settled: OK when verification
  // answered every batch and ended the stream with OK (it does so only when the trailer matches
  // the subjects it received), else the first error (ours or the peer's,
  // details kept).
  using Finished = std::function<void(absl::Status)>;

  virtual ~VerificationClient() = default;

  // Opens one stream. `deadline` is the caller's; the stream never lasts longer than the client's
  // own timeout either. The callbacks run on gRPC threads (or wherever `settle` is called).
  virtual void Compare(absl::Time deadline, NextBatch next, OnAnswer on_answer, Finished done) = 0;
};

// VerificationClient over a channel with the stub's callback (reactor) interface.
class GrpcVerificationClient final : public VerificationClient {
 public:
  GrpcVerificationClient(std::shared_ptr<grpc::Channel> channel, absl::Duration timeout,
                         int max_in_flight);

  void Compare(absl::Time deadline, NextBatch next, OnAnswer on_answer, Finished done) override;

 private:
  class Call;

  std::unique_ptr<verv1::VerificationService::Stub> stub_;
  absl::Duration timeout_;
  int max_in_flight_;
};

}  // namespace unemployment::followup
