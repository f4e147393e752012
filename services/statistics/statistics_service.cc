#include "services/statistics/statistics_service.h"

#include <utility>

#include "absl/strings/str_join.h"
#include "common/security/call_guard.h"
#include "common/server/unary_handler.h"
#include "common/status/status_util.h"
#include "services/statistics/request_validation.h"

namespace unemployment::statistics {
namespace {

// The region a request asks about (every statistics request names one; validation requires it).
const std::string& RegionOf(const v1::GetUrbanRegisteredUnemployedRequest& r) {
  return r.region_code();
}
const std::string& RegionOf(const v1::GetBreakdownRequest& r) { return r.region_code(); }
const std::string& RegionOf(const v1::GetFlowsRequest& r) { return r.region_code(); }
const std::string& RegionOf(const v1::GetServiceIndicatorsRequest& r) { return r.region_code(); }
const std::string& RegionOf(const v1::CheckReportConsistencyRequest& r) {
  return r.spec().region_code();
}
const std::string& RegionOf(const v1::ExportReportRequest& r) { return r.spec().region_code(); }
const std::string& RegionOf(const v1::ListOfficesWithoutDutyReviewerRequest& r) {
  return r.region_code();
}
const std::string& RegionOf(const v1::ListSilentOfficesRequest& r) { return r.region_code(); }
const std::string& RegionOf(const v1::ListRegionsWithoutContactReportRequest& r) {
  return r.region_code();
}

}  // namespace

StatisticsServiceImpl::StatisticsServiceImpl(Dependencies dependencies, log::Logger logger)
    : deps_(std::move(dependencies)), logger_(std::move(logger)) {}

template <typename Request, typename Response, typename Validate, typename Call>
grpc::ServerUnaryReactor* StatisticsServiceImpl::Read(grpc::CallbackServerContext* context,
                                                      absl::string_view method,
                                                      const Request* request, Response* response,
                                                      Validate validate, Call call) {
  return server::HandleUnary(
      context, logger_, method, request, response,
      [this, context, &validate](Request& r) {
        absl::Status valid = validate(r, deps_.clock->Today());
        // A region outside the caller's scope (another county, the caller's city or the province
        // for a county's staff) is refused; security off: province scope.
        if (valid.ok()) valid = security::RequireRegion(*context, RegionOf(r));
        // While the read model loads after a restart: UNAVAILABLE, READ_MODEL_LOADING.
        if (valid.ok() && model_ready_) valid = model_ready_();
        return valid;
      },
      [this, context, &call](const Request& r) {
        const int64_t threshold =
            security::CallerRegionScope(*context) == "*" ? 0 : deps_.disclosure_threshold;
        return call(r, threshold);
      });
}

grpc::ServerUnaryReactor* StatisticsServiceImpl::GetUrbanRegisteredUnemployed(
    grpc::CallbackServerContext* context, const v1::GetUrbanRegisteredUnemployedRequest* request,
    v1::GetUrbanRegisteredUnemployedResponse* response) {
  return Read(context, "GetUrbanRegisteredUnemployed", request, response,
              ValidateGetUrbanRegisteredUnemployed, [this](const auto& r, int64_t t) {
                return deps_.statistics->GetUrbanRegisteredUnemployed(r, t);
              });
}

grpc::ServerUnaryReactor* StatisticsServiceImpl::GetBreakdown(
    grpc::CallbackServerContext* context, const v1::GetBreakdownRequest* request,
    v1::GetBreakdownResponse* response) {
  return Read(context, "GetBreakdown", request, response, ValidateGetBreakdown,
              [this](const auto& r, int64_t t) { return deps_.statistics->GetBreakdown(r, t); });
}

grpc::ServerUnaryReactor* StatisticsServiceImpl::GetFlows(grpc::CallbackServerContext* context,
                                                          const v1::GetFlowsRequest* request,
                                                          v1::GetFlowsResponse* response) {
  return Read(context, "GetFlows", request, response, ValidateGetFlows,
              [this](const auto& r, int64_t t) { return deps_.statistics->GetFlows(r, t); });
}

grpc::ServerUnaryReactor* StatisticsServiceImpl::GetServiceIndicators(
    grpc::CallbackServerContext* context, const v1::GetServiceIndicatorsRequest* request,
    v1::GetServiceIndicatorsResponse* response) {
  return Read(context, "GetServiceIndicators", request, response, ValidateGetServiceIndicators,
              [this, context](const auto& r,
                              int64_t t) -> absl::StatusOr<v1::GetServiceIndicatorsResponse> {
                absl::StatusOr<IndicatorsResult> result =
                    deps_.statistics->GetServiceIndicators(r, t);
                if (!result.ok()) return result.status();
                if (!result->unavailable.empty()) {
                  context->AddTrailingMetadata(kUnavailableIndicatorsKey,
                                               absl::StrJoin(result->unavailable, ","));
                }
                return std::move(result->response);
              });
}

grpc::ServerUnaryReactor* StatisticsServiceImpl::CheckReportConsistency(
    grpc::CallbackServerContext* context, const v1::CheckReportConsistencyRequest* request,
    v1::CheckReportConsistencyResponse* response) {
  return Read(
      context, "CheckReportConsistency", request, response, ValidateCheckReportConsistency,
      [this](const auto& r, int64_t t) { return deps_.statistics->CheckReportConsistency(r, t); });
}

grpc::ServerUnaryReactor* StatisticsServiceImpl::ExportReport(
    grpc::CallbackServerContext* context, const v1::ExportReportRequest* request,
    v1::ExportReportResponse* response) {
  return Read(context, "ExportReport", request, response, ValidateExportReport,
              [this](const auto& r, int64_t t) { return deps_.statistics->ExportReport(r, t); });
}

grpc::ServerUnaryReactor* StatisticsServiceImpl::GetFeedStatus(
    grpc::CallbackServerContext* context, const v1::GetFeedStatusRequest* /*request*/,
    v1::GetFeedStatusResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  if (deps_.feed_status) {
    for (v1::FeedCursor& cursor : deps_.feed_status()) *response->add_cursors() = std::move(cursor);
  }
  server::FinishUnary(reactor, logger_, "GetFeedStatus", absl::OkStatus());
  return reactor;
}

absl::Status StatisticsServiceImpl::DutyAvailable() const {
  if (deps_.duty != nullptr) return absl::OkStatus();
  return absl::FailedPreconditionError("this statistics server has no duty oversight configured");
}

grpc::ServerUnaryReactor* StatisticsServiceImpl::ListOfficesWithoutDutyReviewer(
    grpc::CallbackServerContext* context, const v1::ListOfficesWithoutDutyReviewerRequest* request,
    v1::ListOfficesWithoutDutyReviewerResponse* response) {
  return Read(
      context, "ListOfficesWithoutDutyReviewer", request, response,
      ValidateListOfficesWithoutDutyReviewer,
      [this](const auto& r, int64_t) -> absl::StatusOr<v1::ListOfficesWithoutDutyReviewerResponse> {
        if (absl::Status available = DutyAvailable(); !available.ok()) return available;
        return deps_.duty->ListOfficesWithoutDutyReviewer(r);
      });
}

grpc::ServerUnaryReactor* StatisticsServiceImpl::ListSilentOffices(
    grpc::CallbackServerContext* context, const v1::ListSilentOfficesRequest* request,
    v1::ListSilentOfficesResponse* response) {
  return Read(context, "ListSilentOffices", request, response, ValidateListSilentOffices,
              [this](const auto& r, int64_t) -> absl::StatusOr<v1::ListSilentOfficesResponse> {
                if (absl::Status available = DutyAvailable(); !available.ok()) return available;
                return deps_.duty->ListSilentOffices(r);
              });
}

grpc::ServerUnaryReactor* StatisticsServiceImpl::ListRegionsWithoutContactReport(
    grpc::CallbackServerContext* context, const v1::ListRegionsWithoutContactReportRequest* request,
    v1::ListRegionsWithoutContactReportResponse* response) {
  return Read(context, "ListRegionsWithoutContactReport", request, response,
              ValidateListRegionsWithoutContactReport,
              [this](const auto& r,
                     int64_t) -> absl::StatusOr<v1::ListRegionsWithoutContactReportResponse> {
                if (absl::Status available = DutyAvailable(); !available.ok()) return available;
                return deps_.duty->ListRegionsWithoutContactReport(r);
              });
}

}  // namespace unemployment::statistics
