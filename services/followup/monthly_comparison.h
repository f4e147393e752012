#pragma once

// The monthly information comparison (信息比对, the notice section 三): one run sends every
// registration active on the run's day (of a region, or all) to verification's
// CompareActiveRegistrations stream in batches, and records each hit as a follow-up of method
// INFORMATION_COMPARISON and a pending deregistration candidate. A registration verification
// checked and found nothing about (neither a hit nor listed as unchecked in the answer) is recorded
// as a follow-up of method INFORMATION_COMPARISON, outcome STILL_UNEMPLOYED: the comparison is that
// month's follow-up (notice 三: 通过信息比对...每月至少进行1次跟踪调查). One the answer lists as
// unchecked gets nothing and stays due. A verification that does not report unchecked subjects
// (unchecked_reported false) gets only its hits recorded.
//
// Idempotent per month: each recorded hit is kept under (month, registration, hit kind) in the
// transaction that records its follow-up and candidate, and a hit already kept is not recorded
// again, whichever run found it. A clean comparison is kept under hit kind 0, and only when the
// month has no finding yet for the registration. A run that fails halfway (verification unreachable, deadline,
// crash) keeps what its finished batches recorded, and repeating the call completes the rest.
// Every run is stored (comparison_runs) with its counters, which grow batch by batch.
//
// Only one run per (month, region) at a time in this process: a second gets ABORTED
// (COMPARISON_RUNNING).

#include <memory>
#include <set>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/log/logger.h"
#include "common/time/clock.h"
#include "common/validation/region_directory.h"
#include "services/followup/domain_util.h"
#include "services/followup/followup_store.h"
#include "services/followup/verification_client.h"

namespace unemployment::followup {

namespace reason {
inline constexpr absl::string_view kComparisonRunning = "COMPARISON_RUNNING";
inline constexpr absl::string_view kVerificationUnavailable = "VERIFICATION_UNAVAILABLE";
inline constexpr absl::string_view kVerificationNotConfigured = "VERIFICATION_NOT_CONFIGURED";
inline constexpr absl::string_view kServiceStopping = "SERVICE_STOPPING";
}  // namespace reason

class MonthlyComparison final {
 public:
  struct Options {
    // Registrations per message to verification (1 to 1,000).
    int batch_size = 500;
  };

  // `verification` may be null (no --verification_addr): runs then fail with FAILED_PRECONDITION.
  MonthlyComparison(FollowupStore& store, VerificationClient* verification,
                    const validation::RegionDirectory& regions, const time::Clock& clock,
                    Options options, log::Logger logger);

  // Runs one comparison; `request` arrives validated and normalized. `deadline` is the caller's.
  // `done` runs once, after the run's record is final.
  void Run(const v1::RunMonthlyComparisonRequest& request, absl::Time deadline,
           Callback<v1::RunMonthlyComparisonResponse> done);

  // Shutdown: new runs are refused with UNAVAILABLE, running ones stop before their next batch
  // (UNAVAILABLE; what they recorded stays, a repeat completes them). Waits up to `timeout` until
  // every run has answered its caller. Idempotent.
  void Stop(absl::Duration timeout);

 private:
  class Execution;

  // Claims (month, region) for a run; false when one is running.
  bool Claim(const std::string& key);
  void Release(const std::string& key);
  // A run has answered its caller and no longer uses this object.
  void Finished();
  bool stopping() const;

  FollowupStore& store_;
  VerificationClient* verification_;
  const validation::RegionDirectory& regions_;
  const time::Clock& clock_;
  const Options options_;
  log::Logger logger_;

  mutable absl::Mutex mu_;
  std::set<std::string> running_ ABSL_GUARDED_BY(mu_);
  // Runs that have not yet answered their caller.
  int active_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace unemployment::followup
