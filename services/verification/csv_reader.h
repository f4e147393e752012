#pragma once

// An incremental RFC 4180 reader for snapshot files that arrive in pieces (ImportSnapshot splits a
// file anywhere, even inside a quoted field or a UTF-8 character).
//
// Fields are separated by ',', records by LF or CRLF; a field in double quotes may hold commas,
// line breaks and "" for a quote. A UTF-8 byte-order mark at the very start is skipped. Each
// record carries the 1-based physical line it starts on. A syntax error (text after a closing
// quote, a quote inside an unquoted field, an unterminated quote at the end) is reported for its
// record and the reader goes on with the next line, so one bad line does not hide the others.

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"

namespace unemployment::verification {

struct CsvRecord {
  int line = 0;
  std::vector<std::string> fields;
  // Non-empty when the record is malformed; `fields` is then meaningless.
  std::string syntax_error;
};

class CsvStreamReader final {
 public:
  using Sink = std::function<void(CsvRecord&)>;

  explicit CsvStreamReader(Sink sink) : sink_(std::move(sink)) {}

  // Consumes the next piece; calls the sink for every record completed by it.
  void Feed(absl::string_view piece);
  // Ends the input: emits the last record if the file does not end with a line break.
  void Finish();

  // Bytes consumed so far.
  int64_t bytes() const { return bytes_; }

 private:
  enum class State { kFieldStart, kUnquoted, kQuoted, kQuoteInQuoted, kSkipToEol };

  void EndField();
  void EndRecord();
  void Fail(absl::string_view why);

  Sink sink_;
  State state_ = State::kFieldStart;
  CsvRecord record_;
  std::string field_;
  int line_ = 1;
  bool record_started_ = false;
  bool after_cr_ = false;
  int64_t bytes_ = 0;
  void Consume(char c);

  // The first bytes of the input while it is still unknown whether they are a byte-order mark.
  std::string prefix_;
  bool prefix_done_ = false;
};

}  // namespace unemployment::verification
