#pragma once

// gRPC handler of unemployment.tiering.v1.TieringService (callback API): validates the request
// shape (request_validation.h), calls the Tiering domain, converts the status
// (status::ToGrpcStatus). StreamEvents serves this service's own feed with a reactor that sleeps
// on the EventNotifier once caught up.
//
// The domain runs on the handler thread; a write costs one SQLite commit there. Moving writes to
// a group-committing writer thread, as registration does, is the known next step for throughput.

#include "common/feed/event_notifier.h"
#include "common/log/logger.h"
#include "common/time/clock.h"
#include "services/tiering/tiering.h"
#include "unemployment/tiering/v1/tiering_service.grpc.pb.h"

namespace unemployment::tiering {

class TieringServiceImpl final : public v1::TieringService::CallbackService {
 public:
  // `tiering`, `clock` and `notifier` must outlive the service.
  TieringServiceImpl(Tiering& tiering, const time::Clock& clock, feed::EventNotifier& notifier,
                     log::Logger logger);

  grpc::ServerUnaryReactor* GetLevel(grpc::CallbackServerContext* context,
                                     const v1::GetLevelRequest* request,
                                     v1::GetLevelResponse* response) override;
  grpc::ServerUnaryReactor* GetServicePlan(grpc::CallbackServerContext* context,
                                           const v1::GetServicePlanRequest* request,
                                           v1::GetServicePlanResponse* response) override;
  grpc::ServerUnaryReactor* GetProfile(grpc::CallbackServerContext* context,
                                       const v1::GetProfileRequest* request,
                                       v1::GetProfileResponse* response) override;
  grpc::ServerUnaryReactor* UpdateProfile(grpc::CallbackServerContext* context,
                                          const v1::UpdateProfileRequest* request,
                                          v1::UpdateProfileResponse* response) override;
  grpc::ServerUnaryReactor* RecordServiceDelivery(
      grpc::CallbackServerContext* context, const v1::RecordServiceDeliveryRequest* request,
      v1::RecordServiceDeliveryResponse* response) override;
  grpc::ServerUnaryReactor* ListServiceDeliveries(
      grpc::CallbackServerContext* context, const v1::ListServiceDeliveriesRequest* request,
      v1::ListServiceDeliveriesResponse* response) override;
  grpc::ServerUnaryReactor* AmendServiceDelivery(
      grpc::CallbackServerContext* context, const v1::AmendServiceDeliveryRequest* request,
      v1::AmendServiceDeliveryResponse* response) override;
  grpc::ServerUnaryReactor* ListPlanGaps(grpc::CallbackServerContext* context,
                                         const v1::ListPlanGapsRequest* request,
                                         v1::ListPlanGapsResponse* response) override;
  grpc::ServerUnaryReactor* GetPlanFulfilment(grpc::CallbackServerContext* context,
                                              const v1::GetPlanFulfilmentRequest* request,
                                              v1::GetPlanFulfilmentResponse* response) override;
  grpc::ServerUnaryReactor* GetCatalog(grpc::CallbackServerContext* context,
                                       const v1::GetCatalogRequest* request,
                                       v1::GetCatalogResponse* response) override;
  grpc::ServerUnaryReactor* PublishCatalogVersion(
      grpc::CallbackServerContext* context, const v1::PublishCatalogVersionRequest* request,
      v1::PublishCatalogVersionResponse* response) override;
  grpc::ServerUnaryReactor* ListDifficultyCriteria(
      grpc::CallbackServerContext* context, const v1::ListDifficultyCriteriaRequest* request,
      v1::ListDifficultyCriteriaResponse* response) override;
  grpc::ServerUnaryReactor* IdentifyEmploymentDifficulty(
      grpc::CallbackServerContext* context, const v1::IdentifyEmploymentDifficultyRequest* request,
      v1::IdentifyEmploymentDifficultyResponse* response) override;
  grpc::ServerUnaryReactor* DecideEmploymentDifficulty(
      grpc::CallbackServerContext* context, const v1::DecideEmploymentDifficultyRequest* request,
      v1::DecideEmploymentDifficultyResponse* response) override;

  grpc::ServerWriteReactor<v1::StreamEventsResponse>* StreamEvents(
      grpc::CallbackServerContext* context, const v1::StreamEventsRequest* request) override;

 private:
  // OK when the caller's region scope covers the office of the registration a request names by
  // id; otherwise PERMISSION_DENIED OUTSIDE_REGION_SCOPE, the same for an unknown id
  // (security::RequireRecordInScope). Province-wide callers pass without a lookup.
  absl::Status RegistrationInScope(const grpc::CallbackServerContext& context,
                                   const std::string& registration_id);

  Tiering& tiering_;
  const time::Clock& clock_;
  feed::EventNotifier& notifier_;
  log::Logger logger_;
};

}  // namespace unemployment::tiering
