#include "services/tiering/difficulty_identification.h"

#include <optional>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/status/macros.h"
#include "common/status/status_util.h"
#include "common/time/date.h"
#include "common/time/time_zone.h"
#include "google/protobuf/util/time_util.h"
#include "services/tiering/domain_util.h"
#include "services/tiering/page_token.h"

namespace unemployment::tiering {
namespace {

using google::protobuf::util::TimeUtil;

constexpr absl::string_view kIdentifyRequests = "IdentifyEmploymentDifficulty";
constexpr absl::string_view kDecideRequests = "DecideEmploymentDifficulty";

}  // namespace

std::vector<status::FieldViolation> DeclaredFactViolations(
    const CriteriaSet* set, const google::protobuf::RepeatedPtrField<v1::DeclaredFact>& facts) {
  std::vector<status::FieldViolation> violations;
  for (int i = 0; i < facts.size(); ++i) {
    const std::string& code = facts.Get(i).criterion_code();
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
  return violations;
}

DifficultyIdentifier::DifficultyIdentifier(TieringStore& store, const time::Clock& clock,
                                           const TypeRules& type_rules,
                                           const DifficultyCriteria& criteria)
    : store_(store), clock_(clock), type_rules_(type_rules), criteria_(criteria) {}

absl::StatusOr<v1::ListDifficultyCriteriaResponse> DifficultyIdentifier::ListDifficultyCriteria(
    const v1::ListDifficultyCriteriaRequest& request) {
  const absl::CivilDay as_of = DayOr(clock_, request.as_of());
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

absl::StatusOr<v1::IdentifyEmploymentDifficultyResponse>
DifficultyIdentifier::IdentifyEmploymentDifficulty(
    const v1::IdentifyEmploymentDifficultyRequest& request) {
  const absl::CivilDay as_of = DayOr(clock_, request.as_of());
  const CriteriaSet* set = criteria_.InForce(as_of);
  const std::vector<status::FieldViolation> violations =
      DeclaredFactViolations(set, request.facts());
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
    *identification.mutable_apply_time() = NowTimestamp(clock_);
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

absl::StatusOr<v1::DecideEmploymentDifficultyResponse>
DifficultyIdentifier::DecideEmploymentDifficulty(
    const v1::DecideEmploymentDifficultyRequest& request) {
  return WriteOnce<v1::DecideEmploymentDifficultyResponse>(
      store_, kDecideRequests, request.request_id(), Fingerprint(request),
      [&](TieringTx& tx, v1::DecideEmploymentDifficultyResponse& response) -> absl::Status {
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
        const google::protobuf::Timestamp now = NowTimestamp(clock_);
        if (approve) {
          record.difficulty_approved_on = request.decided_on();
          record.profile.set_priority_assistance(true);
          RETURN_IF_ERROR(
              RefreshType(tx, type_rules_, clock_, record, ParseStored(request.decided_on())));
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
          RETURN_IF_ERROR(
              AppendDeliveryRecorded(tx, delivery, record.profile.office_region_code(), now));
        }
        *record.profile.mutable_update_time() = now;
        RETURN_IF_ERROR(tx.PutProfile(record));
        *response.mutable_identification() = identification;
        *response.mutable_profile() = record.profile;
        return absl::OkStatus();
      });
}

absl::StatusOr<std::string> DifficultyIdentifier::OfficeRegionOfIdentification(
    const std::string& identification_id) {
  return ReadValue(store_, [&](TieringTx& tx) -> absl::StatusOr<std::string> {
    ASSIGN_OR_RETURN(std::optional<v1::DifficultyIdentification> found,
                     tx.GetIdentification(identification_id));
    if (!found.has_value()) return absl::NotFoundError("no such identification");
    ASSIGN_OR_RETURN(ProfileRecord record, LoadProfile(tx, found->registration_id()));
    return record.profile.office_region_code();
  });
}

}  // namespace unemployment::tiering
