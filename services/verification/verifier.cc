#include "services/verification/verifier.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/proto_util/message_util.h"
#include "common/status/macros.h"
#include "common/status/status_util.h"
#include "common/time/date.h"
#include "common/validation/rules.h"
#include "common/validation/text.h"

namespace unemployment::verification {
namespace {

namespace v1c = ::unemployment::common::v1;

std::string Day(absl::CivilDay day) { return time::FormatDate(day); }

using proto_util::ToTimestamp;

// Request fields were validated before; a parse failure here is a programming error.
absl::CivilDay MustParse(const std::string& text) {
  absl::StatusOr<absl::CivilDay> day = time::ParseDate(text);
  return day.ok() ? *day : absl::CivilDay();
}

PersonKey KeyOf(const v1c::PersonId& id) { return PersonKey{id.id_type(), id.id_number()}; }

// Whether a fact running from `start` to `end` (open when empty) counts as of `as_of` against
// the date `from`.
bool InForce(absl::CivilDay start, const std::optional<absl::CivilDay>& end, absl::CivilDay from,
             absl::CivilDay as_of) {
  return start <= as_of && (!end.has_value() || *end >= from);
}

v1::Evidence MakeEvidence(v1::Source source, const std::string& version, v1::EvidenceKind kind,
                          absl::CivilDay start, const std::optional<absl::CivilDay>& end) {
  v1::Evidence evidence;
  evidence.set_source(source);
  evidence.set_snapshot_version(version);
  evidence.set_kind(kind);
  evidence.set_start_date(Day(start));
  if (end.has_value()) evidence.set_end_date(Day(*end));
  return evidence;
}

std::string Until(const std::optional<absl::CivilDay>& end) {
  return end.has_value() ? absl::StrCat("至", Day(*end)) : "至今";
}

absl::Status PopulationMissing() {
  return status::WithErrorInfo(
      absl::FailedPreconditionError(
          "no population snapshot is loaded, so identity cannot be checked"),
      "POPULATION_SNAPSHOT_MISSING");
}

// The hit kind of one piece of evidence and its strength (lower is stronger).
std::pair<v1::HitKind, int> HitOf(v1::EvidenceKind kind) {
  switch (kind) {
    case v1::EVIDENCE_KIND_DECEASED:
      return {v1::HIT_KIND_DECEASED, 0};
    case v1::EVIDENCE_KIND_DRAWING_PENSION:
      return {v1::HIT_KIND_PENSION, 1};
    case v1::EVIDENCE_KIND_RETIREMENT_AGE:
      return {v1::HIT_KIND_RETIREMENT_AGE, 2};
    case v1::EVIDENCE_KIND_ACTIVE_BUSINESS:
      return {v1::HIT_KIND_BUSINESS, 3};
    default:
      return {v1::HIT_KIND_EMPLOYED, 4};
  }
}

v1c::DeregistrationReason ReasonFor(v1::HitKind kind) {
  switch (kind) {
    case v1::HIT_KIND_DECEASED:
      return v1c::DEREGISTRATION_REASON_DECEASED;
    case v1::HIT_KIND_PENSION:
      return v1c::DEREGISTRATION_REASON_RECEIVING_PENSION;
    case v1::HIT_KIND_RETIREMENT_AGE:
      return v1c::DEREGISTRATION_REASON_RETIREMENT_AGE;
    case v1::HIT_KIND_BUSINESS:
      return v1c::DEREGISTRATION_REASON_SELF_EMPLOYED;
    default:
      return v1c::DEREGISTRATION_REASON_HIRED;
  }
}

void SortEvidence(std::vector<v1::Evidence>& evidence) {
  std::stable_sort(evidence.begin(), evidence.end(),
                   [](const v1::Evidence& a, const v1::Evidence& b) {
                     if (a.source() != b.source()) return a.source() < b.source();
                     return a.start_date() < b.start_date();
                   });
}

}  // namespace

absl::CivilDay RetirementDate(absl::CivilDay birth, const RetirementRule& rule) {
  int raise = 0;
  const absl::CivilMonth born(birth);
  if (born >= rule.raised_from_birth_month && rule.birth_months_per_step > 0) {
    const int64_t months_after = born - rule.raised_from_birth_month;
    raise = static_cast<int>(
        std::min<int64_t>(months_after / rule.birth_months_per_step + 1, rule.max_raise_months));
  }
  return time::AddMonths(birth, rule.base_age_years * 12 + raise);
}

Verifier::Verifier(ReferenceSources sources, VerificationStore& store, const time::Clock& clock,
                   RetirementRules retirement)
    : sources_(sources), store_(store), clock_(clock), retirement_(retirement) {}

void Verifier::PopulationEvidence(const PopulationRecord& record, const std::string& version,
                                  absl::CivilDay as_of, std::vector<v1::Evidence>& out) const {
  if (record.deceased && record.death_date.has_value() && *record.death_date <= as_of) {
    v1::Evidence evidence = MakeEvidence(v1::SOURCE_POPULATION, version, v1::EVIDENCE_KIND_DECEASED,
                                         *record.death_date, {});
    evidence.set_detail(absl::StrCat(Day(*record.death_date), "死亡"));
    out.push_back(std::move(evidence));
  }
  const RetirementRule* rule = record.sex == v1c::SEX_MALE     ? &retirement_.male
                               : record.sex == v1c::SEX_FEMALE ? &retirement_.female
                                                               : nullptr;
  if (rule != nullptr) {
    const absl::CivilDay retires = RetirementDate(record.birth_date, *rule);
    if (retires <= as_of) {
      v1::Evidence evidence = MakeEvidence(v1::SOURCE_POPULATION, version,
                                           v1::EVIDENCE_KIND_RETIREMENT_AGE, retires, {});
      evidence.set_detail(absl::StrCat(Day(retires), "达到法定退休年龄"));
      out.push_back(std::move(evidence));
    }
  }
}

absl::Status Verifier::StatusEvidence(const PersonKey& person, absl::CivilDay from,
                                      absl::CivilDay as_of, std::vector<v1::Evidence>& out,
                                      std::vector<v1::Source>* missing) {
  ASSIGN_OR_RETURN(auto insurance, sources_.social_insurance->Find(person));
  ASSIGN_OR_RETURN(auto filing, sources_.employment_filing->Find(person));
  ASSIGN_OR_RETURN(auto business, sources_.business_registration->Find(person));
  StatusEvidenceFrom(insurance, filing, business, from, as_of, out, missing);
  return absl::OkStatus();
}

void Verifier::StatusEvidenceFrom(const Reading<InsuranceRecord>& insurance,
                                  const Reading<EmploymentRecord>& filing,
                                  const Reading<BusinessRecord>& business, absl::CivilDay from,
                                  absl::CivilDay as_of, std::vector<v1::Evidence>& out,
                                  std::vector<v1::Source>* missing) {
  if (!insurance.has_value()) {
    if (missing != nullptr) missing->push_back(v1::SOURCE_SOCIAL_INSURANCE);
  } else {
    for (const InsuranceRecord& r : insurance->records) {
      if (!InForce(r.start_date, r.end_date, from, as_of)) continue;
      if (r.kind == InsuranceRecord::Kind::kPension) {
        v1::Evidence e = MakeEvidence(v1::SOURCE_SOCIAL_INSURANCE, insurance->snapshot_version,
                                      v1::EVIDENCE_KIND_DRAWING_PENSION, r.start_date, r.end_date);
        e.set_detail(absl::StrCat(Day(r.start_date), "起领取基本养老金"));
        out.push_back(std::move(e));
      } else {
        v1::Evidence e =
            MakeEvidence(v1::SOURCE_SOCIAL_INSURANCE, insurance->snapshot_version,
                         v1::EVIDENCE_KIND_INSURED_EMPLOYMENT, r.start_date, r.end_date);
        e.set_organisation_code(r.employer_code);
        e.set_organisation_name(r.employer_name);
        e.set_detail(absl::StrCat(Day(r.start_date), "起", Until(r.end_date), "在", r.employer_name,
                                  "参保"));
        out.push_back(std::move(e));
      }
    }
  }
  if (!filing.has_value()) {
    if (missing != nullptr) missing->push_back(v1::SOURCE_EMPLOYMENT_FILING);
  } else {
    for (const EmploymentRecord& r : filing->records) {
      if (!InForce(r.hired_on, r.terminated_on, from, as_of)) continue;
      v1::Evidence e =
          MakeEvidence(v1::SOURCE_EMPLOYMENT_FILING, filing->snapshot_version,
                       v1::EVIDENCE_KIND_FILED_EMPLOYMENT, r.hired_on, r.terminated_on);
      e.set_organisation_code(r.employer_code);
      e.set_organisation_name(r.employer_name);
      e.set_detail(absl::StrCat(Day(r.hired_on), "起", Until(r.terminated_on), "受雇于",
                                r.employer_name, "（用工备案）"));
      out.push_back(std::move(e));
    }
  }
  if (!business.has_value()) {
    if (missing != nullptr) missing->push_back(v1::SOURCE_BUSINESS_REGISTRATION);
  } else {
    for (const BusinessRecord& r : business->records) {
      const bool active = r.licence == BusinessRecord::Licence::kActive;
      if (r.established_on > as_of) continue;
      if (!active && !(r.closed_on.has_value() && *r.closed_on >= from)) continue;
      v1::Evidence e = MakeEvidence(v1::SOURCE_BUSINESS_REGISTRATION, business->snapshot_version,
                                    v1::EVIDENCE_KIND_ACTIVE_BUSINESS, r.established_on,
                                    active ? std::nullopt : r.closed_on);
      e.set_organisation_code(r.business_code);
      e.set_organisation_name(r.business_name);
      e.set_detail(absl::StrCat(
          Day(r.established_on), "起", Until(active ? std::nullopt : r.closed_on), "为",
          r.business_name, r.role == BusinessRecord::Role::kOwner ? "的投资人" : "的法定代表人"));
      out.push_back(std::move(e));
    }
  }
}

absl::StatusOr<v1::VerificationResult> Verifier::Evaluate(
    const v1::VerifyApplicantRequest& request) {
  const absl::CivilDay from = MustParse(request.unemployed_date());
  const absl::CivilDay as_of = MustParse(request.as_of());
  const PersonKey person = KeyOf(request.person_id());

  ASSIGN_OR_RETURN(auto population, sources_.population->Find(person));
  if (!population.has_value()) return PopulationMissing();

  v1::VerificationResult result;
  result.set_application_id(request.application_id());
  *result.mutable_person_id() = request.person_id();
  result.set_name(request.name());
  result.set_unemployed_date(request.unemployed_date());
  result.set_as_of(request.as_of());
  *result.mutable_verified_at() = ToTimestamp(clock_.Now());

  v1::IdentityFinding* identity = result.mutable_identity();
  identity->set_snapshot_version(population->snapshot_version);
  std::vector<v1::Evidence> evidence;
  if (!population->records.empty()) {
    const PopulationRecord& record = population->records.front();
    identity->set_found(true);
    identity->set_name_matches(validation::TrimText(request.name()) ==
                               validation::TrimText(record.name));
    const bool dead =
        record.deceased && record.death_date.has_value() && *record.death_date <= as_of;
    identity->set_deceased(dead);
    if (dead) identity->set_death_date(Day(*record.death_date));
    identity->set_household_region_code(record.household_region_code);
    PopulationEvidence(record, population->snapshot_version, as_of, evidence);
  }
  std::vector<v1::Source> missing;
  RETURN_IF_ERROR(StatusEvidence(person, from, as_of, evidence, &missing));
  SortEvidence(evidence);
  for (v1::Source source : missing) result.add_missing_sources(source);

  if (!identity->found()) {
    result.set_outcome(v1::VERIFICATION_OUTCOME_NOT_FOUND);
  } else if (!identity->name_matches() || !evidence.empty()) {
    result.set_outcome(v1::VERIFICATION_OUTCOME_CONFLICT);
  } else if (!missing.empty()) {
    result.set_outcome(v1::VERIFICATION_OUTCOME_NEEDS_FIELD_INVESTIGATION);
  } else {
    result.set_outcome(v1::VERIFICATION_OUTCOME_CONSISTENT);
    result.set_settled(true);
  }
  for (v1::Evidence& e : evidence) *result.add_evidence() = std::move(e);
  return result;
}

void Verifier::Verify(const v1::VerifyApplicantRequest& request, const std::string& fingerprint,
                      Done<v1::VerificationResult> done) {
  absl::StatusOr<v1::VerificationResult> result = Evaluate(request);
  if (!result.ok()) return done(result.status());
  store_.SaveVerification(request.request_id(), fingerprint, *std::move(result), std::move(done));
}

absl::StatusOr<v1::VerificationResult> Verifier::GetVerification(
    const std::string& verification_id) {
  ASSIGN_OR_RETURN(auto stored, store_.GetVerification(verification_id));
  if (!stored.has_value()) {
    return status::WithErrorInfo(absl::NotFoundError("no verification has this id"),
                                 "VERIFICATION_NOT_FOUND");
  }
  return *std::move(stored);
}

void Verifier::RecordFieldInvestigation(const v1::RecordFieldInvestigationRequest& request,
                                        const std::string& fingerprint,
                                        Done<v1::VerificationResult> done) {
  v1::FieldInvestigation investigation;
  investigation.set_visit_date(request.visit_date());
  investigation.set_investigator_id(request.investigator_id());
  investigation.set_investigator_name(request.investigator_name());
  investigation.set_finding(request.finding());
  investigation.set_conclusion(request.conclusion());
  *investigation.mutable_recorded_at() = ToTimestamp(clock_.Now());
  store_.ChangeVerification(
      request.request_id(), fingerprint, request.verification_id(),
      [investigation](v1::VerificationResult result) -> absl::StatusOr<v1::VerificationResult> {
        if (result.outcome() == v1::VERIFICATION_OUTCOME_CONSISTENT) {
          return status::WithErrorInfo(
              absl::FailedPreconditionError("the verification is consistent: nothing to settle"),
              "NOTHING_TO_SETTLE");
        }
        if (result.has_field_investigation()) {
          return status::WithErrorInfo(
              absl::FailedPreconditionError("a field investigation is already recorded"),
              "ALREADY_SETTLED");
        }
        if (investigation.visit_date() < result.unemployed_date()) {
          return status::InvalidFieldError(
              "visit_date", validation::rule::kDateOrder,
              "the visit date lies before the verification's unemployed date");
        }
        *result.mutable_field_investigation() = investigation;
        result.set_settled(true);
        return result;
      },
      std::move(done));
}

absl::StatusOr<v1::CompareActiveRegistrationsResponse> Verifier::Compare(
    const v1::CompareActiveRegistrationsRequest& request) {
  const absl::CivilDay as_of = MustParse(request.as_of());
  v1::CompareActiveRegistrationsResponse response;
  response.set_compared_count(request.subjects_size());
  response.set_unchecked_reported(true);

  // Each source is read once for the whole batch (FindMany), the status sources only for the
  // subjects the population data knows; the answers keep the order of the subjects.
  std::vector<PersonKey> people;
  people.reserve(static_cast<size_t>(request.subjects_size()));
  for (const v1::ComparisonSubject& subject : request.subjects()) {
    people.push_back(KeyOf(subject.person_id()));
  }
  ASSIGN_OR_RETURN(auto population, sources_.population->FindMany(people));
  std::vector<PersonKey> known;
  std::vector<size_t> known_index(people.size(), 0);
  for (size_t i = 0; i < people.size(); ++i) {
    if (!population[i].has_value()) return PopulationMissing();
    if (population[i]->records.empty()) continue;
    known_index[i] = known.size();
    known.push_back(std::move(people[i]));
  }
  ASSIGN_OR_RETURN(auto insurance, sources_.social_insurance->FindMany(known));
  ASSIGN_OR_RETURN(auto filing, sources_.employment_filing->FindMany(known));
  ASSIGN_OR_RETURN(auto business, sources_.business_registration->FindMany(known));
  if (population.size() != people.size() || insurance.size() != known.size() ||
      filing.size() != known.size() || business.size() != known.size()) {
    return absl::InternalError("a source answered another number of people than it was asked");
  }

  std::vector<v1::Source> missing;
  std::vector<v1::Evidence> evidence;
  for (size_t i = 0; i < population.size(); ++i) {
    const v1::ComparisonSubject& subject = request.subjects(static_cast<int>(i));
    if (population[i]->records.empty()) {
      v1::UncheckedSubject* unchecked = response.add_unchecked();
      unchecked->set_registration_id(subject.registration_id());
      unchecked->set_reason(v1::UNCHECKED_REASON_NOT_IN_POPULATION_DATA);
      continue;
    }
    evidence.clear();
    PopulationEvidence(population[i]->records.front(), population[i]->snapshot_version, as_of,
                       evidence);
    missing.clear();
    const size_t k = known_index[i];
    StatusEvidenceFrom(insurance[k], filing[k], business[k], MustParse(subject.registered_date()),
                       as_of, evidence, &missing);
    if (evidence.empty()) {
      // Nothing found: clean only when every status source could be asked.
      if (!missing.empty()) {
        v1::UncheckedSubject* unchecked = response.add_unchecked();
        unchecked->set_registration_id(subject.registration_id());
        unchecked->set_reason(v1::UNCHECKED_REASON_SOURCE_MISSING);
        for (v1::Source source : missing) unchecked->add_missing_sources(source);
      }
      continue;
    }
    SortEvidence(evidence);
    v1::ComparisonHit* hit = response.add_hits();
    hit->set_registration_id(subject.registration_id());
    *hit->mutable_person_id() = subject.person_id();
    std::pair<v1::HitKind, int> strongest = HitOf(evidence.front().kind());
    for (const v1::Evidence& e : evidence) {
      std::pair<v1::HitKind, int> candidate = HitOf(e.kind());
      if (candidate.second < strongest.second) strongest = candidate;
      *hit->add_evidence() = e;
    }
    hit->set_kind(strongest.first);
    hit->set_suggested_reason(ReasonFor(strongest.first));
  }
  return response;
}

}  // namespace unemployment::verification
