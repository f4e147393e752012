#pragma once

// gRPC handler of unemployment.registration.v1.RegistrationService (callback API): validates the
// request shape, calls the Registrar, converts the status (status::ToGrpcStatus). Writes answer
// from the store's commit callback, so no handler thread waits for an fsync.

#include <atomic>
#include <string>

#include "common/forms/form_validator.h"
#include "common/log/logger.h"
#include "common/time/clock.h"
#include "common/validation/region_directory.h"
#include "common/feed/event_notifier.h"
#include "services/registration/registrar.h"
#include "services/registration/registration_store.h"
#include "services/registration/request_validation.h"
#include "unemployment/registration/v1/registration_service.grpc.pb.h"

namespace unemployment::registration {

class RegistrationServiceImpl final : public v1::RegistrationService::CallbackService {
 public:
  struct Dependencies {
    Registrar* registrar = nullptr;
    RegistrationStore* store = nullptr;
    feed::EventNotifier* notifier = nullptr;
    const validation::RegionDirectory* regions = nullptr;
    const time::Clock* clock = nullptr;
    // The province this deployment serves.
    std::string province_code = "230000";
  };

  // Every pointer is required and must outlive the service.
  RegistrationServiceImpl(Dependencies dependencies, log::Logger logger);

  grpc::ServerUnaryReactor* CreateApplication(grpc::CallbackServerContext* context,
                                              const v1::CreateApplicationRequest* request,
                                              v1::CreateApplicationResponse* response) override;
  grpc::ServerUnaryReactor* GetApplication(grpc::CallbackServerContext* context,
                                           const v1::GetApplicationRequest* request,
                                           v1::GetApplicationResponse* response) override;
  grpc::ServerUnaryReactor* ListReviewQueue(grpc::CallbackServerContext* context,
                                            const v1::ListReviewQueueRequest* request,
                                            v1::ListReviewQueueResponse* response) override;
  grpc::ServerUnaryReactor* ReviewApplication(grpc::CallbackServerContext* context,
                                              const v1::ReviewApplicationRequest* request,
                                              v1::ReviewApplicationResponse* response) override;
  grpc::ServerUnaryReactor* GetRegistration(grpc::CallbackServerContext* context,
                                            const v1::GetRegistrationRequest* request,
                                            v1::GetRegistrationResponse* response) override;
  grpc::ServerUnaryReactor* GetActiveRegistrationByPerson(
      grpc::CallbackServerContext* context, const v1::GetActiveRegistrationByPersonRequest* request,
      v1::GetActiveRegistrationByPersonResponse* response) override;
  grpc::ServerUnaryReactor* AmendDecision(grpc::CallbackServerContext* context,
                                          const v1::AmendDecisionRequest* request,
                                          v1::AmendDecisionResponse* response) override;
  grpc::ServerUnaryReactor* GetApplicationByChannelId(
      grpc::CallbackServerContext* context, const v1::GetApplicationByChannelIdRequest* request,
      v1::GetApplicationByChannelIdResponse* response) override;
  grpc::ServerUnaryReactor* FenceChannelApplicationId(
      grpc::CallbackServerContext* context, const v1::FenceChannelApplicationIdRequest* request,
      v1::FenceChannelApplicationIdResponse* response) override;
  grpc::ServerUnaryReactor* Deregister(grpc::CallbackServerContext* context,
                                       const v1::DeregisterRequest* request,
                                       v1::DeregisterResponse* response) override;
  grpc::ServerWriteReactor<v1::StreamEventsResponse>* StreamEvents(
      grpc::CallbackServerContext* context, const v1::StreamEventsRequest* request) override;
  grpc::ServerUnaryReactor* ListNotifications(grpc::CallbackServerContext* context,
                                              const v1::ListNotificationsRequest* request,
                                              v1::ListNotificationsResponse* response) override;
  grpc::ServerUnaryReactor* ListUndeliveredNotifications(
      grpc::CallbackServerContext* context, const v1::ListUndeliveredNotificationsRequest* request,
      v1::ListUndeliveredNotificationsResponse* response) override;
  grpc::ServerUnaryReactor* SetDutyReviewers(grpc::CallbackServerContext* context,
                                             const v1::SetDutyReviewersRequest* request,
                                             v1::SetDutyReviewersResponse* response) override;
  grpc::ServerUnaryReactor* ListDutyReviewers(grpc::CallbackServerContext* context,
                                              const v1::ListDutyReviewersRequest* request,
                                              v1::ListDutyReviewersResponse* response) override;
  grpc::ServerUnaryReactor* ReportRegionContact(grpc::CallbackServerContext* context,
                                                const v1::ReportRegionContactRequest* request,
                                                v1::ReportRegionContactResponse* response) override;
  grpc::ServerUnaryReactor* GetReportedRegionContact(
      grpc::CallbackServerContext* context, const v1::GetReportedRegionContactRequest* request,
      v1::GetReportedRegionContactResponse* response) override;
  grpc::ServerUnaryReactor* ListReportedRegionContacts(
      grpc::CallbackServerContext* context, const v1::ListReportedRegionContactsRequest* request,
      v1::ListReportedRegionContactsResponse* response) override;

 private:
  RequestRules Rules() const;

  Dependencies deps_;
  log::Logger logger_;
  // The registration form's rules on deps_.regions, deps_.clock and deps_.province_code.
  forms::FormValidator form_validator_;
};

}  // namespace unemployment::registration
