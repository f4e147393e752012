#pragma once

// The public service information of 附件2 and section 五 of the notice: per region, the offline
// service points (address, opening hours), the online channels, the registration workflow and the
// consultation hotlines (12333). Loaded from the CSV files of data/public_service/ (see its
// README.md), one row per item:
//
//   region_code,region_name,kind,name,detail,opening_hours,phone,sample
//
// kind is service_point (detail = address, opening_hours required), online_channel (detail = URL
// or where to get the app), workflow_step (name = title, detail = description; steps in file
// order) or hotline (phone = the number, detail = a note). sample is "yes" (shipped sample data)
// or "no". Rows of a region must agree on region_name. No personal data. Immutable after loading;
// share one instance.

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/gateway/contact_directory.h"
#include "unemployment/gateway/v1/gateway_service.pb.h"

namespace unemployment::gateway {

class PublicServiceDirectory final {
 public:
  PublicServiceDirectory() = default;

  // Parses the documents in order. INVALID_ARGUMENT with "name:line: what is wrong" for a wrong
  // header or field count, a region code that is not 6 digits, an empty region_name or name, an
  // unknown kind, a service point without address or opening hours, a hotline without number, a
  // sample column other than yes/no, or rows of one region that disagree on its name.
  static absl::StatusOr<PublicServiceDirectory> FromCsv(const std::vector<CsvDocument>& documents);

  // Every "*.csv" in `directory`, in file-name order. NOT_FOUND when the folder is missing.
  static absl::StatusOr<PublicServiceDirectory> LoadDirectory(const std::string& directory);

  // The information of `region_code`: each kind of item from the region itself or, where it has
  // none of that kind, from the nearest region above it (city, then province) that has.
  // INVALID_ARGUMENT (region_code REQUIRED / FORMAT); NOT_FOUND (reason REGION_NOT_FOUND) when no
  // region of the chain publishes anything.
  absl::StatusOr<v1::PublicServiceInfo> Get(absl::string_view region_code) const;

  size_t size() const { return regions_.size(); }
  // The codes of the regions that publish something, in order.
  std::vector<std::string> RegionCodes() const;

 private:
  // What one region publishes (its items with region_code set).
  struct Published {
    std::string name;
    v1::PublicServiceInfo items;
  };
  std::map<std::string, Published, std::less<>> regions_;
};

}  // namespace unemployment::gateway
