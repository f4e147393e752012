#pragma once

// The tiering domain: levels, types, service plans, deliveries, catalogues and difficulty
// identification, over a TieringStore, a clock and the rules data. No gRPC types: requests and
// answers are the proto messages, errors are absl::Status with ErrorInfo reasons (status_util.h).
// Requests are expected to have passed request_validation.h (shape); everything that needs stored
// state or the rules data is checked here.

#include <cstdint>
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
#include "unemployment/registration/v1/registration_service.pb.h"
#include "unemployment/tiering/v1/tiering_service.pb.h"

namespace unemployment::tiering {

class Tiering final {
 public:
  // Not owned; all must outlive this object. `regions` may be null (tests): any 6-digit code is
  // then taken as a known region and its level is read from its trailing zeros.
  Tiering(TieringStore& store, const time::Clock& clock, const TypeRules& type_rules,
          const DifficultyCriteria& criteria, const validation::RegionDirectory* regions);

  // --- Registration's event feed. ---

  // The last applied sequence of `feed` (0 before the first event).
  absl::StatusOr<int64_t> FeedCursor(absl::string_view feed);
  // Applies one event of `feed` and stores its sequence as the cursor, in one transaction. An
  // event at or below the stored cursor is skipped (never applied twice). Events other than
  // RegistrationCreated and RegistrationDeregistered only advance the cursor.
  absl::Status ApplyRegistrationEvent(absl::string_view feed, const registration::v1::Event& event);

  // --- This service's own feed (read by the StreamEvents handler). ---

  absl::StatusOr<std::vector<v1::TieringEvent>> ReadEvents(int64_t after_sequence, int limit);
  absl::StatusOr<int64_t> LastEventSequence();

  // --- RPCs. ---

  absl::StatusOr<v1::GetLevelResponse> GetLevel(const v1::GetLevelRequest& request);
  absl::StatusOr<v1::GetServicePlanResponse> GetServicePlan(
      const v1::GetServicePlanRequest& request);
  absl::StatusOr<v1::GetProfileResponse> GetProfile(const v1::GetProfileRequest& request);
  absl::StatusOr<v1::UpdateProfileResponse> UpdateProfile(const v1::UpdateProfileRequest& request);
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
  absl::StatusOr<v1::GetCatalogResponse> GetCatalog(const v1::GetCatalogRequest& request);
  absl::StatusOr<v1::PublishCatalogVersionResponse> PublishCatalogVersion(
      const v1::PublishCatalogVersionRequest& request);
  absl::StatusOr<v1::ListDifficultyCriteriaResponse> ListDifficultyCriteria(
      const v1::ListDifficultyCriteriaRequest& request);
  absl::StatusOr<v1::IdentifyEmploymentDifficultyResponse> IdentifyEmploymentDifficulty(
      const v1::IdentifyEmploymentDifficultyRequest& request);
  absl::StatusOr<v1::DecideEmploymentDifficultyResponse> DecideEmploymentDifficulty(
      const v1::DecideEmploymentDifficultyRequest& request);

  // The office region of a registration (of the registration an identification is for), for the
  // handlers' region-scope checks of id-based requests; NOT_FOUND when there is none.
  absl::StatusOr<std::string> OfficeRegionOf(const std::string& registration_id);
  absl::StatusOr<std::string> OfficeRegionOfIdentification(const std::string& identification_id);
  absl::StatusOr<std::string> OfficeRegionOfDelivery(const std::string& delivery_id);

 private:
  absl::CivilDay Today() const;
  // `text` ("YYYY-MM-DD", already validated) or today when empty.
  absl::CivilDay DayOr(absl::string_view text) const;
  // The type on `day`, from the rules and the approval in force then.
  TypeDecision TypeOn(const ProfileRecord& record, absl::CivilDay day) const;
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
  // Recomputes the stored type as of today; appends TypeChanged when it changed.
  absl::Status RefreshType(TieringTx& tx, ProfileRecord& record, absl::CivilDay effective) const;

  TieringStore& store_;
  const time::Clock& clock_;
  const TypeRules& type_rules_;
  const DifficultyCriteria& criteria_;
  const validation::RegionDirectory* regions_;
};

}  // namespace unemployment::tiering
