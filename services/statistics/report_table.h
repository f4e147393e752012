#pragma once

// Report tables (统计报表) as the data computes them, their CSV form with Chinese headers, and the
// cell-by-cell comparison with the figures of a report. Pure: no I/O, no gRPC.

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "unemployment/statistics/v1/statistics_service.pb.h"

namespace unemployment::statistics {

struct ReportRow {
  std::string key;
  std::string label;
  // One value per column; nullopt where the figure is not available from the data this service
  // has (e.g. follow-up coverage while no follow-up feed is consumed). Exported as an empty cell
  // and never compared.
  std::vector<std::optional<int64_t>> values;
  // Per column: true where the figure is withheld by disclosure control (disclosure.h); its value
  // is then nullopt too (an empty cell). Empty when nothing in the row is withheld.
  std::vector<bool> suppressed;
  bool Suppressed(size_t column) const { return column < suppressed.size() && suppressed[column]; }
};

struct ReportTable {
  std::vector<std::string> column_keys;
  // Chinese headers of the columns, in the same order.
  std::vector<std::string> column_headers;
  std::vector<ReportRow> rows;
  // Cells (row, column indexes) that add up to a figure a reader knows or can compute, for
  // complementary suppression (disclosure.h).
  std::vector<std::vector<std::pair<size_t, size_t>>> groups;
};

// The CSV of a table: UTF-8 with a byte-order mark, CRLF line ends, RFC 4180 quoting, a header
// line "代码,项目,<column headers>", then one line per row.
std::string ReportCsv(const ReportTable& table);

// The cells of a CSV in ReportCsv's layout: rows matched by "代码", columns by header (a header the
// table does not have gives cells keyed by the header text, which then compare as unknown). Empty
// cells are left out. INVALID_ARGUMENT (field "csv", description with the 1-based line number) for
// unparsable CSV, a wrong first two headers, a line with another number of fields than the
// header, an empty 代码, a value that is not a whole number zero or more, a row or a header given
// twice.
absl::StatusOr<std::vector<v1::ReportCell>> ParseReportCsv(absl::string_view csv,
                                                           const ReportTable& table);

// Compares supplied cells with the table (see CheckReportConsistencyResponse): differences in the
// table's row and column order, unknown cells last in the order supplied. Cells whose computed
// figure is not available are neither compared nor counted; supplied cells whose figure is
// withheld by disclosure control are neither compared nor listed, only counted
// (suppressed_cell_count).
v1::CheckReportConsistencyResponse CompareReport(const ReportTable& table,
                                                 const std::vector<v1::ReportCell>& cells);

}  // namespace unemployment::statistics
