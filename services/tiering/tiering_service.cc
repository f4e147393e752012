#include "services/tiering/tiering_service.h"

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/feed/event_stream.h"
#include "common/security/actor.h"
#include "common/security/call_guard.h"
#include "common/server/unary_handler.h"
#include "common/status/macros.h"
#include "common/status/status_util.h"
#include "services/tiering/request_validation.h"

namespace unemployment::tiering {

TieringServiceImpl::TieringServiceImpl(Tiering& tiering, const time::Clock& clock,
                                       feed::EventNotifier& notifier, log::Logger logger)
    : tiering_(tiering), clock_(clock), notifier_(notifier), logger_(std::move(logger)) {}

absl::Status TieringServiceImpl::RegistrationInScope(const grpc::CallbackServerContext& context,
                                                     const std::string& registration_id) {
  return security::RequireRecordInScope(context, [this, &registration_id] {
    return tiering_.profiles.OfficeRegionOf(registration_id);
  });
}

grpc::ServerUnaryReactor* TieringServiceImpl::GetLevel(grpc::CallbackServerContext* context,
                                                       const v1::GetLevelRequest* request,
                                                       v1::GetLevelResponse* response) {
  return server::HandleUnary(
      context, logger_, "GetLevel", request, response,
      [this, context](v1::GetLevelRequest& r) {
        absl::Status valid = ValidateGetLevel(r);
        return valid.ok() ? RegistrationInScope(*context, r.registration_id()) : valid;
      },
      [this](const v1::GetLevelRequest& r) { return tiering_.profiles.GetLevel(r); });
}

grpc::ServerUnaryReactor* TieringServiceImpl::GetServicePlan(
    grpc::CallbackServerContext* context, const v1::GetServicePlanRequest* request,
    v1::GetServicePlanResponse* response) {
  return server::HandleUnary(
      context, logger_, "GetServicePlan", request, response,
      [this, context](v1::GetServicePlanRequest& r) {
        absl::Status valid = ValidateGetServicePlan(r);
        return valid.ok() ? RegistrationInScope(*context, r.registration_id()) : valid;
      },
      [this](const v1::GetServicePlanRequest& r) { return tiering_.plans.GetServicePlan(r); });
}

grpc::ServerUnaryReactor* TieringServiceImpl::GetProfile(grpc::CallbackServerContext* context,
                                                         const v1::GetProfileRequest* request,
                                                         v1::GetProfileResponse* response) {
  return server::HandleUnary(
      context, logger_, "GetProfile", request, response,
      [this, context](v1::GetProfileRequest& r) {
        absl::Status valid = ValidateGetProfile(r);
        return valid.ok() ? RegistrationInScope(*context, r.registration_id()) : valid;
      },
      [this](const v1::GetProfileRequest& r) { return tiering_.profiles.GetProfile(r); });
}

grpc::ServerUnaryReactor* TieringServiceImpl::UpdateProfile(grpc::CallbackServerContext* context,
                                                            const v1::UpdateProfileRequest* request,
                                                            v1::UpdateProfileResponse* response) {
  return server::HandleUnary(
      context, logger_, "UpdateProfile", request, response,
      [this, context](v1::UpdateProfileRequest& r) {
        // Staff ids are the caller's (security/actor.h), never a name typed into the request.
        RETURN_IF_ERROR(security::RecordActor(*context, "staff_id", r.mutable_staff_id(), logger_));
        absl::Status valid = ValidateUpdateProfile(r);
        return valid.ok() ? RegistrationInScope(*context, r.profile().registration_id()) : valid;
      },
      [this](const v1::UpdateProfileRequest& r) { return tiering_.profiles.UpdateProfile(r); });
}

grpc::ServerUnaryReactor* TieringServiceImpl::RecordServiceDelivery(
    grpc::CallbackServerContext* context, const v1::RecordServiceDeliveryRequest* request,
    v1::RecordServiceDeliveryResponse* response) {
  return server::HandleUnary(
      context, logger_, "RecordServiceDelivery", request, response,
      [this, context](v1::RecordServiceDeliveryRequest& r) {
        RETURN_IF_ERROR(security::RecordActor(*context, "delivery.staff_id",
                                              r.mutable_delivery()->mutable_staff_id(), logger_));
        absl::Status valid = ValidateRecordServiceDelivery(r, clock_.Today());
        return valid.ok() ? RegistrationInScope(*context, r.delivery().registration_id()) : valid;
      },
      [this](const v1::RecordServiceDeliveryRequest& r) {
        return tiering_.plans.RecordServiceDelivery(r);
      });
}

grpc::ServerUnaryReactor* TieringServiceImpl::ListServiceDeliveries(
    grpc::CallbackServerContext* context, const v1::ListServiceDeliveriesRequest* request,
    v1::ListServiceDeliveriesResponse* response) {
  return server::HandleUnary(
      context, logger_, "ListServiceDeliveries", request, response,
      [this, context](v1::ListServiceDeliveriesRequest& r) {
        absl::Status valid = ValidateListServiceDeliveries(r);
        return valid.ok() ? RegistrationInScope(*context, r.registration_id()) : valid;
      },
      [this](const v1::ListServiceDeliveriesRequest& r) {
        return tiering_.plans.ListServiceDeliveries(r);
      });
}

grpc::ServerUnaryReactor* TieringServiceImpl::AmendServiceDelivery(
    grpc::CallbackServerContext* context, const v1::AmendServiceDeliveryRequest* request,
    v1::AmendServiceDeliveryResponse* response) {
  return server::HandleUnary(
      context, logger_, "AmendServiceDelivery", request, response,
      [this, context](v1::AmendServiceDeliveryRequest& r) {
        // The amending staff member is the caller, never a name typed into the request.
        RETURN_IF_ERROR(security::RecordActor(*context, "actor", r.mutable_actor(), logger_));
        absl::Status valid = ValidateAmendServiceDelivery(r, clock_.Today());
        if (!valid.ok()) return valid;
        return security::RequireRecordInScope(*context, [this, &r] {
          return tiering_.plans.OfficeRegionOfDelivery(r.delivery_id());
        });
      },
      [this](const v1::AmendServiceDeliveryRequest& r) {
        return tiering_.plans.AmendServiceDelivery(r);
      });
}

grpc::ServerUnaryReactor* TieringServiceImpl::ListPlanGaps(grpc::CallbackServerContext* context,
                                                           const v1::ListPlanGapsRequest* request,
                                                           v1::ListPlanGapsResponse* response) {
  return server::HandleUnary(
      context, logger_, "ListPlanGaps", request, response,
      [context](v1::ListPlanGapsRequest& r) {
        absl::Status valid = ValidateListPlanGaps(r);
        // Staff of one region see only their region.
        return valid.ok() ? security::RequireRegion(*context, r.region_code()) : valid;
      },
      [this](const v1::ListPlanGapsRequest& r) { return tiering_.plans.ListPlanGaps(r); });
}

grpc::ServerUnaryReactor* TieringServiceImpl::GetPlanFulfilment(
    grpc::CallbackServerContext* context, const v1::GetPlanFulfilmentRequest* request,
    v1::GetPlanFulfilmentResponse* response) {
  return server::HandleUnary(
      context, logger_, "GetPlanFulfilment", request, response,
      [this, context](v1::GetPlanFulfilmentRequest& r) {
        absl::Status valid = ValidateGetPlanFulfilment(r, clock_.Today());
        return valid.ok() ? security::RequireRegion(*context, r.region_code()) : valid;
      },
      [this](const v1::GetPlanFulfilmentRequest& r) {
        return tiering_.plans.GetPlanFulfilment(r);
      });
}

grpc::ServerUnaryReactor* TieringServiceImpl::GetCatalog(grpc::CallbackServerContext* context,
                                                         const v1::GetCatalogRequest* request,
                                                         v1::GetCatalogResponse* response) {
  return server::HandleUnary(
      context, logger_, "GetCatalog", request, response,
      [](v1::GetCatalogRequest& r) { return ValidateGetCatalog(r); },
      [this](const v1::GetCatalogRequest& r) { return tiering_.catalogues.GetCatalog(r); });
}

grpc::ServerUnaryReactor* TieringServiceImpl::PublishCatalogVersion(
    grpc::CallbackServerContext* context, const v1::PublishCatalogVersionRequest* request,
    v1::PublishCatalogVersionResponse* response) {
  return server::HandleUnary(
      context, logger_, "PublishCatalogVersion", request, response,
      [this, context](v1::PublishCatalogVersionRequest& r) {
        RETURN_IF_ERROR(security::RecordActor(*context, "staff_id", r.mutable_staff_id(), logger_));
        return ValidatePublishCatalogVersion(r);
      },
      [this](const v1::PublishCatalogVersionRequest& r) {
        return tiering_.catalogues.PublishCatalogVersion(r);
      });
}

grpc::ServerUnaryReactor* TieringServiceImpl::ListDifficultyCriteria(
    grpc::CallbackServerContext* context, const v1::ListDifficultyCriteriaRequest* request,
    v1::ListDifficultyCriteriaResponse* response) {
  return server::HandleUnary(
      context, logger_, "ListDifficultyCriteria", request, response,
      [](v1::ListDifficultyCriteriaRequest& r) { return ValidateListDifficultyCriteria(r); },
      [this](const v1::ListDifficultyCriteriaRequest& r) {
        return tiering_.difficulty.ListDifficultyCriteria(r);
      });
}

grpc::ServerUnaryReactor* TieringServiceImpl::IdentifyEmploymentDifficulty(
    grpc::CallbackServerContext* context, const v1::IdentifyEmploymentDifficultyRequest* request,
    v1::IdentifyEmploymentDifficultyResponse* response) {
  return server::HandleUnary(
      context, logger_, "IdentifyEmploymentDifficulty", request, response,
      [this, context](v1::IdentifyEmploymentDifficultyRequest& r) {
        RETURN_IF_ERROR(security::RecordActor(*context, "staff_id", r.mutable_staff_id(), logger_));
        absl::Status valid = ValidateIdentifyEmploymentDifficulty(r, clock_.Today());
        return valid.ok() ? RegistrationInScope(*context, r.registration_id()) : valid;
      },
      [this](const v1::IdentifyEmploymentDifficultyRequest& r) {
        return tiering_.difficulty.IdentifyEmploymentDifficulty(r);
      });
}

grpc::ServerUnaryReactor* TieringServiceImpl::DecideEmploymentDifficulty(
    grpc::CallbackServerContext* context, const v1::DecideEmploymentDifficultyRequest* request,
    v1::DecideEmploymentDifficultyResponse* response) {
  return server::HandleUnary(
      context, logger_, "DecideEmploymentDifficulty", request, response,
      [this, context](v1::DecideEmploymentDifficultyRequest& r) {
        RETURN_IF_ERROR(security::RecordActor(*context, "staff_id", r.mutable_staff_id(), logger_));
        absl::Status valid = ValidateDecideEmploymentDifficulty(r, clock_.Today());
        if (!valid.ok()) return valid;
        return security::RequireRecordInScope(*context, [this, &r] {
          return tiering_.difficulty.OfficeRegionOfIdentification(r.identification_id());
        });
      },
      [this](const v1::DecideEmploymentDifficultyRequest& r) {
        return tiering_.difficulty.DecideEmploymentDifficulty(r);
      });
}

grpc::ServerWriteReactor<v1::StreamEventsResponse>* TieringServiceImpl::StreamEvents(
    grpc::CallbackServerContext* /*context*/, const v1::StreamEventsRequest* request) {
  absl::Status status = ValidateStreamEvents(*request);
  int64_t last = 0;
  if (status.ok()) {
    absl::StatusOr<int64_t> last_sequence = tiering_.profiles.LastEventSequence();
    status = last_sequence.status();
    if (last_sequence.ok()) last = *last_sequence;
  }
  if (status.ok()) status = feed::CheckCursor(request->after_sequence(), last);
  auto* stream = new feed::EventStream<v1::StreamEventsResponse>(
      [this](int64_t after, int limit) { return tiering_.profiles.ReadEvents(after, limit); },
      notifier_, request->after_sequence(), request->stop_at_end(), last,
      "the tiering service is shutting down; reconnect from the last applied sequence");
  if (!status.ok()) {
    server::LogIfServerFault(logger_, "StreamEvents", status);
    stream->Reject(status::ToGrpcStatus(status));
  } else {
    stream->Start();
  }
  return stream;
}

}  // namespace unemployment::tiering
