#include "common/time/working_day_calendar.h"

#include <stdlib.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "common/time/date.h"

namespace unemployment::time {
namespace {

using absl::CivilDay;

const std::string kCalendarDir = std::string(UE_SOURCE_DIR) + "/data/calendar";
const std::string kCalendarFile = kCalendarDir + "/cn-holidays-2025-2026.csv";

const WorkingDayCalendar& RepoCalendar() {
  static const WorkingDayCalendar* const calendar = [] {
    absl::StatusOr<WorkingDayCalendar> loaded = WorkingDayCalendar::LoadDirectory(kCalendarDir);
    if (!loaded.ok()) FAIL("cannot load " << kCalendarDir << ": " << loaded.status());
    return new WorkingDayCalendar(*std::move(loaded));
  }();
  return *calendar;
}

CivilDay Day(const char* text) { return ParseDate(text).value(); }

DayType TypeOf(const WorkingDayCalendar& calendar, const char* date) {
  return calendar.Classify(Day(date)).value();
}

CivilDay AddWorking(const WorkingDayCalendar& calendar, const char* date, int n) {
  return calendar.AddWorkingDays(Day(date), n).value();
}

// A fresh empty directory under the system temp directory, removed at scope exit.
class TempDir {
 public:
  TempDir() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "ue-calendar-test-XXXXXX").string();
    REQUIRE(mkdtemp(pattern.data()) != nullptr);
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  void Write(const std::string& name, const std::string& text) const {
    std::ofstream out(path_ + "/" + name, std::ios::binary);
    out << text;
    REQUIRE(out.good());
  }

 private:
  std::string path_;
};

absl::Status ParseError(std::vector<CalendarSource> sources) {
  absl::StatusOr<WorkingDayCalendar> calendar = WorkingDayCalendar::Parse(sources);
  REQUIRE_FALSE(calendar.ok());
  return calendar.status();
}

TEST_CASE("The repository calendar covers exactly 2025 and 2026", "[calendar]") {
  const WorkingDayCalendar& calendar = RepoCalendar();
  CHECK(calendar.CoveredYears() == std::vector<int>{2025, 2026});
  CHECK(calendar.CoversYear(2025));
  CHECK(calendar.CoversYear(2026));
  CHECK_FALSE(calendar.CoversYear(2024));
  CHECK_FALSE(calendar.CoversYear(2027));
}

TEST_CASE("National Day week 2025: Oct 1-8 off, Sun Sep 28 and Sat Oct 11 worked", "[calendar]") {
  const WorkingDayCalendar& calendar = RepoCalendar();
  CHECK(TypeOf(calendar, "2025-09-26") == DayType::kWorkingDay);     // Friday
  CHECK(TypeOf(calendar, "2025-09-27") == DayType::kWeekend);        // Saturday
  CHECK(TypeOf(calendar, "2025-09-28") == DayType::kMakeUpWorkday);  // Sunday, 调休上班
  CHECK(TypeOf(calendar, "2025-09-29") == DayType::kWorkingDay);
  CHECK(TypeOf(calendar, "2025-09-30") == DayType::kWorkingDay);
  for (CivilDay day(2025, 10, 1); day <= CivilDay(2025, 10, 8); ++day) {
    CAPTURE(FormatDate(day));
    CHECK(calendar.Classify(day).value() == DayType::kHoliday);  // weekdays and weekend alike
    CHECK_FALSE(calendar.IsWorkingDay(day).value());
  }
  CHECK(TypeOf(calendar, "2025-10-09") == DayType::kWorkingDay);
  CHECK(TypeOf(calendar, "2025-10-10") == DayType::kWorkingDay);
  CHECK(TypeOf(calendar, "2025-10-11") == DayType::kMakeUpWorkday);  // Saturday, 调休上班
  CHECK(TypeOf(calendar, "2025-10-12") == DayType::kWeekend);
  CHECK(calendar.IsWorkingDay(Day("2025-09-28")).value());
  CHECK(calendar.IsWorkingDay(Day("2025-10-11")).value());
  CHECK_FALSE(calendar.IsWorkingDay(Day("2025-10-12")).value());
}

TEST_CASE("7 working days across the 2025 National Day week, counted by hand", "[calendar]") {
  const WorkingDayCalendar& calendar = RepoCalendar();
  // Received Friday 2025-09-26 (the receipt day is not counted):
  //   Sat 09-27 weekend; Sun 09-28 make-up = 1; Mon 09-29 = 2; Tue 09-30 = 3;
  //   Wed 10-01 .. Wed 10-08 holidays; Thu 10-09 = 4; Fri 10-10 = 5; Sat 10-11 make-up = 6;
  //   Sun 10-12 weekend; Mon 10-13 = 7.
  const char* expected[] = {"2025-09-26", "2025-09-28", "2025-09-29", "2025-09-30",
                            "2025-10-09", "2025-10-10", "2025-10-11", "2025-10-13"};
  for (int n = 0; n <= 7; ++n) {
    CAPTURE(n);
    CHECK(AddWorking(calendar, "2025-09-26", n) == Day(expected[n]));
  }
  // Received on the last working day before the holiday, or during it.
  CHECK(AddWorking(calendar, "2025-09-30", 1) == Day("2025-10-09"));
  // Tue 09-30 + 7: Thu 10-09 = 1, Fri 10-10 = 2, Sat 10-11 make-up = 3, Mon 10-13 = 4, Tue = 5,
  // Wed = 6, Thu 10-16 = 7.
  CHECK(AddWorking(calendar, "2025-09-30", 7) == Day("2025-10-16"));
  CHECK(AddWorking(calendar, "2025-10-03", 1) == Day("2025-10-09"));
  CHECK(AddWorking(calendar, "2025-10-04", 7) == Day("2025-10-16"));
  // Received on the Saturday make-up day itself: it is not counted either.
  CHECK(AddWorking(calendar, "2025-10-11", 1) == Day("2025-10-13"));
}

TEST_CASE("Spring Festival 2026: Feb 15-23 off, Sat Feb 14 and Sat Feb 28 worked", "[calendar]") {
  const WorkingDayCalendar& calendar = RepoCalendar();
  CHECK(TypeOf(calendar, "2026-02-13") == DayType::kWorkingDay);
  CHECK(TypeOf(calendar, "2026-02-14") == DayType::kMakeUpWorkday);
  for (CivilDay day(2026, 2, 15); day <= CivilDay(2026, 2, 23); ++day) {
    CAPTURE(FormatDate(day));
    CHECK(calendar.Classify(day).value() == DayType::kHoliday);
  }
  CHECK(TypeOf(calendar, "2026-02-24") == DayType::kWorkingDay);
  CHECK(TypeOf(calendar, "2026-02-28") == DayType::kMakeUpWorkday);
  CHECK(TypeOf(calendar, "2026-03-01") == DayType::kWeekend);
  // Received Fri 02-13: Sat 02-14 make-up = 1; 02-15..02-23 holidays; Tue 02-24 = 2; Wed = 3;
  // Thu = 4; Fri 02-27 = 5; Sat 02-28 make-up = 6; Sun 03-01 weekend; Mon 03-02 = 7.
  CHECK(AddWorking(calendar, "2026-02-13", 1) == Day("2026-02-14"));
  CHECK(AddWorking(calendar, "2026-02-13", 2) == Day("2026-02-24"));
  CHECK(AddWorking(calendar, "2026-02-13", 6) == Day("2026-02-28"));
  CHECK(AddWorking(calendar, "2026-02-13", 7) == Day("2026-03-02"));
  CHECK(calendar.CountWorkingDays(Day("2026-02-13"), Day("2026-03-02")).value() == 7);
  CHECK(calendar.CountWorkingDays(Day("2026-02-14"), Day("2026-02-23")).value() == 0);
}

TEST_CASE("CountWorkingDays counts (from, to] and matches AddWorkingDays", "[calendar]") {
  const WorkingDayCalendar& calendar = RepoCalendar();
  CHECK(calendar.CountWorkingDays(Day("2025-09-26"), Day("2025-10-13")).value() == 7);
  CHECK(calendar.CountWorkingDays(Day("2025-09-26"), Day("2025-09-26")).value() == 0);
  CHECK(calendar.CountWorkingDays(Day("2025-09-30"), Day("2025-10-08")).value() == 0);
  CHECK(calendar.CountWorkingDays(Day("2025-09-29"), Day("2025-09-30")).value() == 1);
  // Whole years, counted independently from the data file: 261 weekdays in 2025, 13 of them
  // holidays, plus 5 make-up Saturdays/Sundays, gives 248; 2026 also has 248. `from` is
  // excluded, so 2024-12-31 (not covered) is never examined.
  CHECK(calendar.CountWorkingDays(Day("2024-12-31"), Day("2025-12-31")).value() == 248);
  CHECK(calendar.CountWorkingDays(Day("2025-12-31"), Day("2026-12-31")).value() == 248);

  for (CivilDay day(2025, 1, 1); day <= CivilDay(2026, 11, 30); ++day) {
    for (int n = 0; n <= 15; ++n) {
      const CivilDay deadline = calendar.AddWorkingDays(day, n).value();
      const bool consistent =
          calendar.CountWorkingDays(day, deadline).value() == n &&
          (n == 0 || (calendar.IsWorkingDay(deadline).value() &&
                      calendar.CountWorkingDays(day, deadline - 1).value() == n - 1));
      if (!consistent) FAIL("day " << FormatDate(day) << " n " << n);
    }
  }
}

TEST_CASE("Reaching 2027 is an error, never a guess", "[calendar]") {
  const WorkingDayCalendar& calendar = RepoCalendar();
  // Fri 2026-12-25: Mon 28 = 1, Tue 29 = 2, Wed 30 = 3, Thu 31 = 4; the 5th would be in 2027.
  CHECK(AddWorking(calendar, "2026-12-25", 4) == Day("2026-12-31"));

  const absl::StatusOr<CivilDay> deadline = calendar.AddWorkingDays(Day("2026-12-25"), 5);
  REQUIRE_FALSE(deadline.ok());
  CHECK(deadline.status().code() == absl::StatusCode::kFailedPrecondition);
  CHECK(deadline.status().message() ==
        "no holiday data for 2027 (needed for 2027-01-01): the working-day calendar covers 2025, "
        "2026, loaded from " +
            kCalendarFile +
            "; add the 2027 holiday arrangement as a CSV file in the calendar directory");

  const absl::StatusOr<int> count = calendar.CountWorkingDays(Day("2026-12-30"), Day("2027-01-04"));
  REQUIRE_FALSE(count.ok());
  CHECK(count.status().code() == absl::StatusCode::kFailedPrecondition);

  const absl::StatusOr<bool> working = calendar.IsWorkingDay(Day("2027-03-01"));
  REQUIRE_FALSE(working.ok());
  CHECK(working.status().code() == absl::StatusCode::kFailedPrecondition);
  CHECK(absl::StartsWith(working.status().message(), "no holiday data for 2027 "));

  const absl::StatusOr<DayType> before = calendar.Classify(Day("2024-12-31"));
  REQUIRE_FALSE(before.ok());
  CHECK(before.status().code() == absl::StatusCode::kFailedPrecondition);
  CHECK(absl::StartsWith(before.status().message(), "no holiday data for 2024 "));
}

TEST_CASE("Argument errors", "[calendar]") {
  const WorkingDayCalendar& calendar = RepoCalendar();
  const absl::StatusOr<CivilDay> negative = calendar.AddWorkingDays(Day("2025-05-06"), -1);
  REQUIRE_FALSE(negative.ok());
  CHECK(negative.status() ==
        absl::InvalidArgumentError("AddWorkingDays: n must not be negative, got -1"));

  const absl::StatusOr<int> reversed =
      calendar.CountWorkingDays(Day("2025-05-06"), Day("2025-05-05"));
  REQUIRE_FALSE(reversed.ok());
  CHECK(reversed.status() == absl::InvalidArgumentError(
                                 "CountWorkingDays: to (2025-05-05) is before from (2025-05-06)"));

  // n = 0 examines no day, so it works even outside the covered years.
  CHECK(AddWorking(calendar, "2027-06-01", 0) == Day("2027-06-01"));
}

TEST_CASE("Bad calendar rows are rejected with file:line", "[calendar]") {
  struct Case {
    std::string text;
    std::string message;
  };
  const Case cases[] = {
      {"2025-10-01,holiday,国庆节\n",
       "t.csv:1: expected the header \"date,kind,name\", got \"2025-10-01,holiday,国庆节\""},
      {"# only a comment\n\n", "t.csv: missing the header line \"date,kind,name\""},
      {"", "t.csv: missing the header line \"date,kind,name\""},
      {"date,kind,name\n2025-10-01,holiday\n",
       "t.csv:2: expected 3 fields (date,kind,name), got 2 in \"2025-10-01,holiday\""},
      {"date,kind,name\n2025-10-01,holiday,a,b\n",
       "t.csv:2: expected 3 fields (date,kind,name), got 4 in \"2025-10-01,holiday,a,b\""},
      {"# c\ndate,kind,name\n\n2025-02-29,holiday,x\n",
       "t.csv:4: invalid date \"2025-02-29\": expected a real calendar date as YYYY-MM-DD"},
      {"date,kind,name\n2025/10/01,holiday,x\n",
       "t.csv:2: invalid date \"2025/10/01\": expected a real calendar date as YYYY-MM-DD"},
      {"date,kind,name\n2025-10-01,vacation,x\n",
       "t.csv:2: unknown kind \"vacation\"; expected \"holiday\" or \"workday\""},
      {"date,kind,name\n2025-09-29,workday,x\n",
       "t.csv:2: workday 2025-09-29 is a weekday; make-up working days fall on a Saturday or "
       "Sunday"},
      {"date,kind,name\n2025-10-01,holiday,a\n2025-10-01,holiday,b\n",
       "t.csv:3: date 2025-10-01 is already listed at t.csv:2 (duplicate)"},
      {"date,kind,name\n2025-09-28,holiday,a\n2025-09-28,workday,b\n",
       "t.csv:3: date 2025-09-28 is already listed at t.csv:2 (conflicting kind)"},
      {"# covers: 20x7\ndate,kind,name\n",
       "t.csv:1: invalid year \"20x7\" in covers line; expected \"# covers: YYYY[, YYYY...]\""},
      {"# covers:\ndate,kind,name\n", "t.csv:1: covers line lists no year"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.text);
    const absl::Status status = ParseError({CalendarSource{"t.csv", c.text}});
    CHECK(status.code() == absl::StatusCode::kInvalidArgument);
    CHECK(status.message() == c.message);
  }
}

TEST_CASE("A date listed in two files is rejected", "[calendar]") {
  const absl::Status status =
      ParseError({CalendarSource{"a.csv", "date,kind,name\n2025-10-04,holiday,国庆节\n"},
                  CalendarSource{"b.csv", "# b\ndate,kind,name\n2025-10-04,workday,x\n"}});
  CHECK(status == absl::InvalidArgumentError(
                      "b.csv:3: date 2025-10-04 is already listed at a.csv:2 (conflicting kind)"));
}

TEST_CASE("Tolerated layout: BOM, CRLF, spaces around fields, empty name", "[calendar]") {
  const absl::StatusOr<WorkingDayCalendar> calendar = WorkingDayCalendar::Parse(
      {CalendarSource{"t.csv",
                      "\xEF\xBB\xBF# x\r\ndate, kind, name\r\n\r\n 2025-10-01 , holiday ,"
                      "\r\n2025-10-11,workday,国庆节调休上班\r\n"}});
  REQUIRE(calendar.ok());
  CHECK(calendar->CoveredYears() == std::vector<int>{2025});
  CHECK(calendar->Classify(Day("2025-10-01")).value() == DayType::kHoliday);
  CHECK(calendar->Classify(Day("2025-10-11")).value() == DayType::kMakeUpWorkday);
}

TEST_CASE("Coverage comes from rows, or only from '# covers:' lines when present", "[calendar]") {
  // A declared year with no holiday at all: weekends only.
  absl::StatusOr<WorkingDayCalendar> calendar =
      WorkingDayCalendar::Parse({CalendarSource{"2027.csv", "# covers: 2027\ndate,kind,name\n"}});
  REQUIRE(calendar.ok());
  CHECK(calendar->CoveredYears() == std::vector<int>{2027});
  CHECK(calendar->Classify(Day("2027-01-01")).value() == DayType::kWorkingDay);  // Friday
  CHECK(calendar->Classify(Day("2027-01-02")).value() == DayType::kWeekend);

  // Declared coverage wins: a row in another year does not extend it.
  calendar = WorkingDayCalendar::Parse({CalendarSource{
      "x.csv", "# covers: 2027, 2028\ndate,kind,name\n2026-12-26,workday,元旦调休上班\n"}});
  REQUIRE(calendar.ok());
  CHECK(calendar->CoveredYears() == std::vector<int>{2027, 2028});
  CHECK(calendar->Classify(Day("2026-12-26")).status().code() ==
        absl::StatusCode::kFailedPrecondition);
}

TEST_CASE("Loading a directory picks up a new year's file without a rebuild", "[calendar]") {
  TempDir dir;
  {
    std::ifstream in(kCalendarFile, std::ios::binary);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    dir.Write("cn-holidays-2025-2026.csv", text);
  }
  dir.Write("README.md", "not a calendar\n");
  dir.Write(".editor-backup.csv", "not a calendar\n");
  dir.Write("cn-holidays-2027.csv",
            "# hypothetical test data\n# covers: 2027\ndate,kind,name\n2027-01-01,holiday,元旦\n");

  const absl::StatusOr<WorkingDayCalendar> calendar = WorkingDayCalendar::LoadDirectory(dir.path());
  REQUIRE(calendar.ok());
  CHECK(calendar->CoveredYears() == std::vector<int>{2025, 2026, 2027});
  // Fri 2026-12-25 + 5: Dec 28, 29, 30, 31, then Fri 2027-01-01 is a holiday, Mon 2027-01-04.
  CHECK(calendar->AddWorkingDays(Day("2026-12-25"), 5).value() == Day("2027-01-04"));
}

TEST_CASE("Directory and file errors", "[calendar]") {
  TempDir dir;
  absl::StatusOr<WorkingDayCalendar> calendar = WorkingDayCalendar::LoadDirectory(dir.path());
  REQUIRE_FALSE(calendar.ok());
  CHECK(calendar.status() ==
        absl::NotFoundError("no *.csv calendar files in directory \"" + dir.path() + "\""));

  calendar = WorkingDayCalendar::LoadDirectory(dir.path() + "/missing");
  REQUIRE_FALSE(calendar.ok());
  CHECK(calendar.status() ==
        absl::NotFoundError("calendar directory \"" + dir.path() +
                            "/missing\" does not exist or is not a directory"));

  calendar = WorkingDayCalendar::LoadFiles({dir.path() + "/missing.csv"});
  REQUIRE_FALSE(calendar.ok());
  CHECK(calendar.status() ==
        absl::NotFoundError("cannot open calendar file \"" + dir.path() + "/missing.csv\""));

  dir.Write("bad.csv", "date,kind,name\n2025-10-01,holiday,ok\n2025-10-32,holiday,bad\n");
  calendar = WorkingDayCalendar::LoadDirectory(dir.path());
  REQUIRE_FALSE(calendar.ok());
  CHECK(calendar.status() ==
        absl::InvalidArgumentError(
            dir.path() +
            "/bad.csv:3: invalid date \"2025-10-32\": expected a real calendar date as "
            "YYYY-MM-DD"));
}

TEST_CASE("DayTypeName", "[calendar]") {
  CHECK(DayTypeName(DayType::kWorkingDay) == "working_day");
  CHECK(DayTypeName(DayType::kWeekend) == "weekend");
  CHECK(DayTypeName(DayType::kHoliday) == "holiday");
  CHECK(DayTypeName(DayType::kMakeUpWorkday) == "make_up_workday");
}

}  // namespace
}  // namespace unemployment::time
