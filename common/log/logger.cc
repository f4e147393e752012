#include "common/log/logger.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "common/log/log_format.h"
#include "common/log/mask.h"
#include "common/log/request_id.h"
#include "common/time/date.h"

namespace unemployment::log {
namespace {

// System identifiers ("id", "application_id") are written as given.
bool IsSystemIdentifierKey(absl::string_view key) {
  const std::string lower = absl::AsciiStrToLower(key);
  return lower == "id" || absl::EndsWith(lower, "_id");
}

std::string Protect(absl::string_view key, absl::string_view value) {
  if (absl::optional<PersonalDataKind> kind = PersonalDataKindForKey(key)) {
    return MaskAs(*kind, value);
  }
  if (IsSystemIdentifierKey(key)) return std::string(value);
  return ScrubText(value);
}

const time::Clock& DefaultClock() {
  static const time::SystemClock* const kClock = new time::SystemClock;
  return *kClock;
}

}  // namespace

LogField::LogField(absl::string_view key, absl::string_view value)
    : key_(SanitizeLogKey(key)), value_(Protect(key_, value)) {}

LogField::LogField(absl::string_view key, const char* value)
    : LogField(key, absl::string_view(value == nullptr ? "" : value)) {}

LogField::LogField(absl::string_view key, const std::string& value)
    : LogField(key, absl::string_view(value)) {}

LogField::LogField(absl::string_view key, bool value)
    : LogField(key, absl::string_view(value ? "true" : "false")) {}

LogField::LogField(absl::string_view key, double value) : LogField(key, absl::StrCat(value)) {}

LogField::LogField(absl::string_view key, absl::CivilDay value)
    : LogField(key, time::FormatDate(value)) {}

LogField::LogField(absl::string_view key, absl::Time value) : LogField(key, FormatLogTime(value)) {}

LogField::LogField(absl::string_view key, absl::Duration value)
    : LogField(key, absl::FormatDuration(value)) {}

LogField::LogField(absl::string_view key, const absl::Status& value)
    : LogField(key, value.ok() ? std::string("OK")
                               : absl::StrCat(absl::StatusCodeToString(value.code()), ": ",
                                              value.message())) {}

Logger::Logger(std::string component, LogSink* sink, const time::Clock* clock,
               std::optional<LogLevel> min_level)
    : component_(SanitizeLogKey(component)),
      sink_(sink != nullptr ? sink : &StderrLogSink::Default()),
      clock_(clock != nullptr ? clock : &DefaultClock()),
      min_level_(min_level) {}

void Logger::Debug(absl::string_view event, absl::Span<const LogField> fields) const {
  Log(LogLevel::kDebug, event, fields);
}

void Logger::Info(absl::string_view event, absl::Span<const LogField> fields) const {
  Log(LogLevel::kInfo, event, fields);
}

void Logger::Warning(absl::string_view event, absl::Span<const LogField> fields) const {
  Log(LogLevel::kWarning, event, fields);
}

void Logger::Error(absl::string_view event, absl::Span<const LogField> fields) const {
  Log(LogLevel::kError, event, fields);
}

void Logger::Log(LogLevel level, absl::string_view event, absl::Span<const LogField> fields) const {
  if (!IsEnabled(level)) return;
  sink_->Write(level, FormatLine(level, event, fields));
}

Logger Logger::With(absl::Span<const LogField> fields) const {
  Logger child = *this;
  child.context_.insert(child.context_.end(), fields.begin(), fields.end());
  return child;
}

std::string Logger::FormatLine(LogLevel level, absl::string_view event,
                               absl::Span<const LogField> fields) const {
  std::string line = absl::StrCat(FormatLogTime(clock_->Now()), " ", LogLevelName(level), " ",
                                  component_, " event=", FormatLogValue(event));
  if (absl::string_view request_id = CurrentRequestId(); !request_id.empty()) {
    absl::StrAppend(&line, " request_id=", FormatLogValue(request_id));
  }
  for (absl::Span<const LogField> group : {absl::MakeConstSpan(context_), fields}) {
    for (const LogField& field : group) {
      absl::StrAppend(&line, " ", field.key(), "=", FormatLogValue(field.value()));
    }
  }
  return line;
}

}  // namespace unemployment::log
