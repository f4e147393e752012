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

std::string CreditRecordsOpening(v1::ExportFormat format) {
  if (format == v1::EXPORT_FORMAT_CSV) return absl::StrCat(absl::StrJoin(kKeys, ","), "\r\n");
  return "{\"format_version\":\"1\",\"records\":[";
}

std::string CreditRecord(v1::ExportFormat format, const v1::FraudCase& fraud_case, size_t index) {
  std::vector<std::string> values = Values(fraud_case);
  if (format == v1::EXPORT_FORMAT_CSV) {
    for (std::string& value : values) value = CsvField(value);
    return absl::StrCat(absl::StrJoin(values, ","), "\r\n");
  }
  std::string out = index > 0 ? ",{" : "{";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += ",";
    absl::StrAppend(&out, JsonString(kKeys[i]), ":",
                    IsNumeric(i) ? values[i] : JsonString(values[i]));
  }
  out += "}";
  return out;
}

std::string CreditRecordsClosing(v1::ExportFormat format) {
  return format == v1::EXPORT_FORMAT_CSV ? "" : "]}";
}

namespace {

std::string WholeFile(v1::ExportFormat format, const std::vector<v1::FraudCase>& cases) {
  std::string out = CreditRecordsOpening(format);
  for (size_t i = 0; i < cases.size(); ++i) out += CreditRecord(format, cases[i], i);
  out += CreditRecordsClosing(format);
  return out;
}

}  // namespace

std::string CreditRecordsCsv(const std::vector<v1::FraudCase>& cases) {
  return WholeFile(v1::EXPORT_FORMAT_CSV, cases);
}

std::string CreditRecordsJson(const std::vector<v1::FraudCase>& cases) {
  return WholeFile(v1::EXPORT_FORMAT_JSON, cases);
}

}  // namespace unemployment::followup
