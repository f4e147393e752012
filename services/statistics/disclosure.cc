#include "services/statistics/disclosure.h"

#include <functional>
#include <optional>
#include <string>

namespace unemployment::statistics {
namespace {

bool Small(int64_t value, int64_t threshold) { return value > 0 && value < threshold; }

// Cells of one answer: each figure's value and how to withhold it, plus the groups.
class CellSet {
 public:
  size_t Add(int64_t value, std::function<void()> withhold) {
    values_.push_back(value);
    withhold_.push_back(std::move(withhold));
    return values_.size() - 1;
  }
  void Group(std::vector<size_t> members) {
    if (members.size() > 1) groups_.push_back(std::move(members));
  }
  void Apply(int64_t threshold) {
    std::vector<bool> withheld = SuppressCells(values_, groups_, threshold);
    for (size_t i = 0; i < withheld.size(); ++i) {
      if (withheld[i]) withhold_[i]();
    }
  }

 private:
  std::vector<int64_t> values_;
  std::vector<std::function<void()>> withhold_;
  std::vector<std::vector<size_t>> groups_;
};

void WithholdRatio(v1::Ratio* ratio, int64_t threshold) {
  if (!Small(ratio->numerator(), threshold) && !Small(ratio->denominator(), threshold)) return;
  ratio->set_numerator(0);
  ratio->set_denominator(0);
  ratio->set_value(0);
  ratio->set_suppressed(true);
}

}  // namespace

std::vector<bool> SuppressCells(const std::vector<int64_t>& values,
                                const std::vector<std::vector<size_t>>& groups, int64_t threshold) {
  std::vector<bool> withheld(values.size(), false);
  if (threshold <= 1) return withheld;
  for (size_t i = 0; i < values.size(); ++i) withheld[i] = Small(values[i], threshold);
  // Complementary suppression until every group is safe. Each pass withholds at least one more
  // cell or ends, so this ends after at most values.size() passes.
  bool changed = true;
  while (changed) {
    changed = false;
    for (const std::vector<size_t>& group : groups) {
      int count = 0;
      int64_t sum = 0;
      for (size_t i : group) {
        if (!withheld[i]) continue;
        ++count;
        sum += values[i];
      }
      if (count == 0 || (count >= 2 && sum >= threshold)) continue;
      // The smallest non-zero figure still shown; a zero one when there is none.
      std::optional<size_t> pick;
      for (size_t i : group) {
        if (withheld[i]) continue;
        if (!pick.has_value()) {
          pick = i;
          continue;
        }
        bool better =
            values[*pick] == 0 ? values[i] > 0 : values[i] > 0 && values[i] < values[*pick];
        if (better) pick = i;
      }
      if (!pick.has_value()) continue;  // every cell of the group is withheld already
      withheld[*pick] = true;
      changed = true;
    }
  }
  return withheld;
}

void SuppressUrban(v1::GetUrbanRegisteredUnemployedResponse* response, int64_t threshold) {
  CellSet cells;
  cells.Add(response->urban_registered_unemployed(), [response] {
    response->set_urban_registered_unemployed(0);
    response->add_suppressed_fields("urban_registered_unemployed");
  });
  cells.Add(response->active_registrations(), [response] {
    response->set_active_registrations(0);
    response->add_suppressed_fields("active_registrations");
  });
  cells.Apply(threshold);
}

void SuppressBreakdown(v1::GetBreakdownResponse* response, int64_t threshold) {
  CellSet cells;
  cells.Add(response->total(), [response] {
    response->set_total(0);
    response->add_suppressed_fields("total");
  });
  for (v1::Breakdown& breakdown : *response->mutable_breakdowns()) {
    std::vector<size_t> group;
    for (v1::BreakdownRow& row : *breakdown.mutable_rows()) {
      group.push_back(cells.Add(row.count(), [&row] {
        row.set_count(0);
        row.set_suppressed(true);
      }));
    }
    cells.Group(std::move(group));
  }
  cells.Apply(threshold);
}

void SuppressFlows(v1::GetFlowsResponse* response, int64_t threshold) {
  CellSet cells;
  cells.Add(response->new_registrations(), [response] {
    response->set_new_registrations(0);
    response->add_suppressed_fields("new_registrations");
  });
  cells.Add(response->new_urban_registrations(), [response] {
    response->set_new_urban_registrations(0);
    response->add_suppressed_fields("new_urban_registrations");
  });
  cells.Add(response->deregistrations(), [response] {
    response->set_deregistrations(0);
    response->add_suppressed_fields("deregistrations");
  });
  std::vector<size_t> reasons;
  for (v1::ReasonCount& entry : *response->mutable_deregistrations_by_reason()) {
    reasons.push_back(cells.Add(entry.count(), [&entry] {
      entry.set_count(0);
      entry.set_suppressed(true);
    }));
  }
  cells.Group(std::move(reasons));
  std::vector<size_t> received, accepted, rejected;
  for (v1::ChannelDecisions& entry : *response->mutable_decisions_by_channel()) {
    v1::ChannelDecisions* e = &entry;
    received.push_back(cells.Add(e->received_count(), [e] {
      e->set_received_count(0);
      e->add_suppressed_fields("received_count");
    }));
    accepted.push_back(cells.Add(e->accepted_count(), [e] {
      e->set_accepted_count(0);
      e->add_suppressed_fields("accepted_count");
    }));
    rejected.push_back(cells.Add(e->rejected_count(), [e] {
      e->set_rejected_count(0);
      e->add_suppressed_fields("rejected_count");
    }));
  }
  cells.Group(std::move(received));
  cells.Group(std::move(accepted));
  cells.Group(std::move(rejected));
  std::vector<size_t> rejection_reasons;
  for (v1::RejectionReasonCount& entry : *response->mutable_rejections_by_reason()) {
    rejection_reasons.push_back(cells.Add(entry.count(), [&entry] {
      entry.set_count(0);
      entry.set_suppressed(true);
    }));
  }
  cells.Group(std::move(rejection_reasons));
  cells.Apply(threshold);
}

void SuppressIndicators(v1::GetServiceIndicatorsResponse* response, int64_t threshold) {
  if (threshold <= 1) return;
  WithholdRatio(response->mutable_decided_within_deadline(), threshold);
  for (v1::MonthlyCoverage& month : *response->mutable_follow_up_coverage()) {
    WithholdRatio(month.mutable_coverage(), threshold);
  }
  for (v1::PlanFulfilment& plan : *response->mutable_plan_fulfilment()) {
    WithholdRatio(plan.mutable_met(), threshold);
    if (Small(plan.missed_count(), threshold)) {
      plan.set_missed_count(0);
      plan.add_suppressed_fields("missed_count");
    }
  }
  if (Small(response->overdue_undecided(), threshold)) {
    response->set_overdue_undecided(0);
    response->add_suppressed_fields("overdue_undecided");
  }
  if (Small(response->fraud_cases_opened(), threshold)) {
    response->set_fraud_cases_opened(0);
    response->add_suppressed_fields("fraud_cases_opened");
  }
  if (Small(response->fraud_cases_confirmed(), threshold)) {
    response->set_fraud_cases_confirmed(0);
    response->add_suppressed_fields("fraud_cases_confirmed");
  }
}

void SuppressTable(ReportTable* table, int64_t threshold) {
  if (threshold <= 1) return;
  // One cell per available figure; unavailable cells (nullopt) take no part.
  std::vector<int64_t> values;
  std::vector<std::pair<size_t, size_t>> where;
  std::vector<std::vector<int>> index(table->rows.size());
  for (size_t r = 0; r < table->rows.size(); ++r) {
    index[r].assign(table->rows[r].values.size(), -1);
    for (size_t c = 0; c < table->rows[r].values.size(); ++c) {
      if (!table->rows[r].values[c].has_value()) continue;
      index[r][c] = static_cast<int>(values.size());
      values.push_back(*table->rows[r].values[c]);
      where.emplace_back(r, c);
    }
  }
  std::vector<std::vector<size_t>> groups;
  for (const std::vector<std::pair<size_t, size_t>>& group : table->groups) {
    std::vector<size_t> members;
    for (const auto& [r, c] : group) {
      if (r < index.size() && c < index[r].size() && index[r][c] >= 0) {
        members.push_back(static_cast<size_t>(index[r][c]));
      }
    }
    if (members.size() > 1) groups.push_back(std::move(members));
  }
  std::vector<bool> withheld = SuppressCells(values, groups, threshold);
  for (size_t i = 0; i < withheld.size(); ++i) {
    if (!withheld[i]) continue;
    ReportRow& row = table->rows[where[i].first];
    row.values[where[i].second] = std::nullopt;
    row.suppressed.resize(row.values.size(), false);
    row.suppressed[where[i].second] = true;
  }
}

}  // namespace unemployment::statistics
