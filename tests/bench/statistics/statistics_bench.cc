// statistics_bench [--registrations=N] [--db=PATH]
//
// Generates N registrations (default 1,000,000) over the two years up to 2025-06-30 in the 13
// cities of Heilongjiang, about 60% of them deregistered before that day (some entered late), as
// registration-feed events; turns each into facts with the consumer's code (FeedEventOf) and puts
// them into the read model and, in batches of 10,000 events per transaction, into the SQLite store.
// Then prints the build times, the time to reload the model from the store (a restart), the urban
// registered unemployed of one county, one city and the province, the full breakdown of the
// province, and the resident memory.

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/time/date.h"
#include "common/time/time_zone.h"
#include "common/validation/region_directory.h"
#include "services/statistics/read_model.h"
#include "services/statistics/registration_events.h"
#include "services/statistics/sqlite_statistics_store.h"
#include "services/statistics/statistics.h"

namespace {

namespace st = ::unemployment::statistics;
namespace regv1 = ::unemployment::registration::v1;
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
  std::vector<st::FeedEvent> batch;
  int64_t sequence = 0, deregistered = 0;
  double generate_ms = 0, model_ms = 0, store_ms = 0;
  auto flush = [&]() -> bool {
    const auto start = Clock::now();
    auto applied = (*store)->Apply("registration/hlj", batch, 0);
    store_ms += MillisSince(start);
    batch.clear();
    if (!applied.ok()) {
      std::fprintf(stderr, "statistics_bench: error: %s\n", applied.status().ToString().c_str());
      return false;
    }
    return true;
  };
  auto apply = [&](const regv1::Event& event) -> bool {
    auto start = Clock::now();
    auto facts = st::FeedEventOf(event);
    if (!facts.ok()) return false;
    model.Apply(facts->change);
    model_ms += MillisSince(start);
    batch.push_back(*std::move(facts));
    return batch.size() < 10000 || flush();
  };
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
  if (!batch.empty() && !flush()) return 1;
  std::printf("registrations: %lld, deregistrations: %lld, events: %lld, offices: %zu\n",
              static_cast<long long>(count), static_cast<long long>(deregistered),
              static_cast<long long>(sequence), offices.size());
  std::printf("generate events: %.0f ms\n", generate_ms);
  std::printf("build read model from events (event->facts->memory): %.0f ms\n", model_ms);
  std::printf("store events (SQLite, 10,000 events per transaction, synchronous=NORMAL): %.0f ms\n",
              store_ms);
  std::printf("after build: %s\n", RssLine().c_str());

  st::ReadModel reloaded;
  auto start = Clock::now();
  if (!st::LoadReadModel(**store, reloaded).ok()) return 1;
  std::printf("reload read model from SQLite (restart): %.0f ms (%lld registrations)\n",
              MillisSince(start), static_cast<long long>(reloaded.registration_count()));

  st::Statistics statistics(model, *regions);
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
  std::printf("full breakdown of 230000 on 2025-06-30: %.2f ms (best of 5)\n", best);
  std::printf("at end (two models in memory): %s\n", RssLine().c_str());
  return 0;
}
