// The duty rule's province-wide lists (offices without duty reviewers, silent offices) on a
// hand-made read model, the roster facts from the registration feed, and their store round trip.
#include "services/statistics/duty_oversight.h"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "common/status/status_util.h"
#include "common/time/date.h"
#include "services/statistics/registration_events.h"
#include "services/statistics/sqlite_statistics_store.h"
#include "tests/services/statistics/test_util.h"

namespace unemployment::statistics {
namespace {

const time::WorkingDayCalendar& Calendar() {
  static const time::WorkingDayCalendar* calendar = [] {
    auto loaded = time::WorkingDayCalendar::LoadDirectory(UE_SOURCE_DIR "/data/calendar");
    if (!loaded.ok()) std::abort();
    return new time::WorkingDayCalendar(*std::move(loaded));
  }();
  return *calendar;
}

PackedDay Day(const std::string& text) { return PackDay(*time::ParseDate(text)); }

// An application of `office` through `channel` (1 portal, 2 ministry), decided on `decided` ("" =
// undecided).
ApplicationFact App(const std::string& id, const std::string& office, int channel,
                    const std::string& received, const std::string& decided = "") {
  ApplicationFact a;
  a.id = id;
  a.office_region_code = office;
  a.channel = channel;
  a.received = Day(received);
  if (!decided.empty()) {
    a.outcome = 1;
    a.decided_on = Day(decided);
    a.decision_recorded = Day(decided);
  }
  return a;
}

FactChange Roster(const std::string& office, int queue, std::vector<std::string> ids) {
  FactChange change;
  DutyRosterFact& d = change.duty_roster.emplace();
  d.office_region_code = office;
  d.queue_kind = queue;
  d.reviewer_ids = std::move(ids);
  return change;
}

TEST_CASE("the last working day before a date follows the holiday calendar", "[statistics][duty]") {
  // After the 2025 National Day holidays (1-8 October) the last working day before Thursday 9
  // October is Tuesday 30 September; before Monday 13 October it is the make-up Saturday 11th.
  CHECK(LastWorkingDayBefore(Calendar(), absl::CivilDay(2025, 10, 9)).day ==
        absl::CivilDay(2025, 9, 30));
  CHECK(LastWorkingDayBefore(Calendar(), absl::CivilDay(2025, 10, 13)).day ==
        absl::CivilDay(2025, 10, 11));
  CHECK_FALSE(LastWorkingDayBefore(Calendar(), absl::CivilDay(2025, 10, 13)).provisional);
  // A year without holiday data: weekends only, flagged.
  LastWorkingDay unknown = LastWorkingDayBefore(Calendar(), absl::CivilDay(2031, 3, 3));  // Monday
  CHECK(unknown.day == absl::CivilDay(2031, 2, 28));
  CHECK(unknown.provisional);
}

TEST_CASE("offices without a duty reviewer, by queue, paged", "[statistics][duty]") {
  ReadModel model;
  DutyOversight duty(model, testing::Regions(), Calendar());
  v1::ListOfficesWithoutDutyReviewerRequest request;
  request.set_region_code("230100");  // Harbin
  auto all = duty.ListOfficesWithoutDutyReviewer(request);
  REQUIRE(all.ok());
  const int harbin_offices = static_cast<int>(testing::Regions().Children("230100").size());
  CHECK(all->total_size() == 2 * harbin_offices);
  CHECK(all->offices(0).office_region_code() == "230102");
  CHECK(all->offices(0).office_name() == "道里区");
  CHECK(all->offices(0).queue() == v1::REVIEW_QUEUE_MINISTRY_FORWARDED);
  CHECK(all->offices(1).queue() == v1::REVIEW_QUEUE_PROVINCE);

  model.Apply(Roster("230102", 1, {"staff-1"}));
  model.Apply(Roster("230102", 2, {"staff-2", "staff-3"}));
  model.Apply(Roster("230103", 1, {"staff-4"}));
  model.Apply(Roster("230103", 1, {}));  // cleared again
  request.set_page_size(2);
  auto page = duty.ListOfficesWithoutDutyReviewer(request);
  REQUIRE(page.ok());
  CHECK(page->total_size() == 2 * harbin_offices - 2);
  REQUIRE(page->offices_size() == 2);
  CHECK(page->offices(0).office_region_code() == "230103");
  CHECK(page->offices(0).queue() == v1::REVIEW_QUEUE_MINISTRY_FORWARDED);
  CHECK(page->offices(1).office_region_code() == "230103");
  REQUIRE_FALSE(page->next_page_token().empty());
  request.set_page_token(page->next_page_token());
  auto next = duty.ListOfficesWithoutDutyReviewer(request);
  REQUIRE(next.ok());
  CHECK(next->offices(0).office_region_code() > "230103");

  // One queue only; a token of another query; an unknown region.
  request.set_queue(v1::REVIEW_QUEUE_PROVINCE);
  auto reused = duty.ListOfficesWithoutDutyReviewer(request);
  CHECK(reused.status().code() == absl::StatusCode::kInvalidArgument);
  request.clear_page_token();
  request.set_page_size(0);
  auto province_queue = duty.ListOfficesWithoutDutyReviewer(request);
  REQUIRE(province_queue.ok());
  CHECK(province_queue->total_size() == harbin_offices - 1);
  request.set_region_code("230102");
  CHECK(duty.ListOfficesWithoutDutyReviewer(request)->total_size() == 0);
  request.set_region_code("110000");
  CHECK(duty.ListOfficesWithoutDutyReviewer(request)->total_size() > 0);  // Beijing's districts
  request.set_region_code("239900");
  auto unknown = duty.ListOfficesWithoutDutyReviewer(request);
  CHECK(unknown.status().code() == absl::StatusCode::kNotFound);
  CHECK(status::GetErrorInfo(unknown.status())->reason() == "REGION_NOT_FOUND");
}

TEST_CASE("silent offices: applications waiting and no decision on the last working day",
          "[statistics][duty]") {
  ReadModel model;
  DutyOversight duty(model, testing::Regions(), Calendar());
  // Last working day before 2025-10-13 is Saturday 2025-10-11 (调休).
  // 道里区 province queue: two waiting, none decided on the 11th -> silent.
  model.AddApplication(App("a1", "230102", 1, "2025-09-29"));
  model.AddApplication(App("a2", "230102", 1, "2025-10-10", "2025-10-12"));
  // 道里区 ministry queue: one waiting, decided on the 11th -> active.
  model.AddApplication(App("a3", "230102", 2, "2025-09-30", "2025-10-11"));
  // 南岗区 province queue: received on the 11th itself (not waiting at its start) -> not listed.
  model.AddApplication(App("a4", "230103", 1, "2025-10-11"));
  // 南岗区 ministry queue: decided before the 11th -> nothing waiting.
  model.AddApplication(App("a5", "230103", 2, "2025-09-29", "2025-09-30"));
  // 龙沙区 (Qiqihar) province queue: waiting -> silent, outside Harbin.
  model.AddApplication(App("a6", "230202", 1, "2025-10-09"));
  model.Apply(Roster("230102", 2, {"staff-9"}));
  model.Apply(Roster("230102", 1, {"staff-1"}));

  v1::ListSilentOfficesRequest request;
  request.set_region_code("230000");
  request.set_as_of("2025-10-13");
  auto silent = duty.ListSilentOffices(request);
  REQUIRE(silent.ok());
  CHECK(silent->last_working_day() == "2025-10-11");
  CHECK_FALSE(silent->last_working_day_provisional());
  REQUIRE(silent->total_size() == 2);
  const v1::SilentOffice& daoli = silent->offices(0);
  CHECK(daoli.office().office_region_code() == "230102");
  CHECK(daoli.office().office_name() == "道里区");
  CHECK(daoli.office().queue() == v1::REVIEW_QUEUE_PROVINCE);
  CHECK(daoli.waiting() == 2);
  CHECK(daoli.oldest_received_date() == "2025-09-29");
  CHECK(std::vector<std::string>(daoli.duty_reviewer_ids().begin(),
                                 daoli.duty_reviewer_ids().end()) ==
        std::vector<std::string>{"staff-9"});
  CHECK(silent->offices(1).office().office_region_code() == "230202");
  CHECK(silent->offices(1).duty_reviewer_ids().empty());

  // Harbin only, paged one by one.
  request.set_region_code("230100");
  request.set_page_size(1);
  auto harbin = duty.ListSilentOffices(request);
  REQUIRE(harbin.ok());
  CHECK(harbin->total_size() == 1);
  CHECK(harbin->next_page_token().empty());

  // On Tuesday 14 October the 13th (Monday) is judged: nothing was decided then, and a4 was
  // waiting at its start.
  request.set_region_code("230100");
  request.set_as_of("2025-10-14");
  request.set_page_size(0);
  auto later = duty.ListSilentOffices(request);
  REQUIRE(later.ok());
  CHECK(later->last_working_day() == "2025-10-13");
  REQUIRE(later->total_size() == 2);  // 道里 (a1; a2 was decided on the 12th) and 南岗 (a4)
  CHECK(later->offices(1).office().office_region_code() == "230103");
  CHECK(later->offices(1).oldest_received_date() == "2025-10-11");
}

TEST_CASE("rosters come from the registration feed and survive a restart", "[statistics][duty]") {
  testing::regv1::Event event;
  event.set_sequence(7);
  event.set_shard_id("hlj");
  testing::regv1::DutyRoster* roster = event.mutable_duty_roster_changed()->mutable_roster();
  roster->set_office_region_code("230102");
  roster->set_queue_kind(testing::regv1::REVIEW_QUEUE_KIND_PROVINCE);
  roster->add_reviewer_ids("staff-1");
  roster->add_reviewer_ids("staff-2");
  absl::StatusOr<FeedEvent> fact = FeedEventOf(event);
  REQUIRE(fact.ok());
  REQUIRE(fact->change.duty_roster.has_value());
  CHECK(fact->change.duty_roster->reviewer_ids == std::vector<std::string>{"staff-1", "staff-2"});

  roster->clear_office_region_code();
  CHECK(FeedEventOf(event).status().code() == absl::StatusCode::kDataLoss);

  const std::string dir = testing::TempDir();
  {
    auto store = SqliteStatisticsStore::Open(dir + "/s.db", store::SynchronousMode::kNormal);
    REQUIRE(store.ok());
    REQUIRE((*store)->Apply("registration/hlj", {*fact}, 0).ok());
  }
  auto store = SqliteStatisticsStore::Open(dir + "/s.db", store::SynchronousMode::kNormal);
  REQUIRE(store.ok());
  ReadModel model;
  REQUIRE(LoadReadModel(**store, model).ok());
  const DutyRosters rosters = model.DutyRosterSnapshot();
  REQUIRE(rosters.count({"230102", 2}) == 1);
  CHECK(rosters.at({"230102", 2}) == std::vector<std::string>{"staff-1", "staff-2"});
}

TEST_CASE("regions without a contact report (附件3)", "[statistics][contacts]") {
  ReadModel model;
  DutyOversight duty(model, testing::Regions(), Calendar());
  v1::ListRegionsWithoutContactReportRequest request;
  request.set_region_code("230000");
  auto cities = duty.ListRegionsWithoutContactReport(request);
  REQUIRE(cities.ok());
  CHECK(cities->total_size() == 13);
  CHECK(cities->regions(0).region_code() == "230100");
  CHECK(cities->regions(0).region_name() == "哈尔滨市");
  CHECK(cities->regions(0).level() == v1::REGION_LEVEL_CITY);

  // Harbin reports (from the feed), and one of its districts.
  for (const char* code : {"230100", "230102"}) {
    testing::regv1::Event event;
    event.set_sequence(1);
    event.mutable_region_contact_reported()->mutable_contact()->set_region_code(code);
    absl::StatusOr<FeedEvent> fact = FeedEventOf(event);
    REQUIRE(fact.ok());
    model.Apply(fact->change);
  }
  cities = duty.ListRegionsWithoutContactReport(request);
  REQUIRE(cities.ok());
  CHECK(cities->total_size() == 12);
  CHECK(cities->regions(0).region_code() == "230200");

  request.set_region_code("230100");
  request.set_include_counties(true);
  request.set_page_size(2);
  auto harbin = duty.ListRegionsWithoutContactReport(request);
  REQUIRE(harbin.ok());
  const int counties = static_cast<int>(testing::Regions().Children("230100").size());
  CHECK(harbin->total_size() == counties - 1);  // every county but 道里区
  CHECK(harbin->regions(0).region_code() == "230103");
  CHECK(harbin->regions(0).level() == v1::REGION_LEVEL_COUNTY);
  request.set_page_token(harbin->next_page_token());
  auto next = duty.ListRegionsWithoutContactReport(request);
  REQUIRE(next.ok());
  CHECK(next->regions(0).region_code() > harbin->regions(1).region_code());
}

}  // namespace
}  // namespace unemployment::statistics
