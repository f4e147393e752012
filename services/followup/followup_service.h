#pragma once

// gRPC handler of unemployment.followup.v1.FollowupService (callback API): validate and normalize
// the request, call the domain (FollowupManager, FraudDesk), turn the status into a grpc::Status
// with google.rpc details. RunMonthlyComparison runs through MonthlyComparison; StreamEvents serves
// this service's own feed with a feed::EventStream reactor that waits on the feed::EventNotifier.

#include <string>

#include "common/feed/event_notifier.h"
#include "common/log/logger.h"
#include "common/time/clock.h"
#include "common/validation/region_directory.h"
#include "services/followup/followup_manager.h"
#include "services/followup/followup_store.h"
#include "services/followup/fraud_desk.h"
#include "services/followup/monthly_comparison.h"
#include "services/followup/request_validation.h"
#include "unemployment/followup/v1/followup_service.grpc.pb.h"

namespace unemployment::followup {

class FollowupServiceImpl final : public v1::FollowupService::CallbackService {
 public:
  struct Dependencies {
    FollowupManager* followups = nullptr;
    FraudDesk* fraud = nullptr;
    const validation::RegionDirectory* regions = nullptr;
    const time::Clock* clock = nullptr;
    MonthlyComparison* comparison = nullptr;
    // The feed of StreamEvents and what wakes its streams.
    FollowupStore* feed = nullptr;
    feed::EventNotifier* notifier = nullptr;
  };

  FollowupServiceImpl(Dependencies dependencies, log::Logger logger);

  grpc::ServerUnaryReactor* RecordFollowUp(grpc::CallbackServerContext* context,
                                           const v1::RecordFollowUpRequest* request,
                                           v1::RecordFollowUpResponse* response) override;
  grpc::ServerUnaryReactor* ListFollowUps(grpc::CallbackServerContext* context,
                                          const v1::ListFollowUpsRequest* request,
                                          v1::ListFollowUpsResponse* response) override;
  grpc::ServerUnaryReactor* AmendFollowUp(grpc::CallbackServerContext* context,
                                          const v1::AmendFollowUpRequest* request,
                                          v1::AmendFollowUpResponse* response) override;
  grpc::ServerUnaryReactor* ListDueFollowUps(grpc::CallbackServerContext* context,
                                             const v1::ListDueFollowUpsRequest* request,
                                             v1::ListDueFollowUpsResponse* response) override;
  grpc::ServerUnaryReactor* GetFollowUpCoverage(grpc::CallbackServerContext* context,
                                                const v1::GetFollowUpCoverageRequest* request,
                                                v1::GetFollowUpCoverageResponse* response) override;
  grpc::ServerUnaryReactor* SubmitSelfReport(grpc::CallbackServerContext* context,
                                             const v1::SubmitSelfReportRequest* request,
                                             v1::SubmitSelfReportResponse* response) override;
  grpc::ServerUnaryReactor* RunMonthlyComparison(
      grpc::CallbackServerContext* context, const v1::RunMonthlyComparisonRequest* request,
      v1::RunMonthlyComparisonResponse* response) override;
  grpc::ServerUnaryReactor* ListDeregistrationCandidates(
      grpc::CallbackServerContext* context, const v1::ListDeregistrationCandidatesRequest* request,
      v1::ListDeregistrationCandidatesResponse* response) override;
  grpc::ServerUnaryReactor* DecideDeregistrationCandidate(
      grpc::CallbackServerContext* context, const v1::DecideDeregistrationCandidateRequest* request,
      v1::DecideDeregistrationCandidateResponse* response) override;
  grpc::ServerUnaryReactor* DeregisterRegistration(
      grpc::CallbackServerContext* context, const v1::DeregisterRegistrationRequest* request,
      v1::DeregisterRegistrationResponse* response) override;
  grpc::ServerUnaryReactor* RunNoContactSweep(grpc::CallbackServerContext* context,
                                              const v1::RunNoContactSweepRequest* request,
                                              v1::RunNoContactSweepResponse* response) override;
  grpc::ServerUnaryReactor* OpenFraudCase(grpc::CallbackServerContext* context,
                                          const v1::OpenFraudCaseRequest* request,
                                          v1::OpenFraudCaseResponse* response) override;
  grpc::ServerUnaryReactor* GetFraudCase(grpc::CallbackServerContext* context,
                                         const v1::GetFraudCaseRequest* request,
                                         v1::GetFraudCaseResponse* response) override;
  grpc::ServerUnaryReactor* RecordFraudInvestigation(
      grpc::CallbackServerContext* context, const v1::RecordFraudInvestigationRequest* request,
      v1::RecordFraudInvestigationResponse* response) override;
  grpc::ServerUnaryReactor* ConcludeFraudCase(grpc::CallbackServerContext* context,
                                              const v1::ConcludeFraudCaseRequest* request,
                                              v1::ConcludeFraudCaseResponse* response) override;
  grpc::ServerUnaryReactor* ListFraudCases(grpc::CallbackServerContext* context,
                                           const v1::ListFraudCasesRequest* request,
                                           v1::ListFraudCasesResponse* response) override;
  grpc::ServerUnaryReactor* SubmitMonthlyFraudReport(
      grpc::CallbackServerContext* context, const v1::SubmitMonthlyFraudReportRequest* request,
      v1::SubmitMonthlyFraudReportResponse* response) override;
  grpc::ServerUnaryReactor* GetFraudReportCompliance(
      grpc::CallbackServerContext* context, const v1::GetFraudReportComplianceRequest* request,
      v1::GetFraudReportComplianceResponse* response) override;
  grpc::ServerUnaryReactor* GetMonthlyFraudReport(
      grpc::CallbackServerContext* context, const v1::GetMonthlyFraudReportRequest* request,
      v1::GetMonthlyFraudReportResponse* response) override;
  grpc::ServerUnaryReactor* ExportCreditRecords(grpc::CallbackServerContext* context,
                                                const v1::ExportCreditRecordsRequest* request,
                                                v1::ExportCreditRecordsResponse* response) override;
  grpc::ServerWriteReactor<v1::StreamEventsResponse>* StreamEvents(
      grpc::CallbackServerContext* context, const v1::StreamEventsRequest* request) override;
  grpc::ServerUnaryReactor* ListUndeliveredCreditRecords(
      grpc::CallbackServerContext* context, const v1::ListUndeliveredCreditRecordsRequest* request,
      v1::ListUndeliveredCreditRecordsResponse* response) override;

 private:
  RequestRules Rules() const;
  // OK when the caller's region scope covers the office of the registration (fraud case) that a
  // request names by id; otherwise PERMISSION_DENIED OUTSIDE_REGION_SCOPE, the same for an unknown
  // id (security::RequireRecordInScope). Province-wide callers pass without a lookup.
  absl::Status RegistrationInScope(const grpc::CallbackServerContext& context,
                                   const std::string& registration_id) const;
  absl::Status FraudCaseInScope(const grpc::CallbackServerContext& context,
                                const std::string& case_id) const;

  Dependencies deps_;
  log::Logger logger_;
};

}  // namespace unemployment::followup
