#pragma once

// The date and counting rules of follow-up and dynamic management (the notice, section 三), as pure
// functions of their inputs: no clock, no storage, so they are tested on exact dates.

#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "common/validation/region_directory.h"
#include "services/followup/followup_store.h"
#include "unemployment/followup/v1/followup_service.pb.h"

namespace unemployment::followup {

// The offices inside a known 6-digit province, city or county code: a prefix range over office
// codes (2, 4 or 6 digits by level). nullopt when the code is not a known region at one of those
// levels.
std::optional<OfficeRange> RegionRange(const validation::RegionDirectory& regions,
                                       absl::string_view region_code);

// Every office.
OfficeRange AllOffices();

// The day a city's monthly fraud report is due: the 30th, or the last day of February.
absl::CivilDay FraudReportDueDay(absl::CivilMonth month);

// Reason 32: the first day on which a registration without contact since `base` (the last contact,
// or the registered date when there was none) has gone 6 calendar months without contact, with the
// month-end rule of common/time/date.h (2025-08-31 -> 2026-02-28).
absl::CivilDay NoContactDeadline(absl::CivilDay base);

// Whether the registration is active on `day`: registered_date <= day < end_date.
bool IsActiveOn(const RegistrationRecord& registration, absl::string_view day);

// A contact for reason 32: a self-report, or a field visit or phone survey whose outcome is not
// UNREACHABLE; information comparison is not a contact.
bool IsContact(v1::FollowUpMethod method, v1::FollowUpOutcome outcome);

// The deregistration reason an outcome proposes: 11 for EMPLOYED, 12 for STARTED_BUSINESS, else
// unspecified (no candidate).
unemployment::common::v1::DeregistrationReason ProposedReason(v1::FollowUpOutcome outcome);

// The evaluation day of a month: `as_of` when given, else the month's last day or `today`,
// whichever is earlier.
absl::CivilDay EvaluationDay(absl::CivilMonth month, std::optional<absl::CivilDay> as_of,
                             absl::CivilDay today);

}  // namespace unemployment::followup
