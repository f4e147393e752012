#pragma once

// The gateway's view of the province person index (unemployment.personindex.v1): asynchronous
// calls with plain absl types at the interface. The index holds every channel-id reservation and
// every person's claim, so the gateway keeps no state of its own and any number of replicas may
// run behind one address.

#include <functional>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/server/peer_channels.h"
#include "unemployment/personindex/v1/person_index_service.grpc.pb.h"

namespace unemployment::gateway {

class PersonIndexClient {
 public:
  template <typename T>
  using Callback = std::function<void(absl::StatusOr<T>)>;
  virtual ~PersonIndexClient() = default;

  // Each call ends at `deadline` and completes `done` exactly once, on a gRPC thread. Errors keep
  // the index's code, message and google.rpc details.
  virtual void Reserve(const personindex::v1::ReserveRequest& request, absl::Time deadline,
                       Callback<personindex::v1::ReserveResponse> done) = 0;
  virtual void Complete(const personindex::v1::CompleteRequest& request, absl::Time deadline,
                        Callback<personindex::v1::Reservation> done) = 0;
  virtual void Release(const personindex::v1::ReleaseRequest& request, absl::Time deadline,
                       Callback<bool> done) = 0;
  virtual void GetReservation(common::v1::Channel channel,
                              const std::string& channel_application_id, absl::Time deadline,
                              Callback<personindex::v1::Reservation> done) = 0;
};

class GrpcPersonIndexClient final : public PersonIndexClient {
 public:
  GrpcPersonIndexClient(const std::string& address, const server::PeerChannels& peers);

  void Reserve(const personindex::v1::ReserveRequest& request, absl::Time deadline,
               Callback<personindex::v1::ReserveResponse> done) override;
  void Complete(const personindex::v1::CompleteRequest& request, absl::Time deadline,
                Callback<personindex::v1::Reservation> done) override;
  void Release(const personindex::v1::ReleaseRequest& request, absl::Time deadline,
               Callback<bool> done) override;
  void GetReservation(common::v1::Channel channel, const std::string& channel_application_id,
                      absl::Time deadline, Callback<personindex::v1::Reservation> done) override;

 private:
  std::unique_ptr<personindex::v1::PersonIndexService::Stub> stub_;
};

}  // namespace unemployment::gateway
