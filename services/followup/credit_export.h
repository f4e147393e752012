#pragma once

// The credit-record file of confirmed fraud cases (失信行为记录), in the layout documented at
// ExportFormat in followup_service.proto: one record per case with the keys record_id, id_type,
// id_number, name, city_code, behaviour, description, amount_fen, concluded_on,
// decision_document, reported_month, in that order.

#include <string>
#include <vector>

#include "unemployment/followup/v1/followup_service.pb.h"

namespace unemployment::followup {

// RFC 4180 CSV, UTF-8 without BOM, CRLF line ends: a header line of the keys, then one line per
// record. Fields holding a comma, a double quote, CR or LF are quoted, with quotes doubled.
std::string CreditRecordsCsv(const std::vector<v1::FraudCase>& cases);

// {"format_version":"1","records":[{...},...]}: id_type and amount_fen are numbers, everything
// else strings.
std::string CreditRecordsJson(const std::vector<v1::FraudCase>& cases);

// The parts of those files, for paged exports: the file is Opening(format) + Record(format, case,
// i) for i = 0, 1, ... + Closing(format), where i is the record's position in the whole file.
std::string CreditRecordsOpening(v1::ExportFormat format);
std::string CreditRecord(v1::ExportFormat format, const v1::FraudCase& fraud_case, size_t index);
std::string CreditRecordsClosing(v1::ExportFormat format);

}  // namespace unemployment::followup
