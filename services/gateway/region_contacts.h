#pragma once

// The region directory of 附件3 as the gateway serves it: the contacts each city or county
// reported by RPC (RegistrationService.ReportRegionContact, kept by the registration shard that
// owns the region), and for regions that have not reported the rows shipped in data/contacts/
// (the province's own from the notice; placeholders for the rest, flagged `placeholder`). The
// gateway keeps no state: every answer asks the owning shard (Get) or every shard (List). No gRPC
// types; calls complete asynchronously on a gRPC thread.

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/log/logger.h"
#include "services/gateway/contact_directory.h"
#include "services/gateway/registration_shards.h"
#include "services/gateway/routing_table.h"
#include "unemployment/gateway/v1/gateway_service.pb.h"

namespace unemployment::gateway {

// The gateway's entry of a reported region (placeholder false, updated_date the report's date).
v1::RegionContact FromReport(const registration::v1::ReportedRegionContact& report);

class RegionContacts final {
 public:
  template <typename T>
  using Callback = std::function<void(absl::StatusOr<T>)>;

  // Borrowed; must outlive this object.
  RegionContacts(const ContactDirectory& shipped, const RoutingTable& routing,
                 RegistrationShards& shards, log::Logger logger);

  // The region's report from its shard, else its shipped row. INVALID_ARGUMENT (REQUIRED,
  // FORMAT); NOT_FOUND REGION_CONTACT_NOT_FOUND when neither exists; UNAVAILABLE
  // SHARD_UNAVAILABLE when the owning shard does not answer. A shard that does not serve reports
  // (UNIMPLEMENTED) counts as "not reported".
  void Get(const std::string& region_code, absl::Time deadline,
           Callback<v1::RegionContact> done) const;

  // The shipped rows overlaid by every shard's reports, under `parent_region_code` (all when
  // empty), by region code, paged like ContactDirectory::List (own token version).
  void List(const std::string& parent_region_code, int page_size, const std::string& page_token,
            absl::Time deadline, Callback<RegionContactPage> done) const;

 private:
  struct Merge;

  absl::Status Unavailable(const std::string& shard, const absl::Status& status) const;
  // Reads `shard`'s reports page by page from `token` into `merge`; the last shard to finish
  // answers the call.
  void ReadShard(std::shared_ptr<Merge> merge, const std::string& shard,
                 const std::string& token) const;
  // Pages the merged entries and calls the List callback.
  static void Finish(Merge& merge);

  const ContactDirectory& shipped_;
  const RoutingTable& routing_;
  RegistrationShards& shards_;
  log::Logger logger_;
};

}  // namespace unemployment::gateway
