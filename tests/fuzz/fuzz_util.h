// Shared helpers of the libFuzzer targets: split the input into a selector byte and the rest, and
// load the reference data the validators need once per process.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "absl/strings/string_view.h"
#include "google/protobuf/stubs/logging.h"
#include "absl/time/civil_time.h"
#include "common/validation/region_directory.h"

namespace unemployment::fuzz {

struct Input {
  uint8_t selector = 0;
  absl::string_view rest;
};

inline Input Split(const uint8_t* data, size_t size) {
  Input input;
  if (size == 0) return input;
  input.selector = data[0];
  input.rest = absl::string_view(reinterpret_cast<const char*>(data) + 1, size - 1);
  return input;
}

// Parsing arbitrary bytes makes protobuf log every invalid UTF-8 string; that is expected here.
inline const bool kQuietProtobuf = (google::protobuf::SetLogHandler(nullptr), true);

// A fixed "today" so that runs are reproducible.
inline absl::CivilDay Today() { return absl::CivilDay(2025, 9, 26); }

// The region directory of data/regions (UE_REGIONS_DIR overrides the source-tree default).
inline const validation::RegionDirectory& Regions() {
  static const validation::RegionDirectory* regions = [] {
    const char* dir = std::getenv("UE_REGIONS_DIR");
    std::string path = dir != nullptr ? dir : UE_SOURCE_DIR "/data/regions";
    auto loaded = validation::RegionDirectory::LoadDirectory(path);
    if (!loaded.ok()) std::abort();
    return new validation::RegionDirectory(*std::move(loaded));
  }();
  return *regions;
}

}  // namespace unemployment::fuzz

// Parses `bytes` as a request of type T and runs `validate` on it; parse failures are fine.
#define UE_FUZZ_REQUEST(index, T, validate)          \
  case index: {                                      \
    T request;                                       \
    if (request.ParseFromArray(in.rest.data(),       \
                               static_cast<int>(in.rest.size()))) { \
      (void)validate;                                \
    }                                                \
    break;                                           \
  }
