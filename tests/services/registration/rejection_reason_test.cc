// Rejection reason codes (黑人社函〔2020〕87号: a rejection carries a reason; never 户籍 or 人户分离):
// validation of ReviewApplication, and the code in the decision, the event, the applicant's notice
// and the ministry result upload.
#include <catch2/catch.hpp>

#include <map>
#include <string>

#include "common/notice/rejection_reason.h"
#include "common/status/status_util.h"
#include "services/registration/request_validation.h"
#include "tests/services/registration/test_util.h"
#include "unemployment/registration/v1/ministry_feedback_service.pb.h"

namespace unemployment::registration {
namespace {

using testing::Env;
using testing::TempDir;
namespace v1c = ::unemployment::common::v1;

std::map<std::string, std::string> ViolationsOf(const absl::Status& status) {
  std::map<std::string, std::string> out;
  std::optional<google::rpc::BadRequest> bad = status::GetBadRequest(status);
  if (!bad.has_value()) return out;
  for (const auto& v : bad->field_violations()) {
    out[v.field()] = v.description().substr(0, v.description().find(':'));
  }
  return out;
}

v1::ReviewApplicationRequest Rejection(v1c::RejectionReason code, const std::string& detail) {
  v1::ReviewApplicationRequest request;
  request.set_application_id("hlj-app-1");
  request.set_request_id("r-1");
  request.set_outcome(v1c::REVIEW_OUTCOME_REJECTED);
  request.set_rejection_reason(code);
  request.set_reason(detail);
  request.set_reviewer("staff-001");
  return request;
}

absl::Status Validate(v1::ReviewApplicationRequest request) {
  RequestRules rules;
  rules.today = absl::CivilDay(2025, 9, 26);
  return ValidateReviewApplication(request, rules);
}

TEST_CASE("a rejection needs a code; OTHER needs its text; no code on acceptance", "[rejection]") {
  // An old client sending only the text: refused, naming the code field.
  absl::Status text_only = Validate(Rejection(v1c::REJECTION_REASON_UNSPECIFIED, "材料不全"));
  CHECK(text_only.code() == absl::StatusCode::kInvalidArgument);
  CHECK(ViolationsOf(text_only) ==
        std::map<std::string, std::string>{{"rejection_reason", "REQUIRED"}});

  absl::Status unknown = Validate(Rejection(static_cast<v1c::RejectionReason>(42), ""));
  CHECK(ViolationsOf(unknown) ==
        std::map<std::string, std::string>{{"rejection_reason", "CODE_UNKNOWN"}});

  absl::Status other = Validate(Rejection(v1c::REJECTION_REASON_OTHER, "  "));
  CHECK(ViolationsOf(other) ==
        std::map<std::string, std::string>{{"reason", "OTHER_TEXT_REQUIRED"}});
  CHECK(Validate(Rejection(v1c::REJECTION_REASON_OTHER, "申请人主动撤回")).ok());

  absl::Status too_long =
      Validate(Rejection(v1c::REJECTION_REASON_EMPLOYED, std::string(501, 'x')));
  CHECK(ViolationsOf(too_long) == std::map<std::string, std::string>{{"reason", "TOO_LONG"}});

  // Every code but OTHER stands alone.
  for (int code = 1; code <= 9; ++code) {
    INFO(code);
    CHECK(Validate(Rejection(static_cast<v1c::RejectionReason>(code), "")).ok());
  }

  v1::ReviewApplicationRequest accept = Rejection(v1c::REJECTION_REASON_EMPLOYED, "");
  accept.set_outcome(v1c::REVIEW_OUTCOME_ACCEPTED);
  CHECK(ViolationsOf(Validate(accept)) ==
        std::map<std::string, std::string>{{"rejection_reason", "NOT_APPLICABLE"}});
}

TEST_CASE("the enum has no household-registration code", "[rejection]") {
  const google::protobuf::EnumDescriptor* codes = v1c::RejectionReason_descriptor();
  for (int i = 0; i < codes->value_count(); ++i) {
    const std::string name = codes->value(i)->name();
    INFO(name);
    CHECK(name.find("HOUSEHOLD") == std::string::npos);
    CHECK(name.find("HUKOU") == std::string::npos);
    CHECK(name.find("RESIDENCE") == std::string::npos);
    if (codes->value(i)->number() != 0) {
      CHECK_FALSE(notice::RejectionReasonLabel(
                      static_cast<v1c::RejectionReason>(codes->value(i)->number()))
                      .empty());
    }
  }
  CHECK(codes->value_count() == 11);
  CHECK(notice::RejectionReasonText(v1c::REJECTION_REASON_BELOW_WORKING_AGE, "") ==
        "未达到法定劳动年龄");
  CHECK(notice::RejectionReasonText(v1c::REJECTION_REASON_OTHER, "迁出本省") == "其他：迁出本省");
  // A rejection from before codes existed: its text alone.
  CHECK(notice::RejectionReasonText(v1c::REJECTION_REASON_UNSPECIFIED, "材料不全") == "材料不全");
}

TEST_CASE("the code is stored, in the event, in the notice and in the ministry upload",
          "[rejection]") {
  TempDir dir;
  Env env(dir.File("registration.db"));
  absl::StatusOr<v1::Application> app = env.Create(
      testing::CreateRequest("MIN-0001", "34052419800101001X", v1c::CHANNEL_MINISTRY));
  UE_REQUIRE_OK(app.status());

  v1::ReviewApplicationRequest reject =
      Rejection(v1c::REJECTION_REASON_EMPLOYED, "2025年9月起在哈尔滨某公司参保");
  reject.set_application_id(app->id());
  absl::StatusOr<v1::ReviewApplicationResponse> decided = env.Review(reject);
  UE_REQUIRE_OK(decided.status());
  const v1::ReviewDecision& decision = decided->application().decision();
  CHECK(decision.rejection_reason() == v1c::REJECTION_REASON_EMPLOYED);
  CHECK(decision.reason() == "2025年9月起在哈尔滨某公司参保");

  // Stored: read back.
  absl::StatusOr<v1::Application> read = env.registrar->GetApplication(app->id());
  UE_REQUIRE_OK(read.status());
  CHECK(read->decision().rejection_reason() == v1c::REJECTION_REASON_EMPLOYED);

  // The ApplicationDecided event carries it.
  absl::StatusOr<std::vector<v1::Event>> events = env.store->ReadEvents(0, 100);
  UE_REQUIRE_OK(events.status());
  bool seen = false;
  for (const v1::Event& event : *events) {
    if (event.has_application_decided()) {
      seen = true;
      CHECK(event.application_decided().application().decision().rejection_reason() ==
            v1c::REJECTION_REASON_EMPLOYED);
    }
  }
  CHECK(seen);

  // The applicant's SMS text has the label and the detail; the ministry upload the code.
  absl::StatusOr<NotificationPage> notices = env.store->ListNotifications(app->id(), {}, 10);
  UE_REQUIRE_OK(notices.status());
  REQUIRE(notices->notifications.size() == 2);
  int uploads = 0;
  for (const v1::Notification& n : notices->notifications) {
    if (n.method() == v1::NOTIFICATION_METHOD_SMS) {
      CHECK(n.text() ==
            "您的失业登记申请未通过审核，原因：已就业（已参加社会保险或有劳动用工备案）："
            "2025年9月起在哈尔滨某公司参保。");
    }
    if (n.method() == v1::NOTIFICATION_METHOD_MINISTRY_RESULT_UPLOAD) {
      ++uploads;
      absl::StatusOr<std::optional<OutboxEntry>> entry = env.store->GetOutboxEntry(n.id());
      UE_REQUIRE_OK(entry.status());
      REQUIRE(entry->has_value());
      v1::ReceiveReviewResultRequest upload;
      REQUIRE(upload.ParseFromString((*entry)->payload));
      CHECK(upload.rejection_reason() == v1c::REJECTION_REASON_EMPLOYED);
      CHECK(upload.reason() == "已就业（已参加社会保险或有劳动用工备案）：2025年9月起在哈尔滨某公司参保");
    }
  }
  CHECK(uploads == 1);

  // Accepting records no code.
  absl::StatusOr<v1::Application> second = env.Create(testing::CreateRequest("P-0002",
                                                                             "410326199507103197"));
  UE_REQUIRE_OK(second.status());
  absl::StatusOr<v1::ReviewApplicationResponse> accepted = env.Accept(second->id(), "r-2");
  UE_REQUIRE_OK(accepted.status());
  CHECK(accepted->application().decision().rejection_reason() ==
        v1c::REJECTION_REASON_UNSPECIFIED);
}

}  // namespace
}  // namespace unemployment::registration
