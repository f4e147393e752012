#pragma once

// Validation and normalization of the statistics requests, before the domain sees them. Each
// function trims text fields, fills documented defaults (as_of = today) in place and returns OK
// or INVALID_ARGUMENT with a google.rpc.BadRequest listing every violation (rule names of
// unemployment/common/v1/form.proto, plus DUPLICATE for a value given twice and OUT_OF_RANGE for a
// negative figure). Whether a well-formed region code exists is the domain's (NOT_FOUND).

#include "absl/status/status.h"
#include "absl/time/civil_time.h"
#include "unemployment/statistics/v1/statistics_service.pb.h"

namespace unemployment::statistics {


// Largest CSV accepted by CheckReportConsistency.
inline constexpr size_t kMaxReportCsvBytes = 4 * 1024 * 1024;
// Most cells of a ReportTable.
inline constexpr int kMaxReportCells = 10000;

absl::Status ValidateGetUrbanRegisteredUnemployed(v1::GetUrbanRegisteredUnemployedRequest& request,
                                                  absl::CivilDay today);
absl::Status ValidateGetBreakdown(v1::GetBreakdownRequest& request, absl::CivilDay today);
absl::Status ValidateGetFlows(v1::GetFlowsRequest& request, absl::CivilDay today);
absl::Status ValidateGetServiceIndicators(v1::GetServiceIndicatorsRequest& request,
                                          absl::CivilDay today);
absl::Status ValidateCheckReportConsistency(v1::CheckReportConsistencyRequest& request,
                                            absl::CivilDay today);
absl::Status ValidateExportReport(v1::ExportReportRequest& request, absl::CivilDay today);
absl::Status ValidateListOfficesWithoutDutyReviewer(v1::ListOfficesWithoutDutyReviewerRequest& request,
                                                    absl::CivilDay today);
absl::Status ValidateListSilentOffices(v1::ListSilentOfficesRequest& request, absl::CivilDay today);
absl::Status ValidateListRegionsWithoutContactReport(
    v1::ListRegionsWithoutContactReportRequest& request, absl::CivilDay today);

}  // namespace unemployment::statistics
