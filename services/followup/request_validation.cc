#include "services/followup/request_validation.h"

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/status/status_util.h"
#include "common/status/violations_status.h"
#include "common/time/date.h"
#include "common/validation/date.h"
#include "common/validation/deregistration_reason.h"
#include "common/validation/id_document.h"
#include "common/validation/request_fields.h"
#include "common/validation/rules.h"
#include "common/validation/text.h"
#include "common/validation/violations.h"

namespace unemployment::followup {
namespace {

namespace codes = ::unemployment::common::v1;
namespace rule = ::unemployment::validation::rule;
using validation::Violations;

constexpr size_t kMaxId = 64;
constexpr size_t kMaxText = 2000;
constexpr size_t kMaxNote = 1000;
constexpr size_t kMaxAmendmentReason = 500;
constexpr size_t kMaxEvidence = 50;
constexpr int kMaxActivities = 20;

void OptionalText(Violations& out, absl::string_view field, std::string* value, size_t max,
                  bool multiline = true) {
  validation::TrimInPlace(value);
  out.AddIfError(field, validation::ValidateText(*value, {false, max, multiline}));
}

// A "YYYY-MM-DD" not after today; nullopt when empty or invalid.
std::optional<absl::CivilDay> CheckDate(Violations& out, absl::string_view field,
                                        std::string* value, const RequestRules& rules,
                                        bool required, bool allow_future = false) {
  validation::TrimInPlace(value);
  if (value->empty()) {
    if (required) out.Add(std::string(field), std::string(rule::kRequired), "a date is required");
    return std::nullopt;
  }
  absl::StatusOr<absl::CivilDay> day =
      allow_future ? validation::ParseDate(*value)
                   : validation::ParseDateNotAfter(*value, rules.today);
  if (out.AddIfError(field, day.status())) return std::nullopt;
  return *day;
}

// A "YYYY-MM" not after the current month.
std::optional<absl::CivilMonth> CheckMonth(Violations& out, absl::string_view field,
                                           std::string* value, const RequestRules& rules,
                                           bool required, bool allow_future = false) {
  validation::TrimInPlace(value);
  if (value->empty()) {
    if (required) out.Add(std::string(field), std::string(rule::kRequired), "a month is required");
    return std::nullopt;
  }
  absl::StatusOr<absl::CivilMonth> month = time::ParseMonth(*value);
  if (!month.ok()) {
    out.Add(std::string(field), std::string(rule::kDateFormat), "a month is written YYYY-MM");
    return std::nullopt;
  }
  if (!allow_future && *month > absl::CivilMonth(rules.today)) {
    out.Add(std::string(field), std::string(rule::kDateInFuture),
            "the month is after the current month");
    return std::nullopt;
  }
  return *month;
}

bool SixDigits(absl::string_view code) {
  if (code.size() != 6) return false;
  for (char c : code) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

// A 6-digit region code (whether it is known is the domain's NOT_FOUND).
void CheckRegionCode(Violations& out, absl::string_view field, std::string* value,
                     bool required) {
  validation::TrimInPlace(value);
  if (value->empty()) {
    if (required) {
      out.Add(std::string(field), std::string(rule::kRequired), "a region code is required");
    }
    return;
  }
  if (!SixDigits(*value)) {
    out.Add(std::string(field), std::string(rule::kFormat), "a region code has 6 digits");
  }
}

// A 6-digit code of a known city-level region.
void CheckCityCode(Violations& out, absl::string_view field, std::string* value,
                   const RequestRules& rules) {
  CheckRegionCode(out, field, value, true);
  if (out.HasField(field)) return;
  std::optional<validation::RegionLevel> level = rules.regions->LevelOf(*value);
  if (!level.has_value()) {
    out.Add(std::string(field), std::string(rule::kRegionUnknown), "the city code is not known");
  } else if (*level != validation::RegionLevel::kCity) {
    out.Add(std::string(field), std::string(rule::kRegionLevel), "the code is not a city's");
  }
}

template <typename IsValid>
void CheckEnum(Violations& out, absl::string_view field, int value, IsValid is_valid) {
  if (value == 0) {
    out.Add(std::string(field), std::string(rule::kRequired), "a value is required");
  } else if (!is_valid(value)) {
    out.Add(std::string(field), std::string(rule::kCodeUnknown), "the value is not defined");
  }
}

void CheckPersonId(Violations& out, absl::string_view field, codes::PersonId* person,
                   const RequestRules& rules) {
  const std::string type_field = absl::StrCat(field, ".id_type");
  const std::string number_field = absl::StrCat(field, ".id_number");
  std::string number(absl::StripAsciiWhitespace(person->id_number()));
  absl::AsciiStrToUpper(&number);
  person->set_id_number(number);
  std::optional<validation::IdType> type =
      validation::IdTypeFromNumber(static_cast<int>(person->id_type()));
  if (person->id_type() == codes::ID_TYPE_UNSPECIFIED) {
    out.Add(type_field, std::string(rule::kRequired), "the ID type is required");
  } else if (!type.has_value()) {
    out.Add(type_field, std::string(rule::kIdTypeUnknown), "the ID type is not defined");
  }
  if (number.empty()) {
    out.Add(number_field, std::string(rule::kRequired), "the ID number is required");
  } else if (type.has_value()) {
    out.AddIfError(number_field, validation::ValidateIdDocument(*type, number, rules.today));
  }
}

void CheckStaff(Violations& out, absl::string_view field, std::string* value) {
  validation::RequireTrimmedText(out, field, value, kMaxId);
}

// as_of inside `month` (when both are valid).
void CheckAsOfInMonth(Violations& out, const std::optional<absl::CivilMonth>& month,
                      const std::optional<absl::CivilDay>& as_of) {
  if (month.has_value() && as_of.has_value() && absl::CivilMonth(*as_of) != *month) {
    out.Add("as_of", std::string(rule::kOutOfRange), "as_of lies outside the month");
  }
}

void CheckRange(Violations& out, absl::string_view to_field,
                const std::optional<absl::CivilDay>& from, const std::optional<absl::CivilDay>& to) {
  if (from.has_value() && to.has_value() && *to < *from) {
    out.Add(std::string(to_field), std::string(rule::kDateOrder), "the range ends before it starts");
  }
}

void CheckEvidence(Violations& out, absl::string_view field,
                   google::protobuf::RepeatedPtrField<v1::FraudEvidence>* evidence,
                   const RequestRules& rules, bool required) {
  if (evidence->empty() && required) {
    out.Add(std::string(field), std::string(rule::kRequired), "at least one piece of evidence");
  }
  if (evidence->size() > static_cast<int>(kMaxEvidence)) {
    out.Add(std::string(field), std::string(rule::kTooMany), "at most 50 pieces of evidence");
    return;
  }
  for (int i = 0; i < evidence->size(); ++i) {
    v1::FraudEvidence* e = evidence->Mutable(i);
    const std::string prefix = absl::StrCat(field, "[", i, "].");
    validation::RequireTrimmedText(out, prefix + "description", e->mutable_description(), kMaxText, true);
    OptionalText(out, prefix + "reference", e->mutable_reference(), 200, false);
    CheckDate(out, prefix + "collected_on", e->mutable_collected_on(), rules, true);
  }
}

}  // namespace

namespace {
// The fields of a follow-up staff state (method, contact date, outcome, employer, notes), shared by
// RecordFollowUp and the corrected follow-up of AmendFollowUp; `prefix` is the follow-up's field
// path ("follow_up." or "corrected."); `with_staff` checks staff_id too (RecordFollowUp's order).
// Output-only fields are cleared (ignored).
void CheckStatedFollowUp(Violations& out, absl::string_view prefix, v1::FollowUp* f,
                         const RequestRules& rules, bool with_staff) {
  f->clear_follow_up_id();
  f->clear_comparison_run_id();
  f->clear_self_report_id();
  f->clear_candidate_id();
  f->clear_recorded_at();
  f->clear_withdrawn();
  f->clear_amendments();
  const std::string method = absl::StrCat(prefix, "method");
  CheckEnum(out, method, f->method(), v1::FollowUpMethod_IsValid);
  if (f->method() == v1::FOLLOW_UP_METHOD_SELF_REPORT) {
    out.Add(method, std::string(rule::kCodeNotAccepted),
            "self-reports are recorded with SubmitSelfReport");
  }
  CheckDate(out, absl::StrCat(prefix, "contact_date"), f->mutable_contact_date(), rules, true);
  if (with_staff) CheckStaff(out, absl::StrCat(prefix, "staff_id"), f->mutable_staff_id());
  CheckEnum(out, absl::StrCat(prefix, "outcome"), f->outcome(), v1::FollowUpOutcome_IsValid);
  const bool needs_employer = f->outcome() == v1::FOLLOW_UP_OUTCOME_EMPLOYED ||
                              f->outcome() == v1::FOLLOW_UP_OUTCOME_STARTED_BUSINESS;
  const std::string employer_name = absl::StrCat(prefix, "employer_name");
  if (needs_employer) {
    validation::RequireTrimmedText(out, employer_name, f->mutable_employer_name(), 100);
  } else {
    OptionalText(out, employer_name, f->mutable_employer_name(), 100, false);
  }
  validation::TrimInPlace(f->mutable_employer_code());
  if (!f->employer_code().empty() && f->employer_code().size() != 18) {
    out.Add(absl::StrCat(prefix, "employer_code"), std::string(rule::kLength),
            "a unified social credit code has 18 characters");
  }
  const std::string notes = absl::StrCat(prefix, "notes");
  if (f->outcome() == v1::FOLLOW_UP_OUTCOME_OTHER) {
    validation::RequireTrimmedText(out, notes, f->mutable_notes(), kMaxText, true);
  } else {
    OptionalText(out, notes, f->mutable_notes(), kMaxText);
  }
}
}  // namespace

absl::Status ValidateRecordFollowUp(v1::RecordFollowUpRequest& request, const RequestRules& rules) {
  Violations out;
  validation::CheckRequestId(out, "request_id", request.mutable_request_id());
  v1::FollowUp* f = request.mutable_follow_up();
  validation::RequireTrimmedText(out, "follow_up.registration_id", f->mutable_registration_id(), kMaxId);
  CheckStatedFollowUp(out, "follow_up.", f, rules, /*with_staff=*/true);
  return status::ViolationsToStatus(out, "RecordFollowUpRequest");
}

absl::Status ValidateAmendFollowUp(v1::AmendFollowUpRequest& request, const RequestRules& rules) {
  Violations out;
  validation::CheckRequestId(out, "request_id", request.mutable_request_id());
  validation::RequireTrimmedText(out, "follow_up_id", request.mutable_follow_up_id(), kMaxId);
  validation::RequireTrimmedText(out, "amendment_reason", request.mutable_amendment_reason(), kMaxAmendmentReason,
              true);
  CheckStaff(out, "actor", request.mutable_actor());
  if (request.withdraw() && request.has_corrected()) {
    out.Add("corrected", std::string(rule::kNotApplicable),
            "a withdrawal carries no corrected follow-up");
  } else if (!request.withdraw() && !request.has_corrected()) {
    out.Add("corrected", std::string(rule::kRequired),
            "give the corrected follow-up or withdraw it (nothing to amend)");
  } else if (request.has_corrected()) {
    v1::FollowUp* f = request.mutable_corrected();
    // Not amendable: the follow-up keeps its registration and recorder.
    f->clear_registration_id();
    f->clear_staff_id();
    CheckStatedFollowUp(out, "corrected.", f, rules, /*with_staff=*/false);
  }
  return status::ViolationsToStatus(out, "AmendFollowUpRequest");
}

absl::Status ValidateListFollowUps(v1::ListFollowUpsRequest& request, const RequestRules& rules) {
  Violations out;
  validation::RequireTrimmedText(out, "registration_id", request.mutable_registration_id(), kMaxId);
  CheckMonth(out, "month", request.mutable_month(), rules, false, true);
  validation::CheckPageSize(out, request.page_size());
  return status::ViolationsToStatus(out, "ListFollowUpsRequest");
}

namespace {
template <typename Request>
absl::Status ValidateMonthQuery(Request& request, const RequestRules& rules, bool paged,
                                absl::string_view what) {
  Violations out;
  CheckRegionCode(out, "region_code", request.mutable_region_code(), true);
  std::optional<absl::CivilMonth> month =
      CheckMonth(out, "month", request.mutable_month(), rules, true);
  std::optional<absl::CivilDay> as_of = CheckDate(out, "as_of", request.mutable_as_of(), rules, false);
  CheckAsOfInMonth(out, month, as_of);
  if (paged) validation::CheckPageSize(out, request.page_size());
  return status::ViolationsToStatus(out, what);
}
}  // namespace

absl::Status ValidateListDueFollowUps(v1::ListDueFollowUpsRequest& request,
                                      const RequestRules& rules) {
  return ValidateMonthQuery(request, rules, true, "ListDueFollowUpsRequest");
}

absl::Status ValidateGetFollowUpCoverage(v1::GetFollowUpCoverageRequest& request,
                                         const RequestRules& rules) {
  Violations out;
  CheckRegionCode(out, "region_code", request.mutable_region_code(), true);
  std::optional<absl::CivilMonth> month =
      CheckMonth(out, "month", request.mutable_month(), rules, true);
  std::optional<absl::CivilDay> as_of = CheckDate(out, "as_of", request.mutable_as_of(), rules, false);
  CheckAsOfInMonth(out, month, as_of);
  return status::ViolationsToStatus(out, "GetFollowUpCoverageRequest");
}

absl::Status ValidateSubmitSelfReport(v1::SubmitSelfReportRequest& request,
                                      const RequestRules& rules) {
  Violations out;
  validation::CheckRequestId(out, "request_id", request.mutable_request_id());
  if (!request.has_person_id()) {
    out.Add("person_id", std::string(rule::kRequired), "the person is required");
  } else {
    CheckPersonId(out, "person_id", request.mutable_person_id(), rules);
  }
  v1::SelfReport* r = request.mutable_self_report();
  r->clear_self_report_id();
  r->clear_follow_up_id();
  r->clear_recorded_at();
  validation::RequireTrimmedText(out, "self_report.registration_id", r->mutable_registration_id(), kMaxId);
  CheckDate(out, "self_report.report_date", r->mutable_report_date(), rules, true);
  CheckEnum(out, "self_report.status", r->status(), v1::FollowUpOutcome_IsValid);
  if (r->status() == v1::FOLLOW_UP_OUTCOME_UNREACHABLE) {
    out.Add("self_report.status", std::string(rule::kCodeNotAccepted),
            "a person reporting is not unreachable");
  }
  if (r->status() == v1::FOLLOW_UP_OUTCOME_EMPLOYED ||
      r->status() == v1::FOLLOW_UP_OUTCOME_STARTED_BUSINESS) {
    validation::RequireTrimmedText(out, "self_report.employer_name", r->mutable_employer_name(), 100);
  } else {
    OptionalText(out, "self_report.employer_name", r->mutable_employer_name(), 100, false);
  }
  if (r->activities_size() > kMaxActivities) {
    out.Add("self_report.activities", std::string(rule::kTooMany), "at most 20 activities");
  } else {
    for (int i = 0; i < r->activities_size(); ++i) {
      v1::JobSearchActivity* a = r->mutable_activities(i);
      const std::string prefix = absl::StrCat("self_report.activities[", i, "].");
      CheckDate(out, prefix + "date", a->mutable_date(), rules, true);
      validation::RequireTrimmedText(out, prefix + "employer_name", a->mutable_employer_name(), 100);
      OptionalText(out, prefix + "position", a->mutable_position(), 100, false);
      OptionalText(out, prefix + "result", a->mutable_result(), 200, false);
    }
  }
  OptionalText(out, "self_report.notes", r->mutable_notes(), kMaxText);
  CheckStaff(out, "submitted_by", request.mutable_submitted_by());
  return status::ViolationsToStatus(out, "SubmitSelfReportRequest");
}

absl::Status ValidateListDeregistrationCandidates(v1::ListDeregistrationCandidatesRequest& request,
                                                  const RequestRules& rules) {
  Violations out;
  CheckRegionCode(out, "region_code", request.mutable_region_code(), true);
  if (!v1::CandidateState_IsValid(request.state())) {
    out.Add("state", std::string(rule::kCodeUnknown), "the state is not defined");
  }
  if (!v1::CandidateSource_IsValid(request.source())) {
    out.Add("source", std::string(rule::kCodeUnknown), "the source is not defined");
  }
  CheckMonth(out, "month", request.mutable_month(), rules, false, true);
  validation::CheckPageSize(out, request.page_size());
  return status::ViolationsToStatus(out, "ListDeregistrationCandidatesRequest");
}

namespace {
// The reason/moved_abroad/note rules shared by the two deregistration requests.
void CheckDeregistrationReason(Violations& out, codes::DeregistrationReason reason, bool moved_abroad,
                               std::string* note, bool reason_required) {
  OptionalText(out, "note", note, kMaxNote);
  if (reason == codes::DEREGISTRATION_REASON_UNSPECIFIED) {
    if (reason_required) out.Add("reason", std::string(rule::kRequired), "a reason is required");
    return;
  }
  std::optional<validation::DeregistrationReason> known =
      validation::DeregistrationReasonFromNumber(static_cast<int>(reason));
  if (!known.has_value()) {
    out.Add("reason", std::string(rule::kCodeUnknown), "the reason code is not defined");
    return;
  }
  out.AddIfError("moved_abroad", validation::ValidateMovedAbroad(*known, moved_abroad));
  if (!out.HasField("note")) {
    out.AddIfError("note", validation::ValidateDeregistrationNote(*known, *note));
  }
}
}  // namespace

absl::Status ValidateDecideDeregistrationCandidate(
    v1::DecideDeregistrationCandidateRequest& request, const RequestRules& rules) {
  Violations out;
  validation::CheckRequestId(out, "request_id", request.mutable_request_id());
  validation::RequireTrimmedText(out, "candidate_id", request.mutable_candidate_id(), kMaxId);
  CheckEnum(out, "decision", request.decision(), v1::CandidateDecision_IsValid);
  if (request.decision() == v1::CANDIDATE_DECISION_REJECT) {
    validation::RequireTrimmedText(out, "note", request.mutable_note(), kMaxNote, true);
  } else if (request.decision() == v1::CANDIDATE_DECISION_ACCEPT) {
    CheckDate(out, "effective_date", request.mutable_effective_date(), rules, true);
    CheckDeregistrationReason(out, request.reason(), request.moved_abroad(),
                              request.mutable_note(), false);
  }
  CheckStaff(out, "staff_id", request.mutable_staff_id());
  return status::ViolationsToStatus(out, "DecideDeregistrationCandidateRequest");
}

absl::Status ValidateDeregisterRegistration(v1::DeregisterRegistrationRequest& request,
                                            const RequestRules& rules) {
  Violations out;
  validation::CheckRequestId(out, "request_id", request.mutable_request_id());
  validation::RequireTrimmedText(out, "registration_id", request.mutable_registration_id(), kMaxId);
  CheckDeregistrationReason(out, request.reason(), request.moved_abroad(), request.mutable_note(),
                            true);
  CheckDate(out, "effective_date", request.mutable_effective_date(), rules, true);
  CheckStaff(out, "staff_id", request.mutable_staff_id());
  return status::ViolationsToStatus(out, "DeregisterRegistrationRequest");
}

absl::Status ValidateRunNoContactSweep(v1::RunNoContactSweepRequest& request,
                                       const RequestRules& rules) {
  Violations out;
  CheckDate(out, "as_of", request.mutable_as_of(), rules, true);
  CheckRegionCode(out, "region_code", request.mutable_region_code(), false);
  CheckStaff(out, "staff_id", request.mutable_staff_id());
  validation::CheckPageSize(out, request.page_size());
  return status::ViolationsToStatus(out, "RunNoContactSweepRequest");
}

absl::Status ValidateRunMonthlyComparison(v1::RunMonthlyComparisonRequest& request,
                                          const RequestRules& rules) {
  Violations out;
  std::optional<absl::CivilMonth> month =
      CheckMonth(out, "month", request.mutable_month(), rules, true);
  CheckRegionCode(out, "region_code", request.mutable_region_code(), false);
  std::optional<absl::CivilDay> as_of = CheckDate(out, "as_of", request.mutable_as_of(), rules, false);
  CheckAsOfInMonth(out, month, as_of);
  CheckStaff(out, "staff_id", request.mutable_staff_id());
  return status::ViolationsToStatus(out, "RunMonthlyComparisonRequest");
}

absl::Status ValidateStreamEvents(const v1::StreamEventsRequest& request) {
  Violations out;
  if (request.after_sequence() < 0) {
    out.Add("after_sequence", std::string(rule::kOutOfRange), "after_sequence must not be negative");
  }
  return status::ViolationsToStatus(out, "StreamEventsRequest");
}

absl::Status ValidateOpenFraudCase(v1::OpenFraudCaseRequest& request, const RequestRules& rules) {
  Violations out;
  validation::CheckRequestId(out, "request_id", request.mutable_request_id());
  if (!request.has_person_id()) {
    out.Add("person_id", std::string(rule::kRequired), "the person is required");
  } else {
    CheckPersonId(out, "person_id", request.mutable_person_id(), rules);
  }
  validation::RequireTrimmedText(out, "name", request.mutable_name(), 50);
  OptionalText(out, "registration_id", request.mutable_registration_id(), kMaxId, false);
  CheckCityCode(out, "city_code", request.mutable_city_code(), rules);
  CheckRegionCode(out, "office_region_code", request.mutable_office_region_code(), true);
  if (!out.HasField("office_region_code")) {
    if (!rules.regions->IsCountyLevel(request.office_region_code())) {
      out.Add("office_region_code",
              std::string(rules.regions->IsKnown(request.office_region_code())
                              ? rule::kRegionLevel
                              : rule::kRegionUnknown),
              "the office is not a known county-level region");
    } else if (!out.HasField("city_code") &&
               !rules.regions->IsCountyOfCity(request.office_region_code(), request.city_code())) {
      out.Add("office_region_code", std::string(rule::kRegionMismatch),
              "the office is not inside the city");
    }
  }
  CheckEnum(out, "benefit", request.benefit(), v1::FraudBenefit_IsValid);
  validation::RequireTrimmedText(out, "description", request.mutable_description(), kMaxText, true);
  CheckEvidence(out, "evidence", request.mutable_evidence(), rules, true);
  CheckDate(out, "opened_on", request.mutable_opened_on(), rules, true);
  CheckStaff(out, "staff_id", request.mutable_staff_id());
  return status::ViolationsToStatus(out, "OpenFraudCaseRequest");
}

absl::Status ValidateGetFraudCase(v1::GetFraudCaseRequest& request) {
  Violations out;
  validation::RequireTrimmedText(out, "case_id", request.mutable_case_id(), kMaxId);
  return status::ViolationsToStatus(out, "GetFraudCaseRequest");
}

absl::Status ValidateRecordFraudInvestigation(v1::RecordFraudInvestigationRequest& request,
                                              const RequestRules& rules) {
  Violations out;
  validation::CheckRequestId(out, "request_id", request.mutable_request_id());
  validation::RequireTrimmedText(out, "case_id", request.mutable_case_id(), kMaxId);
  CheckDate(out, "investigated_on", request.mutable_investigated_on(), rules, true);
  CheckStaff(out, "investigator_id", request.mutable_investigator_id());
  validation::RequireTrimmedText(out, "findings", request.mutable_findings(), kMaxText, true);
  CheckEvidence(out, "evidence", request.mutable_evidence(), rules, false);
  return status::ViolationsToStatus(out, "RecordFraudInvestigationRequest");
}

absl::Status ValidateConcludeFraudCase(v1::ConcludeFraudCaseRequest& request,
                                       const RequestRules& rules) {
  Violations out;
  validation::CheckRequestId(out, "request_id", request.mutable_request_id());
  validation::RequireTrimmedText(out, "case_id", request.mutable_case_id(), kMaxId);
  CheckEnum(out, "conclusion", request.conclusion(), v1::FraudConclusion_IsValid);
  CheckDate(out, "concluded_on", request.mutable_concluded_on(), rules, true);
  validation::RequireTrimmedText(out, "decision", request.mutable_decision(), kMaxText, true);
  OptionalText(out, "decision_document", request.mutable_decision_document(), 100, false);
  // proto3 cannot tell an unset amount from 0, which is valid (an attempt); only a negative amount
  // is refused.
  if (request.conclusion() == v1::FRAUD_CONCLUSION_CONFIRMED && request.amount_involved_fen() < 0) {
    out.Add("amount_involved_fen", std::string(rule::kOutOfRange), "the amount must not be negative");
  }
  CheckStaff(out, "staff_id", request.mutable_staff_id());
  return status::ViolationsToStatus(out, "ConcludeFraudCaseRequest");
}

absl::Status ValidateListFraudCases(v1::ListFraudCasesRequest& request, const RequestRules& rules) {
  Violations out;
  CheckRegionCode(out, "region_code", request.mutable_region_code(), true);
  if (!v1::FraudCaseState_IsValid(request.state())) {
    out.Add("state", std::string(rule::kCodeUnknown), "the state is not defined");
  }
  auto opened_from = CheckDate(out, "opened_from", request.mutable_opened_from(), rules, false, true);
  auto opened_to = CheckDate(out, "opened_to", request.mutable_opened_to(), rules, false, true);
  CheckRange(out, "opened_to", opened_from, opened_to);
  auto concluded_from =
      CheckDate(out, "concluded_from", request.mutable_concluded_from(), rules, false, true);
  auto concluded_to =
      CheckDate(out, "concluded_to", request.mutable_concluded_to(), rules, false, true);
  CheckRange(out, "concluded_to", concluded_from, concluded_to);
  validation::CheckPageSize(out, request.page_size());
  return status::ViolationsToStatus(out, "ListFraudCasesRequest");
}

absl::Status ValidateSubmitMonthlyFraudReport(v1::SubmitMonthlyFraudReportRequest& request,
                                              const RequestRules& rules) {
  Violations out;
  validation::CheckRequestId(out, "request_id", request.mutable_request_id());
  CheckCityCode(out, "city_code", request.mutable_city_code(), rules);
  CheckMonth(out, "month", request.mutable_month(), rules, true);
  OptionalText(out, "note", request.mutable_note(), kMaxText);
  CheckStaff(out, "staff_id", request.mutable_staff_id());
  return status::ViolationsToStatus(out, "SubmitMonthlyFraudReportRequest");
}

absl::Status ValidateGetMonthlyFraudReport(v1::GetMonthlyFraudReportRequest& request,
                                           const RequestRules& rules) {
  Violations out;
  CheckCityCode(out, "city_code", request.mutable_city_code(), rules);
  CheckMonth(out, "month", request.mutable_month(), rules, true, true);
  CheckDate(out, "as_of", request.mutable_as_of(), rules, false, true);
  return status::ViolationsToStatus(out, "GetMonthlyFraudReportRequest");
}

absl::Status ValidateGetFraudReportCompliance(v1::GetFraudReportComplianceRequest& request,
                                              const RequestRules& rules) {
  Violations out;
  CheckRegionCode(out, "province_code", request.mutable_province_code(), true);
  if (!out.HasField("province_code")) {
    std::optional<validation::RegionLevel> level = rules.regions->LevelOf(request.province_code());
    if (!level.has_value()) {
      out.Add("province_code", std::string(rule::kRegionUnknown), "the province code is not known");
    } else if (*level != validation::RegionLevel::kProvince) {
      out.Add("province_code", std::string(rule::kRegionLevel), "the code is not a province's");
    }
  }
  CheckMonth(out, "month", request.mutable_month(), rules, true);
  CheckDate(out, "as_of", request.mutable_as_of(), rules, false);
  return status::ViolationsToStatus(out, "GetFraudReportComplianceRequest");
}

absl::Status ValidateListUndeliveredCreditRecords(
    v1::ListUndeliveredCreditRecordsRequest& request) {
  Violations out;
  CheckRegionCode(out, "region_code", request.mutable_region_code(), true);
  validation::CheckPageSize(out, request.page_size());
  return status::ViolationsToStatus(out, "ListUndeliveredCreditRecordsRequest");
}

absl::Status ValidateExportCreditRecords(v1::ExportCreditRecordsRequest& request,
                                         const RequestRules& rules) {
  Violations out;
  CheckRegionCode(out, "region_code", request.mutable_region_code(), false);
  auto from = CheckDate(out, "concluded_from", request.mutable_concluded_from(), rules, true, true);
  auto to = CheckDate(out, "concluded_to", request.mutable_concluded_to(), rules, true, true);
  CheckRange(out, "concluded_to", from, to);
  CheckEnum(out, "format", request.format(), v1::ExportFormat_IsValid);
  validation::CheckPageSize(out, request.page_size());
  return status::ViolationsToStatus(out, "ExportCreditRecordsRequest");
}

}  // namespace unemployment::followup
