// Provisional decision deadlines (a year without holiday data counts weekends only) recomputed when
// that year's calendar file is loaded: new date, flag cleared, one event and one log line per
// changed deadline, batch by batch, idempotent.
#include <catch2/catch.hpp>

#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "common/log/log_sink.h"
#include "common/store/testing/fault_vfs.h"
#include "common/log/logger.h"
#include "tests/services/registration/test_util.h"
#include "tests/testing/files.h"

namespace unemployment::registration {
namespace {

using ::unemployment::testing::ReadFile;
using testing::Env;
using testing::TempDir;
namespace v1c = ::unemployment::common::v1;

// The shipped calendar plus a synthetic 2027 file whose only holiday is New Year's Day.
std::shared_ptr<const time::WorkingDayCalendar> CalendarWith2027() {
  std::vector<time::CalendarSource> sources = {
      {"cn-holidays-2025-2026.csv",
       ReadFile(testing::DataDir("calendar") + "/cn-holidays-2025-2026.csv")},
      {"cn-holidays-2027.csv", "# covers: 2027\ndate,kind,name\n2027-01-01,holiday,元旦\n"}};
  absl::StatusOr<time::WorkingDayCalendar> calendar = time::WorkingDayCalendar::Parse(sources);
  INFO(calendar.status().ToString());
  REQUIRE(calendar.ok());
  return std::make_shared<const time::WorkingDayCalendar>(*std::move(calendar));
}

TEST_CASE("provisional deadlines are recomputed once the year's calendar is loaded",
          "[deadline]") {
  TempDir dir;
  // Monday 2026-12-28, 09:00 in China: the 7th working day lies in 2027, which has no data yet.
  Env env(dir.File("registration.db"), time::ChinaTime(absl::CivilSecond(2026, 12, 28, 9, 0, 0)));
  std::vector<std::string> ids;
  for (int serial = 1; serial <= 3; ++serial) {
    absl::StatusOr<v1::Application> app = env.Create(testing::CreateRequest(
        absl::StrCat("P-", serial), testing::ResidentId("340524", "19800101", serial * 2 + 1)));
    UE_REQUIRE_OK(app.status());
    // Weekends only: 29, 30, 31 Dec, 1 (Fri), 4, 5, 6 Jan.
    CHECK(app->due_date() == "2027-01-06");
    CHECK(app->due_date_provisional());
    ids.push_back(app->id());
  }
  // The third is decided while its deadline is provisional: it is left alone.
  v1::ReviewApplicationRequest reject;
  reject.set_application_id(ids[2]);
  reject.set_request_id("r-1");
  reject.set_outcome(v1c::REVIEW_OUTCOME_REJECTED);
  reject.set_rejection_reason(v1c::REJECTION_REASON_DUPLICATE_APPLICATION);
  reject.set_reviewer("staff-001");
  UE_REQUIRE_OK(env.Review(reject).status());

  log::CapturingLogSink sink;
  log::Logger logger("registration", &sink);

  // Without the year's file nothing changes (and nothing is written).
  absl::StatusOr<int64_t> head = env.store->LastSequence();
  UE_REQUIRE_OK(head.status());
  absl::StatusOr<DeadlineRecomputation> none = env.registrar->RecomputeProvisionalDeadlines(logger);
  UE_REQUIRE_OK(none.status());
  CHECK(none->changed == 0);
  CHECK(none->still_provisional == 2);
  CHECK(*env.store->LastSequence() == *head);

  // The 2027 file appears: 1 Jan is a holiday, so the 7th working day is 7 Jan.
  env.registrar->ReplaceCalendar(CalendarWith2027());
  absl::StatusOr<DeadlineRecomputation> done =
      env.registrar->RecomputeProvisionalDeadlines(logger, /*batch_size=*/1);
  UE_REQUIRE_OK(done.status());
  CHECK(done->changed == 2);
  CHECK(done->still_provisional == 0);
  for (int i = 0; i < 2; ++i) {
    absl::StatusOr<v1::Application> app = env.registrar->GetApplication(ids[i]);
    UE_REQUIRE_OK(app.status());
    CHECK(app->due_date() == "2027-01-07");
    CHECK_FALSE(app->due_date_provisional());
  }
  absl::StatusOr<v1::Application> decided = env.registrar->GetApplication(ids[2]);
  UE_REQUIRE_OK(decided.status());
  CHECK(decided->due_date() == "2027-01-06");

  // One event per changed deadline, after the earlier ones.
  absl::StatusOr<std::vector<v1::Event>> events = env.store->ReadEvents(*head, 100);
  UE_REQUIRE_OK(events.status());
  REQUIRE(events->size() == 2);
  for (size_t i = 0; i < events->size(); ++i) {
    const v1::Event& event = (*events)[i];
    REQUIRE(event.has_application_deadline_recomputed());
    const v1::ApplicationDeadlineRecomputed& r = event.application_deadline_recomputed();
    CHECK(r.application().id() == ids[i]);
    CHECK(r.application().due_date() == "2027-01-07");
    CHECK_FALSE(r.application().due_date_provisional());
    CHECK(r.previous_due_date() == "2027-01-06");
    CHECK(r.previous_due_date_provisional());
    CHECK(event.shard_id() == "hlj");
  }

  // One log line per change, without personal data.
  std::vector<std::string> lines;
  for (const std::string& line : sink.Lines()) {
    if (line.find("deadline_recomputed") != std::string::npos) lines.push_back(line);
  }
  REQUIRE(lines.size() == 2);
  CHECK(lines[0].find(ids[0]) != std::string::npos);
  CHECK(lines[0].find("previous_due_date=2027-01-06") != std::string::npos);
  CHECK(lines[0].find("due_date=2027-01-07") != std::string::npos);
  for (const std::string& line : lines) {
    CHECK(line.find("340524") == std::string::npos);
    CHECK(line.find("张三") == std::string::npos);
    CHECK(line.find("139") == std::string::npos);
  }

  // Idempotent: a second run finds nothing to do.
  absl::StatusOr<DeadlineRecomputation> again = env.registrar->RecomputeProvisionalDeadlines(logger);
  UE_REQUIRE_OK(again.status());
  CHECK(again->examined == 0);
  CHECK(again->changed == 0);

  // New applications use the new calendar at once.
  absl::StatusOr<v1::Application> later = env.Create(
      testing::CreateRequest("P-9", testing::ResidentId("340524", "19800101", 99)));
  UE_REQUIRE_OK(later.status());
  CHECK(later->due_date() == "2027-01-07");
  CHECK_FALSE(later->due_date_provisional());
}

// Three undecided applications with the provisional due date 2027-01-06, in a fresh store.
std::vector<std::string> ThreeProvisional(Env& env) {
  std::vector<std::string> ids;
  for (int serial = 1; serial <= 3; ++serial) {
    absl::StatusOr<v1::Application> app = env.Create(testing::CreateRequest(
        absl::StrCat("P-", serial), testing::ResidentId("340524", "19800101", serial * 2 + 1)));
    UE_REQUIRE_OK(app.status());
    REQUIRE(app->due_date_provisional());
    ids.push_back(app->id());
  }
  return ids;
}

// Per application id: how many ApplicationDeadlineRecomputed events the feed holds.
std::map<std::string, int> RecomputedEvents(Env& env) {
  std::map<std::string, int> out;
  absl::StatusOr<std::vector<v1::Event>> events = env.store->ReadEvents(0, 1000);
  UE_REQUIRE_OK(events.status());
  for (const v1::Event& event : *events) {
    if (event.has_application_deadline_recomputed()) {
      ++out[event.application_deadline_recomputed().application().id()];
    }
  }
  return out;
}

TEST_CASE("a storage fault mid-way leaves whole batches; the next run finishes the rest",
          "[deadline][fault]") {
  using store::testing::Fault;
  using store::testing::FaultTarget;
  using store::testing::FaultVfs;
  const absl::Time monday = time::ChinaTime(absl::CivilSecond(2026, 12, 28, 9, 0, 0));
  log::CapturingLogSink sink;
  log::Logger logger("registration", &sink);

  // Write-class operations of a whole run (three batches of one).
  int64_t writes = 0;
  {
    TempDir dir;
    FaultVfs::Install().SetPathPrefix(dir.path());
    Env env(dir.File("reg.db"), monday);
    ThreeProvisional(env);
    env.registrar->ReplaceCalendar(CalendarWith2027());
    FaultVfs::Install().Clear();
    UE_REQUIRE_OK(env.registrar->RecomputeProvisionalDeadlines(logger, 1).status());
    writes = FaultVfs::Install().operations();
  }
  REQUIRE(writes >= 3);
  for (int64_t skip = 0; skip < writes; ++skip) {
    INFO("fault at write " << skip << " of " << writes);
    TempDir dir;
    FaultVfs::Install().SetPathPrefix(dir.path());
    Env env(dir.File("reg.db"), monday);
    const std::vector<std::string> ids = ThreeProvisional(env);
    env.registrar->ReplaceCalendar(CalendarWith2027());
    FaultVfs::Install().Arm({Fault::kIoError, FaultTarget::kWritesAndSyncs, skip, /*sticky=*/true});
    absl::StatusOr<DeadlineRecomputation> interrupted =
        env.registrar->RecomputeProvisionalDeadlines(logger, 1);
    FaultVfs::Install().Clear();
    // Every application is either recomputed with its one event, or untouched without one.
    std::map<std::string, int> events = RecomputedEvents(env);
    for (const std::string& id : ids) {
      absl::StatusOr<v1::Application> app = env.registrar->GetApplication(id);
      UE_REQUIRE_OK(app.status());
      if (app->due_date_provisional()) {
        CHECK(app->due_date() == "2027-01-06");
        CHECK(events[id] == 0);
      } else {
        CHECK(app->due_date() == "2027-01-07");
        CHECK(events[id] == 1);
      }
    }
    // The next run (as at start-up) finishes the rest, each deadline recomputed exactly once.
    absl::StatusOr<DeadlineRecomputation> finished =
        env.registrar->RecomputeProvisionalDeadlines(logger, 1);
    UE_REQUIRE_OK(finished.status());
    events = RecomputedEvents(env);
    for (const std::string& id : ids) {
      absl::StatusOr<v1::Application> app = env.registrar->GetApplication(id);
      UE_REQUIRE_OK(app.status());
      CHECK(app->due_date() == "2027-01-07");
      CHECK_FALSE(app->due_date_provisional());
      CHECK(events[id] == 1);
    }
  }
}

}  // namespace
}  // namespace unemployment::registration
