#pragma once

// Province-wide supervision of the duty rule of the notice (四: 指定专人每日登录): every office
// names duty reviewers for its two review queues (ministry-forwarded 部转 and province 省端), who
// log in every working day and accept the applications on time. Answered from the read model (the
// rosters and applications of every registration shard's feed), the region directory (which
// offices exist) and the working-day calendar (which day was the last working day). No gRPC types.

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "common/time/working_day_calendar.h"
#include "common/validation/region_directory.h"
#include "services/statistics/read_model.h"
#include "unemployment/statistics/v1/statistics_service.pb.h"

namespace unemployment::statistics {

// The latest working day before `as_of`, and whether the calendar lacked the year's holiday data
// (then weekends only are non-working days). Looks back at most 60 days.
struct LastWorkingDay {
  absl::CivilDay day;
  bool provisional = false;
};
LastWorkingDay LastWorkingDayBefore(const time::WorkingDayCalendar& calendar,
                                    absl::CivilDay as_of);

class DutyOversight final {
 public:
  // Not owned; must outlive this object.
  DutyOversight(const ReadModel& model, const validation::RegionDirectory& regions,
                const time::WorkingDayCalendar& calendar);

  // Requests are validated and normalized (request_validation.h: as_of filled in).
  absl::StatusOr<v1::ListOfficesWithoutDutyReviewerResponse> ListOfficesWithoutDutyReviewer(
      const v1::ListOfficesWithoutDutyReviewerRequest& request) const;
  absl::StatusOr<v1::ListSilentOfficesResponse> ListSilentOffices(
      const v1::ListSilentOfficesRequest& request) const;
  // The cities (and counties) inside the region without a contact report (附件3).
  absl::StatusOr<v1::ListRegionsWithoutContactReportResponse> ListRegionsWithoutContactReport(
      const v1::ListRegionsWithoutContactReportRequest& request) const;

 private:
  // The county-level offices inside `region_code`, by code; NOT_FOUND REGION_NOT_FOUND.
  absl::StatusOr<std::vector<const validation::Region*>> OfficesIn(
      const std::string& region_code) const;

  const ReadModel& model_;
  const validation::RegionDirectory& regions_;
  const time::WorkingDayCalendar& calendar_;
};

}  // namespace unemployment::statistics
