// verification_datagen: writes the benchmark's synthetic snapshots of the four sources as CSV
// files, for loading by hand with uectl import-snapshot or for looking at them.
//
//   verification_datagen --out_dir=DIR [--rows=1000000] [--as_of=YYYY-MM-DD]
//
// Writes DIR/population.csv, social_insurance.csv, employment_filing.csv and
// business_registration.csv: the same bytes verification_bench loads with the same flags.

#include <fstream>
#include <iostream>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "common/server/settings.h"
#include "tests/bench/verification/source_data.h"

int main(int argc, char** argv) {
  namespace v1 = ::unemployment::verification::v1;
  using unemployment::bench::SourceData;
  unemployment::server::Settings settings;
  settings.Define("out_dir", "", "folder the four CSV files are written to (must exist)");
  settings.Define("rows", "1000000", "rows of each source");
  settings.Define("as_of", "", "the date the data is generated for; default yesterday in China");
  if (absl::Status parsed = settings.Parse(argc, argv); !parsed.ok()) {
    std::cerr << "verification_datagen: " << parsed.message() << " (see --help)" << std::endl;
    return 2;
  }
  if (settings.help_requested()) {
    std::cout << settings.Usage(argv[0]);
    return 0;
  }
  absl::StatusOr<int64_t> rows = settings.GetInt("rows");
  const std::string out_dir = settings.Get("out_dir");
  absl::CivilDay as_of = absl::ToCivilDay(absl::Now(), absl::FixedTimeZone(8 * 3600)) - 1;
  if (!settings.Get("as_of").empty() && !absl::ParseCivilTime(settings.Get("as_of"), &as_of)) {
    std::cerr << "verification_datagen: --as_of must be YYYY-MM-DD" << std::endl;
    return 2;
  }
  if (!rows.ok() || *rows < 1 || *rows > SourceData::kMaxRows || out_dir.empty()) {
    std::cerr << "verification_datagen: --out_dir is required and --rows must be 1 to "
              << SourceData::kMaxRows << std::endl;
    return 2;
  }
  const SourceData data(*rows, as_of);
  const std::pair<v1::Source, const char*> files[] = {
      {v1::SOURCE_POPULATION, "population.csv"},
      {v1::SOURCE_SOCIAL_INSURANCE, "social_insurance.csv"},
      {v1::SOURCE_EMPLOYMENT_FILING, "employment_filing.csv"},
      {v1::SOURCE_BUSINESS_REGISTRATION, "business_registration.csv"}};
  for (const auto& [source, name] : files) {
    const std::string path = absl::StrCat(out_dir, "/", name);
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << SourceData::HeaderLine(source);
    std::string chunk;
    for (int64_t first = 0; first < *rows; first += 10000) {
      chunk.clear();
      data.AppendRows(source, first, 10000, chunk);
      out << chunk;
    }
    out.close();
    if (!out) {
      std::cerr << "verification_datagen: error: cannot write " << path << std::endl;
      return 1;
    }
    std::cout << "wrote " << path << " (" << *rows << " rows)" << std::endl;
  }
  return 0;
}
