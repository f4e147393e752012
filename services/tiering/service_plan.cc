#include "services/tiering/service_plan.h"

#include "common/notice/level.h"
#include "common/notice/service_plan.h"
#include "common/time/date.h"

namespace unemployment::tiering {
namespace {

using Rule = notice::PlanRule;

// Counts the deliveries of `rule.type` in the rule's window up to as_of (and its due date), in
// the input's order; `counted`, when given, receives each one counted.
ObligationStatus Evaluate(const Rule& rule, const std::vector<DeliveryRef>& deliveries,
                          absl::CivilDay as_of, std::vector<const DeliveryRef*>* counted) {
  ObligationStatus status;
  status.service_type = rule.type;
  status.level = rule.level;
  status.required_count = rule.required;
  status.window_start = rule.window_start;
  status.due_on = rule.due_on;
  absl::CivilDay last = as_of;
  if (rule.due_on.has_value() && *rule.due_on < last) last = *rule.due_on;
  for (const DeliveryRef& delivery : deliveries) {
    if (delivery.type != rule.type || delivery.delivered_on < rule.window_start ||
        delivery.delivered_on > last) {
      continue;
    }
    ++status.delivered_count;
    if (counted != nullptr) counted->push_back(&delivery);
    if (status.delivered_count == rule.required) status.met_on = delivery.delivered_on;
  }
  if (status.delivered_count >= rule.required) {
    status.state = v1::OBLIGATION_STATE_MET;
  } else if (rule.due_on.has_value() && *rule.due_on < as_of) {
    status.state = v1::OBLIGATION_STATE_MISSED;
  } else {
    status.state = v1::OBLIGATION_STATE_OPEN;
  }
  return status;
}

// The rules that apply on as_of (the one table in common/notice/service_plan.h).
void RulesOn(const PlanInput& input, absl::CivilDay as_of, std::vector<Rule>& rules) {
  notice::PlanFacts facts;
  facts.training_intention = input.training_intention;
  facts.entrepreneurship_intention = input.entrepreneurship_intention;
  facts.meets_difficulty_criteria = input.meets_difficulty_criteria;
  facts.difficulty_approved_on = input.difficulty_approved_on;
  // One calendar per plan: a pass evaluates a million plans.
  notice::PlanRulesOn(notice::LevelCalendarFor(input.registered), facts, as_of, rules);
}

}  // namespace

std::string PlanDate(absl::CivilDay day) {
  const int64_t year = day.year();
  if (year < 0 || year > 9999) return time::FormatDate(day);
  std::string text = "0000-00-00";
  auto put = [&text](size_t at, int64_t value, int width) {
    for (int i = width - 1; i >= 0; --i) {
      text[at + static_cast<size_t>(i)] = static_cast<char>('0' + value % 10);
      value /= 10;
    }
  };
  put(0, year, 4);
  put(5, day.month(), 2);
  put(8, day.day(), 2);
  return text;
}

void EvaluateObligations(const PlanInput& input, absl::CivilDay as_of,
                         std::vector<ObligationStatus>& out) {
  // One rule list per thread: a pass evaluates a million plans.
  thread_local std::vector<Rule> rules;
  RulesOn(input, as_of, rules);
  out.clear();
  for (const Rule& rule : rules) out.push_back(Evaluate(rule, input.deliveries, as_of, nullptr));
}

std::vector<v1::Obligation> ComputeObligations(const PlanInput& input, absl::CivilDay as_of) {
  std::vector<Rule> rules;
  RulesOn(input, as_of, rules);
  std::vector<v1::Obligation> obligations;
  obligations.reserve(rules.size());
  std::vector<const DeliveryRef*> counted;
  for (const Rule& rule : rules) {
    counted.clear();
    const ObligationStatus status = Evaluate(rule, input.deliveries, as_of, &counted);
    v1::Obligation& obligation = obligations.emplace_back();
    obligation.set_service_type(status.service_type);
    obligation.set_level(status.level);
    obligation.set_required_count(status.required_count);
    obligation.set_window_start(PlanDate(status.window_start));
    if (status.due_on.has_value()) obligation.set_due_on(PlanDate(*status.due_on));
    for (const DeliveryRef* delivery : counted) obligation.add_delivery_ids(delivery->delivery_id);
    if (status.met_on.has_value()) obligation.set_met_on(PlanDate(*status.met_on));
    obligation.set_delivered_count(status.delivered_count);
    obligation.set_state(status.state);
  }
  return obligations;
}

bool HasGap(const std::vector<v1::Obligation>& obligations, v1::ObligationState state) {
  for (const v1::Obligation& obligation : obligations) {
    if (obligation.state() == v1::OBLIGATION_STATE_MET) continue;
    if (state == v1::OBLIGATION_STATE_UNSPECIFIED || obligation.state() == state) return true;
  }
  return false;
}

}  // namespace unemployment::tiering
