#include "common/time/working_day_calendar.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/time/date.h"

namespace unemployment::time {
namespace {

constexpr absl::string_view kHeader = "date,kind,name";
constexpr absl::string_view kCoversPrefix = "covers:";
constexpr absl::string_view kUtf8Bom = "\xEF\xBB\xBF";

absl::Status RowError(absl::string_view source, size_t line, absl::string_view message) {
  return absl::InvalidArgumentError(absl::StrCat(source, ":", line, ": ", message));
}

bool IsWeekend(absl::CivilDay day) {
  const absl::Weekday weekday = absl::GetWeekday(day);
  return weekday == absl::Weekday::saturday || weekday == absl::Weekday::sunday;
}

// Parses the years of a "# covers: 2027, 2028" line (the part after "covers:").
absl::Status ParseCoveredYears(absl::string_view list, absl::string_view source, size_t line,
                               std::set<int>* years) {
  bool any = false;
  for (absl::string_view token : absl::StrSplit(list, absl::ByAnyChar(", \t"), absl::SkipEmpty())) {
    int year = 0;
    if (token.size() != 4 || !absl::SimpleAtoi(token, &year) || year < 1000) {
      return RowError(source, line,
                      absl::StrCat("invalid year \"", token,
                                   "\" in covers line; expected "
                                   "\"# covers: YYYY[, YYYY...]\""));
    }
    years->insert(year);
    any = true;
  }
  if (!any) return RowError(source, line, "covers line lists no year");
  return absl::OkStatus();
}

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in.is_open()) {
    return absl::NotFoundError(absl::StrCat("cannot open calendar file \"", path, "\""));
  }
  std::ostringstream content;
  content << in.rdbuf();
  if (in.bad()) {
    return absl::DataLossError(absl::StrCat("error reading calendar file \"", path, "\""));
  }
  return content.str();
}

}  // namespace

absl::string_view DayTypeName(DayType type) {
  switch (type) {
    case DayType::kWorkingDay:
      return "working_day";
    case DayType::kWeekend:
      return "weekend";
    case DayType::kHoliday:
      return "holiday";
    case DayType::kMakeUpWorkday:
      return "make_up_workday";
  }
  return "unknown";
}

absl::StatusOr<WorkingDayCalendar> WorkingDayCalendar::LoadDirectory(const std::string& directory) {
  namespace fs = std::filesystem;
  std::error_code error;
  if (!fs::is_directory(directory, error)) {
    return absl::NotFoundError(absl::StrCat("calendar directory \"", directory,
                                            "\" does not exist or is not a directory"));
  }
  std::vector<std::string> paths;
  fs::directory_iterator it(directory, error);
  if (error) {
    return absl::NotFoundError(
        absl::StrCat("cannot list calendar directory \"", directory, "\": ", error.message()));
  }
  for (; it != fs::directory_iterator(); it.increment(error)) {
    if (error) break;
    const fs::path& path = it->path();
    std::error_code type_error;
    const std::string name = path.filename().string();
    if (path.extension() == ".csv" && name.front() != '.' &&
        fs::is_regular_file(path, type_error)) {
      paths.push_back(path.string());
    }
  }
  if (error) {
    return absl::NotFoundError(
        absl::StrCat("cannot list calendar directory \"", directory, "\": ", error.message()));
  }
  if (paths.empty()) {
    return absl::NotFoundError(
        absl::StrCat("no *.csv calendar files in directory \"", directory, "\""));
  }
  std::sort(paths.begin(), paths.end());
  return LoadFiles(paths);
}

absl::StatusOr<WorkingDayCalendar> WorkingDayCalendar::LoadFiles(
    absl::Span<const std::string> paths) {
  std::vector<CalendarSource> sources;
  sources.reserve(paths.size());
  for (const std::string& path : paths) {
    absl::StatusOr<std::string> text = ReadFile(path);
    if (!text.ok()) return text.status();
    sources.push_back(CalendarSource{path, *std::move(text)});
  }
  return Parse(sources);
}

absl::StatusOr<WorkingDayCalendar> WorkingDayCalendar::Parse(
    absl::Span<const CalendarSource> sources) {
  WorkingDayCalendar calendar;
  for (const CalendarSource& source : sources) {
    absl::Status status = calendar.AddSource(source);
    if (!status.ok()) return status;
  }
  return calendar;
}

absl::Status WorkingDayCalendar::AddSource(const CalendarSource& source) {
  std::set<int> declared_years;
  std::set<int> row_years;
  bool header_seen = false;
  size_t line_number = 0;
  for (absl::string_view raw : absl::StrSplit(source.text, '\n')) {
    ++line_number;
    absl::string_view line = raw;
    if (line_number == 1) absl::ConsumePrefix(&line, kUtf8Bom);
    line = absl::StripAsciiWhitespace(line);  // also drops the '\r' of CRLF files
    if (line.empty()) continue;

    if (absl::ConsumePrefix(&line, "#")) {
      line = absl::StripLeadingAsciiWhitespace(line);
      if (absl::StartsWithIgnoreCase(line, kCoversPrefix)) {
        absl::Status status = ParseCoveredYears(line.substr(kCoversPrefix.size()), source.name,
                                                line_number, &declared_years);
        if (!status.ok()) return status;
      }
      continue;
    }

    std::vector<absl::string_view> fields = absl::StrSplit(line, ',');
    for (absl::string_view& field : fields) field = absl::StripAsciiWhitespace(field);

    if (!header_seen) {
      if (absl::StrJoin(fields, ",") != kHeader) {
        return RowError(source.name, line_number,
                        absl::StrCat("expected the header \"", kHeader, "\", got \"", line, "\""));
      }
      header_seen = true;
      continue;
    }

    if (fields.size() != 3) {
      return RowError(source.name, line_number,
                      absl::StrCat("expected 3 fields (date,kind,name), got ", fields.size(),
                                   " in \"", line, "\""));
    }
    absl::StatusOr<absl::CivilDay> day = ParseDate(fields[0]);
    if (!day.ok()) return RowError(source.name, line_number, day.status().message());

    Entry entry;
    if (fields[1] == "holiday") {
      entry.workday = false;
    } else if (fields[1] == "workday") {
      entry.workday = true;
      if (!IsWeekend(*day)) {
        return RowError(source.name, line_number,
                        absl::StrCat("workday ", FormatDate(*day),
                                     " is a weekday; make-up "
                                     "working days fall on a Saturday or Sunday"));
      }
    } else {
      return RowError(
          source.name, line_number,
          absl::StrCat("unknown kind \"", fields[1], "\"; expected \"holiday\" or \"workday\""));
    }
    entry.name = std::string(fields[2]);
    entry.origin = absl::StrCat(source.name, ":", line_number);

    auto existing = entries_.find(*day);
    if (existing != entries_.end()) {
      return RowError(
          source.name, line_number,
          absl::StrCat(
              "date ", FormatDate(*day), " is already listed at ", existing->second.origin,
              existing->second.workday == entry.workday ? " (duplicate)" : " (conflicting kind)"));
    }
    row_years.insert(static_cast<int>(day->year()));
    entries_.emplace(*day, std::move(entry));
  }
  if (!header_seen) {
    return absl::InvalidArgumentError(
        absl::StrCat(source.name, ": missing the header line \"", kHeader, "\""));
  }
  const std::set<int>& covered = declared_years.empty() ? row_years : declared_years;
  years_.insert(covered.begin(), covered.end());
  source_names_.push_back(source.name);
  return absl::OkStatus();
}

absl::Status WorkingDayCalendar::CheckCovered(absl::CivilDay day) const {
  const int year = static_cast<int>(day.year());
  if (CoversYear(year)) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrCat(
      "no holiday data for ", year, " (needed for ", FormatDate(day),
      "): the working-day calendar covers ",
      years_.empty() ? std::string("no year") : absl::StrJoin(years_, ", "), ", loaded from ",
      source_names_.empty() ? std::string("no file") : absl::StrJoin(source_names_, ", "),
      "; add the ", year, " holiday arrangement as a CSV file in the calendar directory"));
}

absl::StatusOr<DayType> WorkingDayCalendar::Classify(absl::CivilDay day) const {
  absl::Status covered = CheckCovered(day);
  if (!covered.ok()) return covered;
  auto it = entries_.find(day);
  if (it != entries_.end()) {
    return it->second.workday ? DayType::kMakeUpWorkday : DayType::kHoliday;
  }
  return IsWeekend(day) ? DayType::kWeekend : DayType::kWorkingDay;
}

absl::StatusOr<bool> WorkingDayCalendar::IsWorkingDay(absl::CivilDay day) const {
  absl::StatusOr<DayType> type = Classify(day);
  if (!type.ok()) return type.status();
  return *type == DayType::kWorkingDay || *type == DayType::kMakeUpWorkday;
}

absl::StatusOr<absl::CivilDay> WorkingDayCalendar::AddWorkingDays(absl::CivilDay day, int n) const {
  if (n < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("AddWorkingDays: n must not be negative, got ", n));
  }
  absl::CivilDay current = day;
  for (int found = 0; found < n;) {
    ++current;
    absl::StatusOr<bool> working = IsWorkingDay(current);
    if (!working.ok()) return working.status();
    if (*working) ++found;
  }
  return current;
}

absl::StatusOr<int> WorkingDayCalendar::CountWorkingDays(absl::CivilDay from,
                                                         absl::CivilDay to) const {
  if (to < from) {
    return absl::InvalidArgumentError(absl::StrCat("CountWorkingDays: to (", FormatDate(to),
                                                   ") is before from (", FormatDate(from), ")"));
  }
  int count = 0;
  for (absl::CivilDay current = from + 1; current <= to; ++current) {
    absl::StatusOr<bool> working = IsWorkingDay(current);
    if (!working.ok()) return working.status();
    if (*working) ++count;
  }
  return count;
}

}  // namespace unemployment::time
