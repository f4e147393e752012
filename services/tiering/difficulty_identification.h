#pragma once

// Difficulty identification (就业困难人员认定): the criteria in force (data,
// difficulty_criteria.h), an application evaluated against them with the facts the person
// declares, and the office's decision; an approval gives priority assistance, may change the type
// and is recorded as a delivery of the plan. Requests arrive validated (request_validation.h); no
// gRPC types.

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/status/status_util.h"
#include "common/time/clock.h"
#include "services/tiering/difficulty_criteria.h"
#include "services/tiering/tiering_store.h"
#include "services/tiering/type_rules.h"
#include "unemployment/tiering/v1/tiering_service.pb.h"

namespace unemployment::tiering {

class DifficultyIdentifier final {
 public:
  // Not owned; all must outlive this object.
  DifficultyIdentifier(TieringStore& store, const time::Clock& clock, const TypeRules& type_rules,
                       const DifficultyCriteria& criteria);

  absl::StatusOr<v1::ListDifficultyCriteriaResponse> ListDifficultyCriteria(
      const v1::ListDifficultyCriteriaRequest& request);
  absl::StatusOr<v1::IdentifyEmploymentDifficultyResponse> IdentifyEmploymentDifficulty(
      const v1::IdentifyEmploymentDifficultyRequest& request);
  absl::StatusOr<v1::DecideEmploymentDifficultyResponse> DecideEmploymentDifficulty(
      const v1::DecideEmploymentDifficultyRequest& request);

  // The office region of the registration an identification is for, for the handlers'
  // region-scope checks; NOT_FOUND when there is none.
  absl::StatusOr<std::string> OfficeRegionOfIdentification(const std::string& identification_id);

 private:
  TieringStore& store_;
  const time::Clock& clock_;
  const TypeRules& type_rules_;
  const DifficultyCriteria& criteria_;
};

// The facts of an identification must name DECLARED criteria of the set in force (`set`, null
// when none is): a violation of facts[i].criterion_code for each that does not (CODE_UNKNOWN,
// NOT_APPLICABLE). Pure.
std::vector<status::FieldViolation> DeclaredFactViolations(
    const CriteriaSet* set, const google::protobuf::RepeatedPtrField<v1::DeclaredFact>& facts);

}  // namespace unemployment::tiering
