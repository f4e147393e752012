#include "services/followup/comparison_rules.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"

namespace unemployment::followup {
namespace {

namespace codes = ::unemployment::common::v1;

// The limits of FollowUp (followup_service.proto).
constexpr size_t kMaxEmployerName = 100;
constexpr size_t kMaxNotes = 2000;

bool IsEmployment(verv1::EvidenceKind kind) {
  return kind == verv1::EVIDENCE_KIND_INSURED_EMPLOYMENT ||
         kind == verv1::EVIDENCE_KIND_FILED_EMPLOYMENT;
}

// The first evidence of the hit's organisation (employer or business), or nullptr.
const verv1::Evidence* OrganisationEvidence(const verv1::ComparisonHit& hit) {
  for (const verv1::Evidence& e : hit.evidence()) {
    const bool wanted = hit.kind() == verv1::HIT_KIND_BUSINESS
                            ? e.kind() == verv1::EVIDENCE_KIND_ACTIVE_BUSINESS
                            : IsEmployment(e.kind());
    if (wanted && !e.organisation_name().empty()) return &e;
  }
  return nullptr;
}

}  // namespace

std::string TruncateUtf8(const std::string& text, size_t max_chars) {
  size_t chars = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    // A byte that does not continue a sequence begins a character.
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
      if (chars == max_chars) return text.substr(0, i);
      ++chars;
    }
  }
  return text;
}

HitFollowUp FollowUpOfHit(const verv1::ComparisonHit& hit) {
  HitFollowUp out;
  std::vector<std::string> details;
  for (const verv1::Evidence& e : hit.evidence()) {
    if (!e.detail().empty()) details.push_back(e.detail());
  }
  out.notes = TruncateUtf8(absl::StrCat("信息比对：", absl::StrJoin(details, "；")), kMaxNotes);
  switch (hit.kind()) {
    case verv1::HIT_KIND_EMPLOYED:
    case verv1::HIT_KIND_BUSINESS: {
      out.outcome = hit.kind() == verv1::HIT_KIND_EMPLOYED ? v1::FOLLOW_UP_OUTCOME_EMPLOYED
                                                           : v1::FOLLOW_UP_OUTCOME_STARTED_BUSINESS;
      const verv1::Evidence* organisation = OrganisationEvidence(hit);
      if (organisation != nullptr) {
        out.employer_name = TruncateUtf8(organisation->organisation_name(), kMaxEmployerName);
        if (organisation->organisation_code().size() == 18) {
          out.employer_code = organisation->organisation_code();
        }
      } else {
        // An employer name is required for these outcomes; the sources gave none.
        out.employer_name = "（比对数据未载明单位名称）";
      }
      break;
    }
    default:
      out.outcome = v1::FOLLOW_UP_OUTCOME_OTHER;
      break;
  }
  return out;
}

codes::DeregistrationReason ReasonOfHit(const verv1::ComparisonHit& hit) {
  if (hit.suggested_reason() != codes::DEREGISTRATION_REASON_UNSPECIFIED) {
    return hit.suggested_reason();
  }
  switch (hit.kind()) {
    case verv1::HIT_KIND_DECEASED:
      return codes::DEREGISTRATION_REASON_DECEASED;
    case verv1::HIT_KIND_PENSION:
      return codes::DEREGISTRATION_REASON_RECEIVING_PENSION;
    case verv1::HIT_KIND_RETIREMENT_AGE:
      return codes::DEREGISTRATION_REASON_RETIREMENT_AGE;
    case verv1::HIT_KIND_BUSINESS:
      return codes::DEREGISTRATION_REASON_SELF_EMPLOYED;
    case verv1::HIT_KIND_EMPLOYED:
      return codes::DEREGISTRATION_REASON_HIRED;
    default:
      return codes::DEREGISTRATION_REASON_OTHER;
  }
}

v1::CandidateEvidence CandidateEvidenceOf(const verv1::Evidence& evidence) {
  v1::CandidateEvidence out;
  absl::string_view source = verv1::Source_Name(evidence.source());
  absl::ConsumePrefix(&source, "SOURCE_");
  out.set_source(std::string(source));
  out.set_organisation_name(evidence.organisation_name());
  out.set_start_date(evidence.start_date());
  out.set_end_date(evidence.end_date());
  out.set_detail(evidence.detail());
  return out;
}

}  // namespace unemployment::followup
