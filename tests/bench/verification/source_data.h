#pragma once

// Synthetic snapshots of the four external sources in the CSV layouts of SnapshotHeader
// (proto/unemployment/verification/v1/verification_service.proto), and the registrations and
// applicants that the benchmark checks against them.
//
// Everything is a pure function of (row count, as_of, index): two runs with the same flags load the
// same bytes and ask the same questions. The header lines, ID check characters and credit-code
// check characters are written here from the contract and the standards, not taken from the
// service: the benchmark is a client and must not trust the code it drives.
//
// Shape of the data, with N = rows per source and dates counted back from as_of:
// - population: N people, one row each. Born between 62 and 18 years before as_of; one resident ID
//   number per person (one of 18 Heilongjiang county codes, the birth date, a serial whose parity
//   gives the sex). About 1% are DECEASED.
// - social insurance, employment filing, business registration: N rows each, every row naming a
//   person picked by a hash of its row number: 95% of the rows name one of the "working" half of
//   the population (even person numbers), so those have about two records per source and the
//   other half few. Insurance: 96% EMPLOYEE, 4% PENSION; about a third of the records are still
//   open. Filing: about a quarter without termination. Business: 60% ACTIVE, the others REVOKED or
//   CANCELLED with a closing date.
// - subjects of the comparison and applicants of VerifyApplicant: 3% ID numbers that no source
//   holds; the others people of the population aged at most 48, nine in ten from the non-working
//   half and one in ten from the working half; registered or unemployed within the year before
//   as_of. Applicants give the registered name except one in fifty. With these shares about a
//   fifth of the subjects are hits, mostly from the working tenth.

#include <cstdint>
#include <string>

#include "absl/time/civil_time.h"
#include "unemployment/verification/v1/verification_service.pb.h"

namespace unemployment::bench {

class SourceData final {
 public:
  // `rows` (at least 1, at most kMaxRows) rows per source; dates relative to `as_of`.
  SourceData(int64_t rows, absl::CivilDay as_of);

  static constexpr int64_t kMaxRows = 10'000'000;

  // The header line of `source` as the contract states it, followed by "\n".
  static std::string HeaderLine(verification::v1::Source source);

  // Appends data rows [first, first + count) of `source`, each ending with "\n".
  void AppendRows(verification::v1::Source source, int64_t first, int64_t count,
                  std::string& out) const;

  // The whole file of `source`: header and every row.
  std::string File(verification::v1::Source source) const;

  int64_t rows() const { return rows_; }
  absl::CivilDay as_of() const { return as_of_; }

  struct Person {
    std::string id_number;  // 18-character resident ID number
    std::string name;
    bool known = true;  // false: an ID number that no source holds
  };

  // The person of subject (or applicant) `index`, any index >= 0.
  Person Subject(int64_t index) const;
  // The registered date of subject `index`, and the stated unemployed date of applicant `index`:
  // between 1 and 365 days before as_of.
  absl::CivilDay SubjectDate(int64_t index) const;
  // The name applicant `index` states: the registered one, except one applicant in fifty.
  std::string StatedName(int64_t index) const;

 private:
  // Person `p` of the population (0 <= p < rows).
  Person PopulationPerson(int64_t p) const;
  // A person picked by `h`: among the working people (even p) or the others (odd p).
  int64_t Pick(uint64_t h, bool working) const;
  // The person a status-source record picked by `h` belongs to.
  int64_t RecordHolder(uint64_t h) const;
  absl::CivilDay BirthDate(int64_t p) const;
  bool Male(int64_t p) const;
  std::string IdNumber(int64_t p, int serial_offset) const;

  void AppendPopulation(int64_t row, std::string& out) const;
  void AppendInsurance(int64_t row, std::string& out) const;
  void AppendEmployment(int64_t row, std::string& out) const;
  void AppendBusiness(int64_t row, std::string& out) const;

  int64_t rows_;
  absl::CivilDay as_of_;
  absl::CivilDay first_birth_;
  int64_t birth_days_;
};

// The GB 32100 check character of the first 17 characters of a unified social credit code, which
// must use the code's alphabet (digits and capitals except I, O, Z, S, V).
char CreditCodeCheckCharacter(const std::string& first17);

}  // namespace unemployment::bench
