#pragma once

// The follow-up service's calls to the registration service's Deregister, behind an interface so
// that the domain has no gRPC types and tests can substitute the peer. With several registration
// shards, ShardedRegistrationClient sends each call to the shard that owns the registration.

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
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

// Routes each call to the client of the shard that owns the registration: the shard whose feed it
// was learnt from, which is the prefix of its id before the first '-' (registration makes ids
// "<shard_id>-<kind>-<number>", and the feed consumer checks it). With one shard every call goes
// to it. An id of no configured shard fails with FAILED_PRECONDITION (reason
// REGISTRATION_SHARD_UNKNOWN) without a call.
class ShardedRegistrationClient final : public RegistrationClient {
 public:
  // By shard id; at least one. Not owned; must outlive this object.
  explicit ShardedRegistrationClient(std::map<std::string, RegistrationClient*> shards);

  // The shard id owning `registration_id`, or nullptr when no configured shard does.
  const std::string* ShardOf(absl::string_view registration_id) const;

  void Deregister(const unemployment::registration::v1::DeregisterRequest& request,
                  absl::Time deadline, DeregisterDone done) override;

 private:
  std::map<std::string, RegistrationClient*> shards_;
};

}  // namespace unemployment::followup
