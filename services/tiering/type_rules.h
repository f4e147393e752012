#pragma once

// The type rules (三类: skilled, lacking skills, employment difficulty) as data: an ordered list
// loaded from data/tiering/type_rules.csv (format in data/tiering/README.md). The first rule whose
// conditions all hold decides; the last rule is an unconditional default. Immutable after loading.

#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "unemployment/common/v1/codes.pb.h"
#include "unemployment/tiering/v1/tiering_service.pb.h"

namespace unemployment::tiering {

// What the type depends on.
struct TypeFacts {
  bool difficulty_approved = false;
  v1::SkillLevel skill_level = v1::SKILL_LEVEL_UNSPECIFIED;
  bool has_qualification = false;
  common::v1::Education education = common::v1::EDUCATION_UNSPECIFIED;
};

struct TypeDecision {
  common::v1::UnemploymentType type = common::v1::UNEMPLOYMENT_TYPE_UNSPECIFIED;
  std::string rule_id;
};

class TypeRules final {
 public:
  struct Rule {
    std::string id;
    std::optional<bool> difficulty_approved;
    absl::flat_hash_set<int> skill_levels;  // empty: any
    std::optional<bool> has_qualification;
    absl::flat_hash_set<int> educations;  // empty: any
    common::v1::UnemploymentType type = common::v1::UNEMPLOYMENT_TYPE_UNSPECIFIED;
  };

  // Parses the CSV text; `source` names it in errors ("type_rules.csv:4: unknown type 'X'").
  // INVALID_ARGUMENT for a wrong header, a wrong field count, an unknown value, a duplicate
  // rule_id, no rules, or a last rule with conditions.
  static absl::StatusOr<TypeRules> Parse(absl::string_view text, absl::string_view source);
  // Reads and parses a file; NOT_FOUND when it cannot be read.
  static absl::StatusOr<TypeRules> LoadFile(const std::string& path);

  TypeDecision Decide(const TypeFacts& facts) const;
  const std::vector<Rule>& rules() const { return rules_; }

 private:
  explicit TypeRules(std::vector<Rule> rules) : rules_(std::move(rules)) {}
  std::vector<Rule> rules_;
};

// The facts of a profile; `difficulty_approved` comes from its identifications.
TypeFacts FactsOf(const v1::Profile& profile, bool difficulty_approved);

// Reads a whole text file (for the data files of this service).
absl::StatusOr<std::string> ReadTextFile(const std::string& path);

}  // namespace unemployment::tiering
