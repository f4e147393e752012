#pragma once

// The follow-up service's calls to the registration service's Deregister, behind an interface so
// that the domain has no gRPC types and tests can substitute the peer.

#include <functional>
#include <memory>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpcpp/channel.h"
#include "unemployment/registration/v1/registration_service.grpc.pb.h"

namespace unemployment::followup {

class RegistrationClient {
 public:
  using DeregisterDone =
      std::function<void(absl::StatusOr<unemployment::registration::v1::DeregisterResponse>)>;

  virtual ~RegistrationClient() = default;

  // Calls Deregister; `done` runs once, on a gRPC thread, with the response or the peer's status
  // (details kept). `deadline` is the caller's; the call never waits longer than the client's own
  // timeout either.
  virtual void Deregister(const unemployment::registration::v1::DeregisterRequest& request,
                          absl::Time deadline, DeregisterDone done) = 0;
};

// RegistrationClient over a channel, with the stub's async callback interface (never a blocking
// call inside a handler thread).
class GrpcRegistrationClient final : public RegistrationClient {
 public:
  GrpcRegistrationClient(std::shared_ptr<grpc::Channel> channel, absl::Duration timeout);

  void Deregister(const unemployment::registration::v1::DeregisterRequest& request,
                  absl::Time deadline, DeregisterDone done) override;

 private:
  std::unique_ptr<unemployment::registration::v1::RegistrationService::Stub> stub_;
  absl::Duration timeout_;
};

}  // namespace unemployment::followup
