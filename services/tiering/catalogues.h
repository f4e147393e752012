#pragma once

// Catalogues: the versioned policy, service and agency lists (三个清单) of each region, which a
// delivery of a list cites by version. A region without its own list uses its city's, then the
// province's. Requests arrive validated (request_validation.h); no gRPC types.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/time/clock.h"
#include "common/validation/region_directory.h"
#include "services/tiering/tiering_store.h"
#include "unemployment/tiering/v1/tiering_service.pb.h"

namespace unemployment::tiering {

class Catalogues final {
 public:
  // Not owned; all must outlive this object. `regions` may be null (tests): every region code is
  // then taken as known.
  Catalogues(TieringStore& store, const time::Clock& clock,
             const validation::RegionDirectory* regions);

  absl::StatusOr<v1::GetCatalogResponse> GetCatalog(const v1::GetCatalogRequest& request);
  absl::StatusOr<v1::PublishCatalogVersionResponse> PublishCatalogVersion(
      const v1::PublishCatalogVersionRequest& request);

 private:
  TieringStore& store_;
  const time::Clock& clock_;
  const validation::RegionDirectory* regions_;
};

// The regions whose catalogue GetCatalog looks for, in order: `code` itself, and for the latest
// version (`version` 0) then its city's and its province's. Pure.
std::vector<std::string> CatalogCandidates(const std::string& code, int64_t version);

}  // namespace unemployment::tiering
