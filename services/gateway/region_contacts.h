#pragma once

// The region directory of 附件3 as the gateway serves it: the contacts each city or county
// reported by RPC (RegistrationService.ReportRegionContact, kept by the registration shard that
// owns the region), and for regions that have not reported the rows shipped in data/contacts/
// (the province's own from the notice; placeholders for the rest, flagged `placeholder`).
//
// The gateway keeps no durable state: it reads every shard's reports (ListReportedRegionContacts,
// every page) and keeps that copy in memory for `cache_ttl` (default 10 s), so that the portal's
// reads of a public directory do not each become a call on the shards (each shard limits the
// gateway's calls like any caller's, and intake needs that budget). Concurrent reads during a
// refresh wait for the one refresh in flight. A report is visible at every replica within
// `cache_ttl`. No gRPC types; calls complete on a gRPC thread (or inline from the copy).
//
// One shard down does not take the directory down: the copy is kept per shard, and a refresh in
// which a shard does not answer keeps that shard's last known reports (logged
// `contacts_shard_stale`). Only when a shard has not answered since the gateway started are its
// regions UNAVAILABLE (SHARD_UNAVAILABLE): Get of a region the routing table gives to that shard,
// and a List whose range covers such a region. The other shards' regions are answered as usual.

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
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
  // Region code -> its reported entry.
  using Reports = std::map<std::string, v1::RegionContact>;
  // The reports of every shard that answered at least once, and why each shard that never did
  // failed.
  struct View {
    Reports reports;
    std::map<std::string, absl::Status> unknown;
  };

  // `shipped` and `shards` are borrowed and must outlive this object. A zero `cache_ttl` reads the
  // shards on every call.
  // `routing` (borrowed; may be null) tells which shard owns a region: without it, any shard never
  // read makes every region that has no report UNAVAILABLE.
  RegionContacts(const ContactDirectory& shipped, RegistrationShards& shards, log::Logger logger,
                 absl::Duration cache_ttl = absl::Seconds(10),
                 const RoutingTable* routing = nullptr);

  // The region's report, else its shipped row. INVALID_ARGUMENT (REQUIRED, FORMAT); NOT_FOUND
  // REGION_CONTACT_NOT_FOUND when neither exists; UNAVAILABLE SHARD_UNAVAILABLE when a shard does
  // not answer. A shard that does not serve reports (UNIMPLEMENTED) counts as "none reported".
  void Get(const std::string& region_code, absl::Time deadline,
           Callback<v1::RegionContact> done) const;

  // The shipped rows overlaid by the reports, under `parent_region_code` (all when empty), by
  // region code, paged like ContactDirectory::List (own token version).
  void List(const std::string& parent_region_code, int page_size, const std::string& page_token,
            absl::Time deadline, Callback<RegionContactPage> done) const;

 private:
  struct Refresh;

  // Calls `use` with the reports of every shard: the copy while fresh, else after one refresh.
  void WithReports(absl::Time deadline, std::function<void(View)> use) const;
  // The shard that never answered and owns `region_code` (or, without a routing table, any shard
  // that never answered), else nullptr.
  const absl::Status* UnknownOwner(const View& view, const std::string& region_code) const;
  void ReadShard(std::shared_ptr<Refresh> refresh, const std::string& shard,
                 const std::string& token) const;
  void Finish(Refresh& refresh) const;
  absl::Status Unavailable(const std::string& shard, const absl::Status& status) const;

  const ContactDirectory& shipped_;
  RegistrationShards& shards_;
  log::Logger logger_;
  const absl::Duration cache_ttl_;
  const RoutingTable* const routing_;

  mutable absl::Mutex mu_;
  // Shard -> its last known reports (only shards that answered at least once).
  mutable std::map<std::string, Reports> known_ ABSL_GUARDED_BY(mu_);
  // Shard -> why it failed, for shards never read.
  mutable std::map<std::string, absl::Status> unknown_ ABSL_GUARDED_BY(mu_);
  mutable absl::Time fetched_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  mutable bool refreshing_ ABSL_GUARDED_BY(mu_) = false;
  mutable std::vector<std::function<void(View)>> waiters_ ABSL_GUARDED_BY(mu_);
};

}  // namespace unemployment::gateway
