// A minimal CSV reader for the reference data files under data/ (RFC 4180 subset).
//
// The region files are plain "code,name,level,parent" tables; a full CSV library would be a new
// dependency for a few hundred lines of data. Supported: ',' separators, fields in double quotes
// with "" for a quote, LF or CRLF line ends, a leading UTF-8 byte-order mark, blank lines
// (skipped). Not supported: line breaks inside quoted fields (reported as an error, never silently
// joined).
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace unemployment::validation {

// One non-blank line of a CSV document.
struct CsvRow {
  // 1-based physical line number in the document, for error messages.
  int line_number = 0;
  std::vector<std::string> fields;
};

// Splits `text` into rows. `source` names the document in errors ("data/regions/x.csv:12: ...").
// INVALID_ARGUMENT for an unterminated quote or text after a closing quote.
absl::StatusOr<std::vector<CsvRow>> ParseCsv(absl::string_view text, absl::string_view source);

}  // namespace unemployment::validation
