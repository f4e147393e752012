#pragma once

// The domain of monthly follow-up and deregistration (the notice, section 三): follow-ups and
// self-reports, who is still due this month and the coverage, deregistration candidates, direct
// deregistration and the reason-32 no-contact sweep. Deregistrations are performed by the
// registration service (RegistrationClient); this class records what it answered.
//
// Requests arrive validated and normalized (request_validation.h); the checks here are the ones
// that need stored data (NOT_FOUND, FAILED_PRECONDITION, dates against the registered date).
// No gRPC types: writes complete through callbacks after the commit, so handler threads never
// block.

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/log/logger.h"
#include "common/time/clock.h"
#include "common/validation/region_directory.h"
#include "services/followup/domain_util.h"
#include "services/followup/followup_store.h"
#include "services/followup/registration_client.h"

namespace unemployment::followup {

// The actor of automatic deregistrations.
inline constexpr absl::string_view kServiceActor = "service:followup";
// The most deregistrations one RunNoContactSweep call makes (and its default page size): a reply
// of that many stays far below the 4 MiB message limit (tests/services/followup check the worst
// case).
inline constexpr int kSweepPageSize = 1000;

class FollowupManager final {
 public:
  FollowupManager(FollowupStore& store, RegistrationClient& registration,
                  const validation::RegionDirectory& regions, const time::Clock& clock,
                  log::Logger logger);

  void RecordFollowUp(const v1::RecordFollowUpRequest& request,
                      Callback<v1::RecordFollowUpResponse> done);
  // Corrects or withdraws a staff-recorded follow-up, keeping what it said before in its
  // amendments (the request's actor is the authenticated caller: the handler sets it).
  void AmendFollowUp(const v1::AmendFollowUpRequest& request,
                     Callback<v1::AmendFollowUpResponse> done);
  // The office region of a follow-up's registration, for the handler's region-scope check;
  // NOT_FOUND (FOLLOW_UP_NOT_FOUND) when there is none.
  absl::StatusOr<std::string> OfficeRegionOfFollowUp(const std::string& follow_up_id);
  absl::StatusOr<v1::ListFollowUpsResponse> ListFollowUps(const v1::ListFollowUpsRequest& request);
  absl::StatusOr<v1::ListDueFollowUpsResponse> ListDueFollowUps(
      const v1::ListDueFollowUpsRequest& request);
  absl::StatusOr<v1::GetFollowUpCoverageResponse> GetFollowUpCoverage(
      const v1::GetFollowUpCoverageRequest& request);
  void SubmitSelfReport(const v1::SubmitSelfReportRequest& request,
                        Callback<v1::SubmitSelfReportResponse> done);

  absl::StatusOr<v1::ListDeregistrationCandidatesResponse> ListDeregistrationCandidates(
      const v1::ListDeregistrationCandidatesRequest& request);
  // `deadline` is the caller's; calls to registration never outlive it.
  void DecideDeregistrationCandidate(const v1::DecideDeregistrationCandidateRequest& request,
                                     absl::Time deadline,
                                     Callback<v1::DecideDeregistrationCandidateResponse> done);
  void DeregisterRegistration(const v1::DeregisterRegistrationRequest& request,
                              absl::Time deadline,
                              Callback<v1::DeregisterRegistrationResponse> done);
  void RunNoContactSweep(const v1::RunNoContactSweepRequest& request, absl::Time deadline,
                         Callback<v1::RunNoContactSweepResponse> done);

 private:
  class SweepRun;

  // What to deregister and what else to write once registration has done it.
  struct DeregisterCommand {
    unemployment::registration::v1::DeregisterRequest request;
    // Runs in the transaction that records the deregistration locally.
    std::function<absl::Status(FollowupTransaction&, const v1::Deregistration&)> also;
    // A pending candidate not to withdraw (the one being accepted).
    std::string keep_candidate_id;
  };

  // Calls registration's Deregister, then updates the read model (registration ended, pending
  // candidates withdrawn) and runs `also` in one transaction.
  // The outcome of the latest recorded contact attempt (field visit, phone survey, self report)
  // of a registration, as registration's Deregister takes it.
  absl::StatusOr<unemployment::registration::v1::ContactState> LatestContactState(
      const std::string& registration_id);
  void PerformDeregistration(DeregisterCommand command, absl::Time deadline,
                             Callback<v1::Deregistration> done);

  // Builds the follow-up (and candidate) of a record request inside a transaction.
  absl::Status StoreFollowUp(FollowupTransaction& tx, const RegistrationRecord& registration,
                             v1::FollowUp& follow_up, v1::CandidateSource source,
                             v1::DeregistrationCandidate* candidate);

  absl::StatusOr<OfficeRange> Offices(const std::string& region_code) const;

  FollowupStore& store_;
  RegistrationClient& registration_;
  const validation::RegionDirectory& regions_;
  const time::Clock& clock_;
  log::Logger logger_;
};

}  // namespace unemployment::followup
