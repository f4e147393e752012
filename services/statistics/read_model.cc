#include "services/statistics/read_model.h"

#include <algorithm>
#include <tuple>
#include <utility>

#include "common/notice/level.h"
#include "common/notice/service_plan.h"

namespace unemployment::statistics {
namespace {

int Year(PackedDay d) { return d / 10000; }
int Month(PackedDay d) { return (d / 100) % 100; }
int DayOfMonth(PackedDay d) { return d % 100; }

int DaysIn(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month == 2 && ((year % 4 == 0 && year % 100 != 0) || year % 400 == 0)) return 29;
  return kDays[month - 1];
}

uint8_t Small(int value) { return static_cast<uint8_t>(std::clamp(value, 0, 255)); }

// Facts dated in [start, end] and recorded on or before end.
bool InPeriod(PackedDay dated, PackedDay recorded, PackedDay start, PackedDay end) {
  return dated >= start && dated <= end && recorded <= end;
}

}  // namespace

int WholeMonths(PackedDay start, PackedDay as_of) {
  int months = (Year(as_of) - Year(start)) * 12 + (Month(as_of) - Month(start));
  // AddMonths(start, months) lies in as_of's month, on start's day clamped to the month's end.
  const int anniversary = std::min(DayOfMonth(start), DaysIn(Year(as_of), Month(as_of)));
  if (DayOfMonth(as_of) < anniversary) --months;
  return months;
}

int AgeInYears(PackedDay birth, PackedDay as_of) { return WholeMonths(birth, as_of) / 12; }

LevelDays LevelDaysOf(PackedDay registered) {
  const notice::LevelCalendar calendar = notice::LevelCalendarFor(UnpackDay(registered));
  LevelDays days;
  days.medium_short_from = PackDay(calendar.medium_short_from);
  days.medium_long_from = PackDay(calendar.medium_long_from);
  days.long_term_from = PackDay(calendar.long_term_from);
  return days;
}

int LevelNumber(PackedDay registered, PackedDay as_of) {
  return LevelNumber(LevelDaysOf(registered), as_of);
}

AgeBand AgeBandOf(int age) {
  if (age < 16) return kAgeUnknown;
  if (age <= 24) return kAge16To24;
  if (age <= 34) return kAge25To34;
  if (age <= 44) return kAge35To44;
  if (age <= 54) return kAge45To54;
  return kAge55Plus;
}

ReadModel::Office& ReadModel::OfficeOf(const std::string& code) {
  auto [it, inserted] = office_index_.try_emplace(code, static_cast<uint32_t>(offices_.size()));
  if (inserted) {
    offices_.push_back(std::make_unique<Office>());
    offices_.back()->code = code;
  }
  return *offices_[it->second];
}

void ReadModel::Apply(const FactChange& change) {
  absl::MutexLock lock(&mu_);
  ApplyLocked(change);
}

void ReadModel::ApplyLocked(const FactChange& change) {
  if (change.registration.has_value()) AddRegistrationLocked(*change.registration);
  if (change.application.has_value()) AddApplicationLocked(*change.application);
  if (change.type_change.has_value()) {
    const TypeFact& t = *change.type_change;
    AddServiceEntry(t.registration_id,
                    {t.effective, t.recorded, kTypeChange, Small(t.type), 0});
  }
  if (change.delivery.has_value()) {
    const DeliveryFact& d = *change.delivery;
    AddServiceEntry(d.registration_id,
                    {d.delivered, d.recorded, kDelivery, Small(d.type), IdTag(d.id)});
  }
  if (change.follow_up.has_value()) {
    const FollowUpFact& f = *change.follow_up;
    AddServiceEntry(f.registration_id, {f.contact, f.recorded, kContact, 0, IdTag(f.id)});
  }
  if (change.delivery_amendment.has_value()) {
    const DeliveryAmendment& a = *change.delivery_amendment;
    AmendServiceEntry(a.registration_id, kDelivery, IdTag(a.id), a.previous_type,
                      a.previous_delivered, a.withdrawn, a.type, a.delivered);
  }
  if (change.follow_up_amendment.has_value()) {
    const FollowUpAmendment& a = *change.follow_up_amendment;
    AmendServiceEntry(a.registration_id, kContact, IdTag(a.id), 0, a.previous_contact,
                      a.withdrawn, 0, a.contact);
  }
  if (change.fraud_case.has_value()) PutFraudLocked(*change.fraud_case);
  if (change.deadline.has_value()) {
    // Only an undecided application's deadline moves (a decision already fixed on_time).
    auto known = applications_.find(change.deadline->application_id);
    if (known != applications_.end()) {
      AppRow& row = offices_[known->second.office]->applications[known->second.index];
      if (row.outcome == 0) row.due = change.deadline->due;
    }
  }
  if (change.duty_roster.has_value()) {
    const DutyRosterFact& d = *change.duty_roster;
    duty_rosters_[{d.office_region_code, d.queue_kind}] = d.reviewer_ids;
  }
  if (change.contact_report.has_value()) {
    contact_reports_[change.contact_report->region_code] = change.contact_report->reported_micros;
  }
}

void ReadModel::CacheType(Row& row, const ServiceEntry& entry) const {
  if (entry.kind != kTypeChange) return;
  if (row.type_count < 255) ++row.type_count;
  if (row.type_count == 1) {
    row.type = entry.type;
    row.type_from = std::max(entry.day, entry.recorded);
  }
}

void ReadModel::AddServiceEntry(const std::string& registration_id, ServiceEntry entry) {
  auto known = registrations_.find(registration_id);
  if (known != registrations_.end()) {
    Row& row = offices_[known->second.office]->registrations[known->second.index];
    if (row.service == kNoService) {
      row.service = static_cast<uint32_t>(services_.size());
      services_.emplace_back();
    }
    services_[row.service].push_back(entry);
    CacheType(row, entry);
    return;
  }
  auto [it, inserted] =
      pending_services_.try_emplace(registration_id, static_cast<uint32_t>(services_.size()));
  if (inserted) services_.emplace_back();
  services_[it->second].push_back(entry);
}

uint16_t ReadModel::IdTag(absl::string_view id) {
  // FNV-1a, folded to 16 bits: the same tag for an id in every run.
  uint32_t hash = 2166136261u;
  for (char c : id) {
    hash ^= static_cast<uint8_t>(c);
    hash *= 16777619u;
  }
  return static_cast<uint16_t>(hash ^ (hash >> 16));
}

void ReadModel::AmendServiceEntry(const std::string& registration_id, ServiceKind kind,
                                  uint16_t tag, int previous_type, PackedDay previous_day,
                                  bool withdrawn, int type, PackedDay day) {
  uint32_t service = kNoService;
  auto known = registrations_.find(registration_id);
  if (known != registrations_.end()) {
    service = offices_[known->second.office]->registrations[known->second.index].service;
  } else {
    auto pending = pending_services_.find(registration_id);
    if (pending != pending_services_.end()) service = pending->second;
  }
  if (service == kNoService) return;
  ServiceData& entries = services_[service];
  const uint8_t old_type = Small(previous_type);
  auto entry = std::find_if(entries.begin(), entries.end(), [&](const ServiceEntry& e) {
    return e.kind == kind && e.tag == tag && e.type == old_type && e.day == previous_day;
  });
  if (entry == entries.end()) return;
  if (withdrawn) {
    entries.erase(entry);
    return;
  }
  entry->type = Small(type);
  entry->day = day;
}

void ReadModel::PutFraudLocked(const FraudFact& f) {
  auto known = fraud_cases_.find(f.case_id);
  FraudRow* row = nullptr;
  if (known != fraud_cases_.end()) {
    row = &offices_[known->second.office]->fraud_cases[known->second.index];
  } else {
    Office& office = OfficeOf(f.office_region_code);
    fraud_cases_.emplace(f.case_id,
                         Location{office_index_.at(f.office_region_code),
                                  static_cast<uint32_t>(office.fraud_cases.size())});
    office.fraud_cases.push_back(FraudRow{kNoDay, kNoDay, kNoDay, kNoDay, false});
    row = &office.fraud_cases.back();
  }
  if (f.opened != kNoDay) {
    row->opened = f.opened;
    row->opened_recorded = f.opened_recorded;
  }
  if (f.concluded != kNoDay) {
    row->concluded = f.concluded;
    row->concluded_recorded = f.concluded_recorded;
    row->confirmed = f.confirmed;
  }
}

void ReadModel::AddRegistration(const RegistrationFact& fact) {
  absl::MutexLock lock(&mu_);
  AddRegistrationLocked(fact);
}

void ReadModel::AddApplication(const ApplicationFact& fact) {
  absl::MutexLock lock(&mu_);
  AddApplicationLocked(fact);
}

void ReadModel::AddRegistrationLocked(const RegistrationFact& f) {
  auto known = registrations_.find(f.id);
  if (known != registrations_.end()) {
    if (f.end_effective == kNoDay) return;
    Row& row = offices_[known->second.office]->registrations[known->second.index];
    row.end_effective = f.end_effective;
    row.end_recorded = f.end_recorded;
    row.stop = std::max(f.end_effective, f.end_recorded);
    row.end_reason = Small(f.end_reason);
    return;
  }
  Office& office = OfficeOf(f.office_region_code);
  Row row;
  row.registered = f.registered;
  row.levels = LevelDaysOf(f.registered);
  row.recorded = f.recorded;
  row.start = std::max(f.registered, f.recorded);
  row.end_effective = f.end_effective;
  row.end_recorded = f.end_recorded;
  row.stop = std::max(f.end_effective, f.end_recorded);
  row.birth = f.birth;
  row.sex = Small(f.sex);
  row.education = Small(f.education);
  row.channel = Small(f.channel);
  row.end_reason = Small(f.end_reason);
  row.urban = f.urban;
  row.household_local = f.household_local;
  row.type_count = 0;
  row.type = 0;
  row.type_from = kNoDay;
  row.service = kNoService;
  if (auto pending = pending_services_.find(f.id); pending != pending_services_.end()) {
    row.service = pending->second;
    pending_services_.erase(pending);
    for (const ServiceEntry& entry : services_[row.service]) CacheType(row, entry);
  }
  registrations_.emplace(
      f.id, Location{office_index_.at(f.office_region_code),
                     static_cast<uint32_t>(office.registrations.size())});
  office.registrations.push_back(row);
}

void ReadModel::AddApplicationLocked(const ApplicationFact& f) {
  auto known = applications_.find(f.id);
  if (known != applications_.end()) {
    if (f.outcome == 0) return;
    AppRow& row = offices_[known->second.office]->applications[known->second.index];
    row.outcome = Small(f.outcome);
    row.decided_on = f.decided_on;
    row.decision_recorded = f.decision_recorded;
    row.rejection_reason = Small(f.rejection_reason);
    return;
  }
  Office& office = OfficeOf(f.office_region_code);
  AppRow row;
  row.received = f.received;
  row.due = f.due;
  row.decided_on = f.decided_on;
  row.decision_recorded = f.decision_recorded;
  row.channel = Small(f.channel);
  row.outcome = Small(f.outcome);
  row.rejection_reason = Small(f.rejection_reason);
  applications_.emplace(
      f.id, Location{office_index_.at(f.office_region_code),
                     static_cast<uint32_t>(office.applications.size())});
  office.applications.push_back(row);
}

int64_t ReadModel::registration_count() const {
  absl::ReaderMutexLock lock(&mu_);
  return static_cast<int64_t>(registrations_.size());
}

template <typename Fn>
void ReadModel::ForOffices(const OfficeFilter& offices, Fn fn) const {
  for (const std::unique_ptr<Office>& office : offices_) {
    if (offices(office->code)) fn(*office);
  }
}

StockCounts ReadModel::CountOn(const OfficeFilter& offices, PackedDay day) const {
  absl::ReaderMutexLock lock(&mu_);
  StockCounts counts;
  ForOffices(offices, [&](const Office& office) {
    for (const Row& row : office.registrations) {
      if (row.start <= day && day < row.stop) {
        ++counts.active;
        if (row.urban) ++counts.urban;
      }
    }
  });
  return counts;
}

BreakdownCounts ReadModel::BreakdownOn(const OfficeFilter& offices, PackedDay day) const {
  absl::ReaderMutexLock lock(&mu_);
  BreakdownCounts counts;
  // Small codes are counted in flat arrays and moved into the maps at the end.
  std::array<int64_t, 256> sex{}, education{}, channel{}, type{};
  ForOffices(offices, [&](const Office& office) {
    for (const Row& row : office.registrations) {
      if (!row.urban || row.start > day || day >= row.stop) continue;
      ++counts.total;
      ++counts.level[static_cast<size_t>(LevelNumber(row.levels, day))];
      ++sex[row.sex];
      ++education[row.education];
      ++channel[row.channel];
      const AgeBand band =
          row.birth == kNoDay || row.birth > day ? kAgeUnknown : AgeBandOf(AgeInYears(row.birth, day));
      ++counts.age[static_cast<size_t>(band)];
      if (row.household_local) {
        ++counts.household_local;
      } else {
        ++counts.household_non_local;
      }
      ++type[static_cast<size_t>(TypeOn(row, day))];
    }
  });
  for (size_t code = 0; code < type.size(); ++code) {
    if (type[code] != 0) counts.type[static_cast<int>(code)] = type[code];
  }
  for (int code = 0; code < 256; ++code) {
    const size_t i = static_cast<size_t>(code);
    if (sex[i] != 0) counts.sex[code] = sex[i];
    if (education[i] != 0) counts.education[code] = education[i];
    if (channel[i] != 0) counts.channel[code] = channel[i];
  }
  return counts;
}

FlowCounts ReadModel::Flows(const OfficeFilter& offices, PackedDay start, PackedDay end) const {
  absl::ReaderMutexLock lock(&mu_);
  FlowCounts counts;
  ForOffices(offices, [&](const Office& office) {
    for (const Row& row : office.registrations) {
      if (InPeriod(row.registered, row.recorded, start, end)) {
        ++counts.new_registrations;
        if (row.urban) ++counts.new_urban_registrations;
      }
      if (row.end_effective != kNoDay &&
          InPeriod(row.end_effective, row.end_recorded, start, end)) {
        ++counts.deregistrations;
        ++counts.deregistrations_by_reason[row.end_reason];
      }
    }
    for (const AppRow& app : office.applications) {
      if (app.received >= start && app.received <= end) ++counts.by_channel[app.channel].received;
      if (app.outcome != 0 && InPeriod(app.decided_on, app.decision_recorded, start, end)) {
        ChannelFlow& flow = counts.by_channel[app.channel];
        // ReviewOutcome: 1 accepted, 2 rejected.
        if (app.outcome == 1) ++flow.accepted;
        if (app.outcome == 2) {
          ++flow.rejected;
          ++counts.rejections_by_reason[app.rejection_reason];
        }
      }
    }
  });
  return counts;
}

DecisionCounts ReadModel::Decisions(const OfficeFilter& offices, PackedDay start,
                                    PackedDay end) const {
  absl::ReaderMutexLock lock(&mu_);
  DecisionCounts counts;
  ForOffices(offices, [&](const Office& office) {
    for (const AppRow& app : office.applications) {
      const bool decided_by_end = app.outcome != 0 && app.decided_on <= end &&
                                  app.decision_recorded <= end;
      if (decided_by_end && app.decided_on >= start) {
        ++counts.decided;
        if (app.due != kNoDay && app.decided_on <= app.due) ++counts.decided_within_deadline;
      }
      if (app.received >= start && app.received <= end && !decided_by_end && app.due != kNoDay &&
          app.due < end) {
        ++counts.overdue_undecided;
      }
    }
  });
  return counts;
}

int ReadModel::TypeOn(const Row& row, PackedDay day) const {
  if (row.type_count == 0) return 0;
  if (row.type_count == 1) return day >= row.type_from ? row.type : 0;
  // The change known on `day` with the latest effective date on or before it (ties: the later).
  const ServiceEntry* best = nullptr;
  for (const ServiceEntry& entry : services_[row.service]) {
    if (entry.kind != kTypeChange || entry.day > day || entry.recorded > day) continue;
    if (best == nullptr || entry.day >= best->day) best = &entry;
  }
  return best == nullptr ? 0 : best->type;
}

std::vector<CoverageCounts> ReadModel::Coverage(const OfficeFilter& offices,
                                                const std::vector<CoverageMonth>& months) const {
  absl::ReaderMutexLock lock(&mu_);
  std::vector<CoverageCounts> counts(months.size());
  // One pass over the rows per 64 months: a bit per month for "active on its evaluation day" and
  // "covered".
  for (size_t base = 0; base < months.size(); base += 64) {
    const size_t n = std::min<size_t>(months.size() - base, 64);
    const CoverageMonth* m = months.data() + base;
    CoverageCounts* c = counts.data() + base;
    ForOffices(offices, [&](const Office& office) {
      for (const Row& row : office.registrations) {
        uint64_t active = 0;
        for (size_t i = 0; i < n; ++i) {
          if (row.start <= m[i].evaluated && m[i].evaluated < row.stop) {
            active |= uint64_t{1} << i;
          }
        }
        if (active == 0) continue;
        uint64_t covered = 0;
        if (row.service != kNoService) {
          for (const ServiceEntry& contact : services_[row.service]) {
            if (contact.kind != kContact) continue;
            for (size_t i = 0; i < n; ++i) {
              if (contact.day >= m[i].first && contact.day <= m[i].evaluated &&
                  contact.recorded <= m[i].evaluated) {
                covered |= uint64_t{1} << i;
              }
            }
          }
        }
        for (size_t i = 0; i < n; ++i) {
          if ((active >> i & 1) == 0) continue;
          ++c[i].active;
          if ((covered >> i & 1) != 0) ++c[i].covered;
        }
      }
    });
  }
  return counts;
}

namespace {

namespace tv1 = ::unemployment::tiering::v1;

PackedDay DayBefore(PackedDay day) {
  if (DayOfMonth(day) > 1) return day - 1;
  const int year = Month(day) == 1 ? Year(day) - 1 : Year(day);
  const int month = Month(day) == 1 ? 12 : Month(day) - 1;
  return year * 10000 + month * 100 + DaysIn(year, month);
}

}  // namespace

// The plan's obligations are the rules of common/notice/service_plan.h (the table tiering
// evaluates), judged as tiering's GetPlanFulfilment does on the last day of the period the
// registration was active:
//   - with a deadline: counted when the deadline lies between the period's first day and the
//     judged day; MET with enough deliveries dated in the window, MISSED when not and the deadline
//     lies before the judged day;
//   - without a deadline (long-term's difficulty identification and employment assistance):
//     counted, as met, when first met in the period. Statistics knows an identification only
//     from its delivery, so the delivered identification stands for "meets a criterion" and its
//     date for the approval date from which assistance counts.
// Only deliveries recorded by the period's end count, so a past period's figure never changes.
// The intention obligations (training, entrepreneurship) are not counted: the intentions are not
// in any feed statistics reads. The bucket is the rule's level (0: everyone's).
void ReadModel::PlanOf(const Row& row, PackedDay start, PackedDay end, PlanCounts& counts) const {
  if (row.start > end) return;
  PackedDay judged = end;
  if (row.end_effective != kNoDay && row.end_recorded <= end) {
    if (row.end_effective <= start) return;  // ended before the period
    judged = std::min(judged, DayBefore(row.end_effective));
  }
  if (judged < row.registered) return;
  static const ServiceData kNone;
  const ServiceData& deliveries = row.service == kNoService ? kNone : services_[row.service];
  auto counts_for = [&](const ServiceEntry& d, tv1::ServiceType type) {
    return d.kind == kDelivery && d.type == static_cast<uint8_t>(type) && d.recorded <= end;
  };
  auto delivered = [&](tv1::ServiceType type, PackedDay first, PackedDay last) {
    int n = 0;
    for (const ServiceEntry& d : deliveries) {
      if (counts_for(d, type) && d.day >= first && d.day <= last) ++n;
    }
    return n;
  };
  auto first_of = [&](tv1::ServiceType type, PackedDay from) {
    PackedDay met = kNoDay;
    for (const ServiceEntry& d : deliveries) {
      if (counts_for(d, type) && d.day >= from && d.day <= judged) met = std::min(met, d.day);
    }
    return met;
  };
  notice::PlanFacts facts;
  if (LevelNumber(row.levels, judged) >= 4) {
    const PackedDay identified = first_of(tv1::SERVICE_TYPE_DIFFICULTY_IDENTIFICATION, row.registered);
    if (identified != kNoDay) {
      facts.meets_difficulty_criteria = true;
      facts.difficulty_approved_on = UnpackDay(identified);
    }
  }
  const notice::LevelCalendar calendar{
      UnpackDay(row.registered), UnpackDay(row.levels.medium_short_from),
      UnpackDay(row.levels.medium_long_from), UnpackDay(row.levels.long_term_from)};
  // One rule list per thread: a figure judges a million registrations.
  thread_local std::vector<notice::PlanRule> rules;
  notice::PlanRulesOn(calendar, facts, UnpackDay(judged), rules);
  for (const notice::PlanRule& rule : rules) {
    PlanLevelCounts& c = counts[static_cast<size_t>(rule.level)];
    const PackedDay first = PackDay(rule.window_start);
    if (rule.due_on.has_value()) {
      const PackedDay due = PackDay(*rule.due_on);
      if (due < start || due > judged) continue;
      ++c.due;
      if (delivered(rule.type, first, due) >= rule.required) {
        ++c.met;
      } else if (due < judged) {
        ++c.missed;
      }
    } else {
      const PackedDay met = first_of(rule.type, first);
      if (met != kNoDay && met >= start && met <= end) {
        ++c.due;
        ++c.met;
      }
    }
  }
}

PlanCounts ReadModel::Plan(const OfficeFilter& offices, PackedDay start, PackedDay end) const {
  absl::ReaderMutexLock lock(&mu_);
  PlanCounts counts{};
  ForOffices(offices, [&](const Office& office) {
    for (const Row& row : office.registrations) PlanOf(row, start, end, counts);
  });
  return counts;
}

FraudCounts ReadModel::Fraud(const OfficeFilter& offices, PackedDay start, PackedDay end) const {
  absl::ReaderMutexLock lock(&mu_);
  FraudCounts counts;
  ForOffices(offices, [&](const Office& office) {
    for (const FraudRow& row : office.fraud_cases) {
      if (row.opened != kNoDay && InPeriod(row.opened, row.opened_recorded, start, end)) {
        ++counts.opened;
      }
      if (row.confirmed && row.concluded != kNoDay &&
          InPeriod(row.concluded, row.concluded_recorded, start, end)) {
        ++counts.confirmed;
      }
    }
  });
  return counts;
}

std::vector<QueueDay> ReadModel::QueueActivity(const OfficeFilter& offices, PackedDay day) const {
  absl::ReaderMutexLock lock(&mu_);
  std::vector<QueueDay> out;
  ForOffices(offices, [&](const Office& office) {
    // Index: channel number 1 (province portal) -> queue 2, 2 (ministry) -> queue 1.
    std::array<QueueDay, 3> queues;
    for (const AppRow& app : office.applications) {
      int queue = 0;
      if (app.channel == 1) queue = 2;
      if (app.channel == 2) queue = 1;
      if (queue == 0) continue;
      QueueDay& q = queues[queue];
      if (app.received < day && app.decided_on >= day) {
        ++q.waiting;
        q.oldest_received = std::min(q.oldest_received, app.received);
      }
      if (app.decided_on == day) ++q.decided;
    }
    for (int queue = 1; queue <= 2; ++queue) {
      QueueDay& q = queues[queue];
      if (q.waiting == 0 && q.decided == 0) continue;
      q.office_region_code = office.code;
      q.queue_kind = queue;
      out.push_back(std::move(q));
    }
  });
  std::sort(out.begin(), out.end(), [](const QueueDay& a, const QueueDay& b) {
    return std::tie(a.office_region_code, a.queue_kind) <
           std::tie(b.office_region_code, b.queue_kind);
  });
  return out;
}

std::map<std::string, int64_t> ReadModel::ContactReports() const {
  absl::ReaderMutexLock lock(&mu_);
  return contact_reports_;
}

DutyRosters ReadModel::DutyRosterSnapshot() const {
  absl::ReaderMutexLock lock(&mu_);
  return duty_rosters_;
}

absl::Status LoadReadModel(StatisticsStore& store, ReadModel& model) {
  absl::Status loaded =
      store.LoadFacts([&model](const RegistrationFact& r) { model.AddRegistration(r); },
                      [&model](const ApplicationFact& a) { model.AddApplication(a); });
  if (!loaded.ok()) return loaded;
  return store.LoadServiceFacts([&model](const FactChange& change) { model.Apply(change); });
}

}  // namespace unemployment::statistics
