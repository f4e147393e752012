// The working-day calendar of mainland China: weekends, public holidays and make-up working days
// (调休上班), loaded from data files so that a new year's State Council arrangement is added by
// dropping a CSV file into the calendar directory, without a rebuild.
//
// File format (see data/calendar/README.md):
//   # comment lines start with '#'; blank lines are ignored
//   # covers: 2027            <- optional coverage declaration (see "Coverage")
//   date,kind,name           <- header, required, the first line that is not a comment/blank
//   2025-10-01,holiday,国庆节
//   2025-09-28,workday,国庆节调休上班
// `date` is YYYY-MM-DD, `kind` is `holiday` (a non-working day even on a weekday) or `workday`
// (a make-up working day; must fall on a Saturday or Sunday), `name` is free text without commas
// (may be empty). Exactly three comma-separated fields per row; no quoting.
//
// Day rules: a make-up workday is a working day; a holiday is not; otherwise Saturday and Sunday
// are not working days and Monday to Friday are.
//
// Coverage: the calendar answers only for years whose arrangement has been loaded, and returns
// FAILED_PRECONDITION ("no holiday data for 2027 ...") for any other year; it never guesses that
// a year without data has no holidays. A file without a `# covers:` line covers the years of its
// rows. A file with one or more `# covers: YYYY[, YYYY...]` lines covers exactly the declared
// years; its rows may still lie in other years (e.g. a make-up day in the December before), they
// just do not extend coverage. A year without any holiday (hypothetical) would be a file holding
// only `# covers: YYYY` and the header.
//
// Loading rejects, with INVALID_ARGUMENT naming "file:line": a missing or wrong header, a row
// without exactly three fields, an invalid date, an unknown kind, a `workday` on Monday–Friday,
// a bad `# covers:` line, and any date listed twice, in one file or across files (same kind or
// not), since a duplicate is a data-entry mistake and a conflict has no right answer.
//
// A loaded calendar is immutable, so one instance may be shared by any number of threads.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/types/span.h"

namespace unemployment::time {

// How a day counts.
enum class DayType {
  kWorkingDay,     // Monday–Friday, not a holiday
  kWeekend,        // Saturday or Sunday, not a make-up workday
  kHoliday,        // public holiday (法定节假日 and the days added to it)
  kMakeUpWorkday,  // Saturday or Sunday worked in exchange for holiday days (调休上班)
};

// One calendar file's text and the name used in error messages (usually its path).
struct CalendarSource {
  std::string name;
  std::string text;
};

class WorkingDayCalendar final {
 public:
  // Loads every regular file whose name ends in ".csv" in `directory` (not recursive; hidden
  // files, whose name starts with '.', are skipped), in name order. Errors: NOT_FOUND if the directory is missing or holds no .csv file; INVALID_ARGUMENT
  // for bad content (see above); the file's own error if one cannot be read.
  static absl::StatusOr<WorkingDayCalendar> LoadDirectory(const std::string& directory);

  // Loads the listed files. Errors as LoadDirectory; NOT_FOUND for a file that cannot be opened.
  static absl::StatusOr<WorkingDayCalendar> LoadFiles(absl::Span<const std::string> paths);

  // Builds a calendar from texts already in memory (tests, embedded data).
  static absl::StatusOr<WorkingDayCalendar> Parse(absl::Span<const CalendarSource> sources);

  // True if `year`'s holiday arrangement is loaded.
  bool CoversYear(int year) const { return years_.count(year) > 0; }

  // The covered years, ascending.
  std::vector<int> CoveredYears() const { return {years_.begin(), years_.end()}; }

  // How `day` counts. FAILED_PRECONDITION if its year is not covered.
  absl::StatusOr<DayType> Classify(absl::CivilDay day) const;

  // True for a working day (kWorkingDay or kMakeUpWorkday). FAILED_PRECONDITION if not covered.
  absl::StatusOr<bool> IsWorkingDay(absl::CivilDay day) const;

  // The `n`-th working day after `day`. `day` itself is never counted, whether or not it is a
  // working day (an application received on any day has its first working day the next working
  // day), so AddWorkingDays(received, 7) is the last day of a "within 7 working days" deadline.
  // n = 0 returns `day` unchanged. Errors: INVALID_ARGUMENT for n < 0; FAILED_PRECONDITION if a
  // day that must be examined lies in a year that is not covered.
  absl::StatusOr<absl::CivilDay> AddWorkingDays(absl::CivilDay day, int n) const;

  // The number of working days in the half-open range (from, to]: `from` excluded, `to` included,
  // so CountWorkingDays(d, AddWorkingDays(d, n)) == n and CountWorkingDays(d, d) == 0.
  // "Working days elapsed since receipt" is CountWorkingDays(received, today).
  // Errors: INVALID_ARGUMENT if to < from; FAILED_PRECONDITION if a day in the range lies in a
  // year that is not covered.
  absl::StatusOr<int> CountWorkingDays(absl::CivilDay from, absl::CivilDay to) const;

 private:
  struct Entry {
    bool workday = false;  // false: holiday
    std::string name;
    std::string origin;  // "file:line", for duplicate reports
  };

  WorkingDayCalendar() = default;

  absl::Status AddSource(const CalendarSource& source);
  absl::Status CheckCovered(absl::CivilDay day) const;

  absl::flat_hash_map<absl::CivilDay, Entry> entries_;
  std::set<int> years_;
  std::vector<std::string> source_names_;
};

// Lower-case name of a day type ("working_day", "weekend", "holiday", "make_up_workday").
absl::string_view DayTypeName(DayType type);

}  // namespace unemployment::time
