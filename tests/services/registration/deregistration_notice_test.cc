// The deregistration notice exception (移居境外、被判刑收监执行、死亡及无法取得联系的除外): the rule
// alone, and recorded with the deregistration by the registrar.
#include <catch2/catch.hpp>

#include "services/registration/deregistration_notice.h"
#include "services/registration/registrar.h"
#include "tests/services/registration/test_util.h"

namespace unemployment::registration {
namespace {

using testing::Env;
using testing::TempDir;
namespace codes = ::unemployment::common::v1;

constexpr char kMobile[] = "13912345678";

TEST_CASE("the notice rule: exempt reasons, then unreachable, then no usable contact",
          "[deregistration_notice]") {
  // Reasons that exempt, whatever the contact state.
  for (v1::ContactState contact : {v1::CONTACT_STATE_UNSPECIFIED, v1::CONTACT_STATE_REACHABLE,
                                   v1::CONTACT_STATE_UNREACHABLE}) {
    CHECK(DecideDeregistrationNotice(codes::DEREGISTRATION_REASON_IMPRISONED, false, contact,
                                     kMobile) == v1::DEREGISTRATION_NOTICE_RULE_EXEMPT_REASON);
    CHECK(DecideDeregistrationNotice(codes::DEREGISTRATION_REASON_DECEASED, false, contact,
                                     kMobile) == v1::DEREGISTRATION_NOTICE_RULE_EXEMPT_REASON);
    CHECK(DecideDeregistrationNotice(codes::DEREGISTRATION_REASON_SCHOOL_MILITARY_OR_ABROAD, true,
                                     contact, kMobile) ==
          v1::DEREGISTRATION_NOTICE_RULE_EXEMPT_REASON);
  }
  // No contact (32) is unreachable by its reason.
  CHECK(DecideDeregistrationNotice(codes::DEREGISTRATION_REASON_NO_CONTACT, false,
                                   v1::CONTACT_STATE_UNSPECIFIED, kMobile) ==
        v1::DEREGISTRATION_NOTICE_RULE_UNREACHABLE);
  // Any other reason with the latest contact attempt failed: no notice.
  for (codes::DeregistrationReason reason :
       {codes::DEREGISTRATION_REASON_HIRED, codes::DEREGISTRATION_REASON_SCHOOL_MILITARY_OR_ABROAD,
        codes::DEREGISTRATION_REASON_OTHER}) {
    INFO(reason);
    CHECK(DecideDeregistrationNotice(reason, false, v1::CONTACT_STATE_UNREACHABLE, kMobile) ==
          v1::DEREGISTRATION_NOTICE_RULE_UNREACHABLE);
    CHECK(DecideDeregistrationNotice(reason, false, v1::CONTACT_STATE_REACHABLE, kMobile) ==
          v1::DEREGISTRATION_NOTICE_RULE_SENT);
    CHECK(DecideDeregistrationNotice(reason, false, v1::CONTACT_STATE_NEVER_CONTACTED, kMobile) ==
          v1::DEREGISTRATION_NOTICE_RULE_SENT);
    CHECK(DecideDeregistrationNotice(reason, false, v1::CONTACT_STATE_UNSPECIFIED, "") ==
          v1::DEREGISTRATION_NOTICE_RULE_NO_USABLE_CONTACT);
    CHECK(DecideDeregistrationNotice(reason, false, v1::CONTACT_STATE_UNSPECIFIED, "0451-1234") ==
          v1::DEREGISTRATION_NOTICE_RULE_NO_USABLE_CONTACT);
  }
}

TEST_CASE("a deregistration of a person whose latest contact failed sends nothing and says why",
          "[deregistration_notice]") {
  TempDir dir;
  Env env(dir.File("reg.db"));
  absl::StatusOr<v1::Application> app = env.Create(
      testing::CreateRequest("230103-000001", testing::ResidentId("230102", "19900101", 11)));
  UE_REQUIRE_OK(app.status());
  absl::StatusOr<v1::ReviewApplicationResponse> accepted = env.Accept(app->id(), "accept-1");
  UE_REQUIRE_OK(accepted.status());
  env.clock.Advance(absl::Hours(24 * 3));

  v1::DeregisterRequest request;
  request.set_registration_id(accepted->registration().id());
  request.set_request_id("dereg-unreachable");
  request.set_reason(codes::DEREGISTRATION_REASON_HIRED);
  request.set_actor("service:followup");
  request.set_contact_state(v1::CONTACT_STATE_UNREACHABLE);
  absl::StatusOr<v1::DeregisterResponse> done = env.Deregister(request);
  UE_REQUIRE_OK(done.status());
  const v1::Deregistration& d = done->registration().deregistration();
  CHECK_FALSE(d.person_notified());
  CHECK(d.notice_rule() == v1::DEREGISTRATION_NOTICE_RULE_UNREACHABLE);
  CHECK(d.contact_state() == v1::CONTACT_STATE_UNREACHABLE);

  v1::ListNotificationsRequest list;
  list.set_application_id(app->id());
  absl::StatusOr<v1::ListNotificationsResponse> notes = env.registrar->ListNotifications(list);
  UE_REQUIRE_OK(notes.status());
  for (const v1::Notification& n : notes->notifications()) {
    CHECK(n.kind() != v1::NOTIFICATION_KIND_REGISTRATION_DEREGISTERED);
  }

}

}  // namespace
}  // namespace unemployment::registration
