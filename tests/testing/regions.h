#pragma once

// The shipped region directory (data/regions), loaded once for the whole test binary. Header only:
// UE_SOURCE_DIR is defined for every test binary (ue_test).

#include <cstdlib>
#include <utility>

#include "common/validation/region_directory.h"

namespace unemployment::testing {

inline const validation::RegionDirectory& ShippedRegions() {
  static const validation::RegionDirectory* regions = [] {
    auto loaded = validation::RegionDirectory::LoadDirectory(UE_SOURCE_DIR "/data/regions");
    if (!loaded.ok()) std::abort();
    return new validation::RegionDirectory(*std::move(loaded));
  }();
  return *regions;
}

}  // namespace unemployment::testing
