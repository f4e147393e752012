#pragma once

// Shape checks of the RegistrationService requests, done by the handler before the domain runs:
// every violation found is reported at once as INVALID_ARGUMENT with a google.rpc.BadRequest
// (status::InvalidArgumentError). String fields are trimmed (and forms normalised) in place, so the
// domain stores and compares what was validated. Checks that need stored state (a decision date
// before the receipt date, ...) are the domain's.

#include <string>

#include "absl/status/status.h"
#include "absl/time/civil_time.h"
#include "common/forms/form_validator.h"
#include "common/validation/region_directory.h"
#include "unemployment/registration/v1/registration_service.pb.h"

namespace unemployment::registration {

struct RequestRules {
  // Not owned.
  const validation::RegionDirectory* regions = nullptr;
  // The registration form's rules, shared with the gateway (common/forms); it knows the province
  // this deployment serves. Not owned.
  const forms::FormValidator* form_validator = nullptr;
  // Today in China.
  absl::CivilDay today;
};

absl::Status ValidateCreateApplication(v1::CreateApplicationRequest& request,
                                       const RequestRules& rules);
absl::Status ValidateGetApplication(v1::GetApplicationRequest& request);
absl::Status ValidateListReviewQueue(v1::ListReviewQueueRequest& request, const RequestRules& rules);
absl::Status ValidateReviewApplication(v1::ReviewApplicationRequest& request,
                                       const RequestRules& rules);
absl::Status ValidateGetRegistration(v1::GetRegistrationRequest& request);
absl::Status ValidateGetActiveRegistrationByPerson(v1::GetActiveRegistrationByPersonRequest& request,
                                                   const RequestRules& rules);
absl::Status ValidateAmendDecision(v1::AmendDecisionRequest& request);
absl::Status ValidateFenceChannelApplicationId(v1::FenceChannelApplicationIdRequest& request);
absl::Status ValidateGetApplicationByChannelId(v1::GetApplicationByChannelIdRequest& request);
absl::Status ValidateDeregister(v1::DeregisterRequest& request, const RequestRules& rules);
absl::Status ValidateStreamEvents(const v1::StreamEventsRequest& request);
absl::Status ValidateListUndeliveredNotifications(v1::ListUndeliveredNotificationsRequest& request,
                                                 const RequestRules& rules);
absl::Status ValidateListNotifications(v1::ListNotificationsRequest& request);
absl::Status ValidateSetDutyReviewers(v1::SetDutyReviewersRequest& request,
                                      const RequestRules& rules);
absl::Status ValidateListDutyReviewers(v1::ListDutyReviewersRequest& request,
                                       const RequestRules& rules);
absl::Status ValidateReportRegionContact(v1::ReportRegionContactRequest& request,
                                         const RequestRules& rules);
absl::Status ValidateGetReportedRegionContact(v1::GetReportedRegionContactRequest& request);
absl::Status ValidateListReportedRegionContacts(v1::ListReportedRegionContactsRequest& request);

}  // namespace unemployment::registration
