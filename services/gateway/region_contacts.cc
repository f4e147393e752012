#include "services/gateway/region_contacts.h"

#include <algorithm>
#include <map>
#include <memory>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/paging/page_token.h"
#include "common/status/status_util.h"

namespace unemployment::gateway {
namespace {

namespace reg = registration::v1;

// Token version of the merged list (the shipped-only list used "rc2").
constexpr absl::string_view kTokenVersion = "rc3";
// Reports asked of a shard per call while listing.
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

bool NotReported(const absl::Status& status) {
  return status.code() == absl::StatusCode::kNotFound ||
         status.code() == absl::StatusCode::kUnimplemented;
}

}  // namespace

// One List call across the shards: the merged entries and the shards still being read.
struct RegionContacts::Merge {
  absl::Mutex mu;
  std::map<std::string, v1::RegionContact> entries ABSL_GUARDED_BY(mu);
  int pending ABSL_GUARDED_BY(mu) = 0;
  absl::Status error ABSL_GUARDED_BY(mu);
  std::string parent;
  int page_size = 0;
  std::string after;
  absl::Time deadline;
  RegionContacts::Callback<RegionContactPage> done;
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

RegionContacts::RegionContacts(const ContactDirectory& shipped, const RoutingTable& routing,
                               RegistrationShards& shards, log::Logger logger)
    : shipped_(shipped), routing_(routing), shards_(shards), logger_(std::move(logger)) {}

absl::Status RegionContacts::Unavailable(const std::string& shard,
                                         const absl::Status& status) const {
  logger_.Warning("shard_unavailable", {{"shard", shard}, {"status", status}});
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
  absl::StatusOr<std::string> shard = routing_.ShardFor(region_code);
  if (!shard.ok() || !shards_.HasShard(*shard)) return done(shipped_.Get(region_code));
  shards_.GetReportedRegionContact(
      *shard, region_code, deadline,
      [this, region_code, shard = *shard,
       done = std::move(done)](absl::StatusOr<reg::ReportedRegionContact> report) {
        if (report.ok()) return done(FromReport(*report));
        if (NotReported(report.status())) return done(shipped_.Get(region_code));
        done(Unavailable(shard, report.status()));
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
  if (!violations.empty()) return done(status::InvalidArgumentError("invalid list request", violations));
  auto merge = std::make_shared<Merge>();
  merge->parent = parent_region_code;
  merge->page_size = page_size == 0 ? kDefaultContactPageSize
                                    : std::min(page_size, kMaxContactPageSize);
  merge->deadline = deadline;
  merge->done = std::move(done);
  if (!page_token.empty()) {
    absl::StatusOr<std::vector<std::string>> parts = paging::DecodePageToken(
        page_token, kTokenVersion, paging::QueryFingerprint(parent_region_code), 1);
    if (!parts.ok()) return merge->done(parts.status());
    if (!IsSixDigitRegionCode((*parts)[0])) return merge->done(paging::InvalidPageToken());
    merge->after = (*parts)[0];
  }
  const std::vector<std::string> shard_names = shards_.ShardNames();
  {
    absl::MutexLock lock(&merge->mu);
    for (v1::RegionContact& entry : shipped_.Under(parent_region_code)) {
      std::string code = entry.region_code();
      merge->entries.emplace(std::move(code), std::move(entry));
    }
    merge->pending = static_cast<int>(shard_names.size());
  }

  if (shard_names.empty()) return Finish(*merge);
  for (const std::string& shard : shard_names) ReadShard(merge, shard, "");
}

void RegionContacts::Finish(Merge& merge) {
  RegionContactPage page;
  absl::Status error;
  {
    absl::MutexLock lock(&merge.mu);
    error = merge.error;
    if (error.ok()) {
      auto it = merge.after.empty() ? merge.entries.begin() : merge.entries.upper_bound(merge.after);
      for (; it != merge.entries.end(); ++it) {
        if (static_cast<int>(page.contacts.size()) == merge.page_size) {
          page.next_page_token =
              paging::EncodePageToken(kTokenVersion, paging::QueryFingerprint(merge.parent),
                                      {page.contacts.back().region_code()});
          break;
        }
        page.contacts.push_back(it->second);
      }
    }
  }
  if (!error.ok()) return merge.done(error);
  merge.done(std::move(page));
}

void RegionContacts::ReadShard(std::shared_ptr<Merge> merge, const std::string& shard,
                               const std::string& token) const {
  reg::ListReportedRegionContactsRequest request;
  request.set_region_code(merge->parent);
  request.set_page_size(kShardPageSize);
  request.set_page_token(token);
  const absl::Time deadline = merge->deadline;
  shards_.ListReportedRegionContacts(
      shard, request, deadline,
      [this, merge, shard](absl::StatusOr<reg::ListReportedRegionContactsResponse> page) {
        bool last = true;
        {
          absl::MutexLock lock(&merge->mu);
          if (page.ok()) {
            for (const reg::ReportedRegionContact& report : page->contacts()) {
              merge->entries[report.region_code()] = FromReport(report);
            }
            last = page->next_page_token().empty();
          } else if (!NotReported(page.status()) && merge->error.ok()) {
            merge->error = Unavailable(shard, page.status());
          }
        }
        if (!last) return ReadShard(merge, shard, page->next_page_token());
        bool all_done = false;
        {
          absl::MutexLock lock(&merge->mu);
          all_done = --merge->pending == 0;
        }
        if (all_done) Finish(*merge);
      });
}

}  // namespace unemployment::gateway
