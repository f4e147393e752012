#include "services/verification/snapshot_rows.h"

#include <algorithm>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/validation/date.h"
#include "common/validation/id_document.h"
#include "common/validation/rules.h"
#include "common/validation/text.h"
#include "common/validation/validation_error.h"

namespace unemployment::verification {
namespace {

namespace rule = ::unemployment::validation::rule;

constexpr size_t kMaxName = 50;
constexpr size_t kMaxOrganisationName = 100;
constexpr absl::string_view kCreditCodeCharacters = "0123456789ABCDEFGHJKLMNPQRTUWXY";
constexpr int kCreditCodeWeights[17] = {1,  3,  9,  27, 19, 26, 16, 17, 20,
                                        29, 25, 13, 8,  24, 10, 30, 28};

const std::vector<std::string>& Columns(v1::Source source) {
  static const auto* const kPopulation = new std::vector<std::string>{
      "id_type",    "id_number", "name",       "sex",
      "birth_date", "status",    "death_date", "household_region_code"};
  static const auto* const kInsurance =
      new std::vector<std::string>{"id_type",       "id_number",     "name",       "kind",
                                   "employer_code", "employer_name", "start_date", "end_date"};
  static const auto* const kEmployment =
      new std::vector<std::string>{"id_type",       "id_number", "name",         "employer_code",
                                   "employer_name", "hired_on",  "terminated_on"};
  static const auto* const kBusiness = new std::vector<std::string>{
      "id_type",       "id_number",      "name",           "role",     "business_code",
      "business_name", "licence_status", "established_on", "closed_on"};
  static const auto* const kNone = new std::vector<std::string>();
  switch (source) {
    case v1::SOURCE_POPULATION:
      return *kPopulation;
    case v1::SOURCE_SOCIAL_INSURANCE:
      return *kInsurance;
    case v1::SOURCE_EMPLOYMENT_FILING:
      return *kEmployment;
    case v1::SOURCE_BUSINESS_REGISTRATION:
      return *kBusiness;
    default:
      return *kNone;
  }
}

// Reads the columns of one row by name and remembers the first broken rule.
class RowReader {
 public:
  RowReader(const CsvRecord& record, const std::vector<std::string>& columns, absl::CivilDay today)
      : record_(record), columns_(columns), today_(today) {}

  bool ok() const { return !violation_.has_value(); }
  std::optional<RowViolation> violation() && { return std::move(violation_); }

  const std::string& Raw(int column) const { return record_.fields[column]; }

  void Fail(int column, absl::string_view rule_name, absl::string_view description) {
    if (violation_.has_value()) return;
    violation_ = RowViolation{record_.line, columns_[column], std::string(rule_name),
                              std::string(description)};
  }

  // Trimmed text: required or optional, single line, at most `max` characters.
  std::string Text(int column, bool required, size_t max) {
    if (!ok()) return {};
    absl::Status status = validation::ValidateText(Raw(column), {required, max, false});
    if (!status.ok()) {
      Fail(column, validation::RuleOf(status), status.message());
      return {};
    }
    return std::string(validation::TrimText(Raw(column)));
  }

  std::optional<absl::CivilDay> Date(int column, bool required, bool not_future) {
    if (!ok()) return std::nullopt;
    absl::string_view text = validation::TrimText(Raw(column));
    if (text.empty()) {
      if (required) Fail(column, rule::kRequired, "the date is required");
      return std::nullopt;
    }
    absl::StatusOr<absl::CivilDay> day =
        not_future ? validation::ParseDateNotAfter(text, today_) : validation::ParseDate(text);
    if (!day.ok()) {
      Fail(column, validation::RuleOf(day.status()), day.status().message());
      return std::nullopt;
    }
    return *day;
  }

  // Columns 0 and 1: id_type and id_number.
  PersonKey Person() {
    PersonKey key;
    int type = 0;
    absl::string_view type_text = validation::TrimText(Raw(0));
    if (type_text.empty()) {
      Fail(0, rule::kRequired, "the ID type is required");
      return key;
    }
    std::optional<validation::IdType> id_type;
    if (absl::SimpleAtoi(type_text, &type)) id_type = validation::IdTypeFromNumber(type);
    if (!id_type.has_value()) {
      Fail(0, rule::kIdTypeUnknown, "the ID type is none of the seven types of common.v1.IdType");
      return key;
    }
    absl::StatusOr<validation::IdDocument> document =
        validation::ParseIdDocument(*id_type, Raw(1), today_);
    if (!document.ok()) {
      Fail(1, validation::RuleOf(document.status()), document.status().message());
      return key;
    }
    key.id_type = type;
    key.id_number = std::move(document->number);
    return key;
  }

  // An 18-character unified social credit code.
  std::string CreditCode(int column, bool required) {
    if (!ok()) return {};
    std::string code(validation::TrimText(Raw(column)));
    if (code.empty()) {
      if (required) Fail(column, rule::kRequired, "the unified social credit code is required");
      return code;
    }
    if (code.size() != 18) {
      Fail(column, rule::kLength, "a unified social credit code has 18 characters");
      return {};
    }
    std::optional<char> check =
        UnifiedCreditCodeCheckCharacter(absl::string_view(code).substr(0, 17));
    if (!check.has_value() || kCreditCodeCharacters.find(code[17]) == absl::string_view::npos) {
      Fail(column, rule::kCharacters,
           "a unified social credit code uses digits and upper-case letters except I, O, Z, S, V");
      return {};
    }
    if (*check != code[17]) {
      Fail(column, rule::kCheckCharacter,
           "the check character does not match the first 17 characters (GB 32100)");
      return {};
    }
    return code;
  }

  // One of `values` (exact, after trimming); returns its index.
  int Choice(int column, const std::vector<absl::string_view>& values) {
    if (!ok()) return -1;
    absl::string_view text = validation::TrimText(Raw(column));
    if (text.empty()) {
      Fail(column, rule::kRequired, "a value is required");
      return -1;
    }
    for (size_t i = 0; i < values.size(); ++i) {
      if (values[i] == text) return static_cast<int>(i);
    }
    Fail(column, rule::kCodeUnknown,
         absl::StrCat("the value must be one of ", absl::StrJoin(values, ", ")));
    return -1;
  }

  void MustBeEmpty(int column, absl::string_view why) {
    if (!ok()) return;
    if (!validation::TrimText(Raw(column)).empty()) Fail(column, rule::kNotApplicable, why);
  }

  void NotBefore(int column, const std::optional<absl::CivilDay>& end,
                 const std::optional<absl::CivilDay>& start) {
    if (!ok() || !end.has_value() || !start.has_value()) return;
    if (*end < *start) Fail(column, rule::kDateOrder, "the end date lies before the start date");
  }

 private:
  const CsvRecord& record_;
  const std::vector<std::string>& columns_;
  absl::CivilDay today_;
  std::optional<RowViolation> violation_;
};

void ReadPopulation(RowReader& r, RowBatch& out) {
  PopulationRecord record;
  record.person = r.Person();
  record.name = r.Text(2, true, kMaxName);
  if (r.ok()) {
    int sex = 0;
    if (!absl::SimpleAtoi(validation::TrimText(r.Raw(3)), &sex) || !common::v1::Sex_IsValid(sex) ||
        sex == common::v1::SEX_UNSPECIFIED) {
      r.Fail(3, rule::kCodeUnknown, "sex must be 1, 2 or 9 (common.v1.Sex)");
    }
    record.sex = sex;
  }
  std::optional<absl::CivilDay> birth = r.Date(4, true, true);
  const int status = r.Choice(5, {"ALIVE", "DECEASED"});
  record.deceased = status == 1;
  if (r.ok() && record.deceased) {
    record.death_date = r.Date(6, true, true);
    if (r.ok() && *record.death_date < *birth) {
      r.Fail(6, rule::kDateOrder, "the death date lies before the birth date");
    }
  } else {
    r.MustBeEmpty(6, "death_date is given only when status is DECEASED");
  }
  if (r.ok()) {
    absl::string_view region = validation::TrimText(r.Raw(7));
    if (region.empty()) {
      r.Fail(7, rule::kRequired, "the household region code is required");
    } else if (region.size() != 6 || !std::all_of(region.begin(), region.end(), [](char c) {
                 return absl::ascii_isdigit(static_cast<unsigned char>(c));
               })) {
      r.Fail(7, rule::kFormat, "the household region code has 6 digits (GB/T 2260)");
    }
    record.household_region_code = std::string(region);
  }
  if (!r.ok()) return;
  record.birth_date = *birth;
  out.population.push_back(std::move(record));
}

void ReadInsurance(RowReader& r, RowBatch& out) {
  InsuranceRecord record;
  record.person = r.Person();
  record.name = r.Text(2, true, kMaxName);
  const int kind = r.Choice(3, {"EMPLOYEE", "PENSION"});
  record.kind = kind == 1 ? InsuranceRecord::Kind::kPension : InsuranceRecord::Kind::kEmployee;
  if (record.kind == InsuranceRecord::Kind::kEmployee) {
    record.employer_code = r.CreditCode(4, true);
    record.employer_name = r.Text(5, true, kMaxOrganisationName);
  } else {
    r.MustBeEmpty(4, "employer columns are empty for kind PENSION");
    r.MustBeEmpty(5, "employer columns are empty for kind PENSION");
  }
  std::optional<absl::CivilDay> start = r.Date(6, true, false);
  record.end_date = r.Date(7, false, false);
  r.NotBefore(7, record.end_date, start);
  if (!r.ok()) return;
  record.start_date = *start;
  out.insurance.push_back(std::move(record));
}

void ReadEmployment(RowReader& r, RowBatch& out) {
  EmploymentRecord record;
  record.person = r.Person();
  record.name = r.Text(2, true, kMaxName);
  record.employer_code = r.CreditCode(3, true);
  record.employer_name = r.Text(4, true, kMaxOrganisationName);
  std::optional<absl::CivilDay> hired = r.Date(5, true, false);
  record.terminated_on = r.Date(6, false, false);
  r.NotBefore(6, record.terminated_on, hired);
  if (!r.ok()) return;
  record.hired_on = *hired;
  out.employment.push_back(std::move(record));
}

void ReadBusiness(RowReader& r, RowBatch& out) {
  BusinessRecord record;
  record.person = r.Person();
  record.name = r.Text(2, true, kMaxName);
  const int role = r.Choice(3, {"OWNER", "LEGAL_REPRESENTATIVE"});
  record.role =
      role == 1 ? BusinessRecord::Role::kLegalRepresentative : BusinessRecord::Role::kOwner;
  record.business_code = r.CreditCode(4, true);
  record.business_name = r.Text(5, true, kMaxOrganisationName);
  const int licence = r.Choice(6, {"ACTIVE", "REVOKED", "CANCELLED"});
  record.licence = licence == 1   ? BusinessRecord::Licence::kRevoked
                   : licence == 2 ? BusinessRecord::Licence::kCancelled
                                  : BusinessRecord::Licence::kActive;
  std::optional<absl::CivilDay> established = r.Date(7, true, false);
  if (record.licence == BusinessRecord::Licence::kActive) {
    r.MustBeEmpty(8, "closed_on is empty while the licence is ACTIVE");
  } else {
    record.closed_on = r.Date(8, true, false);
    r.NotBefore(8, record.closed_on, established);
  }
  if (!r.ok()) return;
  record.established_on = *established;
  out.business.push_back(std::move(record));
}

}  // namespace

std::string HeaderLine(v1::Source source) { return absl::StrJoin(Columns(source), ","); }

std::optional<char> UnifiedCreditCodeCheckCharacter(absl::string_view first17) {
  if (first17.size() != 17) return std::nullopt;
  int sum = 0;
  for (size_t i = 0; i < 17; ++i) {
    size_t value = kCreditCodeCharacters.find(first17[i]);
    if (value == absl::string_view::npos) return std::nullopt;
    sum += static_cast<int>(value) * kCreditCodeWeights[i];
  }
  int check = 31 - sum % 31;
  if (check == 31) check = 0;
  return kCreditCodeCharacters[check];
}

std::optional<RowViolation> ValidateRow(v1::Source source, const CsvRecord& record,
                                        absl::CivilDay today, RowBatch& out) {
  const std::vector<std::string>& columns = Columns(source);
  if (!record.syntax_error.empty()) {
    return RowViolation{record.line, "", "CSV_SYNTAX", record.syntax_error};
  }
  if (record.fields.size() != columns.size()) {
    return RowViolation{record.line, "", "COLUMN_COUNT",
                        absl::StrCat("the line has ", record.fields.size(), " columns, the header ",
                                     columns.size())};
  }
  RowReader reader(record, columns, today);
  switch (source) {
    case v1::SOURCE_POPULATION:
      ReadPopulation(reader, out);
      break;
    case v1::SOURCE_SOCIAL_INSURANCE:
      ReadInsurance(reader, out);
      break;
    case v1::SOURCE_EMPLOYMENT_FILING:
      ReadEmployment(reader, out);
      break;
    case v1::SOURCE_BUSINESS_REGISTRATION:
      ReadBusiness(reader, out);
      break;
    default:
      return RowViolation{record.line, "", "SOURCE_UNKNOWN", "the source is not known"};
  }
  return std::move(reader).violation();
}

}  // namespace unemployment::verification
