// The bulk comparison reads each source once per batch (ReferenceSource::FindMany; the SQLite
// snapshots read a batch in one read transaction, in the order of the person index). This checks
// on a generated data set that its answers are exactly those of the per-person path (Find for every
// subject and source, as before), batch by batch: hits with their evidence and order, unchecked
// subjects and their reasons, and the errors.
#include <catch2/catch.hpp>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "google/protobuf/util/message_differencer.h"
#include "tests/services/verification/test_util.h"

namespace unemployment::verification {
namespace {

using testing::CreditCode;
using testing::Fixture;
using testing::ResidentId;

// A source that only answers Find: FindMany falls back to one Find per person (the old path).
template <typename Record>
class PerPersonSource final : public ReferenceSource<Record> {
 public:
  explicit PerPersonSource(ReferenceSource<Record>& inner) : inner_(inner) {}
  absl::StatusOr<std::optional<SourceReading<Record>>> Find(const PersonKey& person) override {
    return inner_.Find(person);
  }

 private:
  ReferenceSource<Record>& inner_;
};

struct Random {
  uint64_t state = 0x9E3779B97F4A7C15ull;
  int Below(int n) {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<int>((state >> 33) % static_cast<uint64_t>(n));
  }
};

std::string Day(absl::CivilDay day) { return absl::FormatCivilTime(day).substr(0, 10); }

// The i-th person: birth days spread over 1958..1999, so that some reached retirement age.
std::string PersonId(int i) {
  const absl::CivilDay born = absl::CivilDay(1958, 1, 1) + (i * 53) % 15000;
  return ResidentId("230102", absl::FormatCivilTime(born).substr(0, 10).erase(7, 1).erase(4, 1),
                    i % 999 + 1);
}
absl::CivilDay BornOn(int i) { return absl::CivilDay(1958, 1, 1) + (i * 53) % 15000; }

struct DataSet {
  std::string population, insurance, filing, business;
};

// `people` persons; about 5% are missing from the population data (but may be in the status
// sources), some have several rows per source, some rows start on the same day (the row order
// then decides), dates fall on both sides of the registered dates and of as_of (2025-09-30).
DataSet Generate(int people) {
  Random r;
  DataSet d;
  d.population = HeaderLine(v1::SOURCE_POPULATION) + "\n";
  d.insurance = HeaderLine(v1::SOURCE_SOCIAL_INSURANCE) + "\n";
  d.filing = HeaderLine(v1::SOURCE_EMPLOYMENT_FILING) + "\n";
  d.business = HeaderLine(v1::SOURCE_BUSINESS_REGISTRATION) + "\n";
  const absl::CivilDay base(2024, 1, 1);
  for (int i = 0; i < people; ++i) {
    const std::string id = PersonId(i);
    const int serial = i % 999 + 1;
    if (r.Below(20) != 0) {
      const bool dead = r.Below(15) == 0;
      absl::StrAppend(&d.population, "1,", id, ",某人,", serial % 2 == 1 ? 1 : 2, ",",
                      Day(BornOn(i)), dead ? ",DECEASED," : ",ALIVE,",
                      dead ? Day(base + r.Below(650)) : "", ",230102\n");
    }
    for (int n = r.Below(4) == 0 ? r.Below(4) : 0; n > 0; --n) {
      const absl::CivilDay start = base + r.Below(4) * 150;
      const bool pension = r.Below(6) == 0;
      absl::StrAppend(&d.insurance, "1,", id, ",某人,", pension ? "PENSION,,," : "EMPLOYEE,",
                      pension ? "" : CreditCode(absl::StrCat(r.Below(50))),
                      pension ? "" : absl::StrCat(",公司", r.Below(9), ","), Day(start), ",",
                      r.Below(2) == 0 ? "" : Day(start + r.Below(400)), "\n");
    }
    for (int n = r.Below(4) == 0 ? r.Below(3) : 0; n > 0; --n) {
      const absl::CivilDay hired = base + r.Below(3) * 200;
      absl::StrAppend(&d.filing, "1,", id, ",某人,", CreditCode(absl::StrCat(r.Below(50))), ",单位",
                      r.Below(9), ",", Day(hired), ",",
                      r.Below(3) == 0 ? "" : Day(hired + r.Below(500)), "\n");
    }
    for (int n = r.Below(6) == 0 ? r.Below(3) : 0; n > 0; --n) {
      const absl::CivilDay established = base + r.Below(3) * 250;
      const int licence = r.Below(3);
      absl::StrAppend(
          &d.business, "1,", id, ",某人,", r.Below(2) == 0 ? "OWNER," : "LEGAL_REPRESENTATIVE,",
          CreditCode(absl::StrCat(r.Below(90))), ",店", r.Below(9), ",",
          licence == 0   ? "ACTIVE,"
          : licence == 1 ? "REVOKED,"
                         : "CANCELLED,",
          Day(established), ",", licence == 0 ? "" : Day(established + r.Below(600)), "\n");
    }
  }
  return d;
}

// Batches of up to 1,000 subjects drawn from 1.1 x `people` indexes (some unknown to every
// source), with repeats inside a batch and registered dates over 2024-2025.
std::vector<v1::CompareActiveRegistrationsRequest> Batches(int people, int subjects) {
  Random r;
  r.state = 42;
  std::vector<v1::CompareActiveRegistrationsRequest> batches;
  for (int first = 0; first < subjects; first += 1000) {
    v1::CompareActiveRegistrationsRequest& batch = batches.emplace_back();
    batch.set_as_of("2025-09-30");
    for (int i = first; i < std::min(subjects, first + 1000); ++i) {
      const int person = i % 97 == 0 && i > first ? r.Below(people) : r.Below(people * 11 / 10);
      v1::ComparisonSubject* subject = batch.add_subjects();
      subject->set_registration_id(absl::StrCat("r", i));
      subject->mutable_person_id()->set_id_type(common::v1::ID_TYPE_RESIDENT_ID_CARD);
      subject->mutable_person_id()->set_id_number(PersonId(person));
      subject->set_registered_date(Day(absl::CivilDay(2024, 1, 1) + r.Below(600)));
    }
  }
  return batches;
}

// Every batch answered by `batched` equals the per-person answer, error or message.
void RequireSameAnswers(Verifier& batched, Verifier& per_person,
                        const std::vector<v1::CompareActiveRegistrationsRequest>& batches) {
  for (const v1::CompareActiveRegistrationsRequest& batch : batches) {
    absl::StatusOr<v1::CompareActiveRegistrationsResponse> expected = per_person.Compare(batch);
    absl::StatusOr<v1::CompareActiveRegistrationsResponse> actual = batched.Compare(batch);
    REQUIRE(actual.status() == expected.status());
    if (!expected.ok()) continue;
    INFO(actual->ShortDebugString().substr(0, 2000));
    INFO(expected->ShortDebugString().substr(0, 2000));
    REQUIRE(google::protobuf::util::MessageDifferencer::Equals(*actual, *expected));
  }
}

TEST_CASE("the batched comparison answers exactly as one look-up per subject and source") {
  constexpr int kPeople = 6000;
  Fixture f;
  const ReferenceSources sqlite = f.store->Sources();
  PerPersonSource<PopulationRecord> population(*sqlite.population);
  PerPersonSource<InsuranceRecord> insurance(*sqlite.social_insurance);
  PerPersonSource<EmploymentRecord> filing(*sqlite.employment_filing);
  PerPersonSource<BusinessRecord> business(*sqlite.business_registration);
  Verifier per_person(ReferenceSources{&population, &insurance, &filing, &business}, *f.store,
                      f.clock);
  const DataSet data = Generate(kPeople);
  const std::vector<v1::CompareActiveRegistrationsRequest> batches = Batches(kPeople, 7500);

  // No population data: every batch fails alike.
  RequireSameAnswers(*f.verifier, per_person, {batches.front()});
  REQUIRE_FALSE(f.verifier->Compare(batches.front()).ok());

  UE_REQUIRE_OK(f.Import(v1::SOURCE_POPULATION, "p1", data.population, 1 << 16).status());
  UE_REQUIRE_OK(f.Import(v1::SOURCE_SOCIAL_INSURANCE, "s1", data.insurance, 1 << 16).status());
  UE_REQUIRE_OK(f.Import(v1::SOURCE_EMPLOYMENT_FILING, "e1", data.filing, 1 << 16).status());
  // Business registration not loaded yet: subjects without evidence are unchecked.
  RequireSameAnswers(*f.verifier, per_person, batches);

  UE_REQUIRE_OK(f.Import(v1::SOURCE_BUSINESS_REGISTRATION, "b1", data.business, 1 << 16).status());
  RequireSameAnswers(*f.verifier, per_person, batches);

  // The data set exercises every kind of answer.
  int hits = 0, unchecked = 0;
  std::set<int> kinds;
  for (const auto& batch : batches) {
    absl::StatusOr<v1::CompareActiveRegistrationsResponse> answer = f.verifier->Compare(batch);
    UE_REQUIRE_OK(answer.status());
    hits += answer->hits_size();
    unchecked += answer->unchecked_size();
    for (const v1::ComparisonHit& hit : answer->hits()) kinds.insert(hit.kind());
  }
  CHECK(hits > 500);
  CHECK(unchecked > 300);
  CHECK(kinds.size() == 5);

  // A newer snapshot replaces the old one for both paths.
  UE_REQUIRE_OK(f.Import(v1::SOURCE_SOCIAL_INSURANCE, "s2",
                         HeaderLine(v1::SOURCE_SOCIAL_INSURANCE) + "\n", 1 << 16)
                    .status());
  RequireSameAnswers(*f.verifier, per_person, batches);
}

}  // namespace
}  // namespace unemployment::verification
