#include "services/statistics/request_validation.h"

#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/status/status_util.h"
#include "common/status/violations_status.h"
#include "common/validation/date.h"
#include "common/validation/request_fields.h"
#include "common/validation/rules.h"
#include "common/validation/text.h"
#include "common/validation/violations.h"

namespace unemployment::statistics {
namespace {

namespace rule = ::unemployment::validation::rule;
using validation::Violations;

// A value given twice where each may appear once (a dimension, a report cell).
constexpr absl::string_view kDuplicate = "DUPLICATE";
// A number outside its allowed range (a negative figure).

void CheckRegion(Violations& out, const std::string& field, std::string* code) {
  validation::TrimInPlace(code);
  if (code->empty()) {
    out.Add(field, std::string(rule::kRequired), "the region code is required");
    return;
  }
  bool digits = code->size() == 6;
  for (char c : *code) digits = digits && absl::ascii_isdigit(static_cast<unsigned char>(c));
  if (!digits) {
    out.Add(field, std::string(rule::kFormat),
            "the region code is a 6-digit province, city or county code");
  }
}

// A "YYYY-MM-DD" not after today; nullopt when invalid (a violation was added).
std::optional<absl::CivilDay> CheckDate(Violations& out, const std::string& field,
                                        std::string* text, absl::CivilDay today) {
  validation::TrimInPlace(text);
  absl::StatusOr<absl::CivilDay> day = validation::ParseDateNotAfter(*text, today);
  if (out.AddIfError(field, day.status())) return std::nullopt;
  return *day;
}

void CheckOptionalDay(Violations& out, const std::string& field, std::string* text,
                      absl::CivilDay today) {
  validation::TrimInPlace(text);
  if (text->empty()) {
    *text = validation::FormatDate(today);
    return;
  }
  CheckDate(out, field, text, today);
}

void CheckPeriod(Violations& out, const std::string& prefix, std::string* start, std::string* end,
                 absl::CivilDay today) {
  std::optional<absl::CivilDay> first, last;
  for (auto [field, text, day] : {std::make_tuple("period_start", start, &first),
                                  std::make_tuple("period_end", end, &last)}) {
    const std::string path = absl::StrCat(prefix, field);
    validation::TrimInPlace(text);
    if (text->empty()) {
      out.Add(path, std::string(rule::kRequired), "the period's first and last day are required");
    } else {
      *day = CheckDate(out, path, text, today);
    }
  }
  if (first.has_value() && last.has_value() && *last < *first) {
    out.Add(absl::StrCat(prefix, "period_end"), std::string(rule::kDateOrder),
            "period_end must not be before period_start");
  }
}

void Forbid(Violations& out, const std::string& field, std::string* text,
            absl::string_view kind) {
  validation::TrimInPlace(text);
  if (!text->empty()) {
    out.Add(field, std::string(rule::kNotApplicable),
            absl::StrCat("not used by report kind ", kind));
  }
}

void CheckSpec(Violations& out, v1::ReportSpec* spec, absl::CivilDay today) {
  CheckRegion(out, "spec.region_code", spec->mutable_region_code());
  const std::string kind = v1::ReportKind_Name(spec->kind());
  switch (spec->kind()) {
    case v1::REPORT_KIND_URBAN_REGISTERED_UNEMPLOYED:
    case v1::REPORT_KIND_BREAKDOWN:
      CheckOptionalDay(out, "spec.as_of", spec->mutable_as_of(), today);
      Forbid(out, "spec.period_start", spec->mutable_period_start(), kind);
      Forbid(out, "spec.period_end", spec->mutable_period_end(), kind);
      break;
    case v1::REPORT_KIND_FLOWS:
    case v1::REPORT_KIND_SERVICE_INDICATORS:
      Forbid(out, "spec.as_of", spec->mutable_as_of(), kind);
      CheckPeriod(out, "spec.", spec->mutable_period_start(), spec->mutable_period_end(), today);
      break;
    case v1::REPORT_KIND_UNSPECIFIED:
      out.Add("spec.kind", std::string(rule::kRequired), "the report kind is required");
      break;
    default:
      out.Add("spec.kind", std::string(rule::kCodeUnknown), "unknown report kind");
      break;
  }
}

}  // namespace

absl::Status ValidateGetUrbanRegisteredUnemployed(v1::GetUrbanRegisteredUnemployedRequest& request,
                                                  absl::CivilDay today) {
  Violations out;
  CheckRegion(out, "region_code", request.mutable_region_code());
  CheckOptionalDay(out, "as_of", request.mutable_as_of(), today);
  return status::ViolationsToStatus(out, "GetUrbanRegisteredUnemployedRequest");
}

absl::Status ValidateGetBreakdown(v1::GetBreakdownRequest& request, absl::CivilDay today) {
  Violations out;
  CheckRegion(out, "region_code", request.mutable_region_code());
  CheckOptionalDay(out, "as_of", request.mutable_as_of(), today);
  std::set<int> seen;
  for (int i = 0; i < request.dimensions_size(); ++i) {
    const std::string field = absl::StrCat("dimensions[", i, "]");
    const int dimension = request.dimensions(i);
    if (dimension == v1::BREAKDOWN_DIMENSION_UNSPECIFIED) {
      out.Add(field, std::string(rule::kRequired), "a dimension must be specified");
    } else if (!v1::BreakdownDimension_IsValid(dimension)) {
      out.Add(field, std::string(rule::kCodeUnknown), "unknown dimension");
    } else if (!seen.insert(dimension).second) {
      out.Add(field, std::string(kDuplicate), "each dimension may be asked for once");
    }
  }
  return status::ViolationsToStatus(out, "GetBreakdownRequest");
}

absl::Status ValidateGetFlows(v1::GetFlowsRequest& request, absl::CivilDay today) {
  Violations out;
  CheckRegion(out, "region_code", request.mutable_region_code());
  CheckPeriod(out, "", request.mutable_period_start(), request.mutable_period_end(), today);
  return status::ViolationsToStatus(out, "GetFlowsRequest");
}

absl::Status ValidateGetServiceIndicators(v1::GetServiceIndicatorsRequest& request,
                                          absl::CivilDay today) {
  Violations out;
  CheckRegion(out, "region_code", request.mutable_region_code());
  CheckPeriod(out, "", request.mutable_period_start(), request.mutable_period_end(), today);
  return status::ViolationsToStatus(out, "GetServiceIndicatorsRequest");
}

absl::Status ValidateCheckReportConsistency(v1::CheckReportConsistencyRequest& request,
                                            absl::CivilDay today) {
  Violations out;
  CheckSpec(out, request.mutable_spec(), today);
  switch (request.reported_case()) {
    case v1::CheckReportConsistencyRequest::kTable: {
      const auto& cells = request.table().cells();
      if (cells.empty()) {
        out.Add("table.cells", std::string(rule::kRequired), "at least one cell is required");
      } else if (cells.size() > kMaxReportCells) {
        out.Add("table.cells", std::string(rule::kTooMany), "at most 10,000 cells");
      }
      std::set<std::pair<std::string, std::string>> seen;
      for (int i = 0; i < cells.size() && i < kMaxReportCells; ++i) {
        v1::ReportCell* cell = request.mutable_table()->mutable_cells(i);
        const std::string path = absl::StrCat("table.cells[", i, "]");
        validation::TrimInPlace(cell->mutable_row_key());
        validation::TrimInPlace(cell->mutable_column_key());
        if (cell->row_key().empty()) {
          out.Add(path + ".row_key", std::string(rule::kRequired), "the row key is required");
        }
        if (cell->column_key().empty()) {
          out.Add(path + ".column_key", std::string(rule::kRequired),
                  "the column key is required");
        }
        if (cell->value() < 0) {
          out.Add(path + ".value", std::string(rule::kOutOfRange), "a figure is zero or more");
        }
        if (!cell->row_key().empty() && !cell->column_key().empty() &&
            !seen.emplace(cell->row_key(), cell->column_key()).second) {
          out.Add(path, std::string(kDuplicate), "the cell (row_key, column_key) is given twice");
        }
      }
      break;
    }
    case v1::CheckReportConsistencyRequest::kCsv:
      if (request.csv().empty()) {
        out.Add("csv", std::string(rule::kRequired), "the CSV is empty");
      } else if (request.csv().size() > kMaxReportCsvBytes) {
        out.Add("csv", std::string(rule::kTooLong), "the CSV has at most 4 MiB");
      }
      break;
    default:
      out.Add("reported", std::string(rule::kRequired),
              "either table or csv carries the reported figures");
      break;
  }
  return status::ViolationsToStatus(out, "CheckReportConsistencyRequest");
}

absl::Status ValidateExportReport(v1::ExportReportRequest& request, absl::CivilDay today) {
  Violations out;
  CheckSpec(out, request.mutable_spec(), today);
  return status::ViolationsToStatus(out, "ExportReportRequest");
}

absl::Status ValidateListOfficesWithoutDutyReviewer(v1::ListOfficesWithoutDutyReviewerRequest& request,
                                                    absl::CivilDay /*today*/) {
  Violations out;
  CheckRegion(out, "region_code", request.mutable_region_code());
  if (!v1::ReviewQueue_IsValid(request.queue())) {
    out.Add("queue", std::string(rule::kCodeUnknown), "the queue is unknown");
  }
  validation::CheckPageSize(out, request.page_size());
  return status::ViolationsToStatus(out, "ListOfficesWithoutDutyReviewerRequest");
}

absl::Status ValidateListSilentOffices(v1::ListSilentOfficesRequest& request, absl::CivilDay today) {
  Violations out;
  CheckRegion(out, "region_code", request.mutable_region_code());
  CheckOptionalDay(out, "as_of", request.mutable_as_of(), today);
  validation::CheckPageSize(out, request.page_size());
  return status::ViolationsToStatus(out, "ListSilentOfficesRequest");
}

absl::Status ValidateListRegionsWithoutContactReport(
    v1::ListRegionsWithoutContactReportRequest& request, absl::CivilDay /*today*/) {
  Violations out;
  CheckRegion(out, "region_code", request.mutable_region_code());
  validation::CheckPageSize(out, request.page_size());
  return status::ViolationsToStatus(out, "ListRegionsWithoutContactReportRequest");
}

}  // namespace unemployment::statistics
