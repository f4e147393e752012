#include "services/registration/review_decision.h"

#include "common/forms/form_facts.h"
#include "common/notice/rejection_reason.h"
#include "common/status/status_util.h"
#include "common/time/date.h"
#include "services/registration/proto_util.h"

namespace unemployment::registration {
namespace {

namespace v1c = ::unemployment::common::v1;

}  // namespace

void ChangeState(v1::Application& application, v1c::ApplicationState state, absl::Time now,
                 absl::string_view actor) {
  application.set_state(state);
  v1::StateChange* change = application.add_state_history();
  change->set_state(state);
  *change->mutable_at() = ToTimestamp(now);
  change->set_actor(std::string(actor));
}

absl::StatusOr<std::string> ResidenceClassForAcceptance(const v1c::RegistrationForm& form,
                                                        const std::string& requested) {
  std::string urban_rural =
      requested.empty() ? form.residence_address().urban_rural_class() : requested;
  if (urban_rural.empty()) {
    return status::InvalidArgumentError(
        "the urban-rural class of the residence is required to accept this application",
        {{"residence_urban_rural_class", "REQUIRED",
          "the form lacks the urban-rural class of the habitual residence"}});
  }
  return urban_rural;
}

v1::Registration RegistrationOnAcceptance(const v1::Application& application, const std::string& id,
                                          absl::CivilDay decided_on,
                                          const std::string& urban_rural_class, absl::Time now) {
  const v1c::RegistrationForm& form = application.form();
  v1::Registration registration;
  registration.set_id(id);
  *registration.mutable_person_id() = form.person_id();
  registration.set_name(form.name());
  registration.set_application_id(application.id());
  registration.set_channel(application.channel());
  registration.set_office_region_code(application.office_region_code());
  registration.set_registered_date(time::FormatDate(decided_on));
  registration.set_state(v1::REGISTRATION_STATE_ACTIVE);
  *registration.mutable_form() = form;
  registration.mutable_form()->mutable_residence_address()->set_urban_rural_class(
      urban_rural_class);
  registration.set_birth_date(forms::DerivedBirthDate(form, decided_on));
  registration.set_residence_urban(!urban_rural_class.empty() && urban_rural_class[0] == '1');
  const std::string& household_county = form.household_address().county_code();
  registration.set_household_local(
      household_county.size() >= 4 &&
      household_county.compare(0, 4, application.office_region_code(), 0, 4) == 0);
  *registration.mutable_create_time() = ToTimestamp(now);
  *registration.mutable_update_time() = ToTimestamp(now);
  return registration;
}

bool RecordDecision(v1::Application& application, const v1::ReviewApplicationRequest& request,
                    absl::CivilDay decided_on, absl::Time now) {
  const bool accept = request.outcome() == v1c::REVIEW_OUTCOME_ACCEPTED;
  const std::string decided_text = time::FormatDate(decided_on);
  ChangeState(application,
              accept ? v1c::APPLICATION_STATE_ACCEPTED : v1c::APPLICATION_STATE_REJECTED, now,
              request.reviewer());
  v1::ReviewDecision* decision = application.mutable_decision();
  decision->set_outcome(request.outcome());
  decision->set_reason(request.reason());
  decision->set_rejection_reason(accept ? v1c::REJECTION_REASON_UNSPECIFIED
                                        : request.rejection_reason());
  decision->set_reviewer(request.reviewer());
  decision->set_decided_on(decided_text);
  *decision->mutable_recorded_at() = ToTimestamp(now);
  decision->set_note(request.note());
  decision->set_on_time(decided_text <= application.due_date());
  // What the decision was made with; deciding while verification is pending (on the written
  // commitment alone) is allowed and ends the verification attempts.
  v1::ApplicationVerification* verification = application.mutable_verification();
  decision->set_verification_state(verification->state());
  if (verification->state() == v1::VERIFICATION_STATE_COMPLETED) {
    decision->set_verification_id(verification->verification_id());
    decision->set_verification_outcome(verification->outcome());
    return false;
  }
  if (verification->state() != v1::VERIFICATION_STATE_PENDING) return false;
  verification->set_state(v1::VERIFICATION_STATE_CANCELLED);
  verification->clear_next_attempt_time();
  *verification->mutable_finish_time() = ToTimestamp(now);
  return true;
}

v1::ReceiveReviewResultRequest MinistryResultUpload(const v1::Application& application,
                                                    const std::string& result_id, absl::Time now) {
  const v1::ReviewDecision& decision = application.decision();
  v1::ReceiveReviewResultRequest upload;
  upload.set_result_id(result_id);
  upload.set_ministry_application_id(application.channel_application_id());
  upload.set_outcome(decision.outcome());
  if (decision.outcome() == v1c::REVIEW_OUTCOME_ACCEPTED) {
    upload.set_reason(decision.reason());
  } else {
    upload.set_reason(notice::RejectionReasonText(decision.rejection_reason(), decision.reason()));
    upload.set_rejection_reason(decision.rejection_reason());
  }
  upload.set_decided_on(decision.decided_on());
  upload.set_office_region_code(application.office_region_code());
  upload.set_registration_id(application.registration_id());
  *upload.mutable_create_time() = ToTimestamp(now);
  return upload;
}

}  // namespace unemployment::registration
