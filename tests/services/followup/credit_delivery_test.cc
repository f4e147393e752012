// The hand-over of confirmed fraud cases to the credit platform (credit_deliverer.h): queued in the
// transaction that confirms the case, attempted with a FakeClock and a scripted sender, DELIVERED
// only on OK, retried with back-off, FAILED on a permanent refusal, resumed by a new deliverer
// over the same store (a restart), and listed by ListUndeliveredCreditRecords.

#include <string>
#include <utility>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "catch2/catch.hpp"
#include "services/followup/credit_deliverer.h"
#include "tests/services/followup/test_util.h"

namespace unemployment::followup {
namespace {

using testing::Call;
using testing::FakeRegistration;
using testing::FollowupStack;
using Stub = v1::FollowupService::Stub;

// Answers each Send with the next scripted status (OK once the script is used up) and keeps the
// requests.
class ScriptedSender final : public CreditRecordSender {
 public:
  void Script(std::vector<absl::Status> answers) {
    absl::MutexLock lock(&mu_);
    answers_ = std::move(answers);
  }
  absl::Status Send(const notv1::DeliverCreditRecordRequest& request) override {
    absl::MutexLock lock(&mu_);
    sent_.push_back(request);
    if (answers_.empty()) return absl::OkStatus();
    absl::Status next = answers_.front();
    answers_.erase(answers_.begin());
    return next;
  }
  std::vector<notv1::DeliverCreditRecordRequest> sent() {
    absl::MutexLock lock(&mu_);
    return sent_;
  }

 private:
  absl::Mutex mu_;
  std::vector<absl::Status> answers_;
  std::vector<notv1::DeliverCreditRecordRequest> sent_;
};

// Opens, investigates and concludes a case of office 230103; returns its id.
std::string ConcludedCase(Stub& stub, const std::string& n, v1::FraudConclusion conclusion) {
  v1::OpenFraudCaseResponse opened;
  REQUIRE(Call(stub, &Stub::OpenFraudCase,
               testing::OpenFraudCaseRequest("o" + n, "230100", "230103", "2025-02-01"), &opened)
              .ok());
  const std::string case_id = opened.fraud_case().case_id();
  v1::RecordFraudInvestigationRequest investigate;
  investigate.set_request_id("i" + n);
  investigate.set_case_id(case_id);
  investigate.set_investigated_on("2025-02-05");
  investigate.set_investigator_id("inspector-2");
  investigate.set_findings("约谈本人，承认已就业");
  v1::RecordFraudInvestigationResponse investigated;
  REQUIRE(Call(stub, &Stub::RecordFraudInvestigation, investigate, &investigated).ok());
  v1::ConcludeFraudCaseRequest conclude;
  conclude.set_request_id("c" + n);
  conclude.set_case_id(case_id);
  conclude.set_conclusion(conclusion);
  conclude.set_concluded_on("2025-02-08");
  conclude.set_decision("证据确凿");
  conclude.set_decision_document("哈人社稽〔2025〕3号");
  conclude.set_amount_involved_fen(conclusion == v1::FRAUD_CONCLUSION_CONFIRMED ? 123456 : 0);
  conclude.set_staff_id("chief-1");
  v1::ConcludeFraudCaseResponse concluded;
  REQUIRE(Call(stub, &Stub::ConcludeFraudCase, conclude, &concluded).ok());
  return case_id;
}

v1::ListUndeliveredCreditRecordsResponse Undelivered(Stub& stub, const std::string& region) {
  v1::ListUndeliveredCreditRecordsRequest request;
  request.set_region_code(region);
  v1::ListUndeliveredCreditRecordsResponse response;
  REQUIRE(Call(stub, &Stub::ListUndeliveredCreditRecords, request, &response).ok());
  return response;
}

TEST_CASE("a confirmed case is handed over to the credit platform, DELIVERED only on OK",
          "[followup][credit]") {
  FakeRegistration registration;
  FollowupStack stack(testing::TempDir(), registration.address(), testing::ChinaNoon(2025, 2, 10));
  Stub& stub = stack.stub();
  const absl::Time start = stack.clock().Now();
  const std::string confirmed = ConcludedCase(stub, "1", v1::FRAUD_CONCLUSION_CONFIRMED);
  ConcludedCase(stub, "2", v1::FRAUD_CONCLUSION_UNFOUNDED);  // nothing to hand over

  v1::ListUndeliveredCreditRecordsResponse queued = Undelivered(stub, "230000");
  REQUIRE(queued.total_size() == 1);
  REQUIRE(queued.deliveries_size() == 1);
  CHECK(queued.deliveries(0).case_id() == confirmed);
  CHECK(queued.deliveries(0).state() == v1::CREDIT_DELIVERY_STATE_PENDING);
  CHECK(queued.deliveries(0).attempt_count() == 0);
  CHECK(queued.deliveries(0).city_code() == "230100");
  CHECK(Undelivered(stub, "230103").total_size() == 1);
  CHECK(Undelivered(stub, "230200").total_size() == 0);

  ScriptedSender sender;
  CreditDeliverer::Options options;
  SECTION("down, then up: retried with back-off, delivered once, then never sent again") {
    sender.Script(
        {absl::UnavailableError("connection refused"), absl::DeadlineExceededError("deadline")});
    CreditDeliverer deliverer(stack.store(), stack.clock(), &sender, log::Logger("test.credit"),
                              options);
    auto next = deliverer.RunOnce(start);
    REQUIRE(next.ok());
    REQUIRE(next->has_value());
    CHECK(**next == start + absl::Seconds(1));
    // Not due yet: nothing sent.
    REQUIRE(deliverer.RunOnce(start + absl::Milliseconds(500)).ok());
    CHECK(sender.sent().size() == 1);
    v1::CreditDelivery pending = Undelivered(stub, "230100").deliveries(0);
    CHECK(pending.attempt_count() == 1);
    CHECK(pending.last_error() == "UNAVAILABLE: connection refused");
    CHECK(pending.has_next_attempt_time());

    next = deliverer.RunOnce(start + absl::Seconds(1));
    REQUIRE(next.ok());
    CHECK(**next == start + absl::Seconds(3));  // 2 s after the second failure
    CHECK(Undelivered(stub, "230100").deliveries(0).last_error().rfind("DEADLINE_EXCEEDED", 0) ==
          0);

    // A restart: a new deliverer over the same store carries on where the last one stopped.
    CreditDeliverer restarted(stack.store(), stack.clock(), &sender, log::Logger("test.credit"),
                              options);
    next = restarted.RunOnce(start + absl::Seconds(3));
    REQUIRE(next.ok());
    CHECK_FALSE(next->has_value());
    CHECK(Undelivered(stub, "230000").total_size() == 0);
    REQUIRE(restarted.RunOnce(start + absl::Hours(1)).ok());

    std::vector<notv1::DeliverCreditRecordRequest> sent = sender.sent();
    REQUIRE(sent.size() == 3);
    // The same bytes on every attempt.
    CHECK(sent[0].SerializeAsString() == sent[2].SerializeAsString());
    const notv1::DeliverCreditRecordRequest& record = sent[2];
    CHECK(record.record_id() == confirmed);
    CHECK(record.person_id().id_number() == testing::kIdNumber);
    CHECK(record.name() == "张三");
    CHECK(record.city_code() == "230100");
    CHECK(record.office_region_code() == "230103");
    CHECK(record.behaviour() == notv1::CREDIT_BEHAVIOUR_UNEMPLOYMENT_INSURANCE_FRAUD);
    CHECK(record.amount_fen() == 123456);
    CHECK(record.concluded_on() == "2025-02-08");
    CHECK(record.decision_document() == "哈人社稽〔2025〕3号");
    CHECK(absl::FromUnixSeconds(record.create_time().seconds()) <= start);
  }

  SECTION("a permanent refusal is FAILED, listed, and not retried") {
    sender.Script(
        {status::WithErrorInfo(absl::AlreadyExistsError("reused"), "CREDIT_RECORD_ID_REUSED")});
    CreditDeliverer deliverer(stack.store(), stack.clock(), &sender, log::Logger("test.credit"),
                              options);
    auto next = deliverer.RunOnce(start);
    REQUIRE(next.ok());
    CHECK_FALSE(next->has_value());
    v1::ListUndeliveredCreditRecordsResponse failed = Undelivered(stub, "230000");
    REQUIRE(failed.deliveries_size() == 1);
    CHECK(failed.deliveries(0).state() == v1::CREDIT_DELIVERY_STATE_FAILED);
    CHECK(failed.deliveries(0).last_error().rfind("ALREADY_EXISTS", 0) == 0);
    CHECK_FALSE(failed.deliveries(0).has_next_attempt_time());
    REQUIRE(deliverer.RunOnce(start + absl::Hours(1)).ok());
    CHECK(sender.sent().size() == 1);
  }

  SECTION("switched off: nothing is attempted, the hand-over stays PENDING") {
    CreditDeliverer off(stack.store(), stack.clock(), nullptr, log::Logger("test.credit"), options);
    REQUIRE(off.RunOnce(start + absl::Hours(1)).ok());
    CHECK(Undelivered(stub, "230000").deliveries(0).attempt_count() == 0);
  }
}

TEST_CASE("ListUndeliveredCreditRecords checks its input", "[followup][credit]") {
  FakeRegistration registration;
  FollowupStack stack(testing::TempDir(), registration.address(), testing::ChinaNoon(2025, 2, 10));
  v1::ListUndeliveredCreditRecordsRequest request;
  request.set_region_code("23");
  request.set_page_size(-1);
  v1::ListUndeliveredCreditRecordsResponse response;
  absl::Status status = Call(stack.stub(), &Stub::ListUndeliveredCreditRecords, request, &response);
  CHECK(status.code() == absl::StatusCode::kInvalidArgument);
  CHECK(testing::Violations(status).size() == 2);
}

}  // namespace
}  // namespace unemployment::followup
