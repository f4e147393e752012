#include "services/tiering/type_rules.h"

#include <fstream>
#include <sstream>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/validation/csv.h"

namespace unemployment::tiering {
namespace {

namespace v1c = ::unemployment::common::v1;

constexpr absl::string_view kHeader[] = {"rule_id",           "difficulty_approved", "skill_levels",
                                         "has_qualification", "educations",          "type"};

absl::Status LineError(absl::string_view source, int line, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(source, ":", line, ": ", what));
}

absl::StatusOr<std::optional<bool>> ParseYesNo(absl::string_view value, absl::string_view source,
                                               int line, absl::string_view column) {
  if (value.empty()) return std::optional<bool>();
  if (value == "yes") return std::optional<bool>(true);
  if (value == "no") return std::optional<bool>(false);
  return LineError(source, line,
                   absl::StrCat(column, " must be yes, no or empty, not '", value, "'"));
}

}  // namespace

absl::StatusOr<std::string> ReadTextFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read file \"", path, "\""));
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

absl::StatusOr<TypeRules> TypeRules::Parse(absl::string_view text, absl::string_view source) {
  absl::StatusOr<std::vector<validation::CsvRow>> rows = validation::ParseCsv(text, source);
  if (!rows.ok()) return rows.status();
  if (rows->empty() ||
      rows->front().fields != std::vector<std::string>(std::begin(kHeader), std::end(kHeader))) {
    return LineError(source, 1, absl::StrCat("header must be ", absl::StrJoin(kHeader, ",")));
  }
  std::vector<Rule> rules;
  absl::flat_hash_set<std::string> ids;
  for (size_t i = 1; i < rows->size(); ++i) {
    const validation::CsvRow& row = (*rows)[i];
    if (row.fields.size() == 1 && row.fields[0].empty()) continue;  // blank line
    if (row.fields.size() != std::size(kHeader)) {
      return LineError(
          source, row.line_number,
          absl::StrCat("expected ", std::size(kHeader), " fields, found ", row.fields.size()));
    }
    Rule rule;
    rule.id = row.fields[0];
    if (rule.id.empty()) return LineError(source, row.line_number, "rule_id is empty");
    if (!ids.insert(rule.id).second) {
      return LineError(source, row.line_number, absl::StrCat("duplicate rule_id '", rule.id, "'"));
    }
    absl::StatusOr<std::optional<bool>> approved =
        ParseYesNo(row.fields[1], source, row.line_number, "difficulty_approved");
    if (!approved.ok()) return approved.status();
    rule.difficulty_approved = *approved;
    for (absl::string_view name : absl::StrSplit(row.fields[2], '|', absl::SkipEmpty())) {
      v1::SkillLevel level;
      if (!v1::SkillLevel_Parse(absl::StrCat("SKILL_LEVEL_", name), &level)) {
        return LineError(source, row.line_number, absl::StrCat("unknown skill level '", name, "'"));
      }
      rule.skill_levels.insert(level);
    }
    absl::StatusOr<std::optional<bool>> qualified =
        ParseYesNo(row.fields[3], source, row.line_number, "has_qualification");
    if (!qualified.ok()) return qualified.status();
    rule.has_qualification = *qualified;
    for (absl::string_view code : absl::StrSplit(row.fields[4], '|', absl::SkipEmpty())) {
      int number = 0;
      if (!absl::SimpleAtoi(code, &number) || !v1c::Education_IsValid(number) || number == 0) {
        return LineError(source, row.line_number,
                         absl::StrCat("unknown GB/T 4658 education code '", code, "'"));
      }
      rule.educations.insert(number);
    }
    v1c::UnemploymentType type;
    if (!v1c::UnemploymentType_Parse(absl::StrCat("UNEMPLOYMENT_TYPE_", row.fields[5]), &type) ||
        type == v1c::UNEMPLOYMENT_TYPE_UNSPECIFIED) {
      return LineError(source, row.line_number, absl::StrCat("unknown type '", row.fields[5], "'"));
    }
    rule.type = type;
    rules.push_back(std::move(rule));
  }
  if (rules.empty()) return LineError(source, 1, "no rules");
  const Rule& last = rules.back();
  if (last.difficulty_approved.has_value() || !last.skill_levels.empty() ||
      last.has_qualification.has_value() || !last.educations.empty()) {
    return LineError(source, rows->back().line_number,
                     "the last rule must have no conditions (the default)");
  }
  return TypeRules(std::move(rules));
}

absl::StatusOr<TypeRules> TypeRules::LoadFile(const std::string& path) {
  absl::StatusOr<std::string> text = ReadTextFile(path);
  if (!text.ok()) return text.status();
  return Parse(*text, path);
}

TypeDecision TypeRules::Decide(const TypeFacts& facts) const {
  for (const Rule& rule : rules_) {
    if (rule.difficulty_approved.has_value() &&
        *rule.difficulty_approved != facts.difficulty_approved) {
      continue;
    }
    if (!rule.skill_levels.empty() && !rule.skill_levels.contains(facts.skill_level)) continue;
    if (rule.has_qualification.has_value() && *rule.has_qualification != facts.has_qualification) {
      continue;
    }
    if (!rule.educations.empty() && !rule.educations.contains(facts.education)) continue;
    return {rule.type, rule.id};
  }
  return {};  // unreachable: Parse guarantees an unconditional last rule
}

TypeFacts FactsOf(const v1::Profile& profile, bool difficulty_approved) {
  TypeFacts facts;
  facts.difficulty_approved = difficulty_approved;
  facts.skill_level = profile.skill_level();
  facts.has_qualification = profile.qualifications_size() > 0;
  facts.education = profile.education();
  return facts;
}

}  // namespace unemployment::tiering
