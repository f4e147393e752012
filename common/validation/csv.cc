#include "common/validation/csv.h"

#include <algorithm>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace unemployment::validation {
namespace {

absl::Status LineError(absl::string_view source, int line, absl::string_view message) {
  return absl::InvalidArgumentError(absl::StrCat(source, ":", line, ": ", message));
}

// Splits one line (without its line end) into fields.
absl::StatusOr<std::vector<std::string>> SplitLine(absl::string_view line, absl::string_view source,
                                                   int line_number) {
  std::vector<std::string> fields;
  std::size_t pos = 0;
  while (true) {
    std::string field;
    if (pos < line.size() && line[pos] == '"') {
      ++pos;
      bool closed = false;
      while (pos < line.size()) {
        const char c = line[pos++];
        if (c != '"') {
          field.push_back(c);
        } else if (pos < line.size() && line[pos] == '"') {
          field.push_back('"');
          ++pos;
        } else {
          closed = true;
          break;
        }
      }
      if (!closed) return LineError(source, line_number, "unterminated quoted field");
      if (pos < line.size() && line[pos] != ',') {
        return LineError(source, line_number, "unexpected text after a closing quote");
      }
    } else {
      const std::size_t end = std::min(line.find(',', pos), line.size());
      field = std::string(line.substr(pos, end - pos));
      pos = end;
    }
    fields.push_back(std::move(field));
    if (pos >= line.size()) return fields;
    ++pos;  // Skip the ','; a trailing ',' yields a final empty field on the next round.
  }
}

}  // namespace

absl::StatusOr<std::vector<CsvRow>> ParseCsv(absl::string_view text, absl::string_view source) {
  absl::ConsumePrefix(&text, "\xEF\xBB\xBF");
  std::vector<CsvRow> rows;
  int line_number = 0;
  while (!text.empty()) {
    ++line_number;
    const std::size_t end = text.find('\n');
    absl::string_view line = text.substr(0, end);
    text.remove_prefix(end == absl::string_view::npos ? text.size() : end + 1);
    absl::ConsumeSuffix(&line, "\r");
    if (line.empty()) continue;
    absl::StatusOr<std::vector<std::string>> fields = SplitLine(line, source, line_number);
    if (!fields.ok()) return fields.status();
    rows.push_back(CsvRow{line_number, *std::move(fields)});
  }
  return rows;
}

}  // namespace unemployment::validation
