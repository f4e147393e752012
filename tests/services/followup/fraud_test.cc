#include <string>
#include <vector>

#include "catch2/catch.hpp"
#include "tests/services/followup/test_util.h"

namespace unemployment::followup {
namespace {

using testing::Call;
using testing::FakeRegistration;
using testing::FollowupStack;
using testing::Reason;
using testing::Violations;
using Stub = v1::FollowupService::Stub;
using Strings = std::vector<std::string>;

v1::OpenFraudCaseRequest Open(const std::string& request_id, const std::string& city,
                              const std::string& office, const std::string& opened_on) {
  return testing::OpenFraudCaseRequest(request_id, city, office, opened_on);
}

v1::RecordFraudInvestigationRequest Investigate(const std::string& request_id,
                                                const std::string& case_id,
                                                const std::string& day) {
  v1::RecordFraudInvestigationRequest request;
  request.set_request_id(request_id);
  request.set_case_id(case_id);
  request.set_investigated_on(day);
  request.set_investigator_id("inspector-2");
  request.set_findings("约谈本人，承认已就业");
  return request;
}

v1::ConcludeFraudCaseRequest Conclude(const std::string& request_id, const std::string& case_id,
                                      v1::FraudConclusion conclusion, const std::string& day,
                                      int64_t fen) {
  v1::ConcludeFraudCaseRequest request;
  request.set_request_id(request_id);
  request.set_case_id(case_id);
  request.set_conclusion(conclusion);
  request.set_concluded_on(day);
  request.set_decision("证据确凿");
  request.set_decision_document("哈人社稽〔2025〕3号");
  request.set_amount_involved_fen(fen);
  request.set_staff_id("chief-1");
  return request;
}

v1::SubmitMonthlyFraudReportRequest Submit(const std::string& request_id, const std::string& city,
                                           const std::string& month) {
  v1::SubmitMonthlyFraudReportRequest request;
  request.set_request_id(request_id);
  request.set_city_code(city);
  request.set_month(month);
  request.set_staff_id("city-clerk");
  return request;
}

TEST_CASE("fraud cases, monthly reports on time or late, credit export", "[followup][fraud]") {
  FakeRegistration registration;
  FollowupStack stack(testing::TempDir(), registration.address(), testing::ChinaNoon(2025, 2, 10));
  Stub& stub = stack.stub();

  v1::OpenFraudCaseResponse opened;
  REQUIRE(Call(stub, &Stub::OpenFraudCase, Open("o1", "230100", "230103", "2025-02-01"), &opened)
              .ok());
  const std::string case_id = opened.fraud_case().case_id();
  CHECK(opened.fraud_case().state() == v1::FRAUD_CASE_STATE_OPEN);
  CHECK(opened.fraud_case().opened_by() == "inspector-1");

  v1::ConcludeFraudCaseResponse concluded;
  absl::Status early = Call(stub, &Stub::ConcludeFraudCase,
                            Conclude("c0", case_id, v1::FRAUD_CONCLUSION_CONFIRMED, "2025-02-10",
                                     123456),
                            &concluded);
  CHECK(early.code() == absl::StatusCode::kFailedPrecondition);
  CHECK(Reason(early) == "NOT_INVESTIGATED");

  v1::RecordFraudInvestigationResponse investigated;
  absl::Status before = Call(stub, &Stub::RecordFraudInvestigation,
                             Investigate("i0", case_id, "2025-01-31"), &investigated);
  CHECK(Violations(before) == Strings{"investigated_on DATE_ORDER"});
  REQUIRE(Call(stub, &Stub::RecordFraudInvestigation, Investigate("i1", case_id, "2025-02-05"),
               &investigated)
              .ok());
  CHECK(investigated.fraud_case().state() == v1::FRAUD_CASE_STATE_INVESTIGATING);
  CHECK(investigated.fraud_case().investigations_size() == 1);
  REQUIRE(Call(stub, &Stub::ConcludeFraudCase,
               Conclude("c1", case_id, v1::FRAUD_CONCLUSION_CONFIRMED, "2025-02-10", 123456),
               &concluded)
              .ok());
  CHECK(concluded.fraud_case().state() == v1::FRAUD_CASE_STATE_CONFIRMED);
  CHECK(concluded.fraud_case().amount_involved_fen() == 123456);
  absl::Status again = Call(stub, &Stub::ConcludeFraudCase,
                            Conclude("c2", case_id, v1::FRAUD_CONCLUSION_UNFOUNDED, "2025-02-10", 0),
                            &concluded);
  CHECK(again.code() == absl::StatusCode::kFailedPrecondition);
  CHECK(Reason(again) == "CASE_CONCLUDED");

  // A second city's case, unfounded.
  REQUIRE(Call(stub, &Stub::OpenFraudCase, Open("o2", "230200", "230202", "2025-02-03"), &opened)
              .ok());
  const std::string other_case = opened.fraud_case().case_id();
  REQUIRE(Call(stub, &Stub::RecordFraudInvestigation, Investigate("i2", other_case, "2025-02-04"),
               &investigated)
              .ok());
  REQUIRE(Call(stub, &Stub::ConcludeFraudCase,
               Conclude("c3", other_case, v1::FRAUD_CONCLUSION_UNFOUNDED, "2025-02-05", 999),
               &concluded)
              .ok());
  CHECK(concluded.fraud_case().amount_involved_fen() == 0);

  // Before submission: pending up to the due day, overdue after.
  v1::GetMonthlyFraudReportRequest get;
  get.set_city_code("230100");
  get.set_month("2025-02");
  get.set_as_of("2025-02-28");
  v1::GetMonthlyFraudReportResponse draft;
  REQUIRE(Call(stub, &Stub::GetMonthlyFraudReport, get, &draft).ok());
  CHECK(draft.report().due_on() == "2025-02-28");
  CHECK(draft.report().state() == v1::REPORT_SUBMISSION_STATE_PENDING);
  REQUIRE(draft.report().case_ids_size() == 1);
  CHECK(draft.report().case_ids(0) == case_id);
  get.set_as_of("2025-03-01");
  REQUIRE(Call(stub, &Stub::GetMonthlyFraudReport, get, &draft).ok());
  CHECK(draft.report().state() == v1::REPORT_SUBMISSION_STATE_OVERDUE);

  // Harbin submits on the due day (28 February 2025): on time, with its confirmed case.
  stack.clock().Set(testing::ChinaNoon(2025, 2, 28));
  v1::SubmitMonthlyFraudReportResponse submitted;
  REQUIRE(Call(stub, &Stub::SubmitMonthlyFraudReport, Submit("f1", "230100", "2025-02"), &submitted)
              .ok());
  CHECK(submitted.report().state() == v1::REPORT_SUBMISSION_STATE_ON_TIME);
  CHECK(submitted.report().due_on() == "2025-02-28");
  CHECK(submitted.report().submitted_on() == "2025-02-28");
  CHECK(submitted.report().case_count() == 1);
  CHECK(submitted.report().total_amount_fen() == 123456);
  v1::GetFraudCaseRequest get_case;
  get_case.set_case_id(case_id);
  v1::GetFraudCaseResponse fetched;
  REQUIRE(Call(stub, &Stub::GetFraudCase, get_case, &fetched).ok());
  CHECK(fetched.fraud_case().reported_month() == "2025-02");
  absl::Status twice =
      Call(stub, &Stub::SubmitMonthlyFraudReport, Submit("f2", "230100", "2025-02"), &submitted);
  CHECK(twice.code() == absl::StatusCode::kAlreadyExists);
  CHECK(Reason(twice) == "REPORT_ALREADY_SUBMITTED");

  // Qiqihar submits on 1 March: late (and empty: its case was unfounded).
  stack.clock().Set(testing::ChinaNoon(2025, 3, 1));
  REQUIRE(Call(stub, &Stub::SubmitMonthlyFraudReport, Submit("f3", "230200", "2025-02"), &submitted)
              .ok());
  CHECK(submitted.report().state() == v1::REPORT_SUBMISSION_STATE_LATE);
  CHECK(submitted.report().case_count() == 0);

  SECTION("the province sees which cities' reports are missing or late") {
    // On 1 March (today): Harbin on time, Qiqihar late by one day, the other 11 of Heilongjiang's
    // 13 prefecture-level units have not reported and are one day overdue.
    v1::GetFraudReportComplianceRequest request;
    request.set_province_code("230000");
    request.set_month("2025-02");
    v1::GetFraudReportComplianceResponse compliance;
    REQUIRE(Call(stub, &Stub::GetFraudReportCompliance, request, &compliance).ok());
    CHECK(compliance.month() == "2025-02");
    CHECK(compliance.as_of() == "2025-03-01");
    CHECK(compliance.city_count() == 13);
    CHECK(compliance.overdue_count() == 11);
    CHECK(compliance.late_count() == 1);
    REQUIRE(compliance.cities_size() == 12);
    CHECK(compliance.cities(0).city_code() == "230200");
    CHECK(compliance.cities(0).city_name() == "齐齐哈尔市");
    CHECK(compliance.cities(0).state() == v1::REPORT_SUBMISSION_STATE_LATE);
    CHECK(compliance.cities(0).submitted_on() == "2025-03-01");
    CHECK(compliance.cities(0).days_late() == 1);
    CHECK(compliance.cities(1).city_code() == "230300");
    CHECK(compliance.cities(1).state() == v1::REPORT_SUBMISSION_STATE_OVERDUE);
    CHECK(compliance.cities(1).due_on() == "2025-02-28");
    CHECK(compliance.cities(1).submitted_on().empty());
    CHECK(compliance.cities(1).days_late() == 1);
    CHECK(compliance.cities(11).city_code() == "232700");  // 大兴安岭地区

    request.set_include_all(true);
    REQUIRE(Call(stub, &Stub::GetFraudReportCompliance, request, &compliance).ok());
    REQUIRE(compliance.cities_size() == 13);
    CHECK(compliance.cities(0).city_code() == "230100");
    CHECK(compliance.cities(0).state() == v1::REPORT_SUBMISSION_STATE_ON_TIME);
    CHECK(compliance.cities(0).submitted_on() == "2025-02-28");
    CHECK(compliance.cities(0).days_late() == 0);

    // Judged on 20 February nothing is overdue yet; a submitted report stays as submitted.
    request.set_include_all(false);
    request.set_as_of("2025-02-20");
    REQUIRE(Call(stub, &Stub::GetFraudReportCompliance, request, &compliance).ok());
    CHECK(compliance.overdue_count() == 0);
    CHECK(compliance.late_count() == 1);
    REQUIRE(compliance.cities_size() == 1);
    CHECK(compliance.cities(0).city_code() == "230200");

    // Bad input, every field at once.
    request.set_province_code("230100");
    request.set_month("2025-13");
    request.set_as_of("2025-03-02");
    absl::Status bad = Call(stub, &Stub::GetFraudReportCompliance, request, &compliance);
    CHECK(bad.code() == absl::StatusCode::kInvalidArgument);
    CHECK(Violations(bad) ==
          Strings{"province_code REGION_LEVEL", "month DATE_FORMAT", "as_of DATE_IN_FUTURE"});
  }
  SECTION("credit export of the confirmed case") {
    v1::ExportCreditRecordsRequest request;
    request.set_concluded_from("2025-02-01");
    request.set_concluded_to("2025-02-28");
    request.set_format(v1::EXPORT_FORMAT_CSV);
    v1::ExportCreditRecordsResponse file;
    REQUIRE(Call(stub, &Stub::ExportCreditRecords, request, &file).ok());
    CHECK(file.record_count() == 1);
    CHECK(file.content_type() == "text/csv; charset=utf-8");
    CHECK(file.file_name() == "credit-records-2025-02-01-2025-02-28.csv");
    CHECK(file.content() ==
          "record_id,id_type,id_number,name,city_code,behaviour,description,amount_fen,"
          "concluded_on,decision_document,reported_month\r\n" +
              case_id +
              ",1,34052419800101001X,张三,230100,UNEMPLOYMENT_INSURANCE_FRAUD,"
              "隐瞒就业继续领取失业保险金,123456,2025-02-10,哈人社稽〔2025〕3号,2025-02\r\n");
    request.set_region_code("230200");
    request.set_format(v1::EXPORT_FORMAT_JSON);
    REQUIRE(Call(stub, &Stub::ExportCreditRecords, request, &file).ok());
    CHECK(file.record_count() == 0);
    CHECK(file.content() == "{\"format_version\":\"1\",\"records\":[]}");
    request.set_concluded_to("2025-01-01");
    request.set_format(v1::EXPORT_FORMAT_UNSPECIFIED);
    absl::Status bad = Call(stub, &Stub::ExportCreditRecords, request, &file);
    CHECK(Violations(bad) == Strings{"concluded_to DATE_ORDER", "format REQUIRED"});
  }
  SECTION("listing cases") {
    v1::ListFraudCasesRequest request;
    request.set_region_code("230000");
    v1::ListFraudCasesResponse list;
    REQUIRE(Call(stub, &Stub::ListFraudCases, request, &list).ok());
    CHECK(list.total_size() == 2);
    REQUIRE(list.fraud_cases_size() == 2);
    CHECK(list.fraud_cases(0).case_id() == case_id);
    request.set_state(v1::FRAUD_CASE_STATE_UNFOUNDED);
    REQUIRE(Call(stub, &Stub::ListFraudCases, request, &list).ok());
    CHECK(list.total_size() == 1);
    CHECK(list.fraud_cases(0).case_id() == other_case);
  }
  SECTION("February of a leap year is due on the 29th") {
    stack.clock().Set(testing::ChinaNoon(2024, 2, 29));
    REQUIRE(
        Call(stub, &Stub::SubmitMonthlyFraudReport, Submit("f4", "230100", "2024-02"), &submitted)
            .ok());
    CHECK(submitted.report().due_on() == "2024-02-29");
    CHECK(submitted.report().state() == v1::REPORT_SUBMISSION_STATE_ON_TIME);
    stack.clock().Set(testing::ChinaNoon(2024, 3, 1));
    REQUIRE(
        Call(stub, &Stub::SubmitMonthlyFraudReport, Submit("f5", "230200", "2024-02"), &submitted)
            .ok());
    CHECK(submitted.report().state() == v1::REPORT_SUBMISSION_STATE_LATE);
  }
}

TEST_CASE("fraud bad input", "[followup][fraud]") {
  FakeRegistration registration;
  FollowupStack stack(testing::TempDir(), registration.address(), testing::ChinaNoon(2025, 2, 10));
  Stub& stub = stack.stub();
  v1::OpenFraudCaseRequest request = Open("o1", "230103", "230202", "2025-02-01");
  request.clear_evidence();
  v1::OpenFraudCaseResponse opened;
  absl::Status status = Call(stub, &Stub::OpenFraudCase, request, &opened);
  CHECK(status.code() == absl::StatusCode::kInvalidArgument);
  CHECK(Violations(status) == Strings{"city_code REGION_LEVEL", "evidence REQUIRED"});
  request = Open("o1", "230100", "230202", "2025-02-11");
  status = Call(stub, &Stub::OpenFraudCase, request, &opened);
  CHECK(Violations(status) == Strings{"office_region_code REGION_MISMATCH",
                                      "evidence[0].collected_on DATE_IN_FUTURE",
                                      "opened_on DATE_IN_FUTURE"});
  request = Open("o1", "230100", "230103", "2025-02-01");
  request.set_registration_id("hlj-404");
  status = Call(stub, &Stub::OpenFraudCase, request, &opened);
  CHECK(status.code() == absl::StatusCode::kNotFound);
  CHECK(Reason(status) == "REGISTRATION_NOT_FOUND");
  v1::SubmitMonthlyFraudReportResponse submitted;
  status = Call(stub, &Stub::SubmitMonthlyFraudReport, Submit("f1", "230000", "2025-03"),
                &submitted);
  CHECK(Violations(status) == Strings{"city_code REGION_LEVEL", "month DATE_IN_FUTURE"});
  v1::GetFraudCaseRequest get;
  get.set_case_id("fc-404");
  v1::GetFraudCaseResponse fetched;
  status = Call(stub, &Stub::GetFraudCase, get, &fetched);
  CHECK(status.code() == absl::StatusCode::kNotFound);
  CHECK(Reason(status) == "FRAUD_CASE_NOT_FOUND");
}

}  // namespace
}  // namespace unemployment::followup
