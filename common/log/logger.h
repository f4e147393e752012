// Structured one-line logs.
//
//   Logger logger("registration");                      // stderr, system clock
//   logger.Info("application_received", {{"application_id", id}, {"id_number", id_number}});
// writes
//   2026-11-26T05:01:58.123Z INFO registration event=application_received application_id=2301...
//   id_number=230102**********1X
// as one line: <UTC time with ms> <LEVEL> <component> event=<event>, then request_id=<id> when the
// thread works for a call (common/log/request_id.h), then the fields in the order given, each
// `key=value` (see log_format.h for quoting and escaping; nothing can break a line).
//
// Personal data is masked when the field is made, before it reaches any sink:
//   - a field whose key names personal data (PersonalDataKindForKey in mask.h: id_number,
//     mobile, phone, landline, address, name, email, ... and keys ending in _id_number,
//     _mobile, _phone, _address, _email, ...) is masked as that kind;
//   - every other field is passed through ScrubText, which masks ID numbers and mobile numbers
//     that appear in free text (an error message that quotes the input, for instance), except
//     keys that name a system identifier ("id" or ending in "_id", e.g. application_id), which are
//     written as given and must never hold personal data.
// There are no LOG_INFO-style macros: <syslog.h> already defines LOG_INFO, and a method call
// keeps the logger injectable.
//
// A Logger is immutable after construction; its methods may be called from any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "common/log/log_level.h"
#include "common/log/log_sink.h"
#include "common/time/clock.h"

namespace unemployment::log {

// One `key=value` of a log line. The value is converted to text and masked on construction, so
// a LogField never holds an unmasked personal value.
class LogField {
 public:
  LogField(absl::string_view key, absl::string_view value);
  LogField(absl::string_view key, const char* value);
  LogField(absl::string_view key, const std::string& value);
  LogField(absl::string_view key, bool value);  // "true" / "false"
  template <typename T,
            std::enable_if_t<std::is_integral<T>::value && !std::is_same<T, bool>::value &&
                                 !std::is_same<T, char>::value,
                             int> = 0>
  LogField(absl::string_view key, T value) : LogField(key, absl::StrCat(value)) {}
  LogField(absl::string_view key, double value);
  LogField(absl::string_view key, absl::CivilDay value);       // "2025-10-13"
  LogField(absl::string_view key, absl::Time value);           // "2026-11-26T05:01:58.123Z"
  LogField(absl::string_view key, absl::Duration value);       // "1.5s"
  LogField(absl::string_view key, const absl::Status& value);  // "OK" or "NOT_FOUND: message"

  // The sanitised key and the masked, not yet quoted value.
  const std::string& key() const { return key_; }
  const std::string& value() const { return value_; }

 private:
  std::string key_;
  std::string value_;
};

class Logger final {
 public:
  // `component` names the service or module and is written after the level. `sink` and
  // `clock` are not owned and must outlive the logger (and its copies); null means
  // StderrLogSink::Default() and a system clock. Lines below `min_level` are dropped; without
  // one, lines below the process's level (--log_level) are.
  explicit Logger(std::string component, LogSink* sink = nullptr,
                  const time::Clock* clock = nullptr,
                  std::optional<LogLevel> min_level = std::nullopt);

  void Debug(absl::string_view event, absl::Span<const LogField> fields = {}) const;
  void Info(absl::string_view event, absl::Span<const LogField> fields = {}) const;
  void Warning(absl::string_view event, absl::Span<const LogField> fields = {}) const;
  void Error(absl::string_view event, absl::Span<const LogField> fields = {}) const;
  void Log(LogLevel level, absl::string_view event, absl::Span<const LogField> fields = {}) const;

  // A logger that writes `fields` (e.g. request_id) after `event` on every line, before the
  // fields of the call.
  Logger With(absl::Span<const LogField> fields) const;

  // True when a line of `level` is written: at or above this logger's own minimum when it was
  // given one, else the process's (SetProcessLogLevel: the --log_level setting, default INFO).
  bool IsEnabled(LogLevel level) const {
    return level >= (min_level_.has_value() ? *min_level_ : ProcessLogLevel());
  }

  // The line Log() would write now, without writing it.
  std::string FormatLine(LogLevel level, absl::string_view event,
                         absl::Span<const LogField> fields) const;

 private:
  std::string component_;
  LogSink* sink_;
  const time::Clock* clock_;
  std::optional<LogLevel> min_level_;
  std::vector<LogField> context_;
};

}  // namespace unemployment::log
