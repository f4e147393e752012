#include "services/tiering/plans.h"

#include <algorithm>
#include <map>
#include <optional>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/notice/level.h"
#include "common/status/macros.h"
#include "common/status/status_util.h"
#include "common/time/date.h"
#include "google/protobuf/util/time_util.h"
#include "services/tiering/domain_util.h"
#include "services/tiering/page_token.h"

namespace unemployment::tiering {
namespace {

namespace v1c = ::unemployment::common::v1;
using google::protobuf::util::TimeUtil;

// Upper bound of deliveries read for one plan; far above any real person's service history.
constexpr int kMaxDeliveriesPerPlan = 100000;

constexpr absl::string_view kDeliveryRequests = "RecordServiceDelivery";
constexpr absl::string_view kAmendDeliveryRequests = "AmendServiceDelivery";

}  // namespace

Plans::Plans(TieringStore& store, const time::Clock& clock, const TypeRules& type_rules,
             const DifficultyCriteria& criteria, const validation::RegionDirectory* regions)
    : store_(store),
      clock_(clock),
      type_rules_(type_rules),
      criteria_(criteria),
      regions_(regions) {}

absl::StatusOr<std::string> Plans::RegionPrefix(absl::string_view code) const {
  std::optional<validation::RegionLevel> level;
  if (regions_ != nullptr) {
    level = regions_->LevelOf(code);
    if (!level.has_value()) {
      return status::WithErrorInfo(
          absl::NotFoundError(absl::StrCat("region ", code, " is not a known region")),
          "REGION_NOT_FOUND");
    }
  } else if (code.substr(2) == "0000") {
    level = validation::RegionLevel::kProvince;
  } else if (code.substr(4) == "00") {
    level = validation::RegionLevel::kCity;
  } else {
    level = validation::RegionLevel::kCounty;
  }
  switch (*level) {
    case validation::RegionLevel::kProvince:
      return std::string(code.substr(0, 2));
    case validation::RegionLevel::kCity:
      return std::string(code.substr(0, 4));
    default:
      return std::string(code.substr(0, 6));
  }
}

void Plans::PlanInputOf(const ProfileRecord& record, std::vector<DeliveryRef>& deliveries,
                        absl::CivilDay as_of, PlanInput& input) const {
  const v1::Profile& profile = record.profile;
  input.registered = ParseStored(profile.registered_date());
  input.training_intention = profile.training_intention();
  input.entrepreneurship_intention = profile.entrepreneurship_intention();
  input.meets_difficulty_criteria = false;
  // The criteria matter only from long-term on (ComputeObligations): not evaluated before.
  const std::optional<notice::LevelSpan> span = notice::LevelOn(input.registered, as_of);
  if (span.has_value() && span->level == v1c::UNEMPLOYMENT_LEVEL_LONG_TERM) {
    if (const CriteriaSet* set = criteria_.InForce(as_of); set != nullptr) {
      input.meets_difficulty_criteria =
          AnyMet(EvaluateCriteria(*set, FactsForCriteria(profile, HeldFacts(profile)), as_of));
    }
  }
  input.difficulty_approved_on.reset();
  if (!record.difficulty_approved_on.empty()) {
    input.difficulty_approved_on = ParseStored(record.difficulty_approved_on);
  }
  input.deliveries.swap(deliveries);
}

v1::ServicePlan Plans::PlanStatus(const ProfileRecord& record, std::vector<DeliveryRef> deliveries,
                                  absl::CivilDay as_of) const {
  PlanInput input;
  PlanInputOf(record, deliveries, as_of, input);
  const std::optional<notice::LevelSpan> span = notice::LevelOn(input.registered, as_of);
  v1::ServicePlan plan;
  plan.set_registration_id(record.profile.registration_id());
  plan.set_as_of(PlanDate(as_of));
  if (span.has_value()) plan.set_level(span->level);
  plan.set_type(TypeOn(type_rules_, record, as_of).type);
  plan.set_registered_date(record.profile.registered_date());
  for (v1::Obligation& obligation : ComputeObligations(input, as_of)) {
    *plan.add_obligations() = std::move(obligation);
  }
  return plan;
}

absl::StatusOr<v1::ServicePlan> Plans::PlanOf(TieringTx& tx, const ProfileRecord& record,
                                              absl::CivilDay as_of) const {
  ASSIGN_OR_RETURN(std::vector<v1::ServiceDelivery> deliveries,
                   tx.ListDeliveries(record.profile.registration_id(), v1::SERVICE_TYPE_UNSPECIFIED,
                                     std::nullopt, kMaxDeliveriesPerPlan));
  std::vector<DeliveryRef> refs;
  refs.reserve(deliveries.size());
  google::protobuf::RepeatedPtrField<v1::CatalogCitation> catalogs;
  for (const v1::ServiceDelivery& delivery : deliveries) {
    if (delivery.withdrawn()) continue;  // recorded in error: counts for nothing
    const absl::CivilDay day = ParseStored(delivery.delivered_on());
    refs.push_back({delivery.type(), day, delivery.delivery_id()});
    if (delivery.has_catalog_handout() && day <= as_of) {
      v1::CatalogCitation* citation = catalogs.Add();
      citation->set_kind(KindOfHandout(delivery.type()));
      citation->set_region_code(delivery.catalog_handout().region_code());
      citation->set_version(delivery.catalog_handout().version());
      citation->set_handed_out_on(delivery.delivered_on());
    }
  }
  v1::ServicePlan plan = PlanStatus(record, std::move(refs), as_of);
  plan.mutable_catalogs()->Swap(&catalogs);
  return plan;
}

absl::StatusOr<v1::GetServicePlanResponse> Plans::GetServicePlan(
    const v1::GetServicePlanRequest& request) {
  const absl::CivilDay as_of = DayOr(clock_, request.as_of());
  v1::GetServicePlanResponse response;
  const absl::Status done = store_.Read([&](TieringTx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(ProfileRecord record, LoadProfile(tx, request.registration_id()));
    if (!ActiveOn(record.profile, as_of)) {
      return NotActive(request.registration_id(), time::FormatDate(as_of));
    }
    ASSIGN_OR_RETURN(*response.mutable_plan(), PlanOf(tx, record, as_of));
    return absl::OkStatus();
  });
  if (!done.ok()) return done;
  return response;
}

// --- Deliveries. ---

namespace {

// What RecordServiceDelivery checks against stored state, for a new or a corrected delivery: the
// registration active on delivered_on, and the catalogue version of a list handed out.
absl::Status CheckDeliveryFacts(TieringTx& tx, const ProfileRecord& record,
                                const v1::ServiceDelivery& delivery) {
  if (!ActiveOn(record.profile, ParseStored(delivery.delivered_on()))) {
    return NotActive(record.profile.registration_id(), delivery.delivered_on());
  }
  if (delivery.has_catalog_handout()) {
    ASSIGN_OR_RETURN(
        std::optional<v1::Catalog> catalog,
        tx.GetCatalog(delivery.catalog_handout().region_code(), KindOfHandout(delivery.type()),
                      delivery.catalog_handout().version()));
    if (!catalog.has_value()) {
      return CatalogVersionNotFound(delivery.catalog_handout().version(),
                                    delivery.catalog_handout().region_code());
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::ServiceDelivery> LoadDelivery(TieringTx& tx, const std::string& delivery_id) {
  ASSIGN_OR_RETURN(std::optional<v1::ServiceDelivery> delivery, tx.GetDelivery(delivery_id));
  if (!delivery.has_value()) {
    return status::WithErrorInfo(
        absl::NotFoundError(absl::StrCat("delivery ", delivery_id, " does not exist")),
        "DELIVERY_NOT_FOUND");
  }
  return *std::move(delivery);
}

}  // namespace

absl::StatusOr<v1::RecordServiceDeliveryResponse> Plans::RecordServiceDelivery(
    const v1::RecordServiceDeliveryRequest& request) {
  v1::RecordServiceDeliveryRequest normalized = request;
  v1::ServiceDelivery& delivery = *normalized.mutable_delivery();
  delivery.clear_delivery_id();
  delivery.clear_recorded_at();
  return WriteOnce<v1::RecordServiceDeliveryResponse>(
      store_, kDeliveryRequests, request.request_id(), Fingerprint(normalized),
      [&](TieringTx& tx, v1::RecordServiceDeliveryResponse& response) -> absl::Status {
        ASSIGN_OR_RETURN(ProfileRecord record, LoadProfile(tx, delivery.registration_id()));
        RETURN_IF_ERROR(CheckDeliveryFacts(tx, record, delivery));
        ASSIGN_OR_RETURN(int64_t number, tx.NextNumber("delivery"));
        delivery.set_delivery_id(absl::StrCat("dlv-", number));
        *delivery.mutable_recorded_at() = NowTimestamp(clock_);
        RETURN_IF_ERROR(tx.InsertDelivery(delivery));
        RETURN_IF_ERROR(AppendDeliveryRecorded(tx, delivery, record.profile.office_region_code(),
                                               delivery.recorded_at()));
        *response.mutable_delivery() = delivery;
        return absl::OkStatus();
      });
}

absl::StatusOr<v1::AmendServiceDeliveryResponse> Plans::AmendServiceDelivery(
    const v1::AmendServiceDeliveryRequest& request) {
  return WriteOnce<v1::AmendServiceDeliveryResponse>(
      store_, kAmendDeliveryRequests, request.request_id(), Fingerprint(request),
      [&](TieringTx& tx, v1::AmendServiceDeliveryResponse& response) -> absl::Status {
        ASSIGN_OR_RETURN(v1::ServiceDelivery delivery, LoadDelivery(tx, request.delivery_id()));
        if (delivery.withdrawn()) {
          return status::WithErrorInfo(absl::FailedPreconditionError(absl::StrCat(
                                           "delivery ", delivery.delivery_id(), " was withdrawn")),
                                       "DELIVERY_WITHDRAWN");
        }
        if (delivery.type() == v1::SERVICE_TYPE_DIFFICULTY_IDENTIFICATION) {
          return status::WithErrorInfo(
              absl::FailedPreconditionError(absl::StrCat(
                  "delivery ", delivery.delivery_id(),
                  " records a difficulty decision; it follows DecideEmploymentDifficulty")),
              "DELIVERY_NOT_AMENDABLE");
        }
        ASSIGN_OR_RETURN(ProfileRecord record, LoadProfile(tx, delivery.registration_id()));
        v1::ServiceDeliveryAmendment amendment;
        amendment.set_request_id(request.request_id());
        amendment.set_amendment_reason(request.amendment_reason());
        amendment.set_actor(request.actor());
        *amendment.mutable_recorded_at() = NowTimestamp(clock_);
        amendment.set_withdrawn(request.withdraw());
        v1::ServiceDelivery& previous = *amendment.mutable_previous();
        previous = delivery;
        previous.clear_delivery_id();
        previous.clear_registration_id();
        previous.clear_recorded_at();
        previous.clear_amendments();
        if (request.withdraw()) {
          delivery.set_withdrawn(true);
        } else {
          // The stated fields are replaced; the delivery's ids, recorder and history stay.
          v1::ServiceDelivery corrected = request.corrected();
          corrected.set_delivery_id(delivery.delivery_id());
          corrected.set_registration_id(delivery.registration_id());
          corrected.set_staff_id(delivery.staff_id());
          *corrected.mutable_recorded_at() = delivery.recorded_at();
          corrected.mutable_amendments()->Swap(delivery.mutable_amendments());
          RETURN_IF_ERROR(CheckDeliveryFacts(tx, record, corrected));
          delivery = std::move(corrected);
        }
        *delivery.add_amendments() = amendment;
        RETURN_IF_ERROR(tx.UpdateDelivery(delivery));
        v1::TieringEvent event;
        *event.mutable_occurred_at() = amendment.recorded_at();
        v1::ServiceDeliveryAmended* payload = event.mutable_service_delivery_amended();
        payload->set_delivery_id(delivery.delivery_id());
        payload->set_registration_id(delivery.registration_id());
        payload->set_office_region_code(record.profile.office_region_code());
        payload->set_type(delivery.type());
        payload->set_delivered_on(delivery.delivered_on());
        payload->set_withdrawn(delivery.withdrawn());
        payload->set_previous_type(amendment.previous().type());
        payload->set_previous_delivered_on(amendment.previous().delivered_on());
        RETURN_IF_ERROR(tx.AppendEvent(event).status());
        *response.mutable_delivery() = delivery;
        return absl::OkStatus();
      });
}

absl::StatusOr<std::string> Plans::OfficeRegionOfDelivery(const std::string& delivery_id) {
  return ReadValue(store_, [&](TieringTx& tx) -> absl::StatusOr<std::string> {
    ASSIGN_OR_RETURN(v1::ServiceDelivery delivery, LoadDelivery(tx, delivery_id));
    ASSIGN_OR_RETURN(ProfileRecord record, LoadProfile(tx, delivery.registration_id()));
    return record.profile.office_region_code();
  });
}

absl::StatusOr<v1::ListServiceDeliveriesResponse> Plans::ListServiceDeliveries(
    const v1::ListServiceDeliveriesRequest& request) {
  const uint64_t fingerprint =
      QueryFingerprint(absl::StrCat("deliveries|", request.registration_id(), "|", request.type()));
  std::optional<DeliveryPosition> after;
  if (!request.page_token().empty()) {
    ASSIGN_OR_RETURN(std::vector<std::string> position,
                     DecodePageToken(request.page_token(), fingerprint, 3));
    DeliveryPosition p;
    p.delivered_on = position[0];
    if (!absl::SimpleAtoi(position[1], &p.recorded_micros)) {
      return InvalidPageTokenError();
    }
    p.delivery_id = position[2];
    after = std::move(p);
  }
  const int limit = EffectivePageSize(request.page_size());
  v1::ListServiceDeliveriesResponse response;
  const absl::Status done = store_.Read([&](TieringTx& tx) -> absl::Status {
    RETURN_IF_ERROR(LoadProfile(tx, request.registration_id()).status());
    ASSIGN_OR_RETURN(
        std::vector<v1::ServiceDelivery> rows,
        tx.ListDeliveries(request.registration_id(), request.type(), after, limit + 1));
    const bool more = static_cast<int>(rows.size()) > limit;
    if (more) rows.resize(limit);
    for (v1::ServiceDelivery& row : rows) *response.add_deliveries() = std::move(row);
    if (more) {
      const v1::ServiceDelivery& last = response.deliveries(response.deliveries_size() - 1);
      response.set_next_page_token(EncodePageToken(
          fingerprint,
          {last.delivered_on(), absl::StrCat(TimeUtil::TimestampToMicroseconds(last.recorded_at())),
           last.delivery_id()}));
    }
    return absl::OkStatus();
  });
  if (!done.ok()) return done;
  return response;
}

// --- Gaps and fulfilment. ---

absl::StatusOr<v1::ListPlanGapsResponse> Plans::ListPlanGaps(
    const v1::ListPlanGapsRequest& request) {
  ASSIGN_OR_RETURN(std::string prefix, RegionPrefix(request.region_code()));
  const absl::CivilDay as_of = DayOr(clock_, request.as_of());
  const std::string as_of_text = time::FormatDate(as_of);
  // The query includes the effective as_of, so a token of "today" stays valid only that day.
  const uint64_t fingerprint = QueryFingerprint(absl::StrCat(
      "gaps|", request.region_code(), "|", as_of_text, "|", request.level(), "|", request.state()));
  std::optional<ProfilePosition> after;
  if (!request.page_token().empty()) {
    ASSIGN_OR_RETURN(std::vector<std::string> position,
                     DecodePageToken(request.page_token(), fingerprint, 2));
    after = ProfilePosition{position[0], position[1]};
  }
  const int limit = EffectivePageSize(request.page_size());
  v1::ListPlanGapsResponse response;
  // One ordered pass (TieringTx::ScanPlanInputs): registrations and their deliveries in one
  // query, one registration in memory at a time, until the page is full and one more has a gap.
  const absl::Status done = store_.Read([&](TieringTx& tx) -> absl::Status {
    std::optional<ProfilePosition> last_returned;
    bool more = false;
    RETURN_IF_ERROR(tx.ScanPlanInputs(
        prefix, as_of_text, as_of_text, after,
        [&](ProfileRecord& record, std::vector<DeliveryRef>& deliveries) -> absl::StatusOr<bool> {
          const v1::ServicePlan plan = PlanStatus(record, std::move(deliveries), as_of);
          if (request.level() != v1c::UNEMPLOYMENT_LEVEL_UNSPECIFIED &&
              plan.level() != request.level()) {
            return true;
          }
          std::vector<v1::Obligation> obligations(plan.obligations().begin(),
                                                  plan.obligations().end());
          if (!HasGap(obligations, request.state())) return true;
          if (response.gaps_size() == limit) {
            more = true;
            return false;
          }
          v1::PlanGap* gap = response.add_gaps();
          gap->set_registration_id(record.profile.registration_id());
          gap->set_name(record.profile.name());
          gap->set_office_region_code(record.profile.office_region_code());
          gap->set_level(plan.level());
          gap->set_type(plan.type());
          for (const v1::Obligation& obligation : obligations) {
            if (obligation.state() == v1::OBLIGATION_STATE_MET) continue;
            if (request.state() != v1::OBLIGATION_STATE_UNSPECIFIED &&
                obligation.state() != request.state()) {
              continue;
            }
            *gap->add_obligations() = obligation;
          }
          last_returned =
              ProfilePosition{record.profile.registered_date(), record.profile.registration_id()};
          return true;
        }));
    if (more && last_returned.has_value()) {
      response.set_next_page_token(EncodePageToken(
          fingerprint, {last_returned->registered_date, last_returned->registration_id}));
    }
    return absl::OkStatus();
  });
  if (!done.ok()) return done;
  return response;
}

absl::StatusOr<v1::GetPlanFulfilmentResponse> Plans::GetPlanFulfilment(
    const v1::GetPlanFulfilmentRequest& request) {
  ASSIGN_OR_RETURN(std::string prefix, RegionPrefix(request.region_code()));
  const absl::CivilDay last = ParseStored(request.period_end());
  std::map<int, v1::LevelFulfilment> by_level;
  for (int level = v1c::UNEMPLOYMENT_LEVEL_UNSPECIFIED; level <= v1c::UNEMPLOYMENT_LEVEL_LONG_TERM;
       ++level) {
    by_level[level].set_level(static_cast<v1c::UnemploymentLevel>(level));
  }
  const absl::CivilDay period_start = ParseStored(request.period_start());
  // One pass over the region's registrations and their deliveries, in the store's fastest order
  // (counts do not depend on it), in domain types: no plan message, no date text.
  PlanInput input;
  std::vector<ObligationStatus> obligations;
  const absl::Status done = store_.Read([&](TieringTx& tx) -> absl::Status {
    return tx.ScanPlanInputsAnyOrder(
        prefix, request.period_start(), request.period_end(),
        [&](ProfileRecord& record, std::vector<DeliveryRef>& deliveries) -> absl::StatusOr<bool> {
          // Judge on the last day of the period the registration was still active.
          absl::CivilDay judged = last;
          if (!record.profile.end_date().empty()) {
            judged = std::min(judged, ParseStored(record.profile.end_date()) - 1);
          }
          PlanInputOf(record, deliveries, judged, input);
          EvaluateObligations(input, judged, obligations);
          for (const ObligationStatus& obligation : obligations) {
            v1::LevelFulfilment& counts = by_level[obligation.level];
            if (!obligation.due_on.has_value()) {
              // No deadline: counted by the date it was met.
              if (obligation.met_on.has_value() && *obligation.met_on >= period_start &&
                  *obligation.met_on <= last) {
                counts.set_due_count(counts.due_count() + 1);
                counts.set_met_count(counts.met_count() + 1);
              }
              continue;
            }
            if (*obligation.due_on < period_start || *obligation.due_on > judged) continue;
            counts.set_due_count(counts.due_count() + 1);
            if (obligation.state == v1::OBLIGATION_STATE_MET) {
              counts.set_met_count(counts.met_count() + 1);
            } else if (obligation.state == v1::OBLIGATION_STATE_MISSED) {
              counts.set_missed_count(counts.missed_count() + 1);
            }
          }
          return true;
        });
  });
  if (!done.ok()) return done;
  v1::GetPlanFulfilmentResponse response;
  for (auto& [level, counts] : by_level) *response.add_levels() = std::move(counts);
  return response;
}

}  // namespace unemployment::tiering
