#pragma once

// gRPC handler of unemployment.statistics.v1.StatisticsService (callback API): validate and
// normalize the request, check its region against the caller's region scope (PERMISSION_DENIED
// OUTSIDE_REGION_SCOPE outside it: security::RequireRegion), call the domain (Statistics) with the
// caller's disclosure threshold (0 for province scope, else Dependencies::disclosure_threshold),
// turn the status into a grpc::Status with google.rpc details. Every answer comes from memory, so
// handlers finish inline. The audit entry of each call is written by the security guard (policy:
// data `aggregate`).

#include <functional>
#include <utility>
#include <vector>

#include "common/log/logger.h"
#include "common/time/clock.h"
#include "services/statistics/disclosure.h"
#include "services/statistics/duty_oversight.h"
#include "services/statistics/statistics.h"
#include "unemployment/statistics/v1/statistics_service.grpc.pb.h"

namespace unemployment::statistics {

// Trailing metadata key of GetServiceIndicators naming the parts not computed (comma-separated:
// follow_up_coverage, plan_fulfilment, fraud_cases).
inline constexpr char kUnavailableIndicatorsKey[] = "ue-unavailable-indicators";

class StatisticsServiceImpl final : public v1::StatisticsService::CallbackService {
 public:
  struct Dependencies {
    const Statistics* statistics = nullptr;
    const time::Clock* clock = nullptr;
    // The cursors of every feed consumed, sorted by feed name.
    std::function<std::vector<v1::FeedCursor>()> feed_status;
    // The duty-rule lists; when null they answer FAILED_PRECONDITION.
    const DutyOversight* duty = nullptr;
    // Disclosure control for callers below province scope (disclosure.h); 1: none.
    int64_t disclosure_threshold = kDefaultDisclosureThreshold;
  };

  StatisticsServiceImpl(Dependencies dependencies, log::Logger logger);

  // `ready` answers OK once the read model is loaded; until then the figures and lists answer its
  // error (UNAVAILABLE, reason READ_MODEL_LOADING). Unset: always loaded. Call before serving.
  void SetModelReady(std::function<absl::Status()> ready) { model_ready_ = std::move(ready); }

  grpc::ServerUnaryReactor* GetUrbanRegisteredUnemployed(
      grpc::CallbackServerContext* context, const v1::GetUrbanRegisteredUnemployedRequest* request,
      v1::GetUrbanRegisteredUnemployedResponse* response) override;
  grpc::ServerUnaryReactor* GetBreakdown(grpc::CallbackServerContext* context,
                                         const v1::GetBreakdownRequest* request,
                                         v1::GetBreakdownResponse* response) override;
  grpc::ServerUnaryReactor* GetFlows(grpc::CallbackServerContext* context,
                                     const v1::GetFlowsRequest* request,
                                     v1::GetFlowsResponse* response) override;
  grpc::ServerUnaryReactor* GetServiceIndicators(
      grpc::CallbackServerContext* context, const v1::GetServiceIndicatorsRequest* request,
      v1::GetServiceIndicatorsResponse* response) override;
  grpc::ServerUnaryReactor* CheckReportConsistency(
      grpc::CallbackServerContext* context, const v1::CheckReportConsistencyRequest* request,
      v1::CheckReportConsistencyResponse* response) override;
  grpc::ServerUnaryReactor* ExportReport(grpc::CallbackServerContext* context,
                                         const v1::ExportReportRequest* request,
                                         v1::ExportReportResponse* response) override;
  grpc::ServerUnaryReactor* GetFeedStatus(grpc::CallbackServerContext* context,
                                          const v1::GetFeedStatusRequest* request,
                                          v1::GetFeedStatusResponse* response) override;
  grpc::ServerUnaryReactor* ListOfficesWithoutDutyReviewer(
      grpc::CallbackServerContext* context,
      const v1::ListOfficesWithoutDutyReviewerRequest* request,
      v1::ListOfficesWithoutDutyReviewerResponse* response) override;
  grpc::ServerUnaryReactor* ListSilentOffices(grpc::CallbackServerContext* context,
                                              const v1::ListSilentOfficesRequest* request,
                                              v1::ListSilentOfficesResponse* response) override;
  grpc::ServerUnaryReactor* ListRegionsWithoutContactReport(
      grpc::CallbackServerContext* context,
      const v1::ListRegionsWithoutContactReportRequest* request,
      v1::ListRegionsWithoutContactReportResponse* response) override;

 private:
  // server::HandleUnary with this service's common steps: validate a copy as of today, check its
  // region against the caller's scope, call with the caller's disclosure threshold.
  template <typename Request, typename Response, typename Validate, typename Call>
  grpc::ServerUnaryReactor* Read(grpc::CallbackServerContext* context, absl::string_view method,
                                 const Request* request, Response* response, Validate validate,
                                 Call call);

  absl::Status DutyAvailable() const;

  Dependencies deps_;
  std::function<absl::Status()> model_ready_;
  log::Logger logger_;
};

}  // namespace unemployment::statistics
