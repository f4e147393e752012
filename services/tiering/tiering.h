#pragma once

// The tiering domain, one unit per concern over one TieringStore, a clock and the rules data:
// profiles (registration's feed, level, profile, type), plans (service plan, deliveries, gaps,
// fulfilment), catalogues, and difficulty identification. The rules themselves live in
// common/notice (levels, minimum services), service_plan.h (a person's obligations), type_rules.h
// and difficulty_criteria.h. No gRPC types: requests and answers are the proto messages, errors
// are absl::Status with ErrorInfo reasons (status_util.h). Requests are expected to have passed
// request_validation.h (shape); everything that needs stored state or the rules data is checked
// in the unit.

#include "common/time/clock.h"
#include "common/validation/region_directory.h"
#include "services/tiering/catalogues.h"
#include "services/tiering/difficulty_criteria.h"
#include "services/tiering/difficulty_identification.h"
#include "services/tiering/plans.h"
#include "services/tiering/profiles.h"
#include "services/tiering/tiering_store.h"
#include "services/tiering/type_rules.h"

namespace unemployment::tiering {

struct Tiering {
  // Not owned; all must outlive this object. `regions` may be null (tests): any 6-digit code is
  // then taken as a known region and its level is read from its trailing zeros.
  Tiering(TieringStore& store, const time::Clock& clock, const TypeRules& type_rules,
          const DifficultyCriteria& criteria, const validation::RegionDirectory* regions)
      : profiles(store, clock, type_rules),
        plans(store, clock, type_rules, criteria, regions),
        catalogues(store, clock, regions),
        difficulty(store, clock, type_rules, criteria) {}

  Profiles profiles;
  Plans plans;
  Catalogues catalogues;
  DifficultyIdentifier difficulty;
};

}  // namespace unemployment::tiering
