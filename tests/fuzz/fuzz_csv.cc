// Fuzzes the CSV readers that take files from outside: the gateway's routing table and shard
// address list, the verification snapshot reader with its row rules (fed in random-sized pieces,
// as a stream arrives), and the statistics report tables a caller supplies for comparison.
#include <cstddef>
#include <cstdint>
#include <string>

#include "services/gateway/routing_table.h"
#include "services/statistics/report_table.h"
#include "services/verification/csv_reader.h"
#include "services/verification/snapshot_rows.h"
#include "tests/fuzz/fuzz_util.h"

namespace {

const unemployment::statistics::ReportTable& Table() {
  static const auto* table = [] {
    auto* t = new unemployment::statistics::ReportTable();
    t->column_keys = {"registered", "urban"};
    t->column_headers = {"登记人数", "城镇"};
    t->rows.push_back({"230000", "黑龙江省", {10, 7}, {}});
    t->rows.push_back({"230100", "哈尔滨市", {4, std::nullopt}, {}});
    return t;
  }();
  return *table;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  unemployment::fuzz::Input in = unemployment::fuzz::Split(data, size);
  switch (in.selector % 4) {
    case 0: {
      auto table = unemployment::gateway::RoutingTable::FromCsv(in.rest, "fuzz.csv");
      if (table.ok()) {
        (void)table->ShardNames();
        (void)table->ShardFor("230103");
        (void)table->ShardFor(in.rest.substr(0, 6));
      }
      break;
    }
    case 1:
      (void)unemployment::gateway::ParseShardAddresses(in.rest);
      (void)unemployment::gateway::IsValidShardName(in.rest);
      break;
    case 2: {
      namespace vv = unemployment::verification;
      auto source = static_cast<vv::v1::Source>(1 + in.selector / 4 % 4);
      vv::RowBatch batch;
      bool header = true;
      vv::CsvStreamReader reader([&](vv::CsvRecord& record) {
        if (!record.syntax_error.empty()) return;
        if (header) {
          header = false;
          return;
        }
        (void)vv::ValidateRow(source, record, unemployment::fuzz::Today(), batch);
      });
      // Feed in pieces whose sizes come from the input itself.
      absl::string_view rest = in.rest;
      size_t piece = 1 + in.selector % 7;
      while (!rest.empty()) {
        size_t n = std::min(piece, rest.size());
        reader.Feed(rest.substr(0, n));
        rest.remove_prefix(n);
        piece = piece * 3 % 61 + 1;
      }
      reader.Finish();
      break;
    }
    case 3:
      (void)unemployment::statistics::ParseReportCsv(in.rest, Table());
      break;
  }
  return 0;
}
