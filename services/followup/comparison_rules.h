#pragma once

// How a hit of verification's monthly comparison becomes a follow-up and a deregistration
// candidate, as pure functions (no clock, no storage).
//
// EMPLOYED -> outcome EMPLOYED with the employer of the first employment evidence; BUSINESS ->
// STARTED_BUSINESS with the business; PENSION, RETIREMENT_AGE and DECEASED -> OTHER with the
// evidence as notes. The proposed reason is verification's suggestion (26, 21, 22, 12, 11), or the
// one matching the kind when the suggestion is missing.

#include <string>

#include "unemployment/common/v1/codes.pb.h"
#include "unemployment/followup/v1/followup_service.pb.h"
#include "unemployment/verification/v1/verification_service.pb.h"

namespace unemployment::followup {

namespace verv1 = ::unemployment::verification::v1;

// The follow-up fields a hit decides: outcome, employer_name, employer_code, notes.
struct HitFollowUp {
  v1::FollowUpOutcome outcome = v1::FOLLOW_UP_OUTCOME_UNSPECIFIED;
  std::string employer_name;
  std::string employer_code;
  std::string notes;
};

HitFollowUp FollowUpOfHit(const verv1::ComparisonHit& hit);

unemployment::common::v1::DeregistrationReason ReasonOfHit(const verv1::ComparisonHit& hit);

// A candidate's evidence from a verification evidence; source is the source's name without the
// "SOURCE_" prefix (POPULATION, SOCIAL_INSURANCE, EMPLOYMENT_FILING, BUSINESS_REGISTRATION).
v1::CandidateEvidence CandidateEvidenceOf(const verv1::Evidence& evidence);

// `text` cut to at most `max_chars` characters (code points) without splitting one.
std::string TruncateUtf8(const std::string& text, size_t max_chars);

}  // namespace unemployment::followup
