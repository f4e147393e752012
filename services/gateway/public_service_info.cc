#include "services/gateway/public_service_info.h"

#include <iterator>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/status/status_util.h"

namespace unemployment::gateway {
namespace {

constexpr absl::string_view kHeader[] = {"region_code", "region_name",   "kind",  "name",
                                         "detail",      "opening_hours", "phone", "sample"};

// The region itself, its city and its province ("230102" -> 230102, 230100, 230000), without
// repeats.
std::vector<std::string> ChainOf(absl::string_view code) {
  std::vector<std::string> chain = {std::string(code)};
  for (const std::string& up : {absl::StrCat(code.substr(0, 4), "00"),
                                absl::StrCat(code.substr(0, 2), "0000")}) {
    if (up != chain.back()) chain.push_back(up);
  }
  return chain;
}

}  // namespace

absl::StatusOr<PublicServiceDirectory> PublicServiceDirectory::FromCsv(
    const std::vector<CsvDocument>& documents) {
  PublicServiceDirectory directory;
  const std::vector<absl::string_view> header(std::begin(kHeader), std::end(kHeader));
  for (const CsvDocument& document : documents) {
    absl::StatusOr<std::vector<DataRow>> rows = ReadDataRows(document, header);
    if (!rows.ok()) return rows.status();
    for (const DataRow& row : *rows) {
      auto invalid = [&row](absl::string_view what) {
        return absl::InvalidArgumentError(absl::StrCat(row.where, what));
      };
      const std::vector<std::string>& f = row.fields;
      const std::string& code = f[0];
      if (!IsSixDigitRegionCode(code)) return invalid("region_code must be 6 digits");
      if (f[1].empty()) return invalid("region_name is empty");
      if (f[3].empty()) return invalid("name is empty");
      if (f[7] != "yes" && f[7] != "no") return invalid("sample must be \"yes\" or \"no\"");
      const bool sample = f[7] == "yes";
      auto [it, inserted] = directory.regions_.try_emplace(code);
      Published& region = it->second;
      if (inserted) {
        region.name = f[1];
      } else if (region.name != f[1]) {
        return invalid(absl::StrCat("region_name differs from an earlier row of region ", code));
      }
      v1::PublicServiceInfo& items = region.items;
      if (f[2] == "service_point") {
        if (f[4].empty() || f[5].empty()) {
          return invalid("a service point needs its address (detail) and opening_hours");
        }
        v1::ServicePoint* point = items.add_service_points();
        point->set_region_code(code);
        point->set_name(f[3]);
        point->set_address(f[4]);
        point->set_opening_hours(f[5]);
        point->set_phone(f[6]);
        point->set_sample(sample);
      } else if (f[2] == "online_channel") {
        if (f[4].empty()) return invalid("an online channel needs its location (detail)");
        v1::OnlineChannel* channel = items.add_online_channels();
        channel->set_region_code(code);
        channel->set_name(f[3]);
        channel->set_location(f[4]);
        channel->set_sample(sample);
      } else if (f[2] == "workflow_step") {
        v1::WorkflowStep* step = items.add_workflow_steps();
        step->set_region_code(code);
        step->set_number(items.workflow_steps_size());
        step->set_title(f[3]);
        step->set_description(f[4]);
        step->set_sample(sample);
      } else if (f[2] == "hotline") {
        if (f[6].empty()) return invalid("a hotline needs its number (phone)");
        v1::Hotline* hotline = items.add_hotlines();
        hotline->set_region_code(code);
        hotline->set_name(f[3]);
        hotline->set_number(f[6]);
        hotline->set_note(f[4]);
        hotline->set_sample(sample);
      } else {
        return invalid(
            "kind must be service_point, online_channel, workflow_step or hotline");
      }
    }
  }
  return directory;
}

absl::StatusOr<PublicServiceDirectory> PublicServiceDirectory::LoadDirectory(
    const std::string& directory) {
  absl::StatusOr<std::vector<CsvDocument>> documents =
      ReadCsvDocuments(directory, "public service");
  if (!documents.ok()) return documents.status();
  return FromCsv(*documents);
}

std::vector<std::string> PublicServiceDirectory::RegionCodes() const {
  std::vector<std::string> codes;
  for (const auto& [code, region] : regions_) codes.push_back(code);
  return codes;
}

absl::StatusOr<v1::PublicServiceInfo> PublicServiceDirectory::Get(
    absl::string_view region_code) const {
  if (region_code.empty()) {
    return status::InvalidFieldError("region_code", "REQUIRED", "the region code is required");
  }
  if (!IsSixDigitRegionCode(region_code)) {
    return status::InvalidFieldError("region_code", "FORMAT", "the region code must be 6 digits");
  }
  v1::PublicServiceInfo info;
  info.set_region_code(std::string(region_code));
  for (const std::string& code : ChainOf(region_code)) {
    auto it = regions_.find(code);
    if (it == regions_.end()) continue;
    const v1::PublicServiceInfo& items = it->second.items;
    if (info.region_name().empty()) info.set_region_name(it->second.name);
    if (info.service_points().empty()) *info.mutable_service_points() = items.service_points();
    if (info.online_channels().empty()) *info.mutable_online_channels() = items.online_channels();
    if (info.workflow_steps().empty()) *info.mutable_workflow_steps() = items.workflow_steps();
    if (info.hotlines().empty()) *info.mutable_hotlines() = items.hotlines();
  }
  if (info.region_name().empty()) {
    return status::WithErrorInfo(
        absl::NotFoundError(
            absl::StrCat("region ", region_code, " publishes no public service information")),
        "REGION_NOT_FOUND", {{"region_code", std::string(region_code)}});
  }
  bool sample = false;
  for (const auto& p : info.service_points()) sample = sample || p.sample();
  for (const auto& c : info.online_channels()) sample = sample || c.sample();
  for (const auto& s : info.workflow_steps()) sample = sample || s.sample();
  for (const auto& h : info.hotlines()) sample = sample || h.sample();
  info.set_contains_sample(sample);
  return info;
}

}  // namespace unemployment::gateway
