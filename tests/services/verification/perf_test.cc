// Rough timings of import, verification and comparison on synthetic snapshots. Hidden: run with
//   verification_test "[.perf]"   (sizes: UE_PERF_ROWS rows per source, UE_PERF_SUBJECTS subjects)
// The benchmark (100,000 registrations against 1,000,000 rows per source, through the RPC)
// belongs in tests/bench; this only tells the engineer where time goes.
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "tests/services/verification/test_util.h"

namespace unemployment::verification {
namespace {

using testing::CreditCode;
using testing::Fixture;
using testing::ResidentId;

int EnvInt(const char* name, int fallback) {
  const char* value = std::getenv(name);
  return value == nullptr ? fallback : std::atoi(value);
}

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// The i-th synthetic person: 999 serials per birth day from 1970-01-01.
std::string PersonId(int i) {
  const absl::CivilDay day = absl::CivilDay(1970, 1, 1) + i / 999;
  return ResidentId("230102", absl::FormatCivilTime(day).substr(0, 10).erase(7, 1).erase(4, 1),
                    i % 999 + 1);
}

TEST_CASE("timings of import, verify and compare", "[.perf]") {
  const int rows = EnvInt("UE_PERF_ROWS", 100000);
  const int subjects = EnvInt("UE_PERF_SUBJECTS", 10000);
  Fixture f;
  std::vector<std::string> ids;
  ids.reserve(rows);
  for (int i = 0; i < rows; ++i) ids.push_back(PersonId(i));
  const std::string employer = CreditCode("77");
  std::string population = HeaderLine(v1::SOURCE_POPULATION) + "\n";
  std::string insurance = HeaderLine(v1::SOURCE_SOCIAL_INSURANCE) + "\n";
  std::string filing = HeaderLine(v1::SOURCE_EMPLOYMENT_FILING) + "\n";
  std::string business = HeaderLine(v1::SOURCE_BUSINESS_REGISTRATION) + "\n";
  for (int i = 0; i < rows; ++i) {
    absl::StrAppend(&population, "1,", ids[i], ",某人,", i % 999 % 2 == 0 ? 1 : 2,
                    ",1990-01-01,ALIVE,,230102\n");
    absl::StrAppend(&insurance, "1,", ids[i], ",某人,EMPLOYEE,", employer, ",某公司,2020-01-01,",
                    i % 3 == 0 ? "" : "2025-01-31", "\n");
    absl::StrAppend(&filing, "1,", ids[i], ",某人,", employer, ",某公司,2020-01-01,",
                    i % 5 == 0 ? "" : "2025-01-31", "\n");
    absl::StrAppend(&business, "1,", ids[(i * 7) % rows], ",某人,OWNER,", employer,
                    ",某店,CANCELLED,2019-01-01,2024-12-31\n");
  }
  auto start = std::chrono::steady_clock::now();
  UE_REQUIRE_OK(f.Import(v1::SOURCE_POPULATION, "p", population, 1 << 20).status());
  UE_REQUIRE_OK(f.Import(v1::SOURCE_SOCIAL_INSURANCE, "s", insurance, 1 << 20).status());
  UE_REQUIRE_OK(f.Import(v1::SOURCE_EMPLOYMENT_FILING, "e", filing, 1 << 20).status());
  UE_REQUIRE_OK(f.Import(v1::SOURCE_BUSINESS_REGISTRATION, "b", business, 1 << 20).status());
  std::printf("import: 4 x %d rows in %.2f s\n", rows, SecondsSince(start));

  start = std::chrono::steady_clock::now();
  const int verifications = std::min(subjects, 2000);
  for (int i = 0; i < verifications; ++i) {
    UE_REQUIRE_OK(f.Verify(ids[i % rows], "某人", "2025-03-01", "2025-09-30").status());
  }
  std::printf("verify: %d in %.2f s (one at a time, each stored)\n", verifications,
              SecondsSince(start));

  start = std::chrono::steady_clock::now();
  int hits = 0;
  for (int first = 0; first < subjects; first += 1000) {
    v1::CompareActiveRegistrationsRequest batch;
    batch.set_as_of("2025-09-30");
    for (int i = first; i < std::min(subjects, first + 1000); ++i) {
      v1::ComparisonSubject* subject = batch.add_subjects();
      subject->set_registration_id(absl::StrCat("r", i));
      subject->mutable_person_id()->set_id_type(common::v1::ID_TYPE_RESIDENT_ID_CARD);
      subject->mutable_person_id()->set_id_number(ids[i % rows]);
      subject->set_registered_date("2025-03-01");
    }
    auto answer = f.verifier->Compare(batch);
    UE_REQUIRE_OK(answer.status());
    hits += answer->hits_size();
  }
  std::printf("compare: %d subjects in %.2f s, %d hits\n", subjects, SecondsSince(start), hits);
}

}  // namespace
}  // namespace unemployment::verification
