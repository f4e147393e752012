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

  // `shipped` and `shards` are borrowed and must outlive this object. A zero `cache_ttl` reads the
  // shards on every call.
  RegionContacts(const ContactDirectory& shipped, RegistrationShards& shards, log::Logger logger,
                 absl::Duration cache_ttl = absl::Seconds(10));

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
  void WithReports(absl::Time deadline, Callback<Reports> use) const;
  void ReadShard(std::shared_ptr<Refresh> refresh, const std::string& shard,
                 const std::string& token) const;
  void Finish(Refresh& refresh) const;
  absl::Status Unavailable(const std::string& shard, const absl::Status& status) const;

  const ContactDirectory& shipped_;
  RegistrationShards& shards_;
  log::Logger logger_;
  const absl::Duration cache_ttl_;

  mutable absl::Mutex mu_;
  mutable Reports reports_ ABSL_GUARDED_BY(mu_);
  mutable absl::Time fetched_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  mutable bool refreshing_ ABSL_GUARDED_BY(mu_) = false;
  mutable std::vector<Callback<Reports>> waiters_ ABSL_GUARDED_BY(mu_);
};

}  // namespace unemployment::gateway
