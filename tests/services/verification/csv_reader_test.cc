// The incremental CSV reader: pieces split anywhere, quotes, CRLF, BOM, syntax errors per line.
#include "services/verification/csv_reader.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace unemployment::verification {
namespace {

std::vector<CsvRecord> ReadAll(const std::string& text, size_t piece) {
  std::vector<CsvRecord> records;
  CsvStreamReader reader([&records](CsvRecord& record) { records.push_back(record); });
  for (size_t at = 0; at < text.size(); at += piece) {
    reader.Feed(absl::string_view(text).substr(at, piece));
  }
  reader.Finish();
  return records;
}

TEST_CASE("CSV records are the same whatever the piece size", "[csv]") {
  const std::string text =
      "\xEF\xBB\xBF"
      "a,b,c\r\n\"x, y\",\"he said \"\"hi\"\"\",\r\n\n\"two\nlines\",2,3\nlast,1,2";
  for (size_t piece : {1, 2, 3, 5, 1000}) {
    INFO("piece " << piece);
    std::vector<CsvRecord> records = ReadAll(text, piece);
    REQUIRE(records.size() == 4);
    CHECK(records[0].line == 1);
    CHECK(records[0].fields == std::vector<std::string>{"a", "b", "c"});
    CHECK(records[1].line == 2);
    CHECK(records[1].fields == std::vector<std::string>{"x, y", "he said \"hi\"", ""});
    // Line 3 is blank; the quoted line break makes the next record span lines 4-5.
    CHECK(records[2].line == 4);
    CHECK(records[2].fields == std::vector<std::string>{"two\nlines", "2", "3"});
    CHECK(records[3].line == 6);
    CHECK(records[3].fields == std::vector<std::string>{"last", "1", "2"});
  }
}

TEST_CASE("CSV syntax errors are reported for their line and reading goes on", "[csv]") {
  std::vector<CsvRecord> records = ReadAll("a,b\n\"x\"y,1\nc\"d,2\nok,3\n\"open,4\n", 4);
  REQUIRE(records.size() == 5);
  CHECK(records[0].syntax_error.empty());
  CHECK(records[1].line == 2);
  CHECK(records[1].syntax_error == "text follows a closing quote");
  CHECK(records[2].line == 3);
  CHECK(records[2].syntax_error == "a quote appears inside an unquoted field");
  CHECK(records[3].fields == std::vector<std::string>{"ok", "3"});
  CHECK(records[4].line == 5);
  CHECK(records[4].syntax_error == "a quoted field is not closed before the end of the file");
}

}  // namespace
}  // namespace unemployment::verification
