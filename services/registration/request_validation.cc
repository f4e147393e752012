#include "services/registration/request_validation.h"

#include <set>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/forms/form_facts.h"
#include "common/forms/form_normalizer.h"
#include "common/status/status_util.h"
#include "common/status/violations_status.h"
#include "common/time/date.h"
#include "common/validation/date.h"
#include "common/validation/deregistration_reason.h"
#include "common/validation/email.h"
#include "common/validation/phone.h"
#include "common/validation/request_fields.h"
#include "common/validation/rules.h"
#include "common/validation/text.h"
#include "common/validation/urban_rural.h"
#include "common/validation/violations.h"

namespace unemployment::registration {
namespace {

namespace v1c = ::unemployment::common::v1;
namespace rule = ::unemployment::validation::rule;
using validation::Violations;

constexpr size_t kMaxIdLength = 64;
constexpr size_t kMaxReason = 500;
constexpr size_t kMaxNote = 1000;
constexpr size_t kMaxActor = 64;

void RequireText(Violations& out, absl::string_view field, absl::string_view value,
                 size_t max_characters) {
  out.AddIfError(field, validation::ValidateText(value, {true, max_characters, false}));
}

// Ids made by this service (application, registration): required, at most 64 characters.
void CheckId(Violations& out, absl::string_view field, absl::string_view value) {
  RequireText(out, field, value, kMaxIdLength);
}

// An optional "YYYY-MM-DD" not after `latest` (when given).
void CheckOptionalDate(Violations& out, absl::string_view field, absl::string_view value,
                       const absl::CivilDay* latest) {
  if (value.empty()) return;
  if (latest != nullptr) {
    out.AddIfError(field, validation::ParseDateNotAfter(value, *latest).status());
  } else {
    out.AddIfError(field, validation::ParseDate(value).status());
  }
}

bool SixDigits(absl::string_view code) {
  if (code.size() != 6) return false;
  for (char c : code) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

}  // namespace

absl::Status ValidateCreateApplication(v1::CreateApplicationRequest& request,
                                       const RequestRules& rules) {
  Violations out;
  if (request.channel() == v1c::CHANNEL_UNSPECIFIED) {
    out.Add("channel", std::string(rule::kRequired), "the channel is required");
  } else if (!v1c::Channel_IsValid(request.channel())) {
    out.Add("channel", std::string(rule::kCodeUnknown), "the channel is unknown");
  }
  validation::TrimInPlace(request.mutable_channel_application_id());
  RequireText(out, "channel_application_id", request.channel_application_id(), kMaxIdLength);
  if (!request.has_form()) {
    out.Add("form", std::string(rule::kRequired), "the registration form is required");
  } else {
    forms::NormalizeForm(*request.mutable_form());
    forms::FormOptions options;
    options.require_residence_urban_rural_class = request.channel() != v1c::CHANNEL_MINISTRY;
    rules.form_validator->Validate(request.form(), options, "form.", out);
  }
  validation::TrimInPlace(request.mutable_office_region_code());
  if (request.office_region_code().empty()) {
    out.Add("office_region_code", std::string(rule::kRequired),
            "the office region code is required");
  } else if (!SixDigits(request.office_region_code())) {
    out.Add("office_region_code", std::string(rule::kFormat),
            "the office region code has 6 digits");
  } else if (request.has_form()) {
    const std::string chosen = forms::OfficeRegionCode(request.form());
    if (!chosen.empty() && chosen != request.office_region_code()) {
      out.Add("office_region_code", std::string(rule::kMismatch),
              "the office region code is not the county code of the chosen registration location");
    }
  }
  return status::ViolationsToStatus(out, "CreateApplicationRequest");
}

absl::Status ValidateGetApplication(v1::GetApplicationRequest& request) {
  Violations out;
  validation::TrimInPlace(request.mutable_application_id());
  CheckId(out, "application_id", request.application_id());
  return status::ViolationsToStatus(out, "GetApplicationRequest");
}

namespace {

// A channel and its application id (FenceChannelApplicationId, GetApplicationByChannelId).
void CheckChannelId(Violations& out, common::v1::Channel channel, std::string* id) {
  validation::TrimInPlace(id);
  if (channel != common::v1::CHANNEL_PROVINCE_PORTAL && channel != common::v1::CHANNEL_MINISTRY) {
    out.Add("channel", std::string(channel == 0 ? rule::kRequired : rule::kCodeUnknown),
            "the channel is the province portal or the ministry");
  }
  CheckId(out, "channel_application_id", *id);
}

}  // namespace

absl::Status ValidateFenceChannelApplicationId(v1::FenceChannelApplicationIdRequest& request) {
  Violations out;
  CheckChannelId(out, request.channel(), request.mutable_channel_application_id());
  return status::ViolationsToStatus(out, "FenceChannelApplicationIdRequest");
}

absl::Status ValidateGetApplicationByChannelId(v1::GetApplicationByChannelIdRequest& request) {
  Violations out;
  CheckChannelId(out, request.channel(), request.mutable_channel_application_id());
  return status::ViolationsToStatus(out, "GetApplicationByChannelIdRequest");
}

absl::Status ValidateListReviewQueue(v1::ListReviewQueueRequest& request,
                                     const RequestRules& rules) {
  Violations out;
  validation::TrimInPlace(request.mutable_office_region_code());
  const std::string& code = request.office_region_code();
  if (code.empty()) {
    out.Add("office_region_code", std::string(rule::kRequired),
            "the office region code is required");
  } else if (!SixDigits(code)) {
    out.Add("office_region_code", std::string(rule::kFormat),
            "the office region code has 6 digits");
  } else {
    std::optional<validation::RegionLevel> level = rules.regions->LevelOf(code);
    if (!level.has_value()) {
      out.Add("office_region_code", std::string(rule::kRegionUnknown),
              "the region code is not in the reference list");
    } else if (*level == validation::RegionLevel::kTownship) {
      out.Add("office_region_code", std::string(rule::kRegionLevel),
              "a county, city or province code is expected");
    }
  }
  if (!v1::ReviewQueueKind_IsValid(request.kind())) {
    out.Add("kind", std::string(rule::kCodeUnknown), "the queue kind is unknown");
  }
  validation::TrimInPlace(request.mutable_as_of());
  CheckOptionalDate(out, "as_of", request.as_of(), nullptr);
  validation::CheckPageSize(out, request.page_size());
  return status::ViolationsToStatus(out, "ListReviewQueueRequest");
}

absl::Status ValidateReviewApplication(v1::ReviewApplicationRequest& request,
                                       const RequestRules& rules) {
  Violations out;
  validation::TrimInPlace(request.mutable_application_id());
  CheckId(out, "application_id", request.application_id());
  validation::TrimInPlace(request.mutable_request_id());
  validation::CheckRequestId(out, "request_id", request.mutable_request_id());
  if (request.outcome() == v1c::REVIEW_OUTCOME_UNSPECIFIED) {
    out.Add("outcome", std::string(rule::kRequired), "the outcome is required");
  } else if (!v1c::ReviewOutcome_IsValid(request.outcome())) {
    out.Add("outcome", std::string(rule::kCodeUnknown), "the outcome is unknown");
  }
  // A rejection carries a code (no code exists for 户籍 or 人户分离, which may never be a ground);
  // the free text is its optional detail, required with "other". Since version 2026-12 a rejection
  // with only the text is refused here.
  const bool rejected = request.outcome() == v1c::REVIEW_OUTCOME_REJECTED;
  const int code = static_cast<int>(request.rejection_reason());
  if (rejected) {
    if (code == v1c::REJECTION_REASON_UNSPECIFIED) {
      out.Add("rejection_reason", std::string(rule::kRequired),
              "a rejection needs its reason code (rejection_reason); the text in reason is only "
              "its detail");
    } else if (!v1c::RejectionReason_IsValid(code)) {
      out.Add("rejection_reason", std::string(rule::kCodeUnknown),
              "the rejection reason code is unknown");
    }
  } else if (code != v1c::REJECTION_REASON_UNSPECIFIED) {
    out.Add("rejection_reason", std::string(rule::kNotApplicable),
            "a rejection reason code is only given with outcome REJECTED");
  }
  validation::TrimInPlace(request.mutable_reason());
  if (rejected && code == v1c::REJECTION_REASON_OTHER && request.reason().empty()) {
    out.Add("reason", std::string(rule::kOtherTextRequired),
            "the rejection reason OTHER needs its text in reason");
  } else {
    out.AddIfError("reason",
                   validation::ValidateText(request.reason(), {false, kMaxReason, true}));
  }
  // The handler has already put the caller here (security/actor.h).
  validation::TrimInPlace(request.mutable_reviewer());
  RequireText(out, "reviewer", request.reviewer(), kMaxActor);
  // A decision is dated by the server's clock when it is recorded; a caller may repeat today's date
  // but can no longer backdate it (which would improve the 7-working-day figure after the fact).
  validation::TrimInPlace(request.mutable_decided_on());
  const size_t before = out.size();
  CheckOptionalDate(out, "decided_on", request.decided_on(), &rules.today);
  if (out.size() == before && !request.decided_on().empty() &&
      request.decided_on() != time::FormatDate(rules.today)) {
    out.Add("decided_on", std::string(rule::kDateNotServerDay),
            "a decision is dated by the server when it is recorded; leave decided_on empty");
  }
  validation::TrimInPlace(request.mutable_note());
  out.AddIfError("note", validation::ValidateText(request.note(), {false, kMaxNote, true}));
  validation::TrimInPlace(request.mutable_residence_urban_rural_class());
  if (!request.residence_urban_rural_class().empty()) {
    out.AddIfError("residence_urban_rural_class",
                   validation::ParseUrbanRuralClass(request.residence_urban_rural_class()).status());
  }
  return status::ViolationsToStatus(out, "ReviewApplicationRequest");
}

absl::Status ValidateAmendDecision(v1::AmendDecisionRequest& request) {
  Violations out;
  validation::TrimInPlace(request.mutable_application_id());
  CheckId(out, "application_id", request.application_id());
  validation::TrimInPlace(request.mutable_request_id());
  validation::CheckRequestId(out, "request_id", request.mutable_request_id());
  validation::TrimInPlace(request.mutable_amendment_reason());
  out.AddIfError("amendment_reason",
                 validation::ValidateText(request.amendment_reason(), {true, kMaxReason, true}));
  validation::TrimInPlace(request.mutable_reason());
  validation::TrimInPlace(request.mutable_note());
  if (request.reason().empty() && request.note().empty()) {
    out.Add("reason", std::string(rule::kRequired),
            "give the corrected reason or the corrected note (nothing to amend)");
  } else {
    out.AddIfError("reason", validation::ValidateText(request.reason(), {false, kMaxReason, true}));
  }
  out.AddIfError("note", validation::ValidateText(request.note(), {false, kMaxNote, true}));
  validation::TrimInPlace(request.mutable_actor());
  RequireText(out, "actor", request.actor(), kMaxActor);
  return status::ViolationsToStatus(out, "AmendDecisionRequest");
}

absl::Status ValidateGetRegistration(v1::GetRegistrationRequest& request) {
  Violations out;
  validation::TrimInPlace(request.mutable_registration_id());
  CheckId(out, "registration_id", request.registration_id());
  return status::ViolationsToStatus(out, "GetRegistrationRequest");
}

absl::Status ValidateGetActiveRegistrationByPerson(v1::GetActiveRegistrationByPersonRequest& request,
                                                   const RequestRules& rules) {
  Violations out;
  if (!request.has_person_id()) {
    out.Add("person_id", std::string(rule::kRequired), "the person's identity is required");
  } else {
    forms::NormalizePersonId(*request.mutable_person_id());
    rules.form_validator->ValidatePersonId(request.person_id(), "person_id", out);
  }
  return status::ViolationsToStatus(out, "GetActiveRegistrationByPersonRequest");
}

absl::Status ValidateDeregister(v1::DeregisterRequest& request, const RequestRules& rules) {
  Violations out;
  validation::TrimInPlace(request.mutable_registration_id());
  CheckId(out, "registration_id", request.registration_id());
  validation::TrimInPlace(request.mutable_request_id());
  validation::CheckRequestId(out, "request_id", request.mutable_request_id());
  const int reason = static_cast<int>(request.reason());
  if (reason == 0) {
    out.Add("reason", std::string(rule::kRequired), "the deregistration reason is required");
  } else if (!validation::DeregistrationReasonFromNumber(reason).has_value()) {
    out.Add("reason", std::string(rule::kCodeUnknown), "the deregistration reason is unknown");
  }
  validation::TrimInPlace(request.mutable_effective_date());
  CheckOptionalDate(out, "effective_date", request.effective_date(), &rules.today);
  // The handler has already put the caller here (security/actor.h).
  validation::TrimInPlace(request.mutable_actor());
  RequireText(out, "actor", request.actor(), kMaxActor);
  validation::TrimInPlace(request.mutable_note());
  out.AddIfError("note", validation::ValidateText(
                             request.note(),
                             {reason == v1c::DEREGISTRATION_REASON_OTHER, kMaxNote, true}));
  if (request.moved_abroad() && reason != v1c::DEREGISTRATION_REASON_SCHOOL_MILITARY_OR_ABROAD) {
    out.Add("moved_abroad", std::string(rule::kNotApplicable),
            "moved_abroad is only allowed with reason 24");
  }
  if (!v1::ContactState_IsValid(request.contact_state())) {
    out.Add("contact_state", std::string(rule::kCodeUnknown), "the contact state is unknown");
  }
  return status::ViolationsToStatus(out, "DeregisterRequest");
}

absl::Status ValidateStreamEvents(const v1::StreamEventsRequest& request) {
  Violations out;
  if (request.after_sequence() < 0) {
    out.Add("after_sequence", std::string(rule::kOutOfRange), "after_sequence must not be negative");
  }
  return status::ViolationsToStatus(out, "StreamEventsRequest");
}

absl::Status ValidateListNotifications(v1::ListNotificationsRequest& request) {
  Violations out;
  validation::TrimInPlace(request.mutable_application_id());
  CheckId(out, "application_id", request.application_id());
  validation::CheckPageSize(out, request.page_size());
  return status::ViolationsToStatus(out, "ListNotificationsRequest");
}

absl::Status ValidateListUndeliveredNotifications(v1::ListUndeliveredNotificationsRequest& request,
                                                 const RequestRules& rules) {
  Violations out;
  validation::TrimInPlace(request.mutable_region_code());
  const std::string& code = request.region_code();
  if (code.empty()) {
    out.Add("region_code", std::string(rule::kRequired), "the region code is required");
  } else if (!SixDigits(code)) {
    out.Add("region_code", std::string(rule::kFormat), "the region code has 6 digits");
  } else {
    std::optional<validation::RegionLevel> level = rules.regions->LevelOf(code);
    if (!level.has_value()) {
      out.Add("region_code", std::string(rule::kRegionUnknown),
              "the region code is not in the reference list");
    } else if (*level == validation::RegionLevel::kTownship) {
      out.Add("region_code", std::string(rule::kRegionLevel),
              "a county, city or province code is expected");
    }
  }
  validation::CheckPageSize(out, request.page_size());
  return status::ViolationsToStatus(out, "ListUndeliveredNotificationsRequest");
}

namespace {

// A 6-digit region code of the directory at one of `levels` (county-level when `county_only`).
void CheckRegionCode(Violations& out, absl::string_view field, const std::string& code,
                     const RequestRules& rules, bool county_only) {
  if (code.empty()) {
    out.Add(std::string(field), std::string(rule::kRequired), "the region code is required");
  } else if (!SixDigits(code)) {
    out.Add(std::string(field), std::string(rule::kFormat), "the region code has 6 digits");
  } else {
    std::optional<validation::RegionLevel> level = rules.regions->LevelOf(code);
    if (!level.has_value()) {
      out.Add(std::string(field), std::string(rule::kRegionUnknown),
              "the region code is not in the reference list");
    } else if (county_only && !rules.regions->IsCountyLevel(code)) {
      out.Add(std::string(field), std::string(rule::kRegionLevel),
              "an office is a county-level region (district, county, county-level city)");
    } else if (*level == validation::RegionLevel::kTownship) {
      out.Add(std::string(field), std::string(rule::kRegionLevel),
              "a county, city or province code is expected");
    }
  }
}

constexpr int kMaxDutyReviewers = 20;

}  // namespace

absl::Status ValidateSetDutyReviewers(v1::SetDutyReviewersRequest& request,
                                      const RequestRules& rules) {
  Violations out;
  validation::TrimInPlace(request.mutable_office_region_code());
  CheckRegionCode(out, "office_region_code", request.office_region_code(), rules, true);
  if (request.queue_kind() == v1::REVIEW_QUEUE_KIND_UNSPECIFIED) {
    out.Add("queue_kind", std::string(rule::kRequired), "the review queue is required");
  } else if (!v1::ReviewQueueKind_IsValid(request.queue_kind())) {
    out.Add("queue_kind", std::string(rule::kCodeUnknown), "the queue kind is unknown");
  }
  if (request.reviewer_ids_size() > kMaxDutyReviewers) {
    out.Add("reviewer_ids", std::string(rule::kTooMany), "at most 20 duty reviewers per queue");
  } else {
    std::set<std::string> seen;
    for (int i = 0; i < request.reviewer_ids_size(); ++i) {
      validation::TrimInPlace(request.mutable_reviewer_ids(i));
      const std::string field = absl::StrCat("reviewer_ids[", i, "]");
      absl::Status valid = validation::ValidateText(request.reviewer_ids(i), {true, kMaxActor, false});
      if (!valid.ok()) {
        out.AddIfError(field, valid);
      } else if (!seen.insert(request.reviewer_ids(i)).second) {
        out.Add(field, std::string(rule::kDuplicate), "the reviewer is already named");
      }
    }
  }
  validation::TrimInPlace(request.mutable_request_id());
  validation::CheckRequestId(out, "request_id", request.mutable_request_id());
  validation::TrimInPlace(request.mutable_actor());
  RequireText(out, "actor", request.actor(), kMaxActor);
  return status::ViolationsToStatus(out, "SetDutyReviewersRequest");
}

absl::Status ValidateListDutyReviewers(v1::ListDutyReviewersRequest& request,
                                       const RequestRules& rules) {
  Violations out;
  validation::TrimInPlace(request.mutable_region_code());
  CheckRegionCode(out, "region_code", request.region_code(), rules, false);
  if (!v1::ReviewQueueKind_IsValid(request.queue_kind())) {
    out.Add("queue_kind", std::string(rule::kCodeUnknown), "the queue kind is unknown");
  }
  validation::CheckPageSize(out, request.page_size());
  return status::ViolationsToStatus(out, "ListDutyReviewersRequest");
}

namespace {

constexpr size_t kMaxContactName = 50;
constexpr size_t kMaxContactUnit = 100;
constexpr int kMaxOtherContacts = 5;

// A phone of the contact list: a mobile number or a landline with area code.
bool IsPhone(absl::string_view phone) {
  return validation::ValidateMobileNumber(phone).ok() ||
         validation::ValidateLandlineNumber(phone).ok();
}

void CheckPerson(Violations& out, const std::string& path, v1::ReportedPerson& person,
                 bool responsible) {
  for (std::string* text : {person.mutable_name(), person.mutable_unit(), person.mutable_title(),
                            person.mutable_phone(), person.mutable_email()}) {
    validation::TrimInPlace(text);
  }
  out.AddIfError(path + ".name",
                 validation::ValidateText(person.name(), {responsible, kMaxContactName, false}));
  out.AddIfError(path + ".unit",
                 validation::ValidateText(person.unit(), {false, kMaxContactUnit, false}));
  out.AddIfError(path + ".title",
                 validation::ValidateText(person.title(), {false, kMaxContactName, false}));
  if (person.phone().empty()) {
    if (responsible) out.Add(path + ".phone", std::string(rule::kRequired), "the phone is required");
  } else if (!IsPhone(person.phone())) {
    out.Add(path + ".phone", std::string(rule::kFormat),
            "a mobile number or a landline number with area code (0451-87130563)");
  }
  if (!person.email().empty()) out.AddIfError(path + ".email", validation::ValidateEmail(person.email()));
}

void CheckDepartment(Violations& out, const std::string& path, bool present,
                     v1::ReportedDepartment& department) {
  if (!present) {
    out.Add(path, std::string(rule::kRequired), "the department is required");
    return;
  }
  validation::TrimInPlace(department.mutable_unit());
  out.AddIfError(path + ".unit",
                 validation::ValidateText(department.unit(), {true, kMaxContactUnit, false}));
  CheckPerson(out, path + ".responsible_person", *department.mutable_responsible_person(), true);
  if (department.other_contacts_size() > kMaxOtherContacts) {
    out.Add(path + ".other_contacts", std::string(rule::kTooMany), "at most 5 other contacts");
    return;
  }
  for (int i = 0; i < department.other_contacts_size(); ++i) {
    CheckPerson(out, absl::StrCat(path, ".other_contacts[", i, "]"),
                *department.mutable_other_contacts(i), false);
  }
}

}  // namespace

absl::Status ValidateReportRegionContact(v1::ReportRegionContactRequest& request,
                                         const RequestRules& rules) {
  Violations out;
  validation::TrimInPlace(request.mutable_region_code());
  CheckRegionCode(out, "region_code", request.region_code(), rules, false);
  if (out.empty()) {
    std::optional<validation::RegionLevel> level = rules.regions->LevelOf(request.region_code());
    if (level == validation::RegionLevel::kProvince) {
      out.Add("region_code", std::string(rule::kRegionLevel),
              "a city or county reports (the province's contacts are the notice's own)");
    }
  }
  // Whether each department was sent is read before mutable_*() would create it.
  const bool has_business = request.has_business();
  const bool has_technical = request.has_technical();
  CheckDepartment(out, "business", has_business, *request.mutable_business());
  CheckDepartment(out, "technical", has_technical, *request.mutable_technical());
  validation::TrimInPlace(request.mutable_request_id());
  validation::CheckRequestId(out, "request_id", request.mutable_request_id());
  validation::TrimInPlace(request.mutable_actor());
  RequireText(out, "actor", request.actor(), kMaxActor);
  return status::ViolationsToStatus(out, "ReportRegionContactRequest");
}

absl::Status ValidateGetReportedRegionContact(v1::GetReportedRegionContactRequest& request) {
  Violations out;
  validation::TrimInPlace(request.mutable_region_code());
  if (request.region_code().empty()) {
    out.Add("region_code", std::string(rule::kRequired), "the region code is required");
  } else if (!SixDigits(request.region_code())) {
    out.Add("region_code", std::string(rule::kFormat), "the region code has 6 digits");
  }
  return status::ViolationsToStatus(out, "GetReportedRegionContactRequest");
}

absl::Status ValidateListReportedRegionContacts(v1::ListReportedRegionContactsRequest& request) {
  Violations out;
  validation::TrimInPlace(request.mutable_region_code());
  if (!request.region_code().empty() && !SixDigits(request.region_code())) {
    out.Add("region_code", std::string(rule::kFormat), "the region code has 6 digits");
  }
  validation::CheckPageSize(out, request.page_size());
  return status::ViolationsToStatus(out, "ListReportedRegionContactsRequest");
}

}  // namespace unemployment::registration
