#pragma once

// The domain of fraud cases (提供虚假信息骗取失业保险待遇、就业创业扶持政策): open, investigate,
// conclude; each city's monthly report of confirmed cases, due on the 30th (the last day in
// February) and marked ON_TIME or LATE on submission; the export of confirmed cases as credit
// records. Requests arrive validated (request_validation.h); no gRPC types.

#include <functional>

#include "absl/status/statusor.h"
#include "common/log/logger.h"
#include "common/time/clock.h"
#include "common/validation/region_directory.h"
#include "services/followup/domain_util.h"
#include "services/followup/followup_store.h"

namespace unemployment::followup {

// More records than this make ExportCreditRecords fail with EXPORT_TOO_LARGE.
inline constexpr int kMaxExportRecords = 100000;
// An unpaged export larger than this is refused (EXPORT_TOO_LARGE): replies stay below the 4 MiB
// message limit with room to spare.
inline constexpr size_t kMaxUnpagedExportBytes = 3 << 20;
// A page of a paged export holds at most this many records and ends before this many bytes.
inline constexpr int kMaxExportPageRecords = 10000;
inline constexpr size_t kMaxExportPageBytes = 1 << 20;

class FraudDesk final {
 public:
  FraudDesk(FollowupStore& store, const validation::RegionDirectory& regions,
            const time::Clock& clock, log::Logger logger);

  void OpenFraudCase(const v1::OpenFraudCaseRequest& request,
                     Callback<v1::OpenFraudCaseResponse> done);
  absl::StatusOr<v1::GetFraudCaseResponse> GetFraudCase(const v1::GetFraudCaseRequest& request);
  void RecordFraudInvestigation(const v1::RecordFraudInvestigationRequest& request,
                                Callback<v1::RecordFraudInvestigationResponse> done);
  void ConcludeFraudCase(const v1::ConcludeFraudCaseRequest& request,
                         Callback<v1::ConcludeFraudCaseResponse> done);
  absl::StatusOr<v1::ListFraudCasesResponse> ListFraudCases(
      const v1::ListFraudCasesRequest& request);
  void SubmitMonthlyFraudReport(const v1::SubmitMonthlyFraudReportRequest& request,
                                Callback<v1::SubmitMonthlyFraudReportResponse> done);
  absl::StatusOr<v1::GetMonthlyFraudReportResponse> GetMonthlyFraudReport(
      const v1::GetMonthlyFraudReportRequest& request);
  // Every city of the request's province with its report's state for the month (validated
  // request: a province code, a month, an optional as_of).
  absl::StatusOr<v1::GetFraudReportComplianceResponse> GetFraudReportCompliance(
      const v1::GetFraudReportComplianceRequest& request);
  absl::StatusOr<v1::ExportCreditRecordsResponse> ExportCreditRecords(
      const v1::ExportCreditRecordsRequest& request);
  // The hand-overs to the credit platform not acknowledged yet (validated request).
  absl::StatusOr<v1::ListUndeliveredCreditRecordsResponse> ListUndeliveredCreditRecords(
      const v1::ListUndeliveredCreditRecordsRequest& request);

  // Called after a commit that queued a credit hand-over (a case concluded CONFIRMED); set
  // before serving.
  void SetCreditRecordQueuedListener(std::function<void()> listener) {
    credit_queued_ = std::move(listener);
  }

 private:
  // Runs `change` on the stored case inside a transaction, with the idempotency record of `kind`.
  template <typename Request, typename Response>
  void ChangeCase(const char* kind, const Request& request,
                  std::function<absl::Status(FollowupTransaction&, v1::FraudCase&)> change,
                  Callback<Response> done);

  FollowupStore& store_;
  const validation::RegionDirectory& regions_;
  const time::Clock& clock_;
  log::Logger logger_;
  std::function<void()> credit_queued_;
};

}  // namespace unemployment::followup
