// What a review decision implies and how the notices word it, as pure functions without a store:
// the residence class an acceptance needs, the registration it creates with its derived facts, the
// decision recorded on the application, the ministry result upload and the notice texts.
#include "services/registration/review_decision.h"

#include <catch2/catch.hpp>

#include "common/notice/rejection_reason.h"
#include "common/time/date.h"
#include "common/validation/deregistration_reason.h"
#include "services/registration/notification_text.h"
#include "tests/services/registration/test_util.h"

namespace unemployment::registration {
namespace {

namespace v1c = ::unemployment::common::v1;

const absl::Time kNow = absl::FromUnixSeconds(1759312800);  // 2025-10-01 18:00 in China

v1::Application Undecided(v1c::Channel channel = v1c::CHANNEL_PROVINCE_PORTAL) {
  v1::Application application;
  application.set_id("hlj-app-1");
  application.set_channel(channel);
  application.set_channel_application_id("230103-0001");
  *application.mutable_form() = testing::ValidForm();
  application.set_office_region_code("230103");
  application.set_state(v1c::APPLICATION_STATE_AWAITING_REVIEW);
  application.set_received_date("2025-09-24");
  application.set_due_date("2025-10-10");
  return application;
}

v1::ReviewApplicationRequest Review(v1c::ReviewOutcome outcome) {
  v1::ReviewApplicationRequest request;
  request.set_application_id("hlj-app-1");
  request.set_outcome(outcome);
  request.set_reviewer("staff-1");
  request.set_reason("材料齐全");
  request.set_note("note");
  if (outcome == v1c::REVIEW_OUTCOME_REJECTED) {
    request.set_rejection_reason(v1c::REJECTION_REASON_EMPLOYED);
    request.set_reason("已在某公司就业");
  }
  return request;
}

TEST_CASE("an acceptance takes the reviewer's residence class, else the form's", "[decision]") {
  v1c::RegistrationForm form = testing::ValidForm();
  CHECK(*ResidenceClassForAcceptance(form, "") == "111");
  CHECK(*ResidenceClassForAcceptance(form, "220") == "220");
  form.mutable_residence_address()->clear_urban_rural_class();
  absl::StatusOr<std::string> missing = ResidenceClassForAcceptance(form, "");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().code() == absl::StatusCode::kInvalidArgument);
}

TEST_CASE("an accepted application creates a registration with derived facts", "[decision]") {
  const v1::Application application = Undecided();
  const v1::Registration registration =
      RegistrationOnAcceptance(application, "hlj-reg-7", absl::CivilDay(2025, 10, 1), "111", kNow);
  CHECK(registration.id() == "hlj-reg-7");
  CHECK(registration.application_id() == "hlj-app-1");
  CHECK(registration.state() == v1::REGISTRATION_STATE_ACTIVE);
  CHECK(registration.registered_date() == "2025-10-01");
  CHECK(registration.office_region_code() == "230103");
  CHECK(registration.name() == "张三");
  // From the ID number 34052419800101001X.
  CHECK(registration.birth_date() == "1980-01-01");
  // Class 111 is urban; household 230102 lies in the office's city 2301.
  CHECK(registration.residence_urban());
  CHECK(registration.household_local());
  CHECK(registration.form().residence_address().urban_rural_class() == "111");

  v1::Application elsewhere = Undecided();
  elsewhere.mutable_form()->mutable_household_address()->set_county_code("230202");
  const v1::Registration rural =
      RegistrationOnAcceptance(elsewhere, "hlj-reg-8", absl::CivilDay(2025, 10, 1), "220", kNow);
  CHECK_FALSE(rural.residence_urban());
  CHECK_FALSE(rural.household_local());
  CHECK(rural.form().residence_address().urban_rural_class() == "220");
}

TEST_CASE("the decision is recorded with its state, timeliness and verification", "[decision]") {
  SECTION("accepted on the due date, verification completed") {
    v1::Application application = Undecided();
    application.mutable_verification()->set_state(v1::VERIFICATION_STATE_COMPLETED);
    application.mutable_verification()->set_verification_id("ver-1");
    const bool cancelled = RecordDecision(application, Review(v1c::REVIEW_OUTCOME_ACCEPTED),
                                          absl::CivilDay(2025, 10, 10), kNow);
    CHECK_FALSE(cancelled);
    CHECK(application.state() == v1c::APPLICATION_STATE_ACCEPTED);
    REQUIRE(application.state_history_size() == 1);
    CHECK(application.state_history(0).actor() == "staff-1");
    const v1::ReviewDecision& decision = application.decision();
    CHECK(decision.on_time());
    CHECK(decision.decided_on() == "2025-10-10");
    CHECK(decision.rejection_reason() == v1c::REJECTION_REASON_UNSPECIFIED);
    CHECK(decision.verification_id() == "ver-1");
    CHECK(DecisionNoticeText(decision) == "您的失业登记申请已审核通过，登记日期2025-10-10。");
  }
  SECTION("rejected a day late while verification was pending") {
    v1::Application application = Undecided(v1c::CHANNEL_MINISTRY);
    application.mutable_verification()->set_state(v1::VERIFICATION_STATE_PENDING);
    const bool cancelled = RecordDecision(application, Review(v1c::REVIEW_OUTCOME_REJECTED),
                                          absl::CivilDay(2025, 10, 11), kNow);
    CHECK(cancelled);
    CHECK(application.verification().state() == v1::VERIFICATION_STATE_CANCELLED);
    CHECK(application.decision().verification_state() == v1::VERIFICATION_STATE_PENDING);
    CHECK(application.state() == v1c::APPLICATION_STATE_REJECTED);
    CHECK_FALSE(application.decision().on_time());
    CHECK(application.decision().rejection_reason() == v1c::REJECTION_REASON_EMPLOYED);
    const std::string reason =
        notice::RejectionReasonText(v1c::REJECTION_REASON_EMPLOYED, "已在某公司就业");
    CHECK(DecisionNoticeText(application.decision()) ==
          "您的失业登记申请未通过审核，原因：" + reason + "。");

    const v1::ReceiveReviewResultRequest upload =
        MinistryResultUpload(application, "hlj-ntf-3", kNow);
    CHECK(upload.result_id() == "hlj-ntf-3");
    CHECK(upload.ministry_application_id() == "230103-0001");
    CHECK(upload.outcome() == v1c::REVIEW_OUTCOME_REJECTED);
    CHECK(upload.reason() == reason);
    CHECK(upload.rejection_reason() == v1c::REJECTION_REASON_EMPLOYED);
    CHECK(upload.decided_on() == "2025-10-11");
  }
}

TEST_CASE("the deregistration notice names the date and the reason", "[decision]") {
  const int hired = v1c::DEREGISTRATION_REASON_HIRED;
  const std::string label(validation::DeregistrationReasonCodes().NameOfNumber(hired));
  CHECK(DeregistrationNoticeText("2025-11-03", hired, "") ==
        "您的失业登记已于2025-11-03注销，原因：" + label + "。");
  CHECK(DeregistrationNoticeText("2025-11-03", hired, "某公司") ==
        "您的失业登记已于2025-11-03注销，原因：" + label + "（某公司）。");
}

}  // namespace
}  // namespace unemployment::registration
