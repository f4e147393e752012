#include "services/followup/credit_export.h"

#include <cstdint>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace unemployment::followup {
namespace {

constexpr const char* kKeys[] = {"record_id",   "id_type",      "id_number",         "name",
                                 "city_code",   "behaviour",    "description",       "amount_fen",
                                 "concluded_on", "decision_document", "reported_month"};

std::string Behaviour(v1::FraudBenefit benefit) {
  return benefit == v1::FRAUD_BENEFIT_SUPPORT_POLICY ? "SUPPORT_POLICY_FRAUD"
                                                     : "UNEMPLOYMENT_INSURANCE_FRAUD";
}

// The values of one record in key order; `numeric` marks the JSON numbers.
std::vector<std::string> Values(const v1::FraudCase& c) {
  return {c.case_id(),
          absl::StrCat(static_cast<int>(c.person_id().id_type())),
          c.person_id().id_number(),
          c.name(),
          c.city_code(),
          Behaviour(c.benefit()),
          c.description(),
          absl::StrCat(c.amount_involved_fen()),
          c.concluded_on(),
          c.decision_document(),
          c.reported_month()};
}

bool IsNumeric(size_t index) { return index == 1 || index == 7; }

std::string CsvField(const std::string& value) {
  if (value.find_first_of(",\"\r\n") == std::string::npos) return value;
  std::string out = "\"";
  for (char c : value) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

std::string JsonString(const std::string& value) {
  std::string out = "\"";
  for (unsigned char c : value) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          out += absl::StrFormat("\\u%04x", c);
        } else {
          out += static_cast<char>(c);  // UTF-8 passes through unchanged
        }
    }
  }
  out += '"';
  return out;
}

}  // namespace

std::string CreditRecordsCsv(const std::vector<v1::FraudCase>& cases) {
  std::string out = absl::StrCat(absl::StrJoin(kKeys, ","), "\r\n");
  for (const v1::FraudCase& c : cases) {
    std::vector<std::string> values = Values(c);
    for (std::string& value : values) value = CsvField(value);
    absl::StrAppend(&out, absl::StrJoin(values, ","), "\r\n");
  }
  return out;
}

std::string CreditRecordsJson(const std::vector<v1::FraudCase>& cases) {
  std::string out = "{\"format_version\":\"1\",\"records\":[";
  bool first_record = true;
  for (const v1::FraudCase& c : cases) {
    if (!first_record) out += ",";
    first_record = false;
    out += "{";
    std::vector<std::string> values = Values(c);
    for (size_t i = 0; i < values.size(); ++i) {
      if (i > 0) out += ",";
      absl::StrAppend(&out, JsonString(kKeys[i]), ":",
                      IsNumeric(i) ? values[i] : JsonString(values[i]));
    }
    out += "}";
  }
  out += "]}";
  return out;
}

}  // namespace unemployment::followup
