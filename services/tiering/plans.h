#pragma once

// Plans: a person's service plan (the notice's minimum services of their level, from
// common/notice/service_plan.h, evaluated by service_plan.h over their deliveries), the deliveries
// themselves (record, amend, list) and the region-wide views of plans (gaps, fulfilment).
// Requests arrive validated (request_validation.h); no gRPC types.

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "common/time/clock.h"
#include "common/validation/region_directory.h"
#include "services/tiering/difficulty_criteria.h"
#include "services/tiering/service_plan.h"
#include "services/tiering/tiering_store.h"
#include "services/tiering/type_rules.h"
#include "unemployment/tiering/v1/tiering_service.pb.h"

namespace unemployment::tiering {

class Plans final {
 public:
  // Not owned; all must outlive this object. `regions` may be null (tests): any 6-digit code is
  // then taken as a known region and its level is read from its trailing zeros.
  Plans(TieringStore& store, const time::Clock& clock, const TypeRules& type_rules,
        const DifficultyCriteria& criteria, const validation::RegionDirectory* regions);

  absl::StatusOr<v1::GetServicePlanResponse> GetServicePlan(
      const v1::GetServicePlanRequest& request);
  absl::StatusOr<v1::RecordServiceDeliveryResponse> RecordServiceDelivery(
      const v1::RecordServiceDeliveryRequest& request);
  // Corrects or withdraws a delivery, keeping what it said before in its amendments (the
  // request's actor is the authenticated caller: the handler sets it).
  absl::StatusOr<v1::AmendServiceDeliveryResponse> AmendServiceDelivery(
      const v1::AmendServiceDeliveryRequest& request);
  absl::StatusOr<v1::ListServiceDeliveriesResponse> ListServiceDeliveries(
      const v1::ListServiceDeliveriesRequest& request);
  absl::StatusOr<v1::ListPlanGapsResponse> ListPlanGaps(const v1::ListPlanGapsRequest& request);
  absl::StatusOr<v1::GetPlanFulfilmentResponse> GetPlanFulfilment(
      const v1::GetPlanFulfilmentRequest& request);

  // The office region of the registration a delivery is for, for the handlers' region-scope
  // checks; NOT_FOUND when there is none.
  absl::StatusOr<std::string> OfficeRegionOfDelivery(const std::string& delivery_id);

 private:
  // The plan of `record` as of `as_of` (the registration must have begun by then).
  absl::StatusOr<v1::ServicePlan> PlanOf(TieringTx& tx, const ProfileRecord& record,
                                         absl::CivilDay as_of) const;
  // The level, type and obligations of that plan from `deliveries` (every delivery of the
  // registration, oldest first), without the catalogue citations; PlanOf adds those.
  v1::ServicePlan PlanStatus(const ProfileRecord& record, std::vector<DeliveryRef> deliveries,
                             absl::CivilDay as_of) const;
  // The inputs of that plan's obligations (ComputeObligations, EvaluateObligations); `deliveries`
  // is moved into `input`, which is overwritten (a pass reuses one).
  void PlanInputOf(const ProfileRecord& record, std::vector<DeliveryRef>& deliveries,
                   absl::CivilDay as_of, PlanInput& input) const;
  // The offices prefix of a region code, or NOT_FOUND (REGION_NOT_FOUND).
  absl::StatusOr<std::string> RegionPrefix(absl::string_view region_code) const;

  TieringStore& store_;
  const time::Clock& clock_;
  const TypeRules& type_rules_;
  const DifficultyCriteria& criteria_;
  const validation::RegionDirectory* regions_;
};

}  // namespace unemployment::tiering
