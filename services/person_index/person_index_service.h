#pragma once

// Thin gRPC handler of unemployment.personindex.v1.PersonIndexService: validates, calls
// PersonIndex, converts the status (server::HandleUnaryAsync).

#include "absl/time/time.h"
#include "common/log/logger.h"
#include "services/person_index/person_index.h"
#include "unemployment/personindex/v1/person_index_service.grpc.pb.h"

namespace unemployment::person_index {

class PersonIndexServiceImpl final : public v1::PersonIndexService::CallbackService {
 public:
  // `fence_timeout`: cap on the fencing call a Reserve may make (a shorter caller deadline wins).
  // Server faults are logged through `logger`.
  PersonIndexServiceImpl(PersonIndex& index, absl::Duration fence_timeout,
                         log::Logger logger = log::Logger("person_index"));

  grpc::ServerUnaryReactor* Reserve(grpc::CallbackServerContext* context,
                                    const v1::ReserveRequest* request,
                                    v1::ReserveResponse* response) override;
  grpc::ServerUnaryReactor* Complete(grpc::CallbackServerContext* context,
                                     const v1::CompleteRequest* request,
                                     v1::CompleteResponse* response) override;
  grpc::ServerUnaryReactor* Release(grpc::CallbackServerContext* context,
                                    const v1::ReleaseRequest* request,
                                    v1::ReleaseResponse* response) override;
  grpc::ServerUnaryReactor* GetReservation(grpc::CallbackServerContext* context,
                                           const v1::GetReservationRequest* request,
                                           v1::GetReservationResponse* response) override;

 private:
  PersonIndex& index_;
  const absl::Duration fence_timeout_;
  log::Logger logger_;
};

}  // namespace unemployment::person_index
