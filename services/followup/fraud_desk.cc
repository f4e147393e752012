#include "services/followup/fraud_desk.h"

#include <algorithm>
#include <memory>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status/macros.h"
#include "common/time/date.h"
#include "common/validation/rules.h"
#include "services/followup/credit_deliverer.h"
#include "services/followup/credit_export.h"
#include "services/followup/followup_rules.h"
#include "services/followup/page_token.h"

namespace unemployment::followup {
namespace {

namespace rule = ::unemployment::validation::rule;

constexpr char kOpenKind[] = "open_fraud_case";
constexpr char kInvestigateKind[] = "record_fraud_investigation";
constexpr char kConcludeKind[] = "conclude_fraud_case";
constexpr char kReportKind[] = "submit_fraud_report";

absl::Status CaseNotFound(const std::string& id) {
  return status::WithErrorInfo(absl::NotFoundError("the fraud case does not exist"),
                               reason::kCaseNotFound, {{"case_id", id}});
}

absl::Status CaseConcluded(const std::string& id) {
  return status::WithErrorInfo(absl::FailedPreconditionError("the fraud case is concluded"),
                               reason::kCaseConcluded, {{"case_id", id}});
}

bool IsConcluded(const v1::FraudCase& c) {
  return c.state() == v1::FRAUD_CASE_STATE_CONFIRMED ||
         c.state() == v1::FRAUD_CASE_STATE_UNFOUNDED;
}

// The report as it stands before submission, judged on `as_of`.
v1::MonthlyFraudReport Draft(const std::string& city, absl::CivilMonth month, absl::CivilDay as_of,
                             const std::vector<v1::FraudCase>& cases) {
  v1::MonthlyFraudReport report;
  report.set_city_code(city);
  report.set_month(time::FormatMonth(month));
  const absl::CivilDay due = FraudReportDueDay(month);
  report.set_due_on(time::FormatDate(due));
  report.set_state(as_of <= due ? v1::REPORT_SUBMISSION_STATE_PENDING
                                : v1::REPORT_SUBMISSION_STATE_OVERDUE);
  int64_t total = 0;
  for (const v1::FraudCase& c : cases) {
    report.add_case_ids(c.case_id());
    total += c.amount_involved_fen();
  }
  report.set_case_count(static_cast<int32_t>(cases.size()));
  report.set_total_amount_fen(total);
  return report;
}

}  // namespace

FraudDesk::FraudDesk(FollowupStore& store, const validation::RegionDirectory& regions,
                     const time::Clock& clock, log::Logger logger)
    : store_(store), regions_(regions), clock_(clock), logger_(std::move(logger)) {}

void FraudDesk::OpenFraudCase(const v1::OpenFraudCaseRequest& request,
                              Callback<v1::OpenFraudCaseResponse> done) {
  auto result = std::make_shared<v1::OpenFraudCaseResponse>();
  store_.Write(
      [request, result](FollowupTransaction& tx) -> absl::Status {
        const std::string fingerprint = Fingerprint(request);
        ASSIGN_OR_RETURN(std::optional<v1::OpenFraudCaseResponse> previous,
                         PreviousResponse<v1::OpenFraudCaseResponse>(
                             tx.FindRequest(kOpenKind, request.request_id()),
                             request.request_id(), fingerprint));
        if (previous.has_value()) {
          *result = *std::move(previous);
          return absl::OkStatus();
        }
        if (!request.registration_id().empty()) {
          ASSIGN_OR_RETURN(std::optional<RegistrationRecord> registration,
                           tx.GetRegistration(request.registration_id()));
          if (!registration.has_value()) return RegistrationNotFound(request.registration_id());
        }
        ASSIGN_OR_RETURN(int64_t number, tx.NextNumber("fraud_case"));
        v1::FraudCase c;
        c.set_case_id(absl::StrCat("fc-", number));
        *c.mutable_person_id() = request.person_id();
        c.set_name(request.name());
        c.set_registration_id(request.registration_id());
        c.set_city_code(request.city_code());
        c.set_office_region_code(request.office_region_code());
        c.set_benefit(request.benefit());
        c.set_description(request.description());
        *c.mutable_evidence() = request.evidence();
        c.set_opened_on(request.opened_on());
        c.set_opened_by(request.staff_id());
        c.set_state(v1::FRAUD_CASE_STATE_OPEN);
        RETURN_IF_ERROR(tx.PutFraudCase(c));
        v1::FollowupEvent event;
        v1::FraudCaseOpened* opened = event.mutable_fraud_case_opened();
        opened->set_case_id(c.case_id());
        opened->set_city_code(c.city_code());
        opened->set_office_region_code(c.office_region_code());
        opened->set_benefit(c.benefit());
        opened->set_opened_on(c.opened_on());
        RETURN_IF_ERROR(tx.AppendEvent(std::move(event)));
        v1::OpenFraudCaseResponse response;
        *response.mutable_fraud_case() = std::move(c);
        RETURN_IF_ERROR(tx.InsertRequest(kOpenKind, request.request_id(),
                                         MakeStoredRequest(fingerprint, response)));
        *result = std::move(response);
        return absl::OkStatus();
      },
      [result, done = std::move(done)](absl::Status status) {
        if (!status.ok()) return done(status);
        done(std::move(*result));
      });
}

absl::StatusOr<v1::GetFraudCaseResponse> FraudDesk::GetFraudCase(
    const v1::GetFraudCaseRequest& request) {
  ASSIGN_OR_RETURN(std::optional<v1::FraudCase> c, store_.GetFraudCase(request.case_id()));
  if (!c.has_value()) return CaseNotFound(request.case_id());
  v1::GetFraudCaseResponse response;
  *response.mutable_fraud_case() = *std::move(c);
  return response;
}

template <typename Request, typename Response>
void FraudDesk::ChangeCase(const char* kind, const Request& request,
                           std::function<absl::Status(FollowupTransaction&, v1::FraudCase&)> change,
                           Callback<Response> done) {
  auto result = std::make_shared<Response>();
  std::string kind_text(kind);
  store_.Write(
      [kind_text, request, change = std::move(change), result](
          FollowupTransaction& tx) -> absl::Status {
        const std::string fingerprint = Fingerprint(request);
        ASSIGN_OR_RETURN(std::optional<Response> previous,
                         PreviousResponse<Response>(tx.FindRequest(kind_text, request.request_id()),
                                                    request.request_id(), fingerprint));
        if (previous.has_value()) {
          *result = *std::move(previous);
          return absl::OkStatus();
        }
        ASSIGN_OR_RETURN(std::optional<v1::FraudCase> c, tx.GetFraudCase(request.case_id()));
        if (!c.has_value()) return CaseNotFound(request.case_id());
        if (IsConcluded(*c)) return CaseConcluded(request.case_id());
        RETURN_IF_ERROR(change(tx, *c));
        RETURN_IF_ERROR(tx.PutFraudCase(*c));
        Response response;
        *response.mutable_fraud_case() = *std::move(c);
        RETURN_IF_ERROR(tx.InsertRequest(kind_text, request.request_id(),
                                         MakeStoredRequest(fingerprint, response)));
        *result = std::move(response);
        return absl::OkStatus();
      },
      [result, done = std::move(done)](absl::Status status) {
        if (!status.ok()) return done(status);
        done(std::move(*result));
      });
}

void FraudDesk::RecordFraudInvestigation(const v1::RecordFraudInvestigationRequest& request,
                                         Callback<v1::RecordFraudInvestigationResponse> done) {
  const google::protobuf::Timestamp now = ToTimestamp(clock_.Now());
  ChangeCase<v1::RecordFraudInvestigationRequest, v1::RecordFraudInvestigationResponse>(
      kInvestigateKind, request,
      [request, now](FollowupTransaction&, v1::FraudCase& c) -> absl::Status {
        if (request.investigated_on() < c.opened_on()) {
          return FieldError("investigated_on", rule::kDateOrder,
                            "the investigation is dated before the case was opened");
        }
        v1::FraudInvestigation* step = c.add_investigations();
        step->set_investigated_on(request.investigated_on());
        step->set_investigator_id(request.investigator_id());
        step->set_findings(request.findings());
        *step->mutable_evidence() = request.evidence();
        *step->mutable_recorded_at() = now;
        c.set_state(v1::FRAUD_CASE_STATE_INVESTIGATING);
        return absl::OkStatus();
      },
      std::move(done));
}

void FraudDesk::ConcludeFraudCase(const v1::ConcludeFraudCaseRequest& request,
                                  Callback<v1::ConcludeFraudCaseResponse> done) {
  const int64_t now_micros = absl::ToUnixMicros(clock_.Now());
  // A confirmed case is queued for hand-over to the credit platform: wake the deliverer after
  // the commit.
  if (request.conclusion() == v1::FRAUD_CONCLUSION_CONFIRMED && credit_queued_) {
    done = [done = std::move(done),
            queued = credit_queued_](absl::StatusOr<v1::ConcludeFraudCaseResponse> result) {
      const bool ok = result.ok();
      done(std::move(result));
      if (ok) queued();
    };
  }
  ChangeCase<v1::ConcludeFraudCaseRequest, v1::ConcludeFraudCaseResponse>(
      kConcludeKind, request,
      [request, now_micros](FollowupTransaction& tx, v1::FraudCase& c) -> absl::Status {
        if (c.investigations().empty()) {
          return status::WithErrorInfo(
              absl::FailedPreconditionError("no investigation is recorded on the case"),
              reason::kNotInvestigated, {{"case_id", c.case_id()}});
        }
        std::string last;
        for (const v1::FraudInvestigation& step : c.investigations()) {
          last = std::max(last, step.investigated_on());
        }
        if (request.concluded_on() < last) {
          return FieldError("concluded_on", rule::kDateOrder,
                            "the conclusion is dated before the last investigation");
        }
        const bool confirmed = request.conclusion() == v1::FRAUD_CONCLUSION_CONFIRMED;
        c.set_state(confirmed ? v1::FRAUD_CASE_STATE_CONFIRMED : v1::FRAUD_CASE_STATE_UNFOUNDED);
        c.set_concluded_on(request.concluded_on());
        c.set_concluded_by(request.staff_id());
        c.set_decision(request.decision());
        c.set_decision_document(request.decision_document());
        c.set_amount_involved_fen(confirmed ? request.amount_involved_fen() : 0);
        v1::FollowupEvent event;
        v1::FraudCaseConcluded* concluded = event.mutable_fraud_case_concluded();
        concluded->set_case_id(c.case_id());
        concluded->set_city_code(c.city_code());
        concluded->set_office_region_code(c.office_region_code());
        concluded->set_state(c.state());
        concluded->set_concluded_on(c.concluded_on());
        concluded->set_amount_involved_fen(c.amount_involved_fen());
        RETURN_IF_ERROR(tx.AppendEvent(std::move(event)));
        if (!confirmed) return absl::OkStatus();
        // The hand-over to the credit platform, in the transaction that confirms the case.
        CreditDeliveryRow delivery;
        delivery.case_id = c.case_id();
        delivery.city_code = c.city_code();
        delivery.office_region_code = c.office_region_code();
        delivery.state = v1::CREDIT_DELIVERY_STATE_PENDING;
        delivery.create_micros = now_micros;
        delivery.next_attempt_micros = now_micros;
        return tx.EnqueueCreditDelivery(delivery);
      },
      std::move(done));
}

absl::StatusOr<v1::ListFraudCasesResponse> FraudDesk::ListFraudCases(
    const v1::ListFraudCasesRequest& request) {
  FraudCaseQuery query;
  std::optional<OfficeRange> offices = RegionRange(regions_, request.region_code());
  if (!offices.has_value()) return RegionNotFound(request.region_code());
  query.offices = *offices;
  query.state = request.state();
  query.opened_from = request.opened_from();
  query.opened_to = request.opened_to();
  query.concluded_from = request.concluded_from();
  query.concluded_to = request.concluded_to();
  const uint64_t fingerprint = QueryFingerprint(absl::StrCat(
      "fraud_cases|", request.region_code(), "|", request.state(), "|", request.opened_from(), "|",
      request.opened_to(), "|", request.concluded_from(), "|", request.concluded_to()));
  if (!request.page_token().empty()) {
    ASSIGN_OR_RETURN(query.after, DecodePageToken(request.page_token(), fingerprint));
  }
  query.limit = EffectivePageSize(request.page_size());
  ASSIGN_OR_RETURN(auto page_and_total, store_.ListFraudCases(query));
  v1::ListFraudCasesResponse response;
  for (v1::FraudCase& c : page_and_total.first.items) *response.add_fraud_cases() = std::move(c);
  response.set_total_size(page_and_total.second);
  if (page_and_total.first.more) {
    const v1::FraudCase& last = response.fraud_cases(response.fraud_cases_size() - 1);
    ListPosition position;
    position.key = last.opened_on();
    position.id = last.case_id();
    response.set_next_page_token(EncodePageToken(fingerprint, position));
  }
  return response;
}

void FraudDesk::SubmitMonthlyFraudReport(const v1::SubmitMonthlyFraudReportRequest& request,
                                         Callback<v1::SubmitMonthlyFraudReportResponse> done) {
  absl::StatusOr<absl::CivilMonth> month = time::ParseMonth(request.month());
  if (!month.ok()) return done(month.status());
  auto result = std::make_shared<v1::SubmitMonthlyFraudReportResponse>();
  const absl::Time now = clock_.Now();
  const absl::CivilDay today = clock_.Today();
  const absl::CivilMonth report_month = *month;
  store_.Write(
      [request, result, now, today, report_month](FollowupTransaction& tx) -> absl::Status {
        const std::string fingerprint = Fingerprint(request);
        ASSIGN_OR_RETURN(std::optional<v1::SubmitMonthlyFraudReportResponse> previous,
                         PreviousResponse<v1::SubmitMonthlyFraudReportResponse>(
                             tx.FindRequest(kReportKind, request.request_id()),
                             request.request_id(), fingerprint));
        if (previous.has_value()) {
          *result = *std::move(previous);
          return absl::OkStatus();
        }
        ASSIGN_OR_RETURN(std::optional<v1::MonthlyFraudReport> existing,
                         tx.GetReport(request.city_code(), request.month()));
        if (existing.has_value()) {
          return status::WithErrorInfo(
              absl::AlreadyExistsError("the city's report for the month was already submitted"),
              reason::kReportAlreadySubmitted,
              {{"city_code", request.city_code()}, {"month", request.month()}});
        }
        ASSIGN_OR_RETURN(std::vector<v1::FraudCase> cases,
                         tx.UnreportedConfirmedCases(request.city_code(), time::FormatDate(today)));
        v1::MonthlyFraudReport report = Draft(request.city_code(), report_month, today, cases);
        report.set_state(today <= FraudReportDueDay(report_month)
                             ? v1::REPORT_SUBMISSION_STATE_ON_TIME
                             : v1::REPORT_SUBMISSION_STATE_LATE);
        *report.mutable_submit_time() = ToTimestamp(now);
        report.set_submitted_on(time::FormatDate(today));
        report.set_submitted_by(request.staff_id());
        report.set_note(request.note());
        for (v1::FraudCase& c : cases) {
          c.set_reported_month(request.month());
          RETURN_IF_ERROR(tx.PutFraudCase(c));
        }
        RETURN_IF_ERROR(tx.InsertReport(report));
        v1::SubmitMonthlyFraudReportResponse response;
        *response.mutable_report() = std::move(report);
        RETURN_IF_ERROR(tx.InsertRequest(kReportKind, request.request_id(),
                                         MakeStoredRequest(fingerprint, response)));
        *result = std::move(response);
        return absl::OkStatus();
      },
      [result, done = std::move(done)](absl::Status status) {
        if (!status.ok()) return done(status);
        done(std::move(*result));
      });
}

absl::StatusOr<v1::GetMonthlyFraudReportResponse> FraudDesk::GetMonthlyFraudReport(
    const v1::GetMonthlyFraudReportRequest& request) {
  ASSIGN_OR_RETURN(absl::CivilMonth month, time::ParseMonth(request.month()));
  absl::CivilDay as_of = clock_.Today();
  if (!request.as_of().empty()) {
    ASSIGN_OR_RETURN(as_of, time::ParseDate(request.as_of()));
  }
  v1::GetMonthlyFraudReportResponse response;
  ASSIGN_OR_RETURN(std::optional<v1::MonthlyFraudReport> stored,
                   store_.GetReport(request.city_code(), request.month()));
  if (stored.has_value()) {
    *response.mutable_report() = *std::move(stored);
    return response;
  }
  ASSIGN_OR_RETURN(std::vector<v1::FraudCase> cases,
                   store_.UnreportedConfirmedCases(request.city_code(), time::FormatDate(as_of)));
  *response.mutable_report() = Draft(request.city_code(), month, as_of, cases);
  return response;
}

absl::StatusOr<v1::GetFraudReportComplianceResponse> FraudDesk::GetFraudReportCompliance(
    const v1::GetFraudReportComplianceRequest& request) {
  ASSIGN_OR_RETURN(absl::CivilMonth month, time::ParseMonth(request.month()));
  absl::CivilDay as_of = clock_.Today();
  if (!request.as_of().empty()) {
    ASSIGN_OR_RETURN(as_of, time::ParseDate(request.as_of()));
  }
  const absl::CivilDay due = FraudReportDueDay(month);
  v1::GetFraudReportComplianceResponse response;
  response.set_month(time::FormatMonth(month));
  response.set_as_of(time::FormatDate(as_of));
  std::vector<const validation::Region*> cities = regions_.Children(request.province_code());
  std::sort(cities.begin(), cities.end(), [](const validation::Region* a,
                                             const validation::Region* b) {
    return a->code < b->code;
  });
  for (const validation::Region* city : cities) {
    if (city->level != validation::RegionLevel::kCity) continue;
    response.set_city_count(response.city_count() + 1);
    ASSIGN_OR_RETURN(std::optional<v1::MonthlyFraudReport> stored,
                     store_.GetReport(city->code, response.month()));
    v1::CityFraudReportStatus status;
    status.set_city_code(city->code);
    status.set_city_name(city->name);
    status.set_due_on(time::FormatDate(due));
    if (stored.has_value()) {
      status.set_state(stored->state());
      status.set_submitted_on(stored->submitted_on());
      absl::StatusOr<absl::CivilDay> submitted = time::ParseDate(stored->submitted_on());
      if (stored->state() == v1::REPORT_SUBMISSION_STATE_LATE && submitted.ok()) {
        status.set_days_late(static_cast<int32_t>(*submitted - due));
      }
    } else if (as_of <= due) {
      status.set_state(v1::REPORT_SUBMISSION_STATE_PENDING);
    } else {
      status.set_state(v1::REPORT_SUBMISSION_STATE_OVERDUE);
      status.set_days_late(static_cast<int32_t>(as_of - due));
    }
    const bool exception = status.state() == v1::REPORT_SUBMISSION_STATE_OVERDUE ||
                           status.state() == v1::REPORT_SUBMISSION_STATE_LATE;
    if (status.state() == v1::REPORT_SUBMISSION_STATE_OVERDUE) {
      response.set_overdue_count(response.overdue_count() + 1);
    }
    if (status.state() == v1::REPORT_SUBMISSION_STATE_LATE) {
      response.set_late_count(response.late_count() + 1);
    }
    if (exception || request.include_all()) *response.add_cities() = std::move(status);
  }
  return response;
}

absl::StatusOr<v1::ExportCreditRecordsResponse> FraudDesk::ExportCreditRecords(
    const v1::ExportCreditRecordsRequest& request) {
  OfficeRange offices = AllOffices();
  if (!request.region_code().empty()) {
    std::optional<OfficeRange> range = RegionRange(regions_, request.region_code());
    if (!range.has_value()) return RegionNotFound(request.region_code());
    offices = *range;
  }
  ASSIGN_OR_RETURN(std::vector<v1::FraudCase> cases,
                   store_.ConfirmedCases(offices, request.concluded_from(),
                                         request.concluded_to(), kMaxExportRecords + 1));
  if (cases.size() > static_cast<size_t>(kMaxExportRecords)) {
    return status::WithErrorInfo(
        absl::FailedPreconditionError("more than 100,000 records match; narrow the range"),
        reason::kExportTooLarge);
  }
  v1::ExportCreditRecordsResponse response;
  const v1::ExportFormat format = request.format();
  const bool csv = format == v1::EXPORT_FORMAT_CSV;
  response.set_content_type(csv ? "text/csv; charset=utf-8" : "application/json");
  response.set_file_name(absl::StrCat("credit-records-", request.concluded_from(), "-",
                                      request.concluded_to(), csv ? ".csv" : ".json"));
  if (request.page_size() <= 0) {
    response.set_content(csv ? CreditRecordsCsv(cases) : CreditRecordsJson(cases));
    if (response.content().size() > kMaxUnpagedExportBytes) {
      return status::WithErrorInfo(
          absl::FailedPreconditionError(absl::StrCat(
              "the file would be ", response.content().size(),
              " bytes, more than one reply may carry; page it with page_size")),
          reason::kExportTooLarge);
    }
    response.set_record_count(static_cast<int64_t>(cases.size()));
    return response;
  }
  // Paged: the next part of the same file. Records are in (concluded_on, case id) order; a page
  // token names the last record sent.
  const uint64_t fingerprint =
      QueryFingerprint(absl::StrCat("credit|", request.region_code(), "|", request.concluded_from(),
                                    "|", request.concluded_to(), "|", format));
  size_t next = 0;
  if (!request.page_token().empty()) {
    ASSIGN_OR_RETURN(ListPosition after, DecodePageToken(request.page_token(), fingerprint));
    while (next < cases.size() &&
           std::make_pair(cases[next].concluded_on(), cases[next].case_id()) <=
               std::make_pair(after.key, after.id)) {
      ++next;
    }
  }
  const size_t page_records =
      static_cast<size_t>(std::min(request.page_size(), kMaxExportPageRecords));
  std::string content = next == 0 ? CreditRecordsOpening(format) : "";
  size_t taken = 0;
  while (next < cases.size() && taken < page_records) {
    std::string record = CreditRecord(format, cases[next], next);
    if (taken > 0 && content.size() + record.size() > kMaxExportPageBytes) break;
    content += record;
    ++next;
    ++taken;
  }
  if (next < cases.size()) {
    const v1::FraudCase& last = cases[next - 1];
    response.set_next_page_token(
        EncodePageToken(fingerprint, ListPosition{last.concluded_on(), 0, last.case_id()}));
  } else {
    content += CreditRecordsClosing(format);
  }
  response.set_content(std::move(content));
  response.set_record_count(static_cast<int64_t>(taken));
  return response;
}

}  // namespace unemployment::followup

namespace unemployment::followup {

absl::StatusOr<v1::ListUndeliveredCreditRecordsResponse> FraudDesk::ListUndeliveredCreditRecords(
    const v1::ListUndeliveredCreditRecordsRequest& request) {
  std::optional<OfficeRange> offices = RegionRange(regions_, request.region_code());
  if (!offices.has_value()) return RegionNotFound(request.region_code());
  CreditDeliveryQuery query;
  query.offices = *offices;
  const uint64_t fingerprint =
      QueryFingerprint(absl::StrCat("credit_undelivered|", request.region_code()));
  if (!request.page_token().empty()) {
    ASSIGN_OR_RETURN(query.after, DecodePageToken(request.page_token(), fingerprint));
  }
  query.limit = EffectivePageSize(request.page_size());
  ASSIGN_OR_RETURN(auto page_and_total, store_.ListUndeliveredCredit(query));
  const Page<CreditDeliveryRow>& page = page_and_total.first;
  const absl::Time now = clock_.Now();
  v1::ListUndeliveredCreditRecordsResponse response;
  for (const CreditDeliveryRow& row : page.items) {
    *response.add_deliveries() = CreditDeliveryOf(row, now);
  }
  response.set_total_size(static_cast<int32_t>(page_and_total.second));
  if (page.more && !page.items.empty()) {
    const CreditDeliveryRow& last = page.items.back();
    response.set_next_page_token(
        EncodePageToken(fingerprint, ListPosition{"", last.create_micros, last.case_id}));
  }
  return response;
}

}  // namespace unemployment::followup
