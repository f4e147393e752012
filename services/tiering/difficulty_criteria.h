#pragma once

// The employment-difficulty criteria (就业困难人员认定条件) as data, loaded from
// data/tiering/difficulty_criteria.csv (format in data/tiering/README.md), and their evaluation for
// one person on one date. Immutable after loading; no clock, no store.

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "unemployment/tiering/v1/tiering_service.pb.h"

namespace unemployment::tiering {

// One published version of the criteria.
struct CriteriaSet {
  std::string version;
  absl::CivilDay effective_from;
  std::vector<v1::DifficultyCriterion> criteria;
};

// What the evaluation needs to know about the person.
struct DifficultyFacts {
  common::v1::Sex sex = common::v1::SEX_UNSPECIFIED;
  std::string birth_date;  // "YYYY-MM-DD" or empty
  absl::CivilDay registered;
  // Criterion code -> evidence, for DECLARED criteria.
  std::map<std::string, std::string> declared;
};

class DifficultyCriteria final {
 public:
  // INVALID_ARGUMENT ("source:line: what") for a wrong header or field count, an unknown basis,
  // a missing threshold or evidence text, a malformed effective_from, a version that is not
  // contiguous or changes its effective_from, versions not in effective_from order, or a duplicate
  // code within a version.
  static absl::StatusOr<DifficultyCriteria> Parse(absl::string_view text, absl::string_view source);
  static absl::StatusOr<DifficultyCriteria> LoadFile(const std::string& path);

  // The set in force on `day`: the latest effective_from on or before it; nullptr when none.
  const CriteriaSet* InForce(absl::CivilDay day) const;

  const std::vector<CriteriaSet>& sets() const { return sets_; }

 private:
  explicit DifficultyCriteria(std::vector<CriteriaSet> sets) : sets_(std::move(sets)) {}
  std::vector<CriteriaSet> sets_;  // by effective_from, ascending
};

// Evaluates every criterion of `set` for `facts` on `as_of`, in the set's order.
std::vector<v1::CriterionResult> EvaluateCriteria(const CriteriaSet& set,
                                                  const DifficultyFacts& facts,
                                                  absl::CivilDay as_of);

// True when at least one result is met.
bool AnyMet(const std::vector<v1::CriterionResult>& results);

}  // namespace unemployment::tiering
