#pragma once

// The statistics domain: answers the StatisticsService questions from the in-memory read model and
// the region directory. Takes validated, normalized requests (request_validation.h: as_of filled
// in, dates well-formed and not in the future) and returns proto messages or an absl::Status; no
// gRPC types here.
//
// What needs tiering's or follow-up's feed (documented in README.md): when the component does not
// consume that feed (FeedSources),
//   - the TYPE breakdown asked for explicitly is FAILED_PRECONDITION (reason
//     TYPE_BREAKDOWN_UNAVAILABLE), and "all dimensions" leaves it out;
//   - GetServiceIndicators leaves plan_fulfilment (tiering) or follow_up_coverage and the fraud
//     counts (follow-up) empty / 0 and names those parts in IndicatorsResult::unavailable (the
//     handler sends them as trailing metadata); report tables show them as empty cells that are
//     never compared.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/validation/region_directory.h"
#include "services/statistics/read_model.h"
#include "services/statistics/report_table.h"
#include "unemployment/statistics/v1/statistics_service.pb.h"

namespace unemployment::statistics {

// The indicator parts this build cannot compute, as named in IndicatorsResult::unavailable.
inline constexpr char kUnavailableFollowUpCoverage[] = "follow_up_coverage";
inline constexpr char kUnavailablePlanFulfilment[] = "plan_fulfilment";
inline constexpr char kUnavailableFraudCases[] = "fraud_cases";

struct IndicatorsResult {
  v1::GetServiceIndicatorsResponse response;
  // Parts of the response that are not computed (see above), in field order.
  std::vector<std::string> unavailable;
};

// Which of the other services' feeds the read model is fed by.
struct FeedSources {
  bool tiering = false;
  bool followup = false;
};

// Disclosure control (disclosure.h): every method takes `threshold`, the disclosure threshold for
// this caller: 0 (province scope, and the default) answers exact figures; otherwise figures below
// it are withheld with complementary suppression and marked.
class Statistics final {
 public:
  Statistics(const ReadModel& model, const validation::RegionDirectory& regions,
             FeedSources sources = {});

  absl::StatusOr<v1::GetUrbanRegisteredUnemployedResponse> GetUrbanRegisteredUnemployed(
      const v1::GetUrbanRegisteredUnemployedRequest& request, int64_t threshold = 0) const;
  absl::StatusOr<v1::GetBreakdownResponse> GetBreakdown(const v1::GetBreakdownRequest& request,
                                                        int64_t threshold = 0) const;
  absl::StatusOr<v1::GetFlowsResponse> GetFlows(const v1::GetFlowsRequest& request,
                                                int64_t threshold = 0) const;
  absl::StatusOr<IndicatorsResult> GetServiceIndicators(
      const v1::GetServiceIndicatorsRequest& request, int64_t threshold = 0) const;
  absl::StatusOr<v1::CheckReportConsistencyResponse> CheckReportConsistency(
      const v1::CheckReportConsistencyRequest& request, int64_t threshold = 0) const;
  absl::StatusOr<v1::ExportReportResponse> ExportReport(const v1::ExportReportRequest& request,
                                                        int64_t threshold = 0) const;

  // The table of a report spec (validated and normalized), with its cells withheld below
  // `threshold` (ReportRow::suppressed).
  absl::StatusOr<ReportTable> ComputeReport(const v1::ReportSpec& spec,
                                            int64_t threshold = 0) const;

 private:
  // NOT_FOUND (reason REGION_NOT_FOUND) for a code the directory does not know.
  absl::StatusOr<const validation::Region*> FindRegion(const std::string& code) const;
  OfficeFilter OfficesOf(const validation::Region& region) const;
  // The table with exact figures and its groups (ComputeReport withholds below the threshold).
  absl::StatusOr<ReportTable> ComputeExactReport(const v1::ReportSpec& spec) const;

  const ReadModel& model_;
  const validation::RegionDirectory& regions_;
  const FeedSources sources_;
};

}  // namespace unemployment::statistics
