#pragma once

// The records of the four external sources as the verification logic sees them, whatever holds
// them (a SQLite snapshot, a live endpoint). Plain structs: no storage or gRPC types.

#include <optional>
#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "unemployment/verification/v1/verification_service.pb.h"

namespace unemployment::verification {


// Identity in the suite: ID type (common.v1.IdType number) and normalised ID number.
struct PersonKey {
  int id_type = 0;
  std::string id_number;
};

// Public-security population data (公安人口信息).
struct PopulationRecord {
  PersonKey person;
  std::string name;
  // common.v1.Sex number (1 male, 2 female, 9 not stated).
  int sex = 0;
  absl::CivilDay birth_date;
  bool deceased = false;
  std::optional<absl::CivilDay> death_date;
  std::string household_region_code;
};

// Social-insurance enrollment (社会保险参保登记).
struct InsuranceRecord {
  enum class Kind { kEmployee, kPension };
  PersonKey person;
  std::string name;
  Kind kind = Kind::kEmployee;
  // Empty for kPension.
  std::string employer_code;
  std::string employer_name;
  absl::CivilDay start_date;
  std::optional<absl::CivilDay> end_date;
};

// Labour employment filing (劳动用工备案).
struct EmploymentRecord {
  PersonKey person;
  std::string name;
  std::string employer_code;
  std::string employer_name;
  absl::CivilDay hired_on;
  std::optional<absl::CivilDay> terminated_on;
};

// Business registration (工商注册).
struct BusinessRecord {
  enum class Role { kOwner, kLegalRepresentative };
  enum class Licence { kActive, kRevoked, kCancelled };
  PersonKey person;
  std::string name;
  Role role = Role::kOwner;
  std::string business_code;
  std::string business_name;
  Licence licence = Licence::kActive;
  absl::CivilDay established_on;
  std::optional<absl::CivilDay> closed_on;
};

// What one source holds about one person, read from one snapshot (or one live answer).
template <typename Record>
struct SourceReading {
  // The snapshot version (or the live endpoint's data version) the records come from.
  std::string snapshot_version;
  std::vector<Record> records;
};

}  // namespace unemployment::verification
