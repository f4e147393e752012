#include "services/statistics/read_model.h"

#include <algorithm>
#include <utility>

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

int LevelNumber(PackedDay registered, PackedDay as_of) {
  const int months = WholeMonths(registered, as_of);
  if (months < 1) return 1;
  if (months < 3) return 2;
  if (months < 6) return 3;
  return 4;
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
  if (change.registration.has_value()) AddRegistrationLocked(*change.registration);
  if (change.application.has_value()) AddApplicationLocked(*change.application);
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
  applications_.emplace(
      f.id, Location{office_index_.at(f.office_region_code),
                     static_cast<uint32_t>(office.applications.size())});
  office.applications.push_back(row);
}

int64_t ReadModel::registration_count() const {
  absl::ReaderMutexLock lock(&mu_);
  return static_cast<int64_t>(registrations_.size());
}

int64_t ReadModel::application_count() const {
  absl::ReaderMutexLock lock(&mu_);
  return static_cast<int64_t>(applications_.size());
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
  std::array<int64_t, 256> sex{}, education{}, channel{};
  ForOffices(offices, [&](const Office& office) {
    for (const Row& row : office.registrations) {
      if (!row.urban || row.start > day || day >= row.stop) continue;
      ++counts.total;
      ++counts.level[static_cast<size_t>(LevelNumber(row.registered, day))];
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
    }
  });
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
        if (app.outcome == 2) ++flow.rejected;
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

absl::Status LoadReadModel(StatisticsStore& store, ReadModel& model) {
  return store.LoadFacts([&model](const RegistrationFact& r) { model.AddRegistration(r); },
                         [&model](const ApplicationFact& a) { model.AddApplication(a); });
}

}  // namespace unemployment::statistics
