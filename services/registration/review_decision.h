#pragma once

// What a review decision implies, as pure functions (no store, clock or gRPC): the urban-rural
// class an acceptance needs, the registration an acceptance creates and the facts derived for it
// (birth date, urban residence, local household), the decision recorded on the application (state,
// on time against the 7-working-day due date, what verification it was made with), and the result
// uploaded to the ministry platform. Registrar::ReviewApplication stores what these return.

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "unemployment/common/v1/form.pb.h"
#include "unemployment/registration/v1/ministry_feedback_service.pb.h"
#include "unemployment/registration/v1/registration_service.pb.h"

namespace unemployment::registration {

// Moves `application` to `state` at `now` by `actor`, adding the change to its history.
void ChangeState(v1::Application& application, common::v1::ApplicationState state, absl::Time now,
                 absl::string_view actor);

// The urban-rural class of the habitual residence an acceptance records: the reviewer's
// `requested` one, else the form's; INVALID_ARGUMENT (residence_urban_rural_class REQUIRED) when
// neither has one.
absl::StatusOr<std::string> ResidenceClassForAcceptance(const common::v1::RegistrationForm& form,
                                                        const std::string& requested);

// The ACTIVE registration `application` creates when accepted on `decided_on` (its registered
// date) with `id`, the residence class `urban_rural_class` and the instant `now`: the form with
// that class, the birth date derived from the ID number, urban residence (class starting with
// "1"), and a household in the office's city (local household).
v1::Registration RegistrationOnAcceptance(const v1::Application& application, const std::string& id,
                                          absl::CivilDay decided_on,
                                          const std::string& urban_rural_class, absl::Time now);

// Records the decision of `request` on the undecided `application` on `decided_on` at `now`: the
// ACCEPTED or REJECTED state and its change, the decision (a rejection reason only for a
// rejection, on time when decided on or before the due date, the verification it was made with).
// A verification still pending ends CANCELLED: returns true then (the caller removes its job).
bool RecordDecision(v1::Application& application, const v1::ReviewApplicationRequest& request,
                    absl::CivilDay decided_on, absl::Time now);

// The result upload to the ministry platform of the decided `application` (ministry channel), as
// result `result_id` created at `now`: outcome, the reason (a rejection's reason text with its
// code), decision date, office and registration.
v1::ReceiveReviewResultRequest MinistryResultUpload(const v1::Application& application,
                                                    const std::string& result_id, absl::Time now);

}  // namespace unemployment::registration
