#include "services/statistics/report_table.h"

#include <map>
#include <set>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status/status_util.h"
#include "common/validation/csv.h"
#include "common/validation/rules.h"

namespace unemployment::statistics {
namespace {

constexpr absl::string_view kBom = "\xEF\xBB\xBF";
constexpr absl::string_view kCodeHeader = "代码";
constexpr absl::string_view kLabelHeader = "项目";

std::string Quote(absl::string_view field) {
  if (field.find_first_of(",\"\r\n") == absl::string_view::npos) return std::string(field);
  std::string out = "\"";
  for (char c : field) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

absl::Status CsvError(absl::string_view rule, int line, absl::string_view what) {
  return status::InvalidArgumentError(
      absl::StrCat("invalid csv: line ", line, ": ", what),
      {{"csv", std::string(rule), absl::StrCat("line ", line, ": ", what)}});
}

bool ParseFigure(absl::string_view text, int64_t* value) {
  if (text.empty()) return false;
  for (char c : text) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
  }
  return absl::SimpleAtoi(text, value);
}

}  // namespace

std::string ReportCsv(const ReportTable& table) {
  std::string out(kBom);
  std::vector<std::string> header = {std::string(kCodeHeader), std::string(kLabelHeader)};
  for (const std::string& h : table.column_headers) header.push_back(Quote(h));
  absl::StrAppend(&out, absl::StrJoin(header, ","), "\r\n");
  for (const ReportRow& row : table.rows) {
    absl::StrAppend(&out, Quote(row.key), ",", Quote(row.label));
    for (const std::optional<int64_t>& value : row.values) {
      absl::StrAppend(&out, ",", value.has_value() ? absl::StrCat(*value) : "");
    }
    absl::StrAppend(&out, "\r\n");
  }
  return out;
}

absl::StatusOr<std::vector<v1::ReportCell>> ParseReportCsv(absl::string_view csv,
                                                           const ReportTable& table) {
  absl::StatusOr<std::vector<validation::CsvRow>> rows = validation::ParseCsv(csv, "csv");
  if (!rows.ok()) {
    // ParseCsv's message is "csv:<line>: what"; keep it whole, it names the line.
    return status::InvalidArgumentError(
        absl::StrCat("invalid csv: ", rows.status().message()),
        {{"csv", std::string(validation::rule::kFormat), std::string(rows.status().message())}});
  }
  if (rows->empty()) return CsvError(validation::rule::kRequired, 1, "the header line is missing");
  const validation::CsvRow& header = rows->front();
  if (header.fields.size() < 2 || absl::StripAsciiWhitespace(header.fields[0]) != kCodeHeader ||
      absl::StripAsciiWhitespace(header.fields[1]) != kLabelHeader) {
    return CsvError(validation::rule::kFormat, header.line_number,
                    "the header must begin with 代码,项目");
  }
  std::vector<std::string> columns;
  std::set<std::string> seen_headers;
  for (size_t i = 2; i < header.fields.size(); ++i) {
    const std::string text(absl::StripAsciiWhitespace(header.fields[i]));
    if (!seen_headers.insert(text).second) {
      return CsvError("DUPLICATE", header.line_number, "a column header is given twice");
    }
    std::string key = text;
    for (size_t c = 0; c < table.column_headers.size(); ++c) {
      if (table.column_headers[c] == text) key = table.column_keys[c];
    }
    columns.push_back(std::move(key));
  }
  std::vector<v1::ReportCell> cells;
  std::set<std::string> seen_rows;
  for (size_t r = 1; r < rows->size(); ++r) {
    const validation::CsvRow& row = (*rows)[r];
    if (row.fields.size() != header.fields.size()) {
      return CsvError(validation::rule::kFormat, row.line_number,
                      absl::StrCat("expected ", header.fields.size(), " fields, found ",
                                   row.fields.size()));
    }
    const std::string code(absl::StripAsciiWhitespace(row.fields[0]));
    if (code.empty()) return CsvError(validation::rule::kRequired, row.line_number, "代码 is empty");
    if (!seen_rows.insert(code).second) {
      return CsvError("DUPLICATE", row.line_number, "the row is given twice");
    }
    for (size_t c = 0; c < columns.size(); ++c) {
      const absl::string_view text = absl::StripAsciiWhitespace(row.fields[c + 2]);
      if (text.empty()) continue;  // not reported: not compared
      int64_t value = 0;
      if (!ParseFigure(text, &value)) {
        return CsvError("OUT_OF_RANGE", row.line_number,
                        absl::StrCat("column ", c + 3, " is not a whole number zero or more"));
      }
      v1::ReportCell cell;
      cell.set_row_key(code);
      cell.set_column_key(columns[c]);
      cell.set_value(value);
      cells.push_back(std::move(cell));
    }
  }
  return cells;
}

v1::CheckReportConsistencyResponse CompareReport(const ReportTable& table,
                                                 const std::vector<v1::ReportCell>& cells) {
  std::map<std::pair<std::string, std::string>, const v1::ReportCell*> supplied;
  for (const v1::ReportCell& cell : cells) {
    supplied.emplace(std::make_pair(cell.row_key(), cell.column_key()), &cell);
  }
  v1::CheckReportConsistencyResponse response;
  int64_t compared = 0, matching = 0, unsupplied = 0, suppressed = 0;
  std::set<std::pair<std::string, std::string>> known;
  for (const ReportRow& row : table.rows) {
    for (size_t c = 0; c < table.column_keys.size(); ++c) {
      auto key = std::make_pair(row.key, table.column_keys[c]);
      known.insert(key);
      const std::optional<int64_t>& computed = row.values[c];
      auto it = supplied.find(key);
      if (row.Suppressed(c)) {
        if (it != supplied.end()) ++suppressed;
        continue;
      }
      if (!computed.has_value()) continue;
      if (it == supplied.end()) {
        ++unsupplied;
        continue;
      }
      ++compared;
      if (it->second->value() == *computed) {
        ++matching;
        continue;
      }
      v1::ReportDifference* d = response.add_differences();
      d->set_row_key(row.key);
      d->set_column_key(table.column_keys[c]);
      d->set_row_label(row.label);
      d->set_reported_value(it->second->value());
      d->set_computed_value(*computed);
      d->set_kind(v1::DIFFERENCE_KIND_VALUE_MISMATCH);
    }
  }
  for (const v1::ReportCell& cell : cells) {
    if (known.count(std::make_pair(cell.row_key(), cell.column_key())) != 0) continue;
    // Listed even when it reports 0: the report has a cell the table does not define.
    ++compared;
    v1::ReportDifference* d = response.add_differences();
    d->set_row_key(cell.row_key());
    d->set_column_key(cell.column_key());
    d->set_reported_value(cell.value());
    d->set_computed_value(0);
    d->set_kind(v1::DIFFERENCE_KIND_UNKNOWN_CELL);
  }
  response.set_compared_cell_count(compared);
  response.set_suppressed_cell_count(suppressed);
  response.set_matching_cell_count(matching);
  response.set_unsupplied_cell_count(unsupplied);
  return response;
}

}  // namespace unemployment::statistics
