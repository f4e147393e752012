#include "services/statistics/duty_oversight.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "common/paging/page_token.h"
#include "common/status/status_util.h"
#include "common/time/date.h"

namespace unemployment::statistics {
namespace {

// Page token versions of the two lists.
constexpr absl::string_view kNoDutyTokenVersion = "sd1";
constexpr absl::string_view kSilentTokenVersion = "ss1";
constexpr absl::string_view kUnreportedTokenVersion = "sc1";

// The position of an (office, queue) entry in a token: "<office>", "<queue>".
std::vector<std::string> Position(const std::string& office, int queue) {
  return {office, absl::StrCat(queue)};
}

// Whether (office, queue) lies after the token's position.
bool After(const std::string& office, int queue, const std::vector<std::string>& position) {
  const std::string queue_text = absl::StrCat(queue);
  return office > position[0] || (office == position[0] && queue_text > position[1]);
}

absl::StatusOr<std::optional<std::vector<std::string>>> DecodePosition(
    const std::string& token, absl::string_view version, uint64_t fingerprint) {
  if (token.empty()) return std::optional<std::vector<std::string>>();
  absl::StatusOr<std::vector<std::string>> parts =
      paging::DecodePageToken(token, version, fingerprint, 2);
  if (!parts.ok()) return parts.status();
  return std::optional<std::vector<std::string>>(*std::move(parts));
}

}  // namespace

LastWorkingDay LastWorkingDayBefore(const time::WorkingDayCalendar& calendar,
                                    absl::CivilDay as_of) {
  LastWorkingDay result;
  absl::CivilDay day = as_of - 1;
  for (int i = 0; i < 60; ++i, --day) {
    absl::StatusOr<bool> working = calendar.IsWorkingDay(day);
    if (!working.ok()) {
      // No holiday data for the year: weekends only, flagged.
      result.provisional = true;
      const absl::Weekday weekday = absl::GetWeekday(day);
      if (weekday != absl::Weekday::saturday && weekday != absl::Weekday::sunday) break;
      continue;
    }
    if (*working) break;
  }
  result.day = day;
  return result;
}

DutyOversight::DutyOversight(const ReadModel& model, const validation::RegionDirectory& regions,
                             const time::WorkingDayCalendar& calendar)
    : model_(model), regions_(regions), calendar_(calendar) {}

absl::StatusOr<std::vector<const validation::Region*>> DutyOversight::OfficesIn(
    const std::string& region_code) const {
  const validation::Region* region = regions_.Find(region_code);
  if (region == nullptr || region->level == validation::RegionLevel::kTownship) {
    return status::WithErrorInfo(
        absl::NotFoundError(
            absl::StrCat("region ", region_code, " is not a known province, city or county")),
        "REGION_NOT_FOUND", {{"region_code", region_code}});
  }
  std::vector<const validation::Region*> offices;
  if (regions_.IsCountyLevel(region->code)) {
    offices.push_back(region);
  } else {
    std::vector<const validation::Region*> cities = {region};
    if (region->level == validation::RegionLevel::kProvince) cities = regions_.Children(region->code);
    for (const validation::Region* city : cities) {
      if (regions_.IsCountyLevel(city->code)) {
        offices.push_back(city);
        continue;
      }
      for (const validation::Region* county : regions_.Children(city->code)) {
        if (regions_.IsCountyLevel(county->code)) offices.push_back(county);
      }
    }
  }
  std::sort(offices.begin(), offices.end(),
            [](const validation::Region* a, const validation::Region* b) { return a->code < b->code; });
  return offices;
}

absl::StatusOr<v1::ListOfficesWithoutDutyReviewerResponse>
DutyOversight::ListOfficesWithoutDutyReviewer(
    const v1::ListOfficesWithoutDutyReviewerRequest& request) const {
  const uint64_t fingerprint = paging::QueryFingerprint(
      absl::StrCat("no-duty|", request.region_code(), "|", static_cast<int>(request.queue())));
  absl::StatusOr<std::optional<std::vector<std::string>>> after =
      DecodePosition(request.page_token(), kNoDutyTokenVersion, fingerprint);
  if (!after.ok()) return after.status();
  absl::StatusOr<std::vector<const validation::Region*>> offices = OfficesIn(request.region_code());
  if (!offices.ok()) return offices.status();
  const DutyRosters rosters = model_.DutyRosterSnapshot();
  const int page_size = paging::EffectivePageSize(request.page_size());

  v1::ListOfficesWithoutDutyReviewerResponse response;
  int total = 0;
  for (const validation::Region* office : *offices) {
    for (int queue = 1; queue <= 2; ++queue) {
      if (request.queue() != 0 && request.queue() != queue) continue;
      auto roster = rosters.find({office->code, queue});
      if (roster != rosters.end() && !roster->second.empty()) continue;
      ++total;
      if (after->has_value() && !After(office->code, queue, **after)) continue;
      if (response.offices_size() == page_size) {
        if (response.next_page_token().empty()) {
          const v1::OfficeQueue& last = response.offices(page_size - 1);
          response.set_next_page_token(paging::EncodePageToken(
              kNoDutyTokenVersion, fingerprint,
              Position(last.office_region_code(), static_cast<int>(last.queue()))));
        }
        continue;
      }
      v1::OfficeQueue* entry = response.add_offices();
      entry->set_office_region_code(office->code);
      entry->set_office_name(office->name);
      entry->set_queue(static_cast<v1::ReviewQueue>(queue));
    }
  }
  response.set_total_size(total);
  return response;
}

absl::StatusOr<v1::ListSilentOfficesResponse> DutyOversight::ListSilentOffices(
    const v1::ListSilentOfficesRequest& request) const {
  const uint64_t fingerprint = paging::QueryFingerprint(
      absl::StrCat("silent|", request.region_code(), "|", request.as_of()));
  absl::StatusOr<std::optional<std::vector<std::string>>> after =
      DecodePosition(request.page_token(), kSilentTokenVersion, fingerprint);
  if (!after.ok()) return after.status();
  absl::StatusOr<std::vector<const validation::Region*>> offices = OfficesIn(request.region_code());
  if (!offices.ok()) return offices.status();
  absl::StatusOr<absl::CivilDay> as_of = time::ParseDate(request.as_of());
  if (!as_of.ok()) return as_of.status();
  const LastWorkingDay last = LastWorkingDayBefore(calendar_, *as_of);

  absl::flat_hash_map<std::string, const validation::Region*> by_code;
  for (const validation::Region* office : *offices) by_code[office->code] = office;
  const std::vector<QueueDay> activity = model_.QueueActivity(
      [&by_code](absl::string_view code) { return by_code.contains(code); }, PackDay(last.day));
  const DutyRosters rosters = model_.DutyRosterSnapshot();
  const int page_size = paging::EffectivePageSize(request.page_size());

  v1::ListSilentOfficesResponse response;
  response.set_last_working_day(time::FormatDate(last.day));
  response.set_last_working_day_provisional(last.provisional);
  int total = 0;
  for (const QueueDay& queue : activity) {
    if (queue.waiting == 0 || queue.decided > 0) continue;
    ++total;
    if (after->has_value() && !After(queue.office_region_code, queue.queue_kind, **after)) continue;
    if (response.offices_size() == page_size) {
      if (response.next_page_token().empty()) {
        const v1::OfficeQueue& office = response.offices(page_size - 1).office();
        response.set_next_page_token(paging::EncodePageToken(
            kSilentTokenVersion, fingerprint,
            Position(office.office_region_code(), static_cast<int>(office.queue()))));
      }
      continue;
    }
    v1::SilentOffice* entry = response.add_offices();
    entry->mutable_office()->set_office_region_code(queue.office_region_code);
    entry->mutable_office()->set_office_name(by_code[queue.office_region_code]->name);
    entry->mutable_office()->set_queue(static_cast<v1::ReviewQueue>(queue.queue_kind));
    entry->set_waiting(static_cast<int32_t>(queue.waiting));
    entry->set_oldest_received_date(time::FormatDate(UnpackDay(queue.oldest_received)));
    auto roster = rosters.find({queue.office_region_code, queue.queue_kind});
    if (roster != rosters.end()) {
      for (const std::string& id : roster->second) entry->add_duty_reviewer_ids(id);
    }
  }
  response.set_total_size(total);
  return response;
}

absl::StatusOr<v1::ListRegionsWithoutContactReportResponse>
DutyOversight::ListRegionsWithoutContactReport(
    const v1::ListRegionsWithoutContactReportRequest& request) const {
  const uint64_t fingerprint = paging::QueryFingerprint(
      absl::StrCat("unreported|", request.region_code(), "|", request.include_counties()));
  std::string after;
  if (!request.page_token().empty()) {
    absl::StatusOr<std::vector<std::string>> parts =
        paging::DecodePageToken(request.page_token(), kUnreportedTokenVersion, fingerprint, 1);
    if (!parts.ok()) return parts.status();
    after = (*parts)[0];
  }
  const validation::Region* region = regions_.Find(request.region_code());
  if (region == nullptr || region->level == validation::RegionLevel::kTownship) {
    return status::WithErrorInfo(
        absl::NotFoundError(absl::StrCat("region ", request.region_code(),
                                         " is not a known province, city or county")),
        "REGION_NOT_FOUND", {{"region_code", request.region_code()}});
  }
  // The reporting regions inside: cities, and their county-level units when asked.
  std::vector<const validation::Region*> candidates;
  std::vector<const validation::Region*> cities;
  if (region->level == validation::RegionLevel::kProvince) {
    cities = regions_.Children(region->code);
  } else if (region->level == validation::RegionLevel::kCity) {
    cities = {region};
  }
  for (const validation::Region* city : cities) {
    candidates.push_back(city);
    if (!request.include_counties() || city->is_also_county) continue;
    for (const validation::Region* county : regions_.Children(city->code)) {
      if (regions_.IsCountyLevel(county->code)) candidates.push_back(county);
    }
  }
  if (region->level == validation::RegionLevel::kCounty) candidates.push_back(region);
  std::sort(candidates.begin(), candidates.end(),
            [](const validation::Region* a, const validation::Region* b) { return a->code < b->code; });

  const std::map<std::string, int64_t> reported = model_.ContactReports();
  const int page_size = paging::EffectivePageSize(request.page_size());
  v1::ListRegionsWithoutContactReportResponse response;
  int total = 0;
  for (const validation::Region* candidate : candidates) {
    if (reported.count(candidate->code) > 0) continue;
    ++total;
    if (!after.empty() && candidate->code <= after) continue;
    if (response.regions_size() == page_size) {
      if (response.next_page_token().empty()) {
        response.set_next_page_token(paging::EncodePageToken(
            kUnreportedTokenVersion, fingerprint,
            {response.regions(page_size - 1).region_code()}));
      }
      continue;
    }
    v1::RegionWithoutContactReport* entry = response.add_regions();
    entry->set_region_code(candidate->code);
    entry->set_region_name(candidate->name);
    entry->set_level(candidate->level == validation::RegionLevel::kCity ? v1::REGION_LEVEL_CITY
                                                                         : v1::REGION_LEVEL_COUNTY);
  }
  response.set_total_size(total);
  return response;
}

}  // namespace unemployment::statistics
