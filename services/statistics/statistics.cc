#include "services/statistics/statistics.h"

#include <algorithm>
#include <map>
#include <optional>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/notice/rejection_reason.h"
#include "common/status/status_util.h"
#include "common/time/date.h"
#include "common/validation/deregistration_reason.h"
#include "common/validation/education.h"
#include "common/validation/sex.h"
#include "services/statistics/disclosure.h"
#include "unemployment/common/v1/codes.pb.h"

namespace unemployment::statistics {
namespace {

namespace codes = ::unemployment::common::v1;
using google::protobuf::EnumDescriptor;

constexpr char kContentType[] = "text/csv; charset=utf-8";

// Days in requests were validated before they reach the domain.
PackedDay DayOf(const std::string& text) {
  absl::StatusOr<absl::CivilDay> day = time::ParseDate(text);
  return day.ok() ? PackDay(*day) : kNoDay;
}

v1::RegionLevel LevelOfRegion(validation::RegionLevel level) {
  switch (level) {
    case validation::RegionLevel::kProvince:
      return v1::REGION_LEVEL_PROVINCE;
    case validation::RegionLevel::kCity:
      return v1::REGION_LEVEL_CITY;
    default:
      return v1::REGION_LEVEL_COUNTY;
  }
}

void SetRatio(v1::Ratio* ratio, int64_t numerator, int64_t denominator) {
  ratio->set_numerator(numerator);
  ratio->set_denominator(denominator);
  ratio->set_value(denominator == 0 ? 0.0
                                    : static_cast<double>(numerator) /
                                          static_cast<double>(denominator));
}

std::string LevelLabel(int level) {
  switch (level) {
    case 1:
      return "短期失业";
    case 2:
      return "中短期失业";
    case 3:
      return "中长期失业";
    case 4:
      return "长期失业";
    default:
      return "未知";
  }
}

std::string TypeLabel(int type) {
  switch (type) {
    case codes::UNEMPLOYMENT_TYPE_SKILLED:
      return "具备技能";
    case codes::UNEMPLOYMENT_TYPE_LACKING_SKILLS:
      return "缺乏技能";
    case codes::UNEMPLOYMENT_TYPE_EMPLOYMENT_DIFFICULTY:
      return "就业困难";
    default:
      return "未分类";
  }
}

std::string ChannelLabel(int channel) {
  switch (channel) {
    case codes::CHANNEL_PROVINCE_PORTAL:
      return "省端平台";
    case codes::CHANNEL_MINISTRY:
      return "部端平台";
    default:
      return "未知渠道";
  }
}

std::string EnumKey(const EnumDescriptor* descriptor, int number) {
  const google::protobuf::EnumValueDescriptor* value = descriptor->FindValueByNumber(number);
  return value != nullptr ? value->name() : absl::StrCat(number);
}

void AddRow(v1::Breakdown* breakdown, std::string key, std::string label, int64_t count) {
  v1::BreakdownRow* row = breakdown->add_rows();
  row->set_key(std::move(key));
  row->set_label(std::move(label));
  row->set_count(count);
}

// Every value of the enum except the zero value, in enum order, zero counts included; then any
// other number that was counted (zero value or a number unknown to this build), so that the rows
// always add up to the total.
template <typename Label>
void AddEnumRows(v1::Breakdown* breakdown, const EnumDescriptor* descriptor,
                 const std::map<int, int64_t>& counts, Label label) {
  for (int i = 0; i < descriptor->value_count(); ++i) {
    const int number = descriptor->value(i)->number();
    if (number == 0) continue;
    auto it = counts.find(number);
    std::string text(label(number));
    AddRow(breakdown, descriptor->value(i)->name(), text.empty() ? "未知" : text,
           it == counts.end() ? 0 : it->second);
  }
  for (const auto& [number, count] : counts) {
    if (number != 0 && descriptor->FindValueByNumber(number) != nullptr) continue;
    AddRow(breakdown, EnumKey(descriptor, number), "未知", count);
  }
}

v1::Breakdown MakeBreakdown(v1::BreakdownDimension dimension, const BreakdownCounts& counts) {
  v1::Breakdown breakdown;
  breakdown.set_dimension(dimension);
  switch (dimension) {
    case v1::BREAKDOWN_DIMENSION_LEVEL:
      for (int level = 1; level <= 4; ++level) {
        AddRow(&breakdown, EnumKey(codes::UnemploymentLevel_descriptor(), level),
               LevelLabel(level), counts.level[static_cast<size_t>(level)]);
      }
      break;
    case v1::BREAKDOWN_DIMENSION_SEX:
      AddEnumRows(&breakdown, codes::Sex_descriptor(), counts.sex,
                  [](int n) { return validation::SexCodes().NameOfNumber(n); });
      break;
    case v1::BREAKDOWN_DIMENSION_AGE_BAND: {
      static constexpr const char* kKeys[] = {"16-24", "25-34", "35-44", "45-54", "55+", "UNKNOWN"};
      static constexpr const char* kLabels[] = {"16-24岁", "25-34岁", "35-44岁",
                                                "45-54岁", "55岁及以上", "未知"};
      for (size_t band = 0; band < kAgeBandCount; ++band) {
        AddRow(&breakdown, kKeys[band], kLabels[band], counts.age[band]);
      }
      break;
    }
    case v1::BREAKDOWN_DIMENSION_EDUCATION:
      AddEnumRows(&breakdown, codes::Education_descriptor(), counts.education,
                  [](int n) { return validation::EducationCodes().NameOfNumber(n); });
      break;
    case v1::BREAKDOWN_DIMENSION_CHANNEL:
      AddEnumRows(&breakdown, codes::Channel_descriptor(), counts.channel, ChannelLabel);
      break;
    case v1::BREAKDOWN_DIMENSION_HOUSEHOLD_LOCALITY:
      AddRow(&breakdown, "LOCAL", "本地户籍", counts.household_local);
      AddRow(&breakdown, "NON_LOCAL", "外地户籍", counts.household_non_local);
      break;
    case v1::BREAKDOWN_DIMENSION_TYPE: {
      // The three types, then "UNKNOWN" for registrations not typed on the day (and any number
      // this build does not know, so that the rows add up to the total).
      std::map<int, int64_t> typed = counts.type;
      int64_t unknown = 0;
      for (auto it = typed.begin(); it != typed.end();) {
        if (it->first == 0 || codes::UnemploymentType_descriptor()->FindValueByNumber(it->first) ==
                                  nullptr) {
          unknown += it->second;
          it = typed.erase(it);
        } else {
          ++it;
        }
      }
      AddEnumRows(&breakdown, codes::UnemploymentType_descriptor(), typed, TypeLabel);
      AddRow(&breakdown, "UNKNOWN", "未分类", unknown);
      break;
    }
    default:
      break;
  }
  return breakdown;
}

// The dimensions answered when all are asked for, in enum order (TYPE needs tiering's feed).
std::vector<v1::BreakdownDimension> AllDimensions(bool with_type) {
  std::vector<v1::BreakdownDimension> all = {v1::BREAKDOWN_DIMENSION_LEVEL};
  if (with_type) all.push_back(v1::BREAKDOWN_DIMENSION_TYPE);
  for (v1::BreakdownDimension d :
       {v1::BREAKDOWN_DIMENSION_SEX, v1::BREAKDOWN_DIMENSION_AGE_BAND,
        v1::BREAKDOWN_DIMENSION_EDUCATION, v1::BREAKDOWN_DIMENSION_CHANNEL,
        v1::BREAKDOWN_DIMENSION_HOUSEHOLD_LOCALITY}) {
    all.push_back(d);
  }
  return all;
}

// The months of [start, end] with their evaluation day (the month's last day, or `end`).
std::vector<CoverageMonth> MonthsOf(PackedDay start, PackedDay end) {
  std::vector<CoverageMonth> months;
  for (absl::CivilMonth month = absl::CivilMonth(UnpackDay(start));
       month <= absl::CivilMonth(UnpackDay(end)); ++month) {
    const PackedDay last = PackDay(absl::CivilDay(month + 1) - 1);
    months.push_back({PackDay(absl::CivilDay(month)), std::min(last, end)});
  }
  return months;
}

// "BREAKDOWN_DIMENSION_SEX" -> "SEX".
std::string DimensionName(v1::BreakdownDimension dimension) {
  std::string name = v1::BreakdownDimension_Name(dimension);
  constexpr absl::string_view kPrefix = "BREAKDOWN_DIMENSION_";
  return absl::StartsWith(name, kPrefix) ? name.substr(kPrefix.size()) : name;
}

std::string DimensionLabel(v1::BreakdownDimension dimension) {
  switch (dimension) {
    case v1::BREAKDOWN_DIMENSION_LEVEL:
      return "失业级别";
    case v1::BREAKDOWN_DIMENSION_SEX:
      return "性别";
    case v1::BREAKDOWN_DIMENSION_AGE_BAND:
      return "年龄段";
    case v1::BREAKDOWN_DIMENSION_EDUCATION:
      return "文化程度";
    case v1::BREAKDOWN_DIMENSION_CHANNEL:
      return "申请渠道";
    case v1::BREAKDOWN_DIMENSION_HOUSEHOLD_LOCALITY:
      return "户籍";
    case v1::BREAKDOWN_DIMENSION_TYPE:
      return "失业人员类型";
    default:
      return "";
  }
}

ReportRow CountRow(std::string key, std::string label, std::optional<int64_t> value) {
  return ReportRow{std::move(key), std::move(label), {value}, {}};
}

ReportTable CountTable(std::string header) {
  ReportTable table;
  table.column_keys = {"count"};
  table.column_headers = {std::move(header)};
  return table;
}

// The level rows of the plan indicators: everyone first, then each level.
std::vector<std::pair<std::string, std::string>> PlanLevels() {
  std::vector<std::pair<std::string, std::string>> levels = {{"ALL_REGISTERED", "全体登记人员"}};
  for (int level = 1; level <= 4; ++level) {
    levels.emplace_back(EnumKey(codes::UnemploymentLevel_descriptor(), level), LevelLabel(level));
  }
  return levels;
}

}  // namespace

Statistics::Statistics(const ReadModel& model, const validation::RegionDirectory& regions,
                       FeedSources sources)
    : model_(model), regions_(regions), sources_(sources) {}

absl::StatusOr<const validation::Region*> Statistics::FindRegion(const std::string& code) const {
  const validation::Region* region = regions_.Find(code);
  if (region == nullptr || region->level == validation::RegionLevel::kTownship) {
    return status::WithErrorInfo(
        absl::NotFoundError(absl::StrCat("region ", code, " is not a known province, city or county")),
        "REGION_NOT_FOUND", {{"region_code", code}});
  }
  return region;
}

OfficeFilter Statistics::OfficesOf(const validation::Region& region) const {
  const std::string code = region.code;
  if (region.level == validation::RegionLevel::kCounty) {
    return [code](absl::string_view office) { return office == code; };
  }
  const validation::RegionDirectory* regions = &regions_;
  return [regions, code](absl::string_view office) { return regions->IsWithin(office, code); };
}

absl::StatusOr<v1::GetUrbanRegisteredUnemployedResponse> Statistics::GetUrbanRegisteredUnemployed(
    const v1::GetUrbanRegisteredUnemployedRequest& request, int64_t threshold) const {
  absl::StatusOr<const validation::Region*> region = FindRegion(request.region_code());
  if (!region.ok()) return region.status();
  const StockCounts counts = model_.CountOn(OfficesOf(**region), DayOf(request.as_of()));
  v1::GetUrbanRegisteredUnemployedResponse response;
  response.set_region_code((*region)->code);
  response.set_region_name((*region)->name);
  response.set_region_level(LevelOfRegion((*region)->level));
  response.set_as_of(request.as_of());
  response.set_urban_registered_unemployed(counts.urban);
  response.set_active_registrations(counts.active);
  SuppressUrban(&response, threshold);
  return response;
}

absl::StatusOr<v1::GetBreakdownResponse> Statistics::GetBreakdown(
    const v1::GetBreakdownRequest& request, int64_t threshold) const {
  absl::StatusOr<const validation::Region*> region = FindRegion(request.region_code());
  if (!region.ok()) return region.status();
  std::vector<v1::BreakdownDimension> dimensions;
  for (int d : request.dimensions()) {
    if (d == v1::BREAKDOWN_DIMENSION_TYPE && !sources_.tiering) {
      return status::WithErrorInfo(
          absl::FailedPreconditionError(
              "the TYPE breakdown needs the tiering service's feed, which this statistics "
              "service does not consume (setting --tiering_addr is empty); ask for the other "
              "dimensions"),
          "TYPE_BREAKDOWN_UNAVAILABLE");
    }
    dimensions.push_back(static_cast<v1::BreakdownDimension>(d));
  }
  if (dimensions.empty()) dimensions = AllDimensions(sources_.tiering);
  const BreakdownCounts counts = model_.BreakdownOn(OfficesOf(**region), DayOf(request.as_of()));
  v1::GetBreakdownResponse response;
  response.set_region_code((*region)->code);
  response.set_as_of(request.as_of());
  response.set_total(counts.total);
  for (v1::BreakdownDimension dimension : dimensions) {
    *response.add_breakdowns() = MakeBreakdown(dimension, counts);
  }
  SuppressBreakdown(&response, threshold);
  return response;
}

absl::StatusOr<v1::GetFlowsResponse> Statistics::GetFlows(const v1::GetFlowsRequest& request,
                                                          int64_t threshold) const {
  absl::StatusOr<const validation::Region*> region = FindRegion(request.region_code());
  if (!region.ok()) return region.status();
  const FlowCounts flows = model_.Flows(OfficesOf(**region), DayOf(request.period_start()),
                                        DayOf(request.period_end()));
  v1::GetFlowsResponse response;
  response.set_region_code((*region)->code);
  response.set_period_start(request.period_start());
  response.set_period_end(request.period_end());
  response.set_new_registrations(flows.new_registrations);
  response.set_new_urban_registrations(flows.new_urban_registrations);
  response.set_deregistrations(flows.deregistrations);
  for (const auto& [reason, count] : flows.deregistrations_by_reason) {
    if (count == 0) continue;
    v1::ReasonCount* entry = response.add_deregistrations_by_reason();
    entry->set_reason(static_cast<codes::DeregistrationReason>(reason));
    entry->set_count(count);
  }
  std::map<int, ChannelFlow> channels = flows.by_channel;
  channels.try_emplace(codes::CHANNEL_PROVINCE_PORTAL);
  channels.try_emplace(codes::CHANNEL_MINISTRY);
  for (const auto& [channel, flow] : channels) {
    v1::ChannelDecisions* entry = response.add_decisions_by_channel();
    entry->set_channel(static_cast<codes::Channel>(channel));
    entry->set_received_count(flow.received);
    entry->set_accepted_count(flow.accepted);
    entry->set_rejected_count(flow.rejected);
  }
  for (const auto& [reason, count] : flows.rejections_by_reason) {
    if (count == 0) continue;
    v1::RejectionReasonCount* entry = response.add_rejections_by_reason();
    entry->set_reason(static_cast<codes::RejectionReason>(reason));
    entry->set_count(count);
  }
  SuppressFlows(&response, threshold);
  return response;
}

absl::StatusOr<IndicatorsResult> Statistics::GetServiceIndicators(
    const v1::GetServiceIndicatorsRequest& request, int64_t threshold) const {
  absl::StatusOr<const validation::Region*> region = FindRegion(request.region_code());
  if (!region.ok()) return region.status();
  const DecisionCounts decisions = model_.Decisions(
      OfficesOf(**region), DayOf(request.period_start()), DayOf(request.period_end()));
  IndicatorsResult result;
  v1::GetServiceIndicatorsResponse& response = result.response;
  response.set_region_code((*region)->code);
  response.set_period_start(request.period_start());
  response.set_period_end(request.period_end());
  SetRatio(response.mutable_decided_within_deadline(), decisions.decided_within_deadline,
           decisions.decided);
  response.set_overdue_undecided(decisions.overdue_undecided);
  const PackedDay start = DayOf(request.period_start());
  const PackedDay end = DayOf(request.period_end());
  const OfficeFilter offices = OfficesOf(**region);
  if (sources_.followup) {
    const std::vector<CoverageMonth> months = MonthsOf(start, end);
    const std::vector<CoverageCounts> coverage = model_.Coverage(offices, months);
    for (size_t i = 0; i < months.size(); ++i) {
      v1::MonthlyCoverage* entry = response.add_follow_up_coverage();
      entry->set_month(time::FormatMonth(absl::CivilMonth(UnpackDay(months[i].first))));
      SetRatio(entry->mutable_coverage(), coverage[i].covered, coverage[i].active);
    }
  } else {
    result.unavailable.push_back(kUnavailableFollowUpCoverage);
  }
  if (sources_.tiering) {
    const PlanCounts plan = model_.Plan(offices, start, end);
    for (size_t level = 0; level < plan.size(); ++level) {
      v1::PlanFulfilment* entry = response.add_plan_fulfilment();
      entry->set_level(static_cast<codes::UnemploymentLevel>(level));
      SetRatio(entry->mutable_met(), plan[level].met, plan[level].due);
      entry->set_missed_count(plan[level].missed);
    }
  } else {
    result.unavailable.push_back(kUnavailablePlanFulfilment);
  }
  if (sources_.followup) {
    const FraudCounts fraud = model_.Fraud(offices, start, end);
    response.set_fraud_cases_opened(fraud.opened);
    response.set_fraud_cases_confirmed(fraud.confirmed);
  } else {
    result.unavailable.push_back(kUnavailableFraudCases);
  }
  SuppressIndicators(&response, threshold);
  return result;
}

absl::StatusOr<ReportTable> Statistics::ComputeReport(const v1::ReportSpec& spec,
                                                      int64_t threshold) const {
  absl::StatusOr<ReportTable> table = ComputeExactReport(spec);
  if (!table.ok()) return table.status();
  SuppressTable(&*table, threshold);
  return table;
}

absl::StatusOr<ReportTable> Statistics::ComputeExactReport(const v1::ReportSpec& spec) const {
  absl::StatusOr<const validation::Region*> region = FindRegion(spec.region_code());
  if (!region.ok()) return region.status();
  switch (spec.kind()) {
    case v1::REPORT_KIND_URBAN_REGISTERED_UNEMPLOYED: {
      ReportTable table;
      table.column_keys = {"urban", "active"};
      table.column_headers = {"城镇登记失业人员", "登记失业人员"};
      std::vector<const validation::Region*> rows = {*region};
      for (const validation::Region* child : regions_.Children((*region)->code)) {
        if (child->level == validation::RegionLevel::kCity ||
            child->level == validation::RegionLevel::kCounty) {
          rows.push_back(child);
        }
      }
      const PackedDay day = DayOf(spec.as_of());
      for (const validation::Region* r : rows) {
        const StockCounts counts = model_.CountOn(OfficesOf(*r), day);
        table.rows.push_back(ReportRow{r->code, r->name, {counts.urban, counts.active}, {}});
      }
      // The regions inside add up to the region's row, column by column.
      for (size_t column = 0; column < 2; ++column) {
        std::vector<std::pair<size_t, size_t>> group;
        for (size_t row = 1; row < table.rows.size(); ++row) group.emplace_back(row, column);
        table.groups.push_back(std::move(group));
      }
      return table;
    }
    case v1::REPORT_KIND_BREAKDOWN: {
      ReportTable table = CountTable("人数");
      const BreakdownCounts counts = model_.BreakdownOn(OfficesOf(**region), DayOf(spec.as_of()));
      for (v1::BreakdownDimension dimension : AllDimensions(sources_.tiering)) {
        const v1::Breakdown breakdown = MakeBreakdown(dimension, counts);
        // The rows of one dimension add up to the total.
        std::vector<std::pair<size_t, size_t>>& group = table.groups.emplace_back();
        for (const v1::BreakdownRow& row : breakdown.rows()) {
          group.emplace_back(table.rows.size(), 0);
          table.rows.push_back(CountRow(absl::StrCat(DimensionName(dimension), ":", row.key()),
                                        absl::StrCat(DimensionLabel(dimension), "：", row.label()),
                                        row.count()));
        }
      }
      return table;
    }
    case v1::REPORT_KIND_FLOWS: {
      v1::GetFlowsRequest request;
      request.set_region_code(spec.region_code());
      request.set_period_start(spec.period_start());
      request.set_period_end(spec.period_end());
      absl::StatusOr<v1::GetFlowsResponse> flows = GetFlows(request);
      if (!flows.ok()) return flows.status();
      ReportTable table = CountTable("人数");
      table.rows.push_back(CountRow("NEW_REGISTRATIONS", "新增登记失业人员", flows->new_registrations()));
      table.rows.push_back(CountRow("NEW_URBAN_REGISTRATIONS", "其中：常住地为城镇",
                                    flows->new_urban_registrations()));
      table.rows.push_back(CountRow("DEREGISTRATIONS", "注销登记人员", flows->deregistrations()));
      // Groups of rows that add up to one figure (known or computable by the reader): the
      // deregistration reasons; each of the received, accepted, rejected columns over the
      // channels; the rejection reasons.
      auto group_of = [&table](absl::string_view prefix) {
        std::vector<std::pair<size_t, size_t>> group;
        for (size_t row = 0; row < table.rows.size(); ++row) {
          if (absl::StartsWith(table.rows[row].key, prefix)) group.emplace_back(row, 0);
        }
        return group;
      };
      std::map<int, int64_t> by_reason;
      for (const v1::ReasonCount& entry : flows->deregistrations_by_reason()) {
        by_reason[entry.reason()] = entry.count();
      }
      for (const validation::CodeEntry& reason : validation::DeregistrationReasonCodes().entries()) {
        auto it = by_reason.find(reason.number);
        table.rows.push_back(CountRow(absl::StrCat("DEREGISTRATIONS:", reason.code),
                                      absl::StrCat("注销原因：", reason.name),
                                      it == by_reason.end() ? 0 : it->second));
      }
      for (const v1::ChannelDecisions& entry : flows->decisions_by_channel()) {
        const std::string name = codes::Channel_Name(entry.channel());
        const std::string label = ChannelLabel(entry.channel());
        table.rows.push_back(CountRow(absl::StrCat("RECEIVED:", name),
                                      absl::StrCat("收到申请（", label, "）"),
                                      entry.received_count()));
        table.rows.push_back(CountRow(absl::StrCat("ACCEPTED:", name),
                                      absl::StrCat("审核通过（", label, "）"),
                                      entry.accepted_count()));
        table.rows.push_back(CountRow(absl::StrCat("REJECTED:", name),
                                      absl::StrCat("审核不通过（", label, "）"),
                                      entry.rejected_count()));
      }
      // Rejections by reason code, every code (0 when none); rejections recorded before codes
      // existed in their own row.
      std::map<int, int64_t> rejections;
      for (const v1::RejectionReasonCount& entry : flows->rejections_by_reason()) {
        rejections[entry.reason()] = entry.count();
      }
      const google::protobuf::EnumDescriptor* codes_list = codes::RejectionReason_descriptor();
      for (int i = 0; i < codes_list->value_count(); ++i) {
        const int number = codes_list->value(i)->number();
        const auto code = static_cast<codes::RejectionReason>(number);
        auto it = rejections.find(number);
        const std::string name =
            std::string(absl::StripPrefix(codes_list->value(i)->name(), "REJECTION_REASON_"));
        table.rows.push_back(CountRow(
            absl::StrCat("REJECTIONS:", name),
            absl::StrCat("审核不通过原因：",
                         number == 0 ? "未编码（启用原因代码前）" : notice::RejectionReasonLabel(code)),
            it == rejections.end() ? 0 : it->second));
      }
      for (absl::string_view prefix :
           {"DEREGISTRATIONS:", "RECEIVED:", "ACCEPTED:", "REJECTED:", "REJECTIONS:"}) {
        table.groups.push_back(group_of(prefix));
      }
      return table;
    }
    case v1::REPORT_KIND_SERVICE_INDICATORS: {
      v1::GetServiceIndicatorsRequest request;
      request.set_region_code(spec.region_code());
      request.set_period_start(spec.period_start());
      request.set_period_end(spec.period_end());
      absl::StatusOr<IndicatorsResult> indicators = GetServiceIndicators(request);
      if (!indicators.ok()) return indicators.status();
      const v1::GetServiceIndicatorsResponse& r = indicators->response;
      ReportTable table = CountTable("数量");
      table.rows.push_back(
          CountRow("DECIDED", "期内审核的申请", r.decided_within_deadline().denominator()));
      table.rows.push_back(CountRow("DECIDED_WITHIN_DEADLINE", "其中：7个工作日内审核",
                                    r.decided_within_deadline().numerator()));
      table.rows.push_back(
          CountRow("OVERDUE_UNDECIDED", "超过7个工作日未审核", r.overdue_undecided()));
      // Parts whose feed is not consumed (see statistics.h) are empty cells.
      std::map<std::string, v1::Ratio> coverage;
      for (const v1::MonthlyCoverage& entry : r.follow_up_coverage()) {
        coverage[entry.month()] = entry.coverage();
      }
      auto value = [](bool available, int64_t v) {
        return available ? std::optional<int64_t>(v) : std::nullopt;
      };
      for (const CoverageMonth& month : MonthsOf(DayOf(spec.period_start()),
                                                 DayOf(spec.period_end()))) {
        const std::string m = time::FormatMonth(absl::CivilMonth(UnpackDay(month.first)));
        const v1::Ratio& ratio = coverage[m];
        table.rows.push_back(CountRow(absl::StrCat("FOLLOW_UP_DUE:", m),
                                      absl::StrCat(m, " 应回访人数"),
                                      value(sources_.followup, ratio.denominator())));
        table.rows.push_back(CountRow(absl::StrCat("FOLLOW_UP_COVERED:", m),
                                      absl::StrCat(m, " 已回访人数"),
                                      value(sources_.followup, ratio.numerator())));
      }
      const std::vector<std::pair<std::string, std::string>> levels = PlanLevels();
      for (size_t i = 0; i < levels.size(); ++i) {
        const auto& [key, label] = levels[i];
        v1::PlanFulfilment plan;
        if (static_cast<int>(i) < r.plan_fulfilment_size()) {
          plan = r.plan_fulfilment(static_cast<int>(i));
        }
        table.rows.push_back(CountRow(absl::StrCat("PLAN_DUE:", key),
                                      absl::StrCat(label, " 到期服务义务"),
                                      value(sources_.tiering, plan.met().denominator())));
        table.rows.push_back(CountRow(absl::StrCat("PLAN_MET:", key),
                                      absl::StrCat(label, " 已履行"),
                                      value(sources_.tiering, plan.met().numerator())));
        table.rows.push_back(CountRow(absl::StrCat("PLAN_MISSED:", key),
                                      absl::StrCat(label, " 未履行"),
                                      value(sources_.tiering, plan.missed_count())));
      }
      table.rows.push_back(CountRow("FRAUD_OPENED", "立案的骗取案件",
                                    value(sources_.followup, r.fraud_cases_opened())));
      table.rows.push_back(CountRow("FRAUD_CONFIRMED", "认定的骗取案件",
                                    value(sources_.followup, r.fraud_cases_confirmed())));
      return table;
    }
    default:
      return absl::InvalidArgumentError("unknown report kind");
  }
}

absl::StatusOr<v1::CheckReportConsistencyResponse> Statistics::CheckReportConsistency(
    const v1::CheckReportConsistencyRequest& request, int64_t threshold) const {
  absl::StatusOr<ReportTable> table = ComputeReport(request.spec(), threshold);
  if (!table.ok()) return table.status();
  std::vector<v1::ReportCell> cells;
  if (request.reported_case() == v1::CheckReportConsistencyRequest::kCsv) {
    absl::StatusOr<std::vector<v1::ReportCell>> parsed = ParseReportCsv(request.csv(), *table);
    if (!parsed.ok()) return parsed.status();
    cells = *std::move(parsed);
  } else {
    cells.assign(request.table().cells().begin(), request.table().cells().end());
  }
  v1::CheckReportConsistencyResponse response = CompareReport(*table, cells);
  *response.mutable_spec() = request.spec();
  return response;
}

absl::StatusOr<v1::ExportReportResponse> Statistics::ExportReport(
    const v1::ExportReportRequest& request, int64_t threshold) const {
  absl::StatusOr<ReportTable> table = ComputeReport(request.spec(), threshold);
  if (!table.ok()) return table.status();
  const v1::ReportSpec& spec = request.spec();
  std::string name;
  switch (spec.kind()) {
    case v1::REPORT_KIND_URBAN_REGISTERED_UNEMPLOYED:
      name = absl::StrCat("城镇登记失业人员_", spec.region_code(), "_", spec.as_of());
      break;
    case v1::REPORT_KIND_BREAKDOWN:
      name = absl::StrCat("城镇登记失业人员构成_", spec.region_code(), "_", spec.as_of());
      break;
    case v1::REPORT_KIND_FLOWS:
      name = absl::StrCat("登记失业流量_", spec.region_code(), "_", spec.period_start(), "_",
                          spec.period_end());
      break;
    default:
      name = absl::StrCat("服务指标_", spec.region_code(), "_", spec.period_start(), "_",
                          spec.period_end());
      break;
  }
  v1::ExportReportResponse response;
  response.set_content(ReportCsv(*table));
  response.set_content_type(kContentType);
  response.set_file_name(absl::StrCat(name, ".csv"));
  *response.mutable_spec() = spec;
  for (const ReportRow& row : table->rows) {
    for (size_t c = 0; c < table->column_keys.size(); ++c) {
      if (!row.Suppressed(c)) continue;
      v1::ReportCell* cell = response.add_suppressed_cells();
      cell->set_row_key(row.key);
      cell->set_column_key(table->column_keys[c]);
    }
  }
  return response;
}

}  // namespace unemployment::statistics
