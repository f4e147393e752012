#include "services/tiering/difficulty_criteria.h"

#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/time/date.h"
#include "common/validation/csv.h"
#include "services/tiering/type_rules.h"

namespace unemployment::tiering {
namespace {

namespace v1c = ::unemployment::common::v1;

constexpr absl::string_view kHeader[] = {"version",
                                         "effective_from",
                                         "code",
                                         "title",
                                         "basis",
                                         "min_age_female",
                                         "min_age_male",
                                         "min_unemployed_months",
                                         "evidence_required"};

absl::Status LineError(absl::string_view source, int line, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(source, ":", line, ": ", what));
}

// A positive whole number, or 0 for an empty field.
absl::StatusOr<int> ParseCount(absl::string_view value, absl::string_view source, int line,
                               absl::string_view column) {
  if (value.empty()) return 0;
  int number = 0;
  if (!absl::SimpleAtoi(value, &number) || number <= 0 || number > 1200) {
    return LineError(source, line, absl::StrCat(column, " must be a positive whole number"));
  }
  return number;
}

}  // namespace

absl::StatusOr<DifficultyCriteria> DifficultyCriteria::Parse(absl::string_view text,
                                                             absl::string_view source) {
  absl::StatusOr<std::vector<validation::CsvRow>> rows = validation::ParseCsv(text, source);
  if (!rows.ok()) return rows.status();
  if (rows->empty() ||
      rows->front().fields != std::vector<std::string>(std::begin(kHeader), std::end(kHeader))) {
    return LineError(source, 1, absl::StrCat("header must be ", absl::StrJoin(kHeader, ",")));
  }
  std::vector<CriteriaSet> sets;
  absl::flat_hash_set<std::string> finished_versions;
  absl::flat_hash_set<std::string> codes;
  for (size_t i = 1; i < rows->size(); ++i) {
    const validation::CsvRow& row = (*rows)[i];
    const int line = row.line_number;
    if (row.fields.size() == 1 && row.fields[0].empty()) continue;
    if (row.fields.size() != std::size(kHeader)) {
      return LineError(
          source, line,
          absl::StrCat("expected ", std::size(kHeader), " fields, found ", row.fields.size()));
    }
    const std::string& version = row.fields[0];
    if (version.empty()) return LineError(source, line, "version is empty");
    absl::StatusOr<absl::CivilDay> from = time::ParseDate(row.fields[1]);
    if (!from.ok()) return LineError(source, line, "effective_from must be YYYY-MM-DD");
    if (sets.empty() || sets.back().version != version) {
      if (finished_versions.contains(version)) {
        return LineError(source, line, absl::StrCat("version '", version, "' is not contiguous"));
      }
      if (!sets.empty()) {
        finished_versions.insert(sets.back().version);
        if (*from <= sets.back().effective_from) {
          return LineError(source, line, "versions must be in increasing effective_from order");
        }
      }
      sets.push_back(CriteriaSet{version, *from, {}});
      codes.clear();
    } else if (*from != sets.back().effective_from) {
      return LineError(source, line,
                       absl::StrCat("version '", version, "' changes its effective_from"));
    }
    v1::DifficultyCriterion criterion;
    criterion.set_code(row.fields[2]);
    if (criterion.code().empty()) return LineError(source, line, "code is empty");
    if (!codes.insert(criterion.code()).second) {
      return LineError(source, line, absl::StrCat("duplicate code '", criterion.code(), "'"));
    }
    criterion.set_title(row.fields[3]);
    if (criterion.title().empty()) return LineError(source, line, "title is empty");
    v1::CriterionBasis basis;
    if (!v1::CriterionBasis_Parse(absl::StrCat("CRITERION_BASIS_", row.fields[4]), &basis) ||
        basis == v1::CRITERION_BASIS_UNSPECIFIED) {
      return LineError(source, line, absl::StrCat("unknown basis '", row.fields[4], "'"));
    }
    criterion.set_basis(basis);
    absl::StatusOr<int> female = ParseCount(row.fields[5], source, line, "min_age_female");
    if (!female.ok()) return female.status();
    absl::StatusOr<int> male = ParseCount(row.fields[6], source, line, "min_age_male");
    if (!male.ok()) return male.status();
    absl::StatusOr<int> months = ParseCount(row.fields[7], source, line, "min_unemployed_months");
    if (!months.ok()) return months.status();
    criterion.set_min_age_female(*female);
    criterion.set_min_age_male(*male);
    criterion.set_min_unemployed_months(*months);
    criterion.set_evidence_required(row.fields[8]);
    if (basis == v1::CRITERION_BASIS_AGE_BY_SEX && (*female == 0 || *male == 0)) {
      return LineError(source, line, "AGE_BY_SEX needs min_age_female and min_age_male");
    }
    if (basis == v1::CRITERION_BASIS_UNEMPLOYED_DURATION && *months == 0) {
      return LineError(source, line, "UNEMPLOYED_DURATION needs min_unemployed_months");
    }
    if (basis == v1::CRITERION_BASIS_DECLARED && criterion.evidence_required().empty()) {
      return LineError(source, line, "DECLARED needs evidence_required");
    }
    sets.back().criteria.push_back(std::move(criterion));
  }
  if (sets.empty()) return LineError(source, 1, "no criteria");
  return DifficultyCriteria(std::move(sets));
}

absl::StatusOr<DifficultyCriteria> DifficultyCriteria::LoadFile(const std::string& path) {
  absl::StatusOr<std::string> text = ReadTextFile(path);
  if (!text.ok()) return text.status();
  return Parse(*text, path);
}

const CriteriaSet* DifficultyCriteria::InForce(absl::CivilDay day) const {
  const CriteriaSet* found = nullptr;
  for (const CriteriaSet& set : sets_) {
    if (set.effective_from <= day) found = &set;
  }
  return found;
}

std::vector<v1::CriterionResult> EvaluateCriteria(const CriteriaSet& set,
                                                  const DifficultyFacts& facts,
                                                  absl::CivilDay as_of) {
  std::vector<v1::CriterionResult> results;
  const std::string day = time::FormatDate(as_of);
  for (const v1::DifficultyCriterion& criterion : set.criteria) {
    v1::CriterionResult result;
    result.set_criterion_code(criterion.code());
    switch (criterion.basis()) {
      case v1::CRITERION_BASIS_AGE_BY_SEX: {
        absl::StatusOr<absl::CivilDay> birth = time::ParseDate(facts.birth_date);
        const bool female = facts.sex == v1c::SEX_FEMALE;
        const bool male = facts.sex == v1c::SEX_MALE;
        if (!birth.ok() || (!female && !male)) {
          result.set_explanation("出生日期或性别不详，无法判断年龄条件");
          break;
        }
        // Whole years with the month-end rule: born 29 February, a year older on 28 February.
        const int age = time::WholeMonthsElapsed(*birth, as_of) / 12;
        const int minimum = female ? criterion.min_age_female() : criterion.min_age_male();
        result.set_met(age >= minimum);
        result.set_explanation(absl::StrCat(female ? "女" : "男", "，", day, "时年满", age,
                                            "周岁，条件为", minimum, "周岁以上"));
        break;
      }
      case v1::CRITERION_BASIS_UNEMPLOYED_DURATION: {
        const int months = std::max(0, time::WholeMonthsElapsed(facts.registered, as_of));
        result.set_met(months >= criterion.min_unemployed_months());
        result.set_explanation(absl::StrCat(day, "时已登记失业", months, "个月，条件为",
                                            criterion.min_unemployed_months(), "个月以上"));
        break;
      }
      case v1::CRITERION_BASIS_DECLARED: {
        auto it = facts.declared.find(criterion.code());
        result.set_met(it != facts.declared.end() && !it->second.empty());
        result.set_explanation(
            result.met() ? absl::StrCat("申报并提供", criterion.evidence_required()) : "未申报");
        break;
      }
      default:
        break;
    }
    results.push_back(std::move(result));
  }
  return results;
}

bool AnyMet(const std::vector<v1::CriterionResult>& results) {
  for (const v1::CriterionResult& result : results) {
    if (result.met()) return true;
  }
  return false;
}

}  // namespace unemployment::tiering
