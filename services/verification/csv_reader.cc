#include "services/verification/csv_reader.h"

#include <utility>

namespace unemployment::verification {
namespace {

constexpr absl::string_view kBom = "\xEF\xBB\xBF";

}  // namespace

void CsvStreamReader::Feed(absl::string_view piece) {
  bytes_ += static_cast<int64_t>(piece.size());
  size_t i = 0;
  while (!prefix_done_ && i < piece.size()) {
    prefix_.push_back(piece[i++]);
    if (prefix_ == kBom) {
      prefix_.clear();
      prefix_done_ = true;
    } else if (kBom.substr(0, prefix_.size()) != prefix_) {
      prefix_done_ = true;
      std::string held = std::move(prefix_);
      prefix_.clear();
      for (char c : held) Consume(c);
    }
  }
  for (; i < piece.size(); ++i) Consume(piece[i]);
}

void CsvStreamReader::Finish() {
  if (!prefix_done_) {
    prefix_done_ = true;
    std::string held = std::move(prefix_);
    prefix_.clear();
    for (char c : held) Consume(c);
  }
  if (state_ == State::kQuoted) {
    Fail("a quoted field is not closed before the end of the file");
    state_ = State::kSkipToEol;
  }
  if (state_ == State::kSkipToEol) {
    sink_(record_);
  } else if (record_started_) {
    EndField();
    sink_(record_);
  }
  record_ = CsvRecord();
  record_started_ = false;
  state_ = State::kFieldStart;
}

void CsvStreamReader::Consume(char c) {
  const bool line_break = c == '\n' || c == '\r';
  if (c == '\n' && after_cr_) {
    after_cr_ = false;
    return;
  }
  after_cr_ = c == '\r';
  if (!record_started_ && state_ == State::kFieldStart && !line_break) {
    record_started_ = true;
    record_.line = line_;
  }
  switch (state_) {
    case State::kSkipToEol:
      if (line_break) {
        ++line_;
        sink_(record_);
        record_ = CsvRecord();
        record_started_ = false;
        state_ = State::kFieldStart;
      }
      return;
    case State::kQuoted:
      if (c == '"') {
        state_ = State::kQuoteInQuoted;
      } else {
        if (line_break) ++line_;
        // A CRLF inside a quoted field is kept as LF.
        field_.push_back(c == '\r' ? '\n' : c);
      }
      return;
    case State::kQuoteInQuoted:
      if (c == '"') {
        field_.push_back('"');
        state_ = State::kQuoted;
        return;
      }
      if (c == ',') {
        EndField();
        state_ = State::kFieldStart;
        return;
      }
      if (line_break) {
        ++line_;
        EndRecord();
        return;
      }
      Fail("text follows a closing quote");
      return;
    case State::kFieldStart:
      if (c == '"') {
        state_ = State::kQuoted;
        return;
      }
      [[fallthrough]];
    case State::kUnquoted:
      if (c == ',') {
        EndField();
        state_ = State::kFieldStart;
      } else if (line_break) {
        ++line_;
        if (record_started_) EndRecord();
      } else if (c == '"') {
        Fail("a quote appears inside an unquoted field");
      } else {
        field_.push_back(c);
        state_ = State::kUnquoted;
      }
      return;
  }
}

void CsvStreamReader::EndField() {
  record_.fields.push_back(std::move(field_));
  field_.clear();
}

void CsvStreamReader::EndRecord() {
  EndField();
  sink_(record_);
  record_ = CsvRecord();
  record_started_ = false;
  state_ = State::kFieldStart;
}

void CsvStreamReader::Fail(absl::string_view why) {
  record_.syntax_error = std::string(why);
  record_.fields.clear();
  field_.clear();
  state_ = State::kSkipToEol;
}

}  // namespace unemployment::verification
