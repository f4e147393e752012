#pragma once

// The verification rules (the notice, section 四), without gRPC types: identity against the
// population data, unemployment status against social insurance, employment filing and business
// registration, the field investigation that settles what the data cannot, and the bulk
// comparison of active registrations. Requests reach it already validated and normalised
// (request_validation.h).
//
// Evidence as of a date `as_of` against a date `from` (the stated unemployed date, or the
// registered date in a comparison); records starting after as_of are ignored:
//   insured employment  kind EMPLOYEE, start <= as_of and (no end or end >= from);
//   filed employment    hired_on <= as_of and (no termination or terminated_on >= from) — a job
//                       ending the day before `from` is not evidence;
//   active business     established_on <= as_of and (licence ACTIVE or closed_on >= from);
//   drawing pension     kind PENSION, start <= as_of and (no end or end >= from);
//   retirement age      the statutory retirement date (RetirementRules) <= as_of;
//   deceased            recorded deceased with death_date <= as_of.

#include <functional>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "common/time/clock.h"
#include "services/verification/reference_source.h"
#include "services/verification/verification_store.h"
#include "unemployment/verification/v1/verification_service.pb.h"

namespace unemployment::verification {

// The statutory retirement age of one group: `base_age_years`, raised for people born in or after
// `raised_from_birth_month` by one month per `birth_months_per_step` months of birth (the first
// step applying to that month itself), by at most `max_raise_months`.
struct RetirementRule {
  int base_age_years = 60;
  absl::CivilMonth raised_from_birth_month = absl::CivilMonth(1965, 1);
  int birth_months_per_step = 4;
  int max_raise_months = 36;
};

// Defaults: the gradual raise decided by the NPC Standing Committee in 2024, in force from
// 2025-01-01 — men 60 -> 63; women 50 -> 55 (the worker age; population data cannot tell a
// female cadre, whose age is 55 -> 58, so the earlier age is used: a hit is only a proposal to
// staff). Sex "not stated" has no retirement date.
struct RetirementRules {
  RetirementRule male{60, absl::CivilMonth(1965, 1), 4, 36};
  RetirementRule female{50, absl::CivilMonth(1975, 1), 2, 60};
};

// The day a person born on `birth` reaches the retirement age of `rule`.
absl::CivilDay RetirementDate(absl::CivilDay birth, const RetirementRule& rule);

class Verifier final {
 public:
  template <typename T>
  using Done = std::function<void(absl::StatusOr<T>)>;

  // Sources, store and clock are not owned and must outlive the verifier.
  Verifier(ReferenceSources sources, VerificationStore& store, const time::Clock& clock,
           RetirementRules retirement = {});

  // Verifies and stores. `request.as_of()` must be set (the handler fills in today).
  // `fingerprint` identifies the request's content for the request_id check.
  void Verify(const v1::VerifyApplicantRequest& request, const std::string& fingerprint,
              Done<v1::VerificationResult> done);

  // The result without storing it (what Verify stores).
  absl::StatusOr<v1::VerificationResult> Evaluate(const v1::VerifyApplicantRequest& request);

  absl::StatusOr<v1::VerificationResult> GetVerification(const std::string& verification_id);

  void RecordFieldInvestigation(const v1::RecordFieldInvestigationRequest& request,
                                const std::string& fingerprint, Done<v1::VerificationResult> done);

  // Answers one batch of a comparison (nothing is stored): the hits, and the subjects that could
  // not be checked (ID number not in the population data, or no evidence found while a status
  // source had no data). Every other subject was checked clean.
  absl::StatusOr<v1::CompareActiveRegistrationsResponse> Compare(
      const v1::CompareActiveRegistrationsRequest& request);

 private:
  template <typename Record>
  using Reading = std::optional<SourceReading<Record>>;

  // Evidence from the three status sources; appends sources without data to `missing`.
  absl::Status StatusEvidence(const PersonKey& person, absl::CivilDay from, absl::CivilDay as_of,
                              std::vector<v1::Evidence>& out, std::vector<v1::Source>* missing);
  // The same from readings already made (a source's reading is nullopt when it has no data).
  static void StatusEvidenceFrom(const Reading<InsuranceRecord>& insurance,
                                 const Reading<EmploymentRecord>& filing,
                                 const Reading<BusinessRecord>& business, absl::CivilDay from,
                                 absl::CivilDay as_of, std::vector<v1::Evidence>& out,
                                 std::vector<v1::Source>* missing);
  // Deceased and retirement-age evidence from a population record.
  void PopulationEvidence(const PopulationRecord& record, const std::string& version,
                          absl::CivilDay as_of, std::vector<v1::Evidence>& out) const;

  ReferenceSources sources_;
  VerificationStore& store_;
  const time::Clock& clock_;
  RetirementRules retirement_;
};

}  // namespace unemployment::verification
