#pragma once

// Shape checks of the TieringService requests, done by the handler before the domain runs: every
// violation found is reported at once as INVALID_ARGUMENT with a google.rpc.BadRequest (rule names
// of unemployment/common/v1/form.proto). String fields are trimmed in place, so the domain stores
// what was validated. Checks that need stored state or the rules data (an unknown criterion code,
// a date before the application) are the domain's.

#include "absl/status/status.h"
#include "absl/time/civil_time.h"
#include "unemployment/tiering/v1/tiering_service.pb.h"

namespace unemployment::tiering {

absl::Status ValidateGetLevel(v1::GetLevelRequest& request);
absl::Status ValidateGetServicePlan(v1::GetServicePlanRequest& request);
absl::Status ValidateGetProfile(v1::GetProfileRequest& request);
absl::Status ValidateUpdateProfile(v1::UpdateProfileRequest& request);
absl::Status ValidateRecordServiceDelivery(v1::RecordServiceDeliveryRequest& request,
                                           absl::CivilDay today);
// The corrected delivery is checked as RecordServiceDelivery's (paths "corrected.*"); its
// registration_id, staff_id and output fields are cleared (not amendable).
absl::Status ValidateAmendServiceDelivery(v1::AmendServiceDeliveryRequest& request,
                                          absl::CivilDay today);
absl::Status ValidateListServiceDeliveries(v1::ListServiceDeliveriesRequest& request);
absl::Status ValidateListPlanGaps(v1::ListPlanGapsRequest& request);
absl::Status ValidateGetPlanFulfilment(v1::GetPlanFulfilmentRequest& request, absl::CivilDay today);
absl::Status ValidateGetCatalog(v1::GetCatalogRequest& request);
absl::Status ValidatePublishCatalogVersion(v1::PublishCatalogVersionRequest& request);
absl::Status ValidateListDifficultyCriteria(v1::ListDifficultyCriteriaRequest& request);
absl::Status ValidateIdentifyEmploymentDifficulty(v1::IdentifyEmploymentDifficultyRequest& request,
                                                  absl::CivilDay today);
absl::Status ValidateDecideEmploymentDifficulty(v1::DecideEmploymentDifficultyRequest& request,
                                                absl::CivilDay today);
absl::Status ValidateStreamEvents(const v1::StreamEventsRequest& request);

}  // namespace unemployment::tiering
