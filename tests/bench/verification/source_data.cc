#include "tests/bench/verification/source_data.h"

#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"
#include "tests/bench/applicant_generator.h"

namespace unemployment::bench {
namespace {

namespace v1 = ::unemployment::verification::v1;

// County-level codes of Heilongjiang (GB/T 2260): the issuing region of the ID numbers and the
// household region of the population rows.
constexpr const char* kRegions[] = {"230102", "230103", "230104", "230108", "230109", "230110",
                                    "230111", "230112", "230113", "230123", "230124", "230125",
                                    "230202", "230203", "230302", "230402", "230502", "230602"};
constexpr const char* kSurnames[] = {"王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴",
                                     "徐", "孙", "胡", "朱", "高", "林", "何", "郭", "马", "罗"};
constexpr const char* kGivenNames[] = {
    "伟", "芳", "娜",   "秀英", "敏",   "静",   "丽",   "强",   "磊",   "军",
    "洋", "勇", "艳",   "杰",   "娟",   "涛",   "明",   "超",   "秀兰", "霞",
    "平", "刚", "桂英", "建华", "国庆", "志强", "海燕", "晓东", "春梅", "玉兰"};
// The unified social credit code alphabet (GB 32100): digits and capitals except I, O, Z, S, V.
constexpr absl::string_view kCreditAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY";
constexpr int kCreditWeights[17] = {1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28};

// Serials from here on are never given to a person of the population (at most 10,000,000 people
// over more than 15,000 birth days need serials below 700).
constexpr int kUnknownSerialBase = 900;
constexpr int64_t kEmployers = 200000;

// One independent stream of hash values per purpose.
enum Salt : uint64_t {
  kRegionSalt = 1,
  kNameSalt,
  kDeathSalt,
  kInsuranceSalt,
  kFilingSalt,
  kBusinessSalt,
  kSubjectSalt,
  kSubjectDateSalt,
  kStatedNameSalt,
};

// splitmix64 of (index, salt): cheap, well mixed and deterministic.
uint64_t Hash(int64_t index, uint64_t salt) {
  uint64_t z = static_cast<uint64_t>(index) * 0x9E3779B97F4A7C15ULL + salt * 0xD1B54A32D192ED03ULL;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

std::string Date(absl::CivilDay day) {
  return absl::StrFormat("%04d-%02d-%02d", day.year(), day.month(), day.day());
}

// An 18-character unified social credit code: `prefix` (registration authority and type, e.g.
// "91" for a company, "92" for an individual business), a region, a 9-digit organisation number
// and the check character.
std::string CreditCode(absl::string_view prefix, int64_t organisation) {
  std::string first17 = absl::StrFormat("%s230100%09d", prefix, organisation);
  first17.push_back(CreditCodeCheckCharacter(first17));
  return first17;
}

// A day in [from, to] picked by `h` (from <= to).
absl::CivilDay DayBetween(absl::CivilDay from, absl::CivilDay to, uint64_t h) {
  return from + static_cast<int64_t>(h % static_cast<uint64_t>(to - from + 1));
}

}  // namespace

char CreditCodeCheckCharacter(const std::string& first17) {
  int sum = 0;
  for (size_t i = 0; i < 17 && i < first17.size(); ++i) {
    const size_t value = kCreditAlphabet.find(first17[i]);
    sum += static_cast<int>(value == absl::string_view::npos ? 0 : value) * kCreditWeights[i];
  }
  const int check = (31 - sum % 31) % 31;
  return kCreditAlphabet[static_cast<size_t>(check)];
}

SourceData::SourceData(int64_t rows, absl::CivilDay as_of)
    : rows_(rows),
      as_of_(as_of),
      first_birth_(absl::CivilDay(as_of.year() - 60, as_of.month(), 1)),
      birth_days_(absl::CivilDay(as_of.year() - 18, as_of.month(), 1) - first_birth_) {}

std::string SourceData::HeaderLine(v1::Source source) {
  switch (source) {
    case v1::SOURCE_POPULATION:
      return "id_type,id_number,name,sex,birth_date,status,death_date,household_region_code\n";
    case v1::SOURCE_SOCIAL_INSURANCE:
      return "id_type,id_number,name,kind,employer_code,employer_name,start_date,end_date\n";
    case v1::SOURCE_EMPLOYMENT_FILING:
      return "id_type,id_number,name,employer_code,employer_name,hired_on,terminated_on\n";
    case v1::SOURCE_BUSINESS_REGISTRATION:
      return "id_type,id_number,name,role,business_code,business_name,licence_status,"
             "established_on,closed_on\n";
    default:
      return "";
  }
}

absl::CivilDay SourceData::BirthDate(int64_t p) const { return first_birth_ + p % birth_days_; }

bool SourceData::Male(int64_t p) const { return (p / birth_days_) % 2 == 0; }

std::string SourceData::IdNumber(int64_t p, int serial_offset) const {
  const absl::CivilDay birth = BirthDate(p);
  // Serial 1, 2, 3, ... per birth day: odd for men, even for women (GB 11643).
  const int serial = serial_offset + static_cast<int>(p / birth_days_) + 1;
  std::string first17 =
      absl::StrFormat("%s%04d%02d%02d%03d", kRegions[Hash(p, kRegionSalt) % std::size(kRegions)],
                      birth.year(), birth.month(), birth.day(), serial);
  first17.push_back(Mod11_2CheckCharacter(first17));
  return first17;
}

SourceData::Person SourceData::PopulationPerson(int64_t p) const {
  const uint64_t h = Hash(p, kNameSalt);
  return Person{IdNumber(p, 0),
                absl::StrCat(kSurnames[h % std::size(kSurnames)],
                             kGivenNames[(h >> 16) % std::size(kGivenNames)]),
                true};
}

void SourceData::AppendPopulation(int64_t row, std::string& out) const {
  const Person person = PopulationPerson(row);
  const absl::CivilDay birth = BirthDate(row);
  const uint64_t h = Hash(row, kDeathSalt);
  const bool deceased = h % 100 == 0;
  absl::StrAppend(&out, "1,", person.id_number, ",", person.name, ",", Male(row) ? "1" : "2", ",",
                  Date(birth), deceased ? ",DECEASED," : ",ALIVE,",
                  deceased ? Date(as_of_ - static_cast<int64_t>(1 + (h >> 8) % 1000)) : "", ",",
                  kRegions[Hash(row, kRegionSalt) % std::size(kRegions)], "\n");
}

void SourceData::AppendInsurance(int64_t row, std::string& out) const {
  const uint64_t h = Hash(row, kInsuranceSalt);
  const int64_t p = RecordHolder(h);
  const Person person = PopulationPerson(p);
  const uint64_t g = Hash(row, kInsuranceSalt + 100);
  // A pension only for people over 50.
  const bool pension = g % 25 == 0 && BirthDate(p) < absl::CivilDay(as_of_.year() - 50, 1, 1);
  const absl::CivilDay start = as_of_ - static_cast<int64_t>(30 + (g >> 8) % 5000);
  const bool open = pension || (g >> 24) % 3 == 0;
  const std::string end = open ? "" : Date(DayBetween(start, as_of_, g >> 32));
  if (pension) {
    absl::StrAppend(&out, "1,", person.id_number, ",", person.name, ",PENSION,,,", Date(start), ",",
                    end, "\n");
    return;
  }
  const int64_t employer = static_cast<int64_t>((h >> 32) % kEmployers);
  absl::StrAppend(&out, "1,", person.id_number, ",", person.name, ",EMPLOYEE,",
                  CreditCode("91", employer), ",黑龙江第", employer, "有限公司,", Date(start), ",",
                  end, "\n");
}

void SourceData::AppendEmployment(int64_t row, std::string& out) const {
  const uint64_t h = Hash(row, kFilingSalt);
  const int64_t p = RecordHolder(h);
  const Person person = PopulationPerson(p);
  const uint64_t g = Hash(row, kFilingSalt + 100);
  const absl::CivilDay hired = as_of_ - static_cast<int64_t>(30 + (g >> 8) % 5000);
  const bool open = (g >> 24) % 4 == 0;
  const int64_t employer = static_cast<int64_t>((h >> 32) % kEmployers);
  absl::StrAppend(&out, "1,", person.id_number, ",", person.name, ",", CreditCode("91", employer),
                  ",黑龙江第", employer, "有限公司,", Date(hired), ",",
                  open ? "" : Date(DayBetween(hired, as_of_, g >> 32)), "\n");
}

void SourceData::AppendBusiness(int64_t row, std::string& out) const {
  const uint64_t h = Hash(row, kBusinessSalt);
  const int64_t p = RecordHolder(h);
  const Person person = PopulationPerson(p);
  const uint64_t g = Hash(row, kBusinessSalt + 100);
  const absl::CivilDay established = as_of_ - static_cast<int64_t>(30 + (g >> 8) % 7000);
  const uint64_t licence = (g >> 24) % 20;  // 0-11 ACTIVE, 12-16 CANCELLED, 17-19 REVOKED
  absl::StrAppend(&out, "1,", person.id_number, ",", person.name,
                  (g >> 40) % 2 == 0 ? ",OWNER," : ",LEGAL_REPRESENTATIVE,", CreditCode("92", row),
                  ",某某", row, "号商店,",
                  licence < 12   ? "ACTIVE"
                  : licence < 17 ? "CANCELLED"
                                 : "REVOKED",
                  ",", Date(established), ",",
                  licence < 12 ? "" : Date(DayBetween(established, as_of_, g >> 32)), "\n");
}

void SourceData::AppendRows(v1::Source source, int64_t first, int64_t count,
                            std::string& out) const {
  for (int64_t row = first; row < first + count && row < rows_; ++row) {
    switch (source) {
      case v1::SOURCE_POPULATION:
        AppendPopulation(row, out);
        break;
      case v1::SOURCE_SOCIAL_INSURANCE:
        AppendInsurance(row, out);
        break;
      case v1::SOURCE_EMPLOYMENT_FILING:
        AppendEmployment(row, out);
        break;
      case v1::SOURCE_BUSINESS_REGISTRATION:
        AppendBusiness(row, out);
        break;
      default:
        return;
    }
  }
}

std::string SourceData::File(v1::Source source) const {
  std::string out = HeaderLine(source);
  out.reserve(static_cast<size_t>(rows_) * 110);
  AppendRows(source, 0, rows_, out);
  return out;
}

SourceData::Person SourceData::Subject(int64_t index) const {
  const uint64_t h = Hash(index, kSubjectSalt);
  if (h % 100 < 3) {
    // Nobody: a birth day of the population's range with a serial no person has.
    const int64_t p = static_cast<int64_t>((h >> 8) % static_cast<uint64_t>(birth_days_));
    return Person{IdNumber(p, kUnknownSerialBase + static_cast<int>((h >> 40) % 90)), "查无此人",
                  false};
  }
  // Registrants: nine in ten from the people without work, the others (who will mostly be hits)
  // from the working ones; born at most 48 years before as_of, re-drawn otherwise.
  const bool working = (h >> 8) % 10 == 0;
  const absl::CivilDay oldest(as_of_.year() - 48, as_of_.month(), 1);
  int64_t p = 0;
  for (uint64_t attempt = 0; attempt < 16; ++attempt) {
    p = Pick(Hash(index, kSubjectSalt + 1000 + attempt), working);
    if (BirthDate(p) >= oldest) break;
  }
  return PopulationPerson(p);
}

int64_t SourceData::Pick(uint64_t h, bool working) const {
  const uint64_t evens = static_cast<uint64_t>((rows_ + 1) / 2);
  const uint64_t odds = static_cast<uint64_t>(rows_ / 2);
  if (working || odds == 0) return static_cast<int64_t>(2 * (h % evens));
  return static_cast<int64_t>(2 * (h % odds) + 1);
}

int64_t SourceData::RecordHolder(uint64_t h) const {
  // 95% of the records belong to the working people, the rest to anybody.
  if (h % 20 != 0) return Pick(h >> 8, true);
  return static_cast<int64_t>((h >> 8) % static_cast<uint64_t>(rows_));
}

absl::CivilDay SourceData::SubjectDate(int64_t index) const {
  return as_of_ - static_cast<int64_t>(1 + Hash(index, kSubjectDateSalt) % 365);
}

std::string SourceData::StatedName(int64_t index) const {
  Person person = Subject(index);
  if (Hash(index, kStatedNameSalt) % 50 == 0) return person.name + "某";
  return person.name;
}

}  // namespace unemployment::bench
