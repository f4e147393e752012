#pragma once

// The CSV layouts of the four sources (documented on SnapshotHeader in verification_service.proto)
// and the validation of one data row into a record. A row is reported with its first broken rule
// only: the import reports one violation per invalid row.

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "services/verification/csv_reader.h"
#include "services/verification/reference_data.h"

namespace unemployment::verification {

// Valid rows of one source, in file order.
struct RowBatch {
  std::vector<PopulationRecord> population;
  std::vector<InsuranceRecord> insurance;
  std::vector<EmploymentRecord> employment;
  std::vector<BusinessRecord> business;

  size_t size() const {
    return population.size() + insurance.size() + employment.size() + business.size();
  }
  void clear() {
    population.clear();
    insurance.clear();
    employment.clear();
    business.clear();
  }
};

// One invalid row: `column` is the CSV column name (empty for a wrong column count or a CSV
// syntax error), `rule` a rule name as in form.proto.
struct RowViolation {
  int line = 0;
  std::string column;
  std::string rule;
  std::string description;
};

// The exact header line of `source` (without line break); empty for SOURCE_UNSPECIFIED.
std::string HeaderLine(v1::Source source);

// The check character of an 18-character unified social credit code (GB 32100) for its first 17
// characters, or nullopt when they hold a character the code does not use.
std::optional<char> UnifiedCreditCodeCheckCharacter(absl::string_view first17);

// Validates one data row of `source`. On success appends the record to `out` and returns nullopt.
// `today` bounds dates that cannot lie in the future (birth and death dates, ID birth dates).
std::optional<RowViolation> ValidateRow(v1::Source source, const CsvRecord& record,
                                        absl::CivilDay today, RowBatch& out);

}  // namespace unemployment::verification
