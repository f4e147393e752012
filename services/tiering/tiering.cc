#include "services/tiering/tiering.h"

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
#include "common/store/request_log.h"
#include "common/time/date.h"
#include "common/time/time_zone.h"
#include "google/protobuf/util/time_util.h"
#include "services/tiering/page_token.h"

namespace unemployment::tiering {
namespace {

namespace v1c = ::unemployment::common::v1;
namespace reg = ::unemployment::registration::v1;
using google::protobuf::util::TimeUtil;

// Upper bound of deliveries read for one plan; far above any real person's service history.
constexpr int kMaxDeliveriesPerPlan = 100000;
constexpr int kMaxQualifications = 3;
constexpr int kMaxJobIntentions = 3;

constexpr absl::string_view kDeliveryRequests = "RecordServiceDelivery";
constexpr absl::string_view kAmendDeliveryRequests = "AmendServiceDelivery";
constexpr absl::string_view kCatalogRequests = "PublishCatalogVersion";
constexpr absl::string_view kIdentifyRequests = "IdentifyEmploymentDifficulty";
constexpr absl::string_view kDecideRequests = "DecideEmploymentDifficulty";

absl::Status RegistrationNotFound(absl::string_view id) {
  return status::WithErrorInfo(
      absl::NotFoundError(absl::StrCat("registration ", id, " is not known to tiering")),
      "REGISTRATION_NOT_FOUND");
}

absl::Status NotActive(absl::string_view id, absl::string_view day) {
  return status::WithErrorInfo(
      absl::FailedPreconditionError(absl::StrCat("registration ", id, " is not active on ", day)),
      "REGISTRATION_NOT_ACTIVE");
}

absl::Status RequestIdReused(absl::string_view request_id) {
  return status::WithErrorInfo(absl::AlreadyExistsError(absl::StrCat(
                                   "request_id ", request_id, " was used with different content")),
                               "REQUEST_ID_REUSED");
}

bool ActiveOn(const v1::Profile& profile, absl::CivilDay day) {
  const std::string text = time::FormatDate(day);
  return profile.registered_date() <= text &&
         (profile.end_date().empty() || text < profile.end_date());
}

absl::CivilDay ParseStored(absl::string_view text) {
  absl::StatusOr<absl::CivilDay> day = time::ParseDate(text);
  return day.ok() ? *day : absl::CivilDay();
}

absl::StatusOr<ProfileRecord> LoadProfile(TieringTx& tx, const std::string& registration_id) {
  ASSIGN_OR_RETURN(std::optional<ProfileRecord> record, tx.GetProfile(registration_id));
  if (!record.has_value()) return RegistrationNotFound(registration_id);
  return *std::move(record);
}

// Idempotency (AIP-155): the stored answer of a repeated request, ALREADY_EXISTS for the same id
// with other content, nullopt for a new id.
template <typename Response>
absl::StatusOr<std::optional<Response>> Replay(TieringTx& tx, absl::string_view kind,
                                               absl::string_view request_id,
                                               const std::string& fingerprint) {
  ASSIGN_OR_RETURN(std::optional<StoredRequest> stored, tx.FindRequest(kind, request_id));
  return store::Replay<Response>(stored, fingerprint,
                                 [&] { return RequestIdReused(request_id); });
}

// The fingerprint of a request's content without its request_id, for comparing repeats.
template <typename Request>
std::string Fingerprint(const Request& request) {
  Request copy = request;
  copy.clear_request_id();
  return store::RequestFingerprint(copy);
}

v1::CatalogKind KindOfHandout(v1::ServiceType type) {
  switch (type) {
    case v1::SERVICE_TYPE_POLICY_LIST_HANDED_OUT:
      return v1::CATALOG_KIND_POLICY_LIST;
    case v1::SERVICE_TYPE_SERVICE_LIST_HANDED_OUT:
      return v1::CATALOG_KIND_SERVICE_LIST;
    case v1::SERVICE_TYPE_AGENCY_LIST_HANDED_OUT:
      return v1::CATALOG_KIND_AGENCY_LIST;
    default:
      return v1::CATALOG_KIND_UNSPECIFIED;
  }
}

v1::Profile ProfileFromRegistration(const reg::Registration& registration) {
  v1::Profile profile;
  profile.set_registration_id(registration.id());
  *profile.mutable_person_id() = registration.person_id();
  profile.set_name(registration.name());
  profile.set_sex(registration.form().sex());
  profile.set_birth_date(registration.birth_date());
  profile.set_education(registration.form().education());
  profile.set_cause(registration.form().unemployment_cause());
  profile.set_office_region_code(registration.office_region_code());
  profile.set_registered_date(registration.registered_date());
  for (int i = 0; i < registration.form().qualifications_size() && i < kMaxQualifications; ++i) {
    *profile.add_qualifications() = registration.form().qualifications(i);
  }
  for (int i = 0; i < registration.form().job_intentions_size() && i < kMaxJobIntentions; ++i) {
    profile.add_job_intentions(registration.form().job_intentions(i));
  }
  if (registration.has_deregistration()) {
    profile.set_end_date(registration.deregistration().effective_date());
  }
  return profile;
}

DifficultyFacts FactsForCriteria(const v1::Profile& profile,
                                 const std::vector<v1::DeclaredFact>& declared) {
  DifficultyFacts facts;
  facts.sex = profile.sex();
  facts.birth_date = profile.birth_date();
  facts.registered = ParseStored(profile.registered_date());
  for (const v1::DeclaredFact& fact : declared) {
    facts.declared[fact.criterion_code()] = fact.evidence();
  }
  return facts;
}

// The facts declared in the latest identification that was not rejected: the data held.
std::vector<v1::DeclaredFact> HeldFacts(const v1::Profile& profile) {
  std::vector<v1::DeclaredFact> facts;
  if (profile.has_latest_identification() &&
      profile.latest_identification().state() != v1::IDENTIFICATION_STATE_REJECTED) {
    facts.assign(profile.latest_identification().facts().begin(),
                 profile.latest_identification().facts().end());
  }
  return facts;
}

}  // namespace

Tiering::Tiering(TieringStore& store, const time::Clock& clock, const TypeRules& type_rules,
                 const DifficultyCriteria& criteria, const validation::RegionDirectory* regions)
    : store_(store),
      clock_(clock),
      type_rules_(type_rules),
      criteria_(criteria),
      regions_(regions) {}

absl::CivilDay Tiering::Today() const { return clock_.Today(); }

absl::CivilDay Tiering::DayOr(absl::string_view text) const {
  if (text.empty()) return Today();
  return ParseStored(text);
}

TypeDecision Tiering::TypeOn(const ProfileRecord& record, absl::CivilDay day) const {
  const bool approved = !record.difficulty_approved_on.empty() &&
                        record.difficulty_approved_on <= time::FormatDate(day);
  return type_rules_.Decide(FactsOf(record.profile, approved));
}

absl::Status Tiering::RefreshType(TieringTx& tx, ProfileRecord& record,
                                  absl::CivilDay effective) const {
  const TypeDecision decision = TypeOn(record, std::max(Today(), effective));
  const bool changed = decision.type != record.profile.type();
  record.profile.set_type(decision.type);
  record.profile.set_type_rule_id(decision.rule_id);
  if (!changed) return absl::OkStatus();
  v1::TieringEvent event;
  *event.mutable_occurred_at() =
      TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(clock_.Now()));
  v1::TypeChanged* payload = event.mutable_type_changed();
  payload->set_registration_id(record.profile.registration_id());
  payload->set_office_region_code(record.profile.office_region_code());
  payload->set_type(decision.type);
  payload->set_effective_date(time::FormatDate(effective));
  return tx.AppendEvent(event).status();
}

absl::StatusOr<std::string> Tiering::RegionPrefix(absl::string_view code) const {
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

void Tiering::PlanInputOf(const ProfileRecord& record, std::vector<DeliveryRef>& deliveries,
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

v1::ServicePlan Tiering::PlanStatus(const ProfileRecord& record,
                                    std::vector<DeliveryRef> deliveries,
                                    absl::CivilDay as_of) const {
  PlanInput input;
  PlanInputOf(record, deliveries, as_of, input);
  const std::optional<notice::LevelSpan> span = notice::LevelOn(input.registered, as_of);
  v1::ServicePlan plan;
  plan.set_registration_id(record.profile.registration_id());
  plan.set_as_of(PlanDate(as_of));
  if (span.has_value()) plan.set_level(span->level);
  plan.set_type(TypeOn(record, as_of).type);
  plan.set_registered_date(record.profile.registered_date());
  for (v1::Obligation& obligation : ComputeObligations(input, as_of)) {
    *plan.add_obligations() = std::move(obligation);
  }
  return plan;
}

absl::StatusOr<v1::ServicePlan> Tiering::PlanOf(TieringTx& tx, const ProfileRecord& record,
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

// --- Feed. ---

absl::StatusOr<int64_t> Tiering::FeedCursor(absl::string_view feed) {
  int64_t cursor = 0;
  const absl::Status done = store_.Read([&](TieringTx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(cursor, tx.FeedCursor(feed));
    return absl::OkStatus();
  });
  if (!done.ok()) return done;
  return cursor;
}

absl::Status Tiering::ApplyRegistrationEvent(absl::string_view feed, const reg::Event& event) {
  return store_.Write([&](TieringTx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(int64_t cursor, tx.FeedCursor(feed));
    if (event.sequence() <= cursor) return absl::OkStatus();  // applied before
    const reg::Registration* registration = nullptr;
    if (event.has_registration_created()) {
      registration = &event.registration_created().registration();
    } else if (event.has_registration_deregistered()) {
      registration = &event.registration_deregistered().registration();
    }
    if (registration != nullptr && !registration->id().empty()) {
      ASSIGN_OR_RETURN(std::optional<ProfileRecord> stored, tx.GetProfile(registration->id()));
      ProfileRecord record;
      if (stored.has_value()) {
        record = *std::move(stored);
        if (registration->has_deregistration()) {
          record.profile.set_end_date(registration->deregistration().effective_date());
        }
      } else {
        record.profile = ProfileFromRegistration(*registration);
        RETURN_IF_ERROR(RefreshType(tx, record, ParseStored(record.profile.registered_date())));
      }
      *record.profile.mutable_update_time() = event.occurred_at();
      RETURN_IF_ERROR(tx.PutProfile(record));
    }
    return tx.SetFeedCursor(feed, event.sequence());
  });
}

absl::StatusOr<std::vector<v1::TieringEvent>> Tiering::ReadEvents(int64_t after_sequence,
                                                                  int limit) {
  std::vector<v1::TieringEvent> events;
  const absl::Status done = store_.Read([&](TieringTx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(events, tx.ReadEvents(after_sequence, limit));
    return absl::OkStatus();
  });
  if (!done.ok()) return done;
  return events;
}

absl::StatusOr<int64_t> Tiering::LastEventSequence() {
  int64_t last = 0;
  const absl::Status done = store_.Read([&](TieringTx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(last, tx.LastEventSequence());
    return absl::OkStatus();
  });
  if (!done.ok()) return done;
  return last;
}

// --- Level, plan, profile. ---

absl::StatusOr<v1::GetLevelResponse> Tiering::GetLevel(const v1::GetLevelRequest& request) {
  const absl::CivilDay as_of = DayOr(request.as_of());
  ProfileRecord record;
  const absl::Status done = store_.Read([&](TieringTx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(record, LoadProfile(tx, request.registration_id()));
    return absl::OkStatus();
  });
  if (!done.ok()) return done;
  if (!ActiveOn(record.profile, as_of)) {
    return NotActive(request.registration_id(), time::FormatDate(as_of));
  }
  std::optional<notice::LevelSpan> span =
      notice::LevelOn(ParseStored(record.profile.registered_date()), as_of);
  if (!span.has_value()) return NotActive(request.registration_id(), time::FormatDate(as_of));
  v1::GetLevelResponse response;
  response.set_level(span->level);
  response.set_registered_date(record.profile.registered_date());
  response.set_level_since(time::FormatDate(span->since));
  if (span->next_level_on.has_value()) {
    response.set_next_level_on(time::FormatDate(*span->next_level_on));
  }
  response.set_as_of(time::FormatDate(as_of));
  return response;
}

absl::StatusOr<v1::GetServicePlanResponse> Tiering::GetServicePlan(
    const v1::GetServicePlanRequest& request) {
  const absl::CivilDay as_of = DayOr(request.as_of());
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

absl::StatusOr<v1::GetProfileResponse> Tiering::GetProfile(const v1::GetProfileRequest& request) {
  v1::GetProfileResponse response;
  const absl::Status done = store_.Read([&](TieringTx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(ProfileRecord record, LoadProfile(tx, request.registration_id()));
    *response.mutable_profile() = std::move(record.profile);
    return absl::OkStatus();
  });
  if (!done.ok()) return done;
  return response;
}

absl::StatusOr<v1::UpdateProfileResponse> Tiering::UpdateProfile(
    const v1::UpdateProfileRequest& request) {
  const absl::CivilDay today = Today();
  v1::UpdateProfileResponse response;
  const absl::Status done = store_.Write([&](TieringTx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(ProfileRecord record, LoadProfile(tx, request.profile().registration_id()));
    v1::Profile& profile = record.profile;
    if (!profile.end_date().empty() && profile.end_date() <= time::FormatDate(today)) {
      return NotActive(profile.registration_id(), time::FormatDate(today));
    }
    const v1::Profile& in = request.profile();
    for (const std::string& path : request.update_mask().paths()) {
      if (path == "qualifications") {
        *profile.mutable_qualifications() = in.qualifications();
      } else if (path == "skill_level") {
        profile.set_skill_level(in.skill_level());
      } else if (path == "job_intentions") {
        *profile.mutable_job_intentions() = in.job_intentions();
      } else if (path == "training_intention") {
        profile.set_training_intention(in.training_intention());
      } else if (path == "entrepreneurship_intention") {
        profile.set_entrepreneurship_intention(in.entrepreneurship_intention());
      } else if (path == "notes") {
        profile.set_notes(in.notes());
      }
    }
    RETURN_IF_ERROR(RefreshType(tx, record, today));
    *profile.mutable_update_time() =
        TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(clock_.Now()));
    RETURN_IF_ERROR(tx.PutProfile(record));
    *response.mutable_profile() = profile;
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
      return status::WithErrorInfo(
          absl::NotFoundError(absl::StrCat(
              "catalogue version ", delivery.catalog_handout().version(), " of region ",
              delivery.catalog_handout().region_code(), " does not exist")),
          "CATALOG_VERSION_NOT_FOUND");
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

absl::StatusOr<v1::RecordServiceDeliveryResponse> Tiering::RecordServiceDelivery(
    const v1::RecordServiceDeliveryRequest& request) {
  v1::RecordServiceDeliveryRequest normalized = request;
  v1::ServiceDelivery& delivery = *normalized.mutable_delivery();
  delivery.clear_delivery_id();
  delivery.clear_recorded_at();
  const std::string fingerprint = Fingerprint(normalized);
  v1::RecordServiceDeliveryResponse response;
  const absl::Status done = store_.Write([&](TieringTx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(std::optional<v1::RecordServiceDeliveryResponse> replay,
                     Replay<v1::RecordServiceDeliveryResponse>(tx, kDeliveryRequests,
                                                               request.request_id(), fingerprint));
    if (replay.has_value()) {
      response = *std::move(replay);
      return absl::OkStatus();
    }
    ASSIGN_OR_RETURN(ProfileRecord record, LoadProfile(tx, delivery.registration_id()));
    RETURN_IF_ERROR(CheckDeliveryFacts(tx, record, delivery));
    ASSIGN_OR_RETURN(int64_t number, tx.NextNumber("delivery"));
    delivery.set_delivery_id(absl::StrCat("dlv-", number));
    *delivery.mutable_recorded_at() =
        TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(clock_.Now()));
    RETURN_IF_ERROR(tx.InsertDelivery(delivery));
    v1::TieringEvent event;
    *event.mutable_occurred_at() = delivery.recorded_at();
    v1::ServiceDeliveryRecorded* payload = event.mutable_service_delivery_recorded();
    payload->set_delivery_id(delivery.delivery_id());
    payload->set_registration_id(delivery.registration_id());
    payload->set_office_region_code(record.profile.office_region_code());
    payload->set_type(delivery.type());
    payload->set_delivered_on(delivery.delivered_on());
    RETURN_IF_ERROR(tx.AppendEvent(event).status());
    *response.mutable_delivery() = delivery;
    return tx.PutRequest(kDeliveryRequests, request.request_id(),
                         {fingerprint, response.SerializeAsString()});
  });
  if (!done.ok()) return done;
  return response;
}

absl::StatusOr<v1::AmendServiceDeliveryResponse> Tiering::AmendServiceDelivery(
    const v1::AmendServiceDeliveryRequest& request) {
  const std::string fingerprint = Fingerprint(request);
  v1::AmendServiceDeliveryResponse response;
  const absl::Status done = store_.Write([&](TieringTx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(std::optional<v1::AmendServiceDeliveryResponse> replay,
                     Replay<v1::AmendServiceDeliveryResponse>(tx, kAmendDeliveryRequests,
                                                              request.request_id(), fingerprint));
    if (replay.has_value()) {
      response = *std::move(replay);
      return absl::OkStatus();
    }
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
    *amendment.mutable_recorded_at() =
        TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(clock_.Now()));
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
    return tx.PutRequest(kAmendDeliveryRequests, request.request_id(),
                         {fingerprint, response.SerializeAsString()});
  });
  if (!done.ok()) return done;
  return response;
}

absl::StatusOr<std::string> Tiering::OfficeRegionOfDelivery(const std::string& delivery_id) {
  std::string office;
  const absl::Status done = store_.Read([&](TieringTx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(v1::ServiceDelivery delivery, LoadDelivery(tx, delivery_id));
    ASSIGN_OR_RETURN(ProfileRecord record, LoadProfile(tx, delivery.registration_id()));
    office = record.profile.office_region_code();
    return absl::OkStatus();
  });
  if (!done.ok()) return done;
  return office;
}

absl::StatusOr<v1::ListServiceDeliveriesResponse> Tiering::ListServiceDeliveries(
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

absl::StatusOr<v1::ListPlanGapsResponse> Tiering::ListPlanGaps(
    const v1::ListPlanGapsRequest& request) {
  ASSIGN_OR_RETURN(std::string prefix, RegionPrefix(request.region_code()));
  const absl::CivilDay as_of = DayOr(request.as_of());
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

absl::StatusOr<v1::GetPlanFulfilmentResponse> Tiering::GetPlanFulfilment(
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

// --- Catalogues. ---

absl::StatusOr<v1::GetCatalogResponse> Tiering::GetCatalog(const v1::GetCatalogRequest& request) {
  const std::string& code = request.region_code();
  std::vector<std::string> candidates = {code};
  if (request.version() == 0) {
    // Own latest, else the enclosing city's, else the province's.
    const std::string city = code.substr(0, 4) + "00";
    const std::string province = code.substr(0, 2) + "0000";
    if (city != code) candidates.push_back(city);
    if (province != code && province != city) candidates.push_back(province);
  }
  v1::GetCatalogResponse response;
  const absl::Status done = store_.Read([&](TieringTx& tx) -> absl::Status {
    for (const std::string& candidate : candidates) {
      ASSIGN_OR_RETURN(std::optional<v1::Catalog> catalog,
                       tx.GetCatalog(candidate, request.kind(), request.version()));
      if (catalog.has_value()) {
        *response.mutable_catalog() = *std::move(catalog);
        return absl::OkStatus();
      }
    }
    if (request.version() != 0) {
      return status::WithErrorInfo(
          absl::NotFoundError(absl::StrCat("catalogue version ", request.version(), " of region ",
                                           code, " does not exist")),
          "CATALOG_VERSION_NOT_FOUND");
    }
    return status::WithErrorInfo(
        absl::NotFoundError(absl::StrCat("no catalogue of this kind applies to region ", code)),
        "CATALOG_NOT_FOUND");
  });
  if (!done.ok()) return done;
  return response;
}

absl::StatusOr<v1::PublishCatalogVersionResponse> Tiering::PublishCatalogVersion(
    const v1::PublishCatalogVersionRequest& request) {
  if (regions_ != nullptr && !regions_->IsKnown(request.region_code())) {
    return status::InvalidFieldError("region_code", "REGION_UNKNOWN",
                                     "the region code is not in the reference list");
  }
  const std::string fingerprint = Fingerprint(request);
  v1::PublishCatalogVersionResponse response;
  const absl::Status done = store_.Write([&](TieringTx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(std::optional<v1::PublishCatalogVersionResponse> replay,
                     Replay<v1::PublishCatalogVersionResponse>(tx, kCatalogRequests,
                                                               request.request_id(), fingerprint));
    if (replay.has_value()) {
      response = *std::move(replay);
      return absl::OkStatus();
    }
    ASSIGN_OR_RETURN(std::optional<v1::Catalog> latest,
                     tx.GetCatalog(request.region_code(), request.kind(), 0));
    const int64_t latest_version = latest.has_value() ? latest->version() : 0;
    if (request.base_version() != latest_version) {
      return status::WithErrorInfo(absl::FailedPreconditionError(
                                       absl::StrCat("base_version ", request.base_version(),
                                                    " is not the latest version ", latest_version)),
                                   "CATALOG_VERSION_CHANGED",
                                   {{"latest_version", absl::StrCat(latest_version)}});
    }
    v1::Catalog& catalog = *response.mutable_catalog();
    catalog.set_region_code(request.region_code());
    catalog.set_kind(request.kind());
    catalog.set_version(latest_version + 1);
    *catalog.mutable_entries() = request.entries();
    *catalog.mutable_publish_time() =
        TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(clock_.Now()));
    catalog.set_published_by(request.staff_id());
    RETURN_IF_ERROR(tx.InsertCatalog(catalog));
    return tx.PutRequest(kCatalogRequests, request.request_id(),
                         {fingerprint, response.SerializeAsString()});
  });
  if (!done.ok()) return done;
  return response;
}

// --- Difficulty identification. ---

absl::StatusOr<v1::ListDifficultyCriteriaResponse> Tiering::ListDifficultyCriteria(
    const v1::ListDifficultyCriteriaRequest& request) {
  const absl::CivilDay as_of = DayOr(request.as_of());
  const uint64_t fingerprint = QueryFingerprint(absl::StrCat("criteria|", time::FormatDate(as_of)));
  size_t offset = 0;
  if (!request.page_token().empty()) {
    ASSIGN_OR_RETURN(std::vector<std::string> position,
                     DecodePageToken(request.page_token(), fingerprint, 1));
    if (!absl::SimpleAtoi(position[0], &offset)) {
      return InvalidPageTokenError();
    }
  }
  v1::ListDifficultyCriteriaResponse response;
  const CriteriaSet* set = criteria_.InForce(as_of);
  if (set == nullptr) return response;
  response.set_criteria_version(set->version);
  const size_t limit = static_cast<size_t>(EffectivePageSize(request.page_size()));
  size_t i = offset;
  for (; i < set->criteria.size() && i < offset + limit; ++i) {
    *response.add_criteria() = set->criteria[i];
  }
  if (i < set->criteria.size()) {
    response.set_next_page_token(EncodePageToken(fingerprint, {absl::StrCat(i)}));
  }
  return response;
}

absl::StatusOr<v1::IdentifyEmploymentDifficultyResponse> Tiering::IdentifyEmploymentDifficulty(
    const v1::IdentifyEmploymentDifficultyRequest& request) {
  const absl::CivilDay as_of = DayOr(request.as_of());
  const CriteriaSet* set = criteria_.InForce(as_of);
  // Facts must name DECLARED criteria of the set in force.
  std::vector<status::FieldViolation> violations;
  for (int i = 0; i < request.facts_size(); ++i) {
    const std::string& code = request.facts(i).criterion_code();
    const v1::DifficultyCriterion* found = nullptr;
    if (set != nullptr) {
      for (const v1::DifficultyCriterion& criterion : set->criteria) {
        if (criterion.code() == code) found = &criterion;
      }
    }
    const std::string field = absl::StrCat("facts[", i, "].criterion_code");
    if (found == nullptr) {
      violations.push_back({field, "CODE_UNKNOWN", "no criterion in force has this code"});
    } else if (found->basis() != v1::CRITERION_BASIS_DECLARED) {
      violations.push_back({field, "NOT_APPLICABLE", "this criterion is computed, not declared"});
    }
  }
  if (!violations.empty()) {
    return status::InvalidArgumentError("invalid IdentifyEmploymentDifficultyRequest facts",
                                        violations);
  }
  const std::string fingerprint = Fingerprint(request);
  v1::IdentifyEmploymentDifficultyResponse response;
  auto run = [&](TieringTx& tx) -> absl::Status {
    if (!request.validate_only()) {
      ASSIGN_OR_RETURN(std::optional<v1::IdentifyEmploymentDifficultyResponse> replay,
                       Replay<v1::IdentifyEmploymentDifficultyResponse>(
                           tx, kIdentifyRequests, request.request_id(), fingerprint));
      if (replay.has_value()) {
        response = *std::move(replay);
        return absl::OkStatus();
      }
    }
    ASSIGN_OR_RETURN(ProfileRecord record, LoadProfile(tx, request.registration_id()));
    if (!ActiveOn(record.profile, as_of)) {
      return NotActive(request.registration_id(), time::FormatDate(as_of));
    }
    v1::DifficultyIdentification& identification = *response.mutable_identification();
    identification.set_registration_id(request.registration_id());
    identification.set_as_of(time::FormatDate(as_of));
    std::vector<v1::DeclaredFact> facts(request.facts().begin(), request.facts().end());
    std::vector<v1::CriterionResult> results;
    if (set != nullptr) {
      identification.set_criteria_version(set->version);
      results = EvaluateCriteria(*set, FactsForCriteria(record.profile, facts), as_of);
    }
    for (v1::CriterionResult& result : results) *identification.add_results() = std::move(result);
    *identification.mutable_facts() = request.facts();
    if (request.validate_only()) {
      identification.set_state(v1::IDENTIFICATION_STATE_EVALUATED);
      return absl::OkStatus();
    }
    ASSIGN_OR_RETURN(bool pending, tx.HasPendingIdentification(request.registration_id()));
    if (pending) {
      return status::WithErrorInfo(
          absl::FailedPreconditionError("another identification of this registration is pending"),
          "IDENTIFICATION_PENDING");
    }
    ASSIGN_OR_RETURN(int64_t number, tx.NextNumber("identification"));
    identification.set_identification_id(absl::StrCat("idf-", number));
    std::vector<v1::CriterionResult> evaluated(identification.results().begin(),
                                               identification.results().end());
    identification.set_state(AnyMet(evaluated) ? v1::IDENTIFICATION_STATE_PENDING_DECISION
                                               : v1::IDENTIFICATION_STATE_NOT_ELIGIBLE);
    identification.set_applied_by(request.staff_id());
    *identification.mutable_apply_time() =
        TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(clock_.Now()));
    RETURN_IF_ERROR(tx.PutIdentification(identification));
    *record.profile.mutable_latest_identification() = identification;
    *record.profile.mutable_update_time() = identification.apply_time();
    RETURN_IF_ERROR(tx.PutProfile(record));
    return tx.PutRequest(kIdentifyRequests, request.request_id(),
                         {fingerprint, response.SerializeAsString()});
  };
  RETURN_IF_ERROR(request.validate_only() ? store_.Read(run) : store_.Write(run));
  return response;
}

absl::StatusOr<v1::DecideEmploymentDifficultyResponse> Tiering::DecideEmploymentDifficulty(
    const v1::DecideEmploymentDifficultyRequest& request) {
  const std::string fingerprint = Fingerprint(request);
  v1::DecideEmploymentDifficultyResponse response;
  const absl::Status done = store_.Write([&](TieringTx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(std::optional<v1::DecideEmploymentDifficultyResponse> replay,
                     Replay<v1::DecideEmploymentDifficultyResponse>(
                         tx, kDecideRequests, request.request_id(), fingerprint));
    if (replay.has_value()) {
      response = *std::move(replay);
      return absl::OkStatus();
    }
    ASSIGN_OR_RETURN(std::optional<v1::DifficultyIdentification> found,
                     tx.GetIdentification(request.identification_id()));
    if (!found.has_value()) {
      return status::WithErrorInfo(
          absl::NotFoundError(
              absl::StrCat("identification ", request.identification_id(), " does not exist")),
          "IDENTIFICATION_NOT_FOUND");
    }
    v1::DifficultyIdentification identification = *std::move(found);
    if (identification.state() != v1::IDENTIFICATION_STATE_PENDING_DECISION) {
      return status::WithErrorInfo(
          absl::FailedPreconditionError("the identification is not pending a decision"),
          "IDENTIFICATION_NOT_PENDING",
          {{"state", v1::IdentificationState_Name(identification.state())}});
    }
    const absl::CivilDay applied = absl::ToCivilDay(
        absl::FromUnixMicros(TimeUtil::TimestampToMicroseconds(identification.apply_time())),
        time::ChinaTimeZone());
    if (request.decided_on() < time::FormatDate(applied)) {
      return status::InvalidFieldError("decided_on", "DATE_ORDER",
                                       "the decision cannot precede the application");
    }
    const bool approve = request.decision() == v1::IDENTIFICATION_DECISION_APPROVE;
    identification.set_state(approve ? v1::IDENTIFICATION_STATE_APPROVED
                                     : v1::IDENTIFICATION_STATE_REJECTED);
    identification.set_decided_on(request.decided_on());
    identification.set_decided_by(request.staff_id());
    identification.set_decision_reason(request.reason());
    RETURN_IF_ERROR(tx.PutIdentification(identification));

    ASSIGN_OR_RETURN(ProfileRecord record, LoadProfile(tx, identification.registration_id()));
    *record.profile.mutable_latest_identification() = identification;
    const google::protobuf::Timestamp now =
        TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(clock_.Now()));
    if (approve) {
      record.difficulty_approved_on = request.decided_on();
      record.profile.set_priority_assistance(true);
      RETURN_IF_ERROR(RefreshType(tx, record, ParseStored(request.decided_on())));
      // The identification itself is a service of the plan (全程记录).
      ASSIGN_OR_RETURN(int64_t number, tx.NextNumber("delivery"));
      v1::ServiceDelivery delivery;
      delivery.set_delivery_id(absl::StrCat("dlv-", number));
      delivery.set_registration_id(identification.registration_id());
      delivery.set_type(v1::SERVICE_TYPE_DIFFICULTY_IDENTIFICATION);
      delivery.set_delivered_on(request.decided_on());
      delivery.set_provider(absl::StrCat("office:", record.profile.office_region_code()));
      delivery.set_staff_id(request.staff_id());
      delivery.set_notes(absl::StrCat("identification ", identification.identification_id(),
                                      " approved: ", request.reason()));
      *delivery.mutable_recorded_at() = now;
      RETURN_IF_ERROR(tx.InsertDelivery(delivery));
      v1::TieringEvent event;
      *event.mutable_occurred_at() = now;
      v1::ServiceDeliveryRecorded* payload = event.mutable_service_delivery_recorded();
      payload->set_delivery_id(delivery.delivery_id());
      payload->set_registration_id(delivery.registration_id());
      payload->set_office_region_code(record.profile.office_region_code());
      payload->set_type(delivery.type());
      payload->set_delivered_on(delivery.delivered_on());
      RETURN_IF_ERROR(tx.AppendEvent(event).status());
    }
    *record.profile.mutable_update_time() = now;
    RETURN_IF_ERROR(tx.PutProfile(record));
    *response.mutable_identification() = identification;
    *response.mutable_profile() = record.profile;
    return tx.PutRequest(kDecideRequests, request.request_id(),
                         {fingerprint, response.SerializeAsString()});
  });
  if (!done.ok()) return done;
  return response;
}

absl::StatusOr<std::string> Tiering::OfficeRegionOf(const std::string& registration_id) {
  std::string region;
  RETURN_IF_ERROR(store_.Read([&](TieringTx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(ProfileRecord record, LoadProfile(tx, registration_id));
    region = record.profile.office_region_code();
    return absl::OkStatus();
  }));
  return region;
}

absl::StatusOr<std::string> Tiering::OfficeRegionOfIdentification(
    const std::string& identification_id) {
  std::string region;
  RETURN_IF_ERROR(store_.Read([&](TieringTx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(std::optional<v1::DifficultyIdentification> found,
                     tx.GetIdentification(identification_id));
    if (!found.has_value()) return absl::NotFoundError("no such identification");
    ASSIGN_OR_RETURN(ProfileRecord record, LoadProfile(tx, found->registration_id()));
    region = record.profile.office_region_code();
    return absl::OkStatus();
  }));
  return region;
}

}  // namespace unemployment::tiering
