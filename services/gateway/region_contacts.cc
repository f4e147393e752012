#include "services/gateway/region_contacts.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/paging/page_token.h"
#include "common/status/status_util.h"

namespace unemployment::gateway {
namespace {

namespace reg = registration::v1;

// Token version of the merged list (the shipped-only list used "rc2").
constexpr absl::string_view kTokenVersion = "rc3";
// Reports asked of a shard per call.
constexpr int kShardPageSize = 500;

v1::ContactPerson FromPerson(const reg::ReportedPerson& p) {
  v1::ContactPerson person;
  person.set_name(p.name());
  person.set_unit(p.unit());
  person.set_title(p.title());
  person.set_phone(p.phone());
  person.set_email(p.email());
  return person;
}

v1::DepartmentContact FromDepartment(const reg::ReportedDepartment& d) {
  v1::DepartmentContact department;
  department.set_unit(d.unit());
  *department.mutable_responsible_person() = FromPerson(d.responsible_person());
  for (const reg::ReportedPerson& p : d.other_contacts()) {
    *department.add_other_contacts() = FromPerson(p);
  }
  return department;
}

// The leading digits the regions under `code` share: 2 for a province, 4 for a city, else 6.
std::string PrefixOf(const std::string& code) {
  if (code.empty()) return "";
  if (absl::EndsWith(code, "0000")) return code.substr(0, 2);
  if (absl::EndsWith(code, "00")) return code.substr(0, 4);
  return code;
}

}  // namespace

// One refresh of the copy across the shards: per shard the reports read so far, the shards that
// failed and the shards still read.
struct RegionContacts::Refresh {
  absl::Mutex mu;
  std::map<std::string, Reports> reports ABSL_GUARDED_BY(mu);
  std::map<std::string, absl::Status> failed ABSL_GUARDED_BY(mu);
  int pending ABSL_GUARDED_BY(mu) = 0;
  absl::Time deadline;
};

v1::RegionContact FromReport(const reg::ReportedRegionContact& report) {
  v1::RegionContact contact;
  contact.set_region_code(report.region_code());
  contact.set_region_name(report.region_name());
  *contact.mutable_business() = FromDepartment(report.business());
  *contact.mutable_technical() = FromDepartment(report.technical());
  contact.set_updated_date(report.reported_date());
  contact.set_placeholder(false);
  return contact;
}

RegionContacts::RegionContacts(const ContactDirectory& shipped, RegistrationShards& shards,
                               log::Logger logger, absl::Duration cache_ttl,
                               const RoutingTable* routing)
    : shipped_(shipped),
      shards_(shards),
      logger_(std::move(logger)),
      cache_ttl_(cache_ttl),
      routing_(routing) {}

const absl::Status* RegionContacts::UnknownOwner(const View& view,
                                                 const std::string& region_code) const {
  if (view.unknown.empty()) return nullptr;
  if (routing_ == nullptr) return &view.unknown.begin()->second;
  absl::StatusOr<std::string> shard = routing_->ShardFor(region_code);
  if (!shard.ok()) return nullptr;
  auto it = view.unknown.find(*shard);
  return it == view.unknown.end() ? nullptr : &it->second;
}

absl::Status RegionContacts::Unavailable(const std::string& shard,
                                         const absl::Status& status) const {
  return status::WithErrorInfo(
      absl::UnavailableError(absl::StrCat("registration shard \"", shard, "\" did not answer (",
                                          absl::StatusCodeToString(status.code()), ": ",
                                          status.message(), "); retry later")),
      "SHARD_UNAVAILABLE", {{"shard", shard}});
}

void RegionContacts::Get(const std::string& region_code, absl::Time deadline,
                         Callback<v1::RegionContact> done) const {
  // Shape errors and the province's own row need no shard.
  if (!IsSixDigitRegionCode(region_code) || absl::EndsWith(region_code, "0000")) {
    return done(shipped_.Get(region_code));
  }
  WithReports(deadline, [this, region_code, done = std::move(done)](View view) {
    auto it = view.reports.find(region_code);
    if (it != view.reports.end()) return done(it->second);
    if (const absl::Status* down = UnknownOwner(view, region_code)) return done(*down);
    done(shipped_.Get(region_code));
  });
}

void RegionContacts::List(const std::string& parent_region_code, int page_size,
                          const std::string& page_token, absl::Time deadline,
                          Callback<RegionContactPage> done) const {
  std::vector<status::FieldViolation> violations;
  if (!parent_region_code.empty() && !IsSixDigitRegionCode(parent_region_code)) {
    violations.push_back({"parent_region_code", "FORMAT", "the region code must be 6 digits"});
  }
  if (page_size < 0) {
    violations.push_back({"page_size", "FORMAT", "the page size must not be negative"});
  }
  if (!violations.empty()) {
    return done(status::InvalidArgumentError("invalid list request", violations));
  }
  const int size = page_size == 0 ? kDefaultContactPageSize : std::min(page_size, kMaxContactPageSize);
  std::string after;
  if (!page_token.empty()) {
    absl::StatusOr<std::vector<std::string>> parts = paging::DecodePageToken(
        page_token, kTokenVersion, paging::QueryFingerprint(parent_region_code), 1);
    if (!parts.ok()) return done(parts.status());
    if (!IsSixDigitRegionCode((*parts)[0])) return done(paging::InvalidPageToken());
    after = (*parts)[0];
  }
  WithReports(deadline, [this, parent_region_code, size, after,
                         done = std::move(done)](View view) {
    Reports merged;
    for (v1::RegionContact& entry : shipped_.Under(parent_region_code)) {
      std::string code = entry.region_code();
      merged.emplace(std::move(code), std::move(entry));
    }
    const std::string prefix = PrefixOf(parent_region_code);
    for (const auto& [code, entry] : view.reports) {
      if (absl::StartsWith(code, prefix)) merged[code] = entry;
    }
    // A region of a shard never read could have a report this list would hide.
    for (const auto& [code, entry] : merged) {
      if (view.reports.count(code) > 0) continue;
      if (const absl::Status* down = UnknownOwner(view, code)) return done(*down);
    }
    RegionContactPage page;
    for (auto it = after.empty() ? merged.begin() : merged.upper_bound(after); it != merged.end();
         ++it) {
      if (static_cast<int>(page.contacts.size()) == size) {
        page.next_page_token =
            paging::EncodePageToken(kTokenVersion, paging::QueryFingerprint(parent_region_code),
                                    {page.contacts.back().region_code()});
        break;
      }
      page.contacts.push_back(it->second);
    }
    done(std::move(page));
  });
}

void RegionContacts::WithReports(absl::Time deadline, std::function<void(View)> use) const {
  std::shared_ptr<Refresh> refresh;
  std::vector<std::string> shard_names;
  std::optional<View> fresh;
  {
    absl::MutexLock lock(&mu_);
    if (cache_ttl_ > absl::ZeroDuration() && absl::Now() - fetched_ < cache_ttl_) {
      fresh.emplace();
      for (const auto& [shard, reports] : known_) {
        fresh->reports.insert(reports.begin(), reports.end());
      }
      fresh->unknown = unknown_;
    }
  }
  if (fresh.has_value()) return use(*std::move(fresh));
  {
    absl::MutexLock lock(&mu_);
    waiters_.push_back(std::move(use));
    if (refreshing_) return;  // the refresh in flight answers this call too
    refreshing_ = true;
    refresh = std::make_shared<Refresh>();
    refresh->deadline = deadline;
    shard_names = shards_.ShardNames();
    absl::MutexLock refresh_lock(&refresh->mu);
    refresh->pending = static_cast<int>(shard_names.size());
  }
  if (shard_names.empty()) return Finish(*refresh);
  for (const std::string& shard : shard_names) ReadShard(refresh, shard, "");
}

void RegionContacts::ReadShard(std::shared_ptr<Refresh> refresh, const std::string& shard,
                               const std::string& token) const {
  reg::ListReportedRegionContactsRequest request;
  request.set_page_size(kShardPageSize);
  request.set_page_token(token);
  shards_.ListReportedRegionContacts(
      shard, request, refresh->deadline,
      [this, refresh, shard](absl::StatusOr<reg::ListReportedRegionContactsResponse> page) {
        bool last = true;
        {
          absl::MutexLock lock(&refresh->mu);
          Reports& reports = refresh->reports[shard];
          if (page.ok()) {
            for (const reg::ReportedRegionContact& report : page->contacts()) {
              reports[report.region_code()] = FromReport(report);
            }
            last = page->next_page_token().empty();
          } else if (page.status().code() != absl::StatusCode::kUnimplemented) {
            // A shard without the method counts as "none reported"; any other failure keeps the
            // shard's last known reports (Finish).
            refresh->failed[shard] = Unavailable(shard, page.status());
          }
        }
        if (!last) return ReadShard(refresh, shard, page->next_page_token());
        bool all_done = false;
        {
          absl::MutexLock lock(&refresh->mu);
          all_done = --refresh->pending == 0;
        }
        if (all_done) Finish(*refresh);
      });
}

void RegionContacts::Finish(Refresh& refresh) const {
  std::map<std::string, Reports> read;
  std::map<std::string, absl::Status> failed;
  {
    absl::MutexLock lock(&refresh.mu);
    read = std::move(refresh.reports);
    failed = std::move(refresh.failed);
  }
  std::vector<std::function<void(View)>> waiters;
  View view;
  {
    absl::MutexLock lock(&mu_);
    for (auto& [shard, reports] : read) {
      auto down = failed.find(shard);
      if (down == failed.end()) {
        known_[shard] = std::move(reports);
        unknown_.erase(shard);
        continue;
      }
      if (known_.count(shard) > 0) {
        logger_.Warning("contacts_shard_stale",
                        {{"shard", shard},
                         {"status", down->second},
                         {"serving", "the shard's last known reports"}});
      } else {
        logger_.Warning("shard_unavailable", {{"shard", shard}, {"status", down->second}});
        unknown_[shard] = down->second;
      }
    }
    for (const auto& [shard, reports] : known_) view.reports.insert(reports.begin(), reports.end());
    view.unknown = unknown_;
    fetched_ = absl::Now();
    refreshing_ = false;
    waiters.swap(waiters_);
  }
  for (auto& waiter : waiters) waiter(view);
}

}  // namespace unemployment::gateway
