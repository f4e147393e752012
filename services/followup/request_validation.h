#pragma once

// Validation and normalization of the follow-up service's requests, before the domain sees them.
// Each function trims the request's text fields in place and returns OK or INVALID_ARGUMENT with a
// google.rpc.BadRequest listing every violation (rule names of unemployment/common/v1/form.proto).
// Checks that need stored data (NOT_FOUND, FAILED_PRECONDITION, a date before the registered date)
// are the domain's.

#include "absl/status/status.h"
#include "absl/time/civil_time.h"
#include "common/validation/region_directory.h"
#include "unemployment/followup/v1/followup_service.pb.h"

namespace unemployment::followup {


// What validation compares against: the day in China and the region directory.
struct RequestRules {
  absl::CivilDay today;
  const validation::RegionDirectory* regions = nullptr;
};

absl::Status ValidateRecordFollowUp(v1::RecordFollowUpRequest& request, const RequestRules& rules);
// The corrected follow-up is checked as RecordFollowUp's (paths "corrected.*"); its
// registration_id, staff_id and output fields are cleared (not amendable).
absl::Status ValidateAmendFollowUp(v1::AmendFollowUpRequest& request, const RequestRules& rules);
absl::Status ValidateListFollowUps(v1::ListFollowUpsRequest& request, const RequestRules& rules);
absl::Status ValidateListDueFollowUps(v1::ListDueFollowUpsRequest& request,
                                      const RequestRules& rules);
absl::Status ValidateGetFollowUpCoverage(v1::GetFollowUpCoverageRequest& request,
                                         const RequestRules& rules);
absl::Status ValidateSubmitSelfReport(v1::SubmitSelfReportRequest& request,
                                      const RequestRules& rules);
absl::Status ValidateListDeregistrationCandidates(v1::ListDeregistrationCandidatesRequest& request,
                                                  const RequestRules& rules);
absl::Status ValidateDecideDeregistrationCandidate(
    v1::DecideDeregistrationCandidateRequest& request, const RequestRules& rules);
absl::Status ValidateDeregisterRegistration(v1::DeregisterRegistrationRequest& request,
                                            const RequestRules& rules);
absl::Status ValidateRunNoContactSweep(v1::RunNoContactSweepRequest& request,
                                       const RequestRules& rules);
absl::Status ValidateRunMonthlyComparison(v1::RunMonthlyComparisonRequest& request,
                                          const RequestRules& rules);
absl::Status ValidateStreamEvents(const v1::StreamEventsRequest& request);
absl::Status ValidateOpenFraudCase(v1::OpenFraudCaseRequest& request, const RequestRules& rules);
absl::Status ValidateGetFraudCase(v1::GetFraudCaseRequest& request);
absl::Status ValidateRecordFraudInvestigation(v1::RecordFraudInvestigationRequest& request,
                                              const RequestRules& rules);
absl::Status ValidateConcludeFraudCase(v1::ConcludeFraudCaseRequest& request,
                                       const RequestRules& rules);
absl::Status ValidateListFraudCases(v1::ListFraudCasesRequest& request, const RequestRules& rules);
absl::Status ValidateSubmitMonthlyFraudReport(v1::SubmitMonthlyFraudReportRequest& request,
                                              const RequestRules& rules);
absl::Status ValidateGetFraudReportCompliance(v1::GetFraudReportComplianceRequest& request,
                                              const RequestRules& rules);
absl::Status ValidateGetMonthlyFraudReport(v1::GetMonthlyFraudReportRequest& request,
                                           const RequestRules& rules);
absl::Status ValidateListUndeliveredCreditRecords(v1::ListUndeliveredCreditRecordsRequest& request);
absl::Status ValidateExportCreditRecords(v1::ExportCreditRecordsRequest& request,
                                         const RequestRules& rules);

}  // namespace unemployment::followup
