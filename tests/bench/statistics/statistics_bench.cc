// statistics_bench [--registrations=N] [--db=PATH]
//
// Generates N registrations (default 1,000,000) over the two years up to 2025-06-30 in the 13
// cities of Heilongjiang, about 60% of them deregistered before that day (some entered late), as
// registration-feed events, with tiering-feed events (a type for each registration at its start,
// a later type change for a quarter, a first interview for 80% and a job recommendation for half)
// and follow-up-feed events (a follow-up for half of them, a fraud case opened per 1,000, half of
// those confirmed); turns each into facts with the consumers' code (FeedEventOf) and puts them
// into the read model and, in batches of 10,000 events per transaction and feed, into the SQLite
// store. Then prints the build times, the time to reload the model from the store (a restart), the
// urban registered unemployed of one county, one city and the province, the full breakdown of the
// province (TYPE included), the service indicators of the province over six months, and the
// resident memory.

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/time/date.h"
#include "common/time/time_zone.h"
#include "common/validation/region_directory.h"
#include "services/statistics/read_model.h"
#include "services/statistics/registration_events.h"
#include "services/statistics/service_events.h"
#include "services/statistics/sqlite_statistics_store.h"
#include "services/statistics/statistics.h"

namespace {

namespace st = ::unemployment::statistics;
namespace regv1 = ::unemployment::registration::v1;
namespace tv1 = ::unemployment::tiering::v1;
namespace fv1 = ::unemployment::followup::v1;
namespace codes = ::unemployment::common::v1;
using Clock = std::chrono::steady_clock;

double MillisSince(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

std::string RssLine() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (absl::StartsWith(line, "VmRSS:")) return line;
  }
  return "VmRSS: unknown";
}

// A small deterministic generator (64-bit LCG), so that runs are comparable.
struct Random {
  uint64_t state = 20250630;
  uint32_t Next() {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<uint32_t>(state >> 33);
  }
  uint32_t Below(uint32_t n) { return Next() % n; }
};

google::protobuf::Timestamp NoonOf(absl::CivilDay day) {
  google::protobuf::Timestamp t;
  t.set_seconds(absl::ToUnixSeconds(
      unemployment::time::ChinaTime(absl::CivilSecond(day.year(), day.month(), day.day(), 12, 0, 0))));
  return t;
}

}  // namespace

int main(int argc, char** argv) {
  int64_t count = 1000000;
  std::string db_path = "/tmp/statistics_bench.db";
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (absl::StartsWith(arg, "--registrations=")) {
      if (!absl::SimpleAtoi(arg.substr(16), &count) || count < 1) {
        std::fprintf(stderr, "statistics_bench: error: bad --registrations\n");
        return 2;
      }
    } else if (absl::StartsWith(arg, "--db=")) {
      db_path = arg.substr(5);
    } else {
      std::fprintf(stderr, "usage: statistics_bench [--registrations=N] [--db=PATH]\n");
      return 2;
    }
  }
  auto regions = unemployment::validation::RegionDirectory::LoadDirectory(UE_SOURCE_DIR "/data/regions");
  if (!regions.ok()) {
    std::fprintf(stderr, "statistics_bench: error: %s\n", regions.status().ToString().c_str());
    return 1;
  }
  std::vector<std::string> offices;
  for (const auto* city : regions->Children("230000")) {
    for (const auto* county : regions->Children(city->code)) {
      if (regions->IsCountyLevel(county->code)) offices.push_back(county->code);
    }
  }
  std::remove(db_path.c_str());
  std::remove((db_path + "-wal").c_str());
  std::remove((db_path + "-shm").c_str());
  auto store = st::SqliteStatisticsStore::Open(db_path, unemployment::store::SynchronousMode::kNormal);
  if (!store.ok()) {
    std::fprintf(stderr, "statistics_bench: error: %s\n", store.status().ToString().c_str());
    return 1;
  }

  const absl::CivilDay first(2023, 7, 1);
  const absl::CivilDay last(2025, 6, 30);
  const int span = static_cast<int>(last - first) + 1;
  static const char* kClasses[] = {"111", "112", "121", "122", "123", "210", "220"};
  static const codes::Education kEducation[] = {
      codes::EDUCATION_BACHELOR, codes::EDUCATION_JUNIOR_COLLEGE, codes::EDUCATION_HIGH_SCHOOL,
      codes::EDUCATION_JUNIOR_HIGH, codes::EDUCATION_PRIMARY, codes::EDUCATION_MASTER};

  Random random;
  st::ReadModel model;
  // Per feed: the pending batch and the last sequence.
  std::map<std::string, std::vector<st::FeedEvent>> batches;
  std::map<std::string, int64_t> sequences;
  int64_t sequence = 0, deregistered = 0;
  double generate_ms = 0, model_ms = 0, store_ms = 0;
  auto flush = [&](const std::string& feed) -> bool {
    std::vector<st::FeedEvent>& batch = batches[feed];
    const auto start = Clock::now();
    auto applied = (*store)->Apply(feed, batch, 0);
    store_ms += MillisSince(start);
    batch.clear();
    if (!applied.ok()) {
      std::fprintf(stderr, "statistics_bench: error: %s\n", applied.status().ToString().c_str());
      return false;
    }
    return true;
  };
  auto apply_facts = [&](const std::string& feed, absl::StatusOr<st::FeedEvent> facts,
                         Clock::time_point start) -> bool {
    if (!facts.ok()) {
      std::fprintf(stderr, "statistics_bench: error: %s\n", facts.status().ToString().c_str());
      return false;
    }
    model.Apply(facts->change);
    model_ms += MillisSince(start);
    std::vector<st::FeedEvent>& batch = batches[feed];
    batch.push_back(*std::move(facts));
    return batch.size() < 10000 || flush(feed);
  };
  auto apply = [&](const regv1::Event& event) -> bool {
    return apply_facts("registration/hlj", st::FeedEventOf(event), Clock::now());
  };
  auto apply_tiering = [&](tv1::TieringEvent event, absl::CivilDay day) -> bool {
    event.set_sequence(++sequences["tiering"]);
    *event.mutable_occurred_at() = NoonOf(day);
    return apply_facts("tiering", st::FeedEventOf(event), Clock::now());
  };
  auto apply_followup = [&](fv1::FollowupEvent event, absl::CivilDay day) -> bool {
    event.set_sequence(++sequences["followup"]);
    *event.mutable_occurred_at() = NoonOf(day);
    return apply_facts("followup", st::FeedEventOf(event), Clock::now());
  };
  static const codes::UnemploymentType kTypes[] = {codes::UNEMPLOYMENT_TYPE_SKILLED,
                                                    codes::UNEMPLOYMENT_TYPE_LACKING_SKILLS,
                                                    codes::UNEMPLOYMENT_TYPE_EMPLOYMENT_DIFFICULTY};
  int64_t tiering_events = 0, followup_events = 0;
  for (int64_t i = 0; i < count; ++i) {
    auto start = Clock::now();
    const absl::CivilDay registered = first + static_cast<int>(random.Below(static_cast<uint32_t>(span)));
    regv1::Event event;
    event.set_sequence(++sequence);
    event.set_shard_id("hlj");
    *event.mutable_occurred_at() = NoonOf(registered);
    regv1::Registration& r = *event.mutable_registration_created()->mutable_registration();
    r.set_id(absl::StrCat("hlj-", i));
    r.set_office_region_code(offices[random.Below(static_cast<uint32_t>(offices.size()))]);
    r.set_registered_date(unemployment::time::FormatDate(registered));
    r.set_state(regv1::REGISTRATION_STATE_ACTIVE);
    r.set_channel(random.Below(4) == 0 ? codes::CHANNEL_MINISTRY : codes::CHANNEL_PROVINCE_PORTAL);
    const absl::CivilDay birth(1960 + static_cast<int>(random.Below(46)), 1 + random.Below(12),
                               1 + random.Below(28));
    r.set_birth_date(unemployment::time::FormatDate(birth));
    const char* klass = kClasses[random.Below(7)];
    r.mutable_form()->mutable_residence_address()->set_urban_rural_class(klass);
    r.set_residence_urban(klass[0] == '1');
    r.set_household_local(random.Below(5) != 0);
    r.mutable_form()->set_sex(random.Below(2) == 0 ? codes::SEX_MALE : codes::SEX_FEMALE);
    r.mutable_form()->set_education(kEducation[random.Below(6)]);
    *r.mutable_create_time() = NoonOf(registered);
    generate_ms += MillisSince(start);
    if (!apply(event)) return 1;
    {
      // Tiering: a type from the start, a change for a quarter; a first interview for 80%, a job
      // recommendation for half. Follow-up: a contact for half, a fraud case per 1,000.
      const std::string& id = r.id();
      const std::string& office = r.office_region_code();
      tv1::TieringEvent typed;
      typed.mutable_type_changed()->set_registration_id(id);
      typed.mutable_type_changed()->set_office_region_code(office);
      typed.mutable_type_changed()->set_type(kTypes[random.Below(3)]);
      typed.mutable_type_changed()->set_effective_date(r.registered_date());
      if (!apply_tiering(typed, registered)) return 1;
      ++tiering_events;
      if (random.Below(4) == 0) {
        const absl::CivilDay changed = registered + 30 + static_cast<int>(random.Below(200));
        typed.mutable_type_changed()->set_type(kTypes[random.Below(3)]);
        typed.mutable_type_changed()->set_effective_date(unemployment::time::FormatDate(changed));
        if (!apply_tiering(typed, changed)) return 1;
        ++tiering_events;
      }
      for (const auto& [type, share, after] :
           {std::tuple<tv1::ServiceType, uint32_t, int>{tv1::SERVICE_TYPE_FIRST_INTERVIEW, 8, 3},
            std::tuple<tv1::ServiceType, uint32_t, int>{tv1::SERVICE_TYPE_JOB_RECOMMENDATION, 5,
                                                        12}}) {
        if (random.Below(10) >= share) continue;
        const absl::CivilDay day = registered + after;
        tv1::TieringEvent delivered;
        tv1::ServiceDeliveryRecorded& d = *delivered.mutable_service_delivery_recorded();
        d.set_delivery_id(absl::StrCat("dlv-", tiering_events));
        d.set_registration_id(id);
        d.set_office_region_code(office);
        d.set_type(type);
        d.set_delivered_on(unemployment::time::FormatDate(day));
        if (!apply_tiering(delivered, day)) return 1;
        ++tiering_events;
      }
      if (random.Below(2) == 0) {
        const absl::CivilDay day = registered + 20 + static_cast<int>(random.Below(60));
        fv1::FollowupEvent contact;
        fv1::FollowUpRecorded& f = *contact.mutable_follow_up_recorded();
        f.set_follow_up_id(absl::StrCat("fu-", followup_events));
        f.set_registration_id(id);
        f.set_office_region_code(office);
        f.set_method(fv1::FOLLOW_UP_METHOD_PHONE_SURVEY);
        f.set_contact_date(unemployment::time::FormatDate(day));
        if (!apply_followup(contact, day)) return 1;
        ++followup_events;
      }
      if (random.Below(1000) == 0) {
        fv1::FollowupEvent opened;
        opened.mutable_fraud_case_opened()->set_case_id(absl::StrCat("case-", i));
        opened.mutable_fraud_case_opened()->set_office_region_code(office);
        opened.mutable_fraud_case_opened()->set_opened_on(r.registered_date());
        if (!apply_followup(opened, registered)) return 1;
        ++followup_events;
        if (random.Below(2) == 0) {
          const absl::CivilDay day = registered + 40;
          fv1::FollowupEvent concluded;
          fv1::FraudCaseConcluded& c = *concluded.mutable_fraud_case_concluded();
          c.set_case_id(absl::StrCat("case-", i));
          c.set_office_region_code(office);
          c.set_state(fv1::FRAUD_CASE_STATE_CONFIRMED);
          c.set_concluded_on(unemployment::time::FormatDate(day));
          if (!apply_followup(concluded, day)) return 1;
          ++followup_events;
        }
      }
    }
    // About 60% end within the period, after 1 to 400 days; one in ten is entered late.
    const absl::CivilDay ends = registered + 1 + static_cast<int>(random.Below(400));
    if (random.Below(10) < 6 && ends <= last) {
      start = Clock::now();
      regv1::Event ended;
      ended.set_sequence(++sequence);
      ended.set_shard_id("hlj");
      regv1::Registration& e = *ended.mutable_registration_deregistered()->mutable_registration();
      e = r;
      e.set_state(regv1::REGISTRATION_STATE_DEREGISTERED);
      e.mutable_deregistration()->set_reason(random.Below(3) == 0 ? codes::DEREGISTRATION_REASON_SELF_EMPLOYED
                                                                  : codes::DEREGISTRATION_REASON_HIRED);
      e.mutable_deregistration()->set_effective_date(unemployment::time::FormatDate(ends));
      const absl::CivilDay entered = ends + (random.Below(10) == 0 ? 5 : 0);
      *e.mutable_deregistration()->mutable_recorded_at() = NoonOf(entered);
      *ended.mutable_occurred_at() = NoonOf(entered);
      generate_ms += MillisSince(start);
      ++deregistered;
      if (!apply(ended)) return 1;
    }
  }
  for (auto& [feed, batch] : batches) {
    if (!batch.empty() && !flush(feed)) return 1;
  }
  std::printf("registrations: %lld, deregistrations: %lld, registration events: %lld, "
              "offices: %zu\n",
              static_cast<long long>(count), static_cast<long long>(deregistered),
              static_cast<long long>(sequence), offices.size());
  std::printf("tiering events: %lld, follow-up events: %lld\n",
              static_cast<long long>(tiering_events), static_cast<long long>(followup_events));
  std::printf("generate registration events: %.0f ms\n", generate_ms);
  std::printf("build read model from all feeds' events (event->facts->memory): %.0f ms\n",
              model_ms);
  std::printf("store events (SQLite, 10,000 events per transaction, synchronous=NORMAL): %.0f ms\n",
              store_ms);
  std::printf("after build: %s\n", RssLine().c_str());

  st::ReadModel reloaded;
  auto start = Clock::now();
  if (!st::LoadReadModel(**store, reloaded).ok()) return 1;
  std::printf("reload read model from SQLite (restart): %.0f ms (%lld registrations)\n",
              MillisSince(start), static_cast<long long>(reloaded.registration_count()));

  st::Statistics statistics(model, *regions, st::FeedSources{true, true});
  for (const char* region : {"230102", "230100", "230000"}) {
    st::v1::GetUrbanRegisteredUnemployedRequest request;
    request.set_region_code(region);
    request.set_as_of("2025-06-30");
    double best = 1e9;
    int64_t urban = 0;
    for (int run = 0; run < 5; ++run) {
      start = Clock::now();
      auto response = statistics.GetUrbanRegisteredUnemployed(request);
      best = std::min(best, MillisSince(start));
      if (!response.ok()) return 1;
      urban = response->urban_registered_unemployed();
    }
    std::printf("urban registered unemployed %s on 2025-06-30: %lld in %.2f ms (best of 5)\n",
                region, static_cast<long long>(urban), best);
  }
  st::v1::GetBreakdownRequest breakdown;
  breakdown.set_region_code("230000");
  breakdown.set_as_of("2025-06-30");
  double best = 1e9;
  for (int run = 0; run < 5; ++run) {
    start = Clock::now();
    auto response = statistics.GetBreakdown(breakdown);
    best = std::min(best, MillisSince(start));
    if (!response.ok()) return 1;
  }
  std::printf("full breakdown of 230000 on 2025-06-30 (7 dimensions, TYPE included): %.2f ms "
              "(best of 5)\n",
              best);
  for (const char* region : {"230102", "230100", "230000"}) {
    st::v1::GetServiceIndicatorsRequest indicators;
    indicators.set_region_code(region);
    indicators.set_period_start("2025-01-01");
    indicators.set_period_end("2025-06-30");
    best = 1e9;
    st::v1::GetServiceIndicatorsResponse last_response;
    for (int run = 0; run < 3; ++run) {
      start = Clock::now();
      auto response = statistics.GetServiceIndicators(indicators);
      best = std::min(best, MillisSince(start));
      if (!response.ok()) return 1;
      last_response = response->response;
    }
    std::printf("service indicators of %s 2025-01..06 (6 months coverage, plan, fraud): %.2f ms "
                "(best of 3); coverage 2025-06 %lld/%lld, fraud opened %lld\n",
                region, best,
                static_cast<long long>(last_response.follow_up_coverage(5).coverage().numerator()),
                static_cast<long long>(last_response.follow_up_coverage(5).coverage().denominator()),
                static_cast<long long>(last_response.fraud_cases_opened()));
  }
  std::printf("at end (two models in memory): %s\n", RssLine().c_str());
  return 0;
}
