#include "services/tiering/domain_util.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/status/status_util.h"
#include "common/time/date.h"
#include "google/protobuf/util/time_util.h"

namespace unemployment::tiering {

using google::protobuf::util::TimeUtil;

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

absl::Status CatalogVersionNotFound(int64_t version, absl::string_view region_code) {
  return status::WithErrorInfo(
      absl::NotFoundError(absl::StrCat("catalogue version ", version, " of region ", region_code,
                                       " does not exist")),
      "CATALOG_VERSION_NOT_FOUND");
}

absl::CivilDay ParseStored(absl::string_view text) {
  absl::StatusOr<absl::CivilDay> day = time::ParseDate(text);
  return day.ok() ? *day : absl::CivilDay();
}

absl::CivilDay DayOr(const time::Clock& clock, absl::string_view text) {
  if (text.empty()) return clock.Today();
  return ParseStored(text);
}

google::protobuf::Timestamp NowTimestamp(const time::Clock& clock) {
  return TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(clock.Now()));
}

bool ActiveOn(const v1::Profile& profile, absl::CivilDay day) {
  const std::string text = time::FormatDate(day);
  return profile.registered_date() <= text &&
         (profile.end_date().empty() || text < profile.end_date());
}

absl::StatusOr<ProfileRecord> LoadProfile(TieringTx& tx, const std::string& registration_id) {
  ASSIGN_OR_RETURN(std::optional<ProfileRecord> record, tx.GetProfile(registration_id));
  if (!record.has_value()) return RegistrationNotFound(registration_id);
  return *std::move(record);
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

std::vector<v1::DeclaredFact> HeldFacts(const v1::Profile& profile) {
  std::vector<v1::DeclaredFact> facts;
  if (profile.has_latest_identification() &&
      profile.latest_identification().state() != v1::IDENTIFICATION_STATE_REJECTED) {
    facts.assign(profile.latest_identification().facts().begin(),
                 profile.latest_identification().facts().end());
  }
  return facts;
}

TypeDecision TypeOn(const TypeRules& rules, const ProfileRecord& record, absl::CivilDay day) {
  const bool approved = !record.difficulty_approved_on.empty() &&
                        record.difficulty_approved_on <= time::FormatDate(day);
  return rules.Decide(FactsOf(record.profile, approved));
}

absl::Status RefreshType(TieringTx& tx, const TypeRules& rules, const time::Clock& clock,
                         ProfileRecord& record, absl::CivilDay effective) {
  const TypeDecision decision = TypeOn(rules, record, std::max(clock.Today(), effective));
  const bool changed = decision.type != record.profile.type();
  record.profile.set_type(decision.type);
  record.profile.set_type_rule_id(decision.rule_id);
  if (!changed) return absl::OkStatus();
  v1::TieringEvent event;
  *event.mutable_occurred_at() = NowTimestamp(clock);
  v1::TypeChanged* payload = event.mutable_type_changed();
  payload->set_registration_id(record.profile.registration_id());
  payload->set_office_region_code(record.profile.office_region_code());
  payload->set_type(decision.type);
  payload->set_effective_date(time::FormatDate(effective));
  return tx.AppendEvent(event).status();
}

absl::Status AppendDeliveryRecorded(TieringTx& tx, const v1::ServiceDelivery& delivery,
                                    absl::string_view office_region_code,
                                    const google::protobuf::Timestamp& occurred_at) {
  v1::TieringEvent event;
  *event.mutable_occurred_at() = occurred_at;
  v1::ServiceDeliveryRecorded* payload = event.mutable_service_delivery_recorded();
  payload->set_delivery_id(delivery.delivery_id());
  payload->set_registration_id(delivery.registration_id());
  payload->set_office_region_code(std::string(office_region_code));
  payload->set_type(delivery.type());
  payload->set_delivered_on(delivery.delivered_on());
  return tx.AppendEvent(event).status();
}

}  // namespace unemployment::tiering
