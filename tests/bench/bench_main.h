#pragma once

// The shared main() of the benchmarks that take a Config: parse settings (flags with UE_*
// environment fallback), print usage on --help, read the config, run. Exit 2 on bad usage.

#include <iostream>
#include <string>

#include "absl/status/statusor.h"
#include "common/server/settings.h"

namespace unemployment::bench {

template <typename Config, typename Define, typename Read, typename Run>
int BenchMain(int argc, char** argv, const std::string& name, Define define, Read read, Run run) {
  server::Settings settings;
  define(settings);
  if (absl::Status parsed = settings.Parse(argc, argv); !parsed.ok()) {
    std::cerr << name << ": " << parsed.message() << " (see --help)" << std::endl;
    return 2;
  }
  if (settings.help_requested()) {
    std::cout << settings.Usage(argv[0]);
    return 0;
  }
  absl::StatusOr<Config> config = read(settings);
  if (!config.ok()) {
    std::cerr << name << ": " << config.status().message() << std::endl;
    return 2;
  }
  return run(*config);
}

}  // namespace unemployment::bench
