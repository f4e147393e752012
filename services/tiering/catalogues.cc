#include "services/tiering/catalogues.h"

#include <optional>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status/macros.h"
#include "common/status/status_util.h"
#include "services/tiering/domain_util.h"

namespace unemployment::tiering {
namespace {

constexpr absl::string_view kCatalogRequests = "PublishCatalogVersion";

}  // namespace

Catalogues::Catalogues(TieringStore& store, const time::Clock& clock,
                       const validation::RegionDirectory* regions)
    : store_(store), clock_(clock), regions_(regions) {}

std::vector<std::string> CatalogCandidates(const std::string& code, int64_t version) {
  std::vector<std::string> candidates = {code};
  if (version == 0) {
    // Own latest, else the enclosing city's, else the province's.
    const std::string city = code.substr(0, 4) + "00";
    const std::string province = code.substr(0, 2) + "0000";
    if (city != code) candidates.push_back(city);
    if (province != code && province != city) candidates.push_back(province);
  }
  return candidates;
}

absl::StatusOr<v1::GetCatalogResponse> Catalogues::GetCatalog(
    const v1::GetCatalogRequest& request) {
  const std::string& code = request.region_code();
  const std::vector<std::string> candidates = CatalogCandidates(code, request.version());
  v1::GetCatalogResponse response;
  const absl::Status done = store_.Read([&](TieringTx& tx) -> absl::Status {
    for (const std::string& candidate : candidates) {
      ASSIGN_OR_RETURN(std::optional<v1::Catalog> catalog,
                       tx.GetCatalog(candidate, request.kind(), request.version()));
      if (catalog.has_value()) {
        *response.mutable_catalog() = *std::move(catalog);
        return absl::OkStatus();
      }
    }
    if (request.version() != 0) return CatalogVersionNotFound(request.version(), code);
    return status::WithErrorInfo(
        absl::NotFoundError(absl::StrCat("no catalogue of this kind applies to region ", code)),
        "CATALOG_NOT_FOUND");
  });
  if (!done.ok()) return done;
  return response;
}

absl::StatusOr<v1::PublishCatalogVersionResponse> Catalogues::PublishCatalogVersion(
    const v1::PublishCatalogVersionRequest& request) {
  if (regions_ != nullptr && !regions_->IsKnown(request.region_code())) {
    return status::InvalidFieldError("region_code", "REGION_UNKNOWN",
                                     "the region code is not in the reference list");
  }
  return WriteOnce<v1::PublishCatalogVersionResponse>(
      store_, kCatalogRequests, request.request_id(), Fingerprint(request),
      [&](TieringTx& tx, v1::PublishCatalogVersionResponse& response) -> absl::Status {
        ASSIGN_OR_RETURN(std::optional<v1::Catalog> latest,
                         tx.GetCatalog(request.region_code(), request.kind(), 0));
        const int64_t latest_version = latest.has_value() ? latest->version() : 0;
        if (request.base_version() != latest_version) {
          return status::WithErrorInfo(absl::FailedPreconditionError(absl::StrCat(
                                           "base_version ", request.base_version(),
                                           " is not the latest version ", latest_version)),
                                       "CATALOG_VERSION_CHANGED",
                                       {{"latest_version", absl::StrCat(latest_version)}});
        }
        v1::Catalog& catalog = *response.mutable_catalog();
        catalog.set_region_code(request.region_code());
        catalog.set_kind(request.kind());
        catalog.set_version(latest_version + 1);
        *catalog.mutable_entries() = request.entries();
        *catalog.mutable_publish_time() = NowTimestamp(clock_);
        catalog.set_published_by(request.staff_id());
        return tx.InsertCatalog(catalog);
      });
}

}  // namespace unemployment::tiering
