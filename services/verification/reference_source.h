#pragma once

// The source boundary: the verification logic (verifier.h) asks each of the four external sources
// what it holds about one person through these interfaces and never sees where the answer comes
// from. SqliteVerificationStore serves the loaded CSV snapshots through them; a live endpoint of
// the population or insurance system would be another implementation (see README.md).
//
// Each Find returns:
//   - nullopt when the source has no data to offer (no snapshot loaded, endpoint not configured):
//     the verification then lists the source as missing;
//   - a reading (possibly without records) naming the data version the records come from;
//   - an error (e.g. UNAVAILABLE from a live endpoint), which fails the verification call.
// Implementations are thread-safe.

#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "services/verification/reference_data.h"

namespace unemployment::verification {

template <typename Record>
class ReferenceSource {
 public:
  virtual ~ReferenceSource() = default;

  // Every record of the source about `person` (at most one for population data).
  virtual absl::StatusOr<std::optional<SourceReading<Record>>> Find(const PersonKey& person) = 0;

  // What Find returns for each of `people`, in the same order, for the bulk comparison; the
  // records' `name` may be left empty (the comparison never reads it). The default asks Find once
  // per person; the SQLite snapshots read a whole batch on one connection and in one read
  // transaction, in the order of their index (see SqliteVerificationStore).
  virtual absl::StatusOr<std::vector<std::optional<SourceReading<Record>>>> FindMany(
      absl::Span<const PersonKey> people) {
    std::vector<std::optional<SourceReading<Record>>> readings;
    readings.reserve(people.size());
    for (const PersonKey& person : people) {
      absl::StatusOr<std::optional<SourceReading<Record>>> reading = Find(person);
      if (!reading.ok()) return reading.status();
      readings.push_back(*std::move(reading));
    }
    return readings;
  }
};

using PopulationSource = ReferenceSource<PopulationRecord>;
using SocialInsuranceSource = ReferenceSource<InsuranceRecord>;
using EmploymentFilingSource = ReferenceSource<EmploymentRecord>;
using BusinessRegistrationSource = ReferenceSource<BusinessRecord>;

// The four sources a Verifier consults; none may be null.
struct ReferenceSources {
  PopulationSource* population = nullptr;
  SocialInsuranceSource* social_insurance = nullptr;
  EmploymentFilingSource* employment_filing = nullptr;
  BusinessRegistrationSource* business_registration = nullptr;
};

}  // namespace unemployment::verification
