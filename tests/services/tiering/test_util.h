#pragma once

// Shared helpers of the tiering tests: a temporary folder, the shipped rules data, a Tiering over
// a real SQLite file with a FakeClock, and registration events as registration's feed sends them.

#include <stdlib.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "common/time/clock.h"
#include "common/time/time_zone.h"
#include "services/tiering/difficulty_criteria.h"
#include "services/tiering/sqlite_tiering_store.h"
#include "services/tiering/tiering.h"
#include "services/tiering/type_rules.h"
#include "tests/common/require_ok.h"
#include "tests/testing/resident_id.h"
#include "tests/testing/temp_dir.h"
#include "unemployment/registration/v1/registration_service.pb.h"

namespace unemployment::tiering::testing {

namespace reg = ::unemployment::registration::v1;
namespace v1c = ::unemployment::common::v1;

// Temporary folders come from the shared test support (tests/testing/temp_dir.h).
using ::unemployment::testing::TempDir;

inline std::string DataFile(const std::string& name) {
  return absl::StrCat(UE_SOURCE_DIR, "/data/tiering/", name);
}

inline const TypeRules& ShippedTypeRules() {
  static const TypeRules* rules = [] {
    absl::StatusOr<TypeRules> loaded = TypeRules::LoadFile(DataFile("type_rules.csv"));
    REQUIRE(loaded.ok());
    return new TypeRules(*std::move(loaded));
  }();
  return *rules;
}

inline const DifficultyCriteria& ShippedCriteria() {
  static const DifficultyCriteria* criteria = [] {
    absl::StatusOr<DifficultyCriteria> loaded =
        DifficultyCriteria::LoadFile(DataFile("difficulty_criteria.csv"));
    REQUIRE(loaded.ok());
    return new DifficultyCriteria(*std::move(loaded));
  }();
  return *criteria;
}

inline absl::CivilDay Day(int y, int m, int d) { return absl::CivilDay(y, m, d); }

// Noon in China on `day`.
inline absl::Time NoonOf(absl::CivilDay day) {
  return absl::FromCivil(absl::CivilSecond(day.year(), day.month(), day.day(), 12, 0, 0),
                         time::ChinaTimeZone());
}

// A Tiering over a SQLite file in a temp folder, with a FakeClock.
struct Env {
  explicit Env(const std::string& path, absl::CivilDay today = Day(2025, 6, 1))
      : clock(NoonOf(today)) {
    absl::StatusOr<std::unique_ptr<SqliteTieringStore>> opened = SqliteTieringStore::Open(path);
    REQUIRE(opened.ok());
    store = *std::move(opened);
    tiering =
        std::make_unique<Tiering>(*store, clock, ShippedTypeRules(), ShippedCriteria(), nullptr);
  }
  void SetToday(absl::CivilDay day) { clock.Set(NoonOf(day)); }

  time::FakeClock clock;
  std::unique_ptr<SqliteTieringStore> store;
  std::unique_ptr<Tiering> tiering;
};

struct Person {
  std::string id = "hlj-r1";
  std::string registered_date = "2025-01-15";
  std::string office = "230103";
  v1c::Sex sex = v1c::SEX_MALE;
  std::string birth_date = "1990-03-10";
  v1c::Education education = v1c::EDUCATION_HIGH_SCHOOL;
  bool qualification = false;
};

inline reg::Registration RegistrationOf(const Person& person) {
  reg::Registration r;
  r.set_id(person.id);
  r.set_name(absl::StrCat("姓名", person.id));
  r.mutable_person_id()->set_id_type(v1c::ID_TYPE_RESIDENT_ID_CARD);
  r.mutable_person_id()->set_id_number("230103199003100011");
  r.set_office_region_code(person.office);
  r.set_registered_date(person.registered_date);
  r.set_state(reg::REGISTRATION_STATE_ACTIVE);
  r.set_birth_date(person.birth_date);
  r.mutable_form()->set_sex(person.sex);
  r.mutable_form()->set_education(person.education);
  r.mutable_form()->set_unemployment_cause(v1c::UNEMPLOYMENT_CAUSE_RESIGNED);
  r.mutable_form()->add_job_intentions("电工");
  if (person.qualification) {
    v1c::Qualification* q = r.mutable_form()->add_qualifications();
    q->set_name("电工");
    q->set_level("四级/中级工");
  }
  return r;
}

inline reg::Event Created(int64_t sequence, const Person& person) {
  reg::Event event;
  event.set_sequence(sequence);
  event.set_shard_id("hlj");
  *event.mutable_registration_created()->mutable_registration() = RegistrationOf(person);
  return event;
}

inline reg::Event Deregistered(int64_t sequence, const Person& person,
                               const std::string& effective_date) {
  reg::Event event;
  event.set_sequence(sequence);
  event.set_shard_id("hlj");
  reg::Registration r = RegistrationOf(person);
  r.set_state(reg::REGISTRATION_STATE_DEREGISTERED);
  r.mutable_deregistration()->set_reason(v1c::DEREGISTRATION_REASON_HIRED);
  r.mutable_deregistration()->set_effective_date(effective_date);
  *event.mutable_registration_deregistered()->mutable_registration() = r;
  return event;
}

}  // namespace unemployment::tiering::testing
