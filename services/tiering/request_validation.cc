#include "services/tiering/request_validation.h"

#include <algorithm>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/status/status_util.h"
#include "common/status/violations_status.h"
#include "common/validation/date.h"
#include "common/validation/request_fields.h"
#include "common/validation/rules.h"
#include "common/validation/text.h"
#include "common/validation/violations.h"

namespace unemployment::tiering {
namespace {

namespace v1c = ::unemployment::common::v1;
namespace rule = ::unemployment::validation::rule;
using validation::Violations;

constexpr size_t kMaxId = 64;
constexpr size_t kMaxNotes = 2000;
constexpr size_t kMaxAmendmentReason = 500;

// A single-line text, trimmed in place.
void CheckText(Violations& out, absl::string_view field, std::string* value, bool required,
               size_t max_characters) {
  validation::TrimInPlace(value);
  out.AddIfError(field, validation::ValidateText(*value, {required, max_characters, false}));
}

void CheckNotes(Violations& out, absl::string_view field, std::string* value, bool required) {
  validation::TrimInPlace(value);
  out.AddIfError(field, validation::ValidateText(*value, {required, kMaxNotes, true}));
}

void CheckOptionalDate(Violations& out, absl::string_view field, std::string* value) {
  validation::TrimInPlace(value);
  if (value->empty()) return;
  out.AddIfError(field, validation::ParseDate(*value).status());
}

void CheckRequiredDate(Violations& out, absl::string_view field, std::string* value,
                       const absl::CivilDay* latest) {
  validation::TrimInPlace(value);
  if (value->empty()) {
    out.Add(std::string(field), std::string(rule::kRequired), "the date is required");
    return;
  }
  if (latest != nullptr) {
    out.AddIfError(field, validation::ParseDateNotAfter(*value, *latest).status());
  } else {
    out.AddIfError(field, validation::ParseDate(*value).status());
  }
}

void CheckRegionCode(Violations& out, absl::string_view field, std::string* value) {
  validation::TrimInPlace(value);
  if (value->empty()) {
    out.Add(std::string(field), std::string(rule::kRequired), "the region code is required");
    return;
  }
  bool digits = value->size() == 6;
  for (char c : *value) digits = digits && absl::ascii_isdigit(static_cast<unsigned char>(c));
  if (!digits) {
    out.Add(std::string(field), std::string(rule::kFormat), "a region code has 6 digits");
  }
}

void CheckRegistrationId(Violations& out, absl::string_view field, std::string* value) {
  CheckText(out, field, value, true, kMaxId);
}

// The detail a service type needs, as the oneof case; DETAIL_NOT_SET when none is allowed.
v1::ServiceDelivery::DetailCase DetailFor(v1::ServiceType type) {
  switch (type) {
    case v1::SERVICE_TYPE_JOB_RECOMMENDATION:
      return v1::ServiceDelivery::kJobRecommendation;
    case v1::SERVICE_TYPE_JOB_FAIR:
      return v1::ServiceDelivery::kJobFair;
    case v1::SERVICE_TYPE_VOCATIONAL_TRAINING:
    case v1::SERVICE_TYPE_ENTREPRENEURSHIP_TRAINING:
      return v1::ServiceDelivery::kCourse;
    case v1::SERVICE_TYPE_POLICY_LIST_HANDED_OUT:
    case v1::SERVICE_TYPE_SERVICE_LIST_HANDED_OUT:
    case v1::SERVICE_TYPE_AGENCY_LIST_HANDED_OUT:
      return v1::ServiceDelivery::kCatalogHandout;
    case v1::SERVICE_TYPE_POLICY_APPLIED:
      return v1::ServiceDelivery::kPolicy;
    default:
      return v1::ServiceDelivery::DETAIL_NOT_SET;
  }
}

absl::string_view DetailName(v1::ServiceDelivery::DetailCase detail) {
  switch (detail) {
    case v1::ServiceDelivery::kJobRecommendation:
      return "job_recommendation";
    case v1::ServiceDelivery::kJobFair:
      return "job_fair";
    case v1::ServiceDelivery::kCourse:
      return "course";
    case v1::ServiceDelivery::kCatalogHandout:
      return "catalog_handout";
    case v1::ServiceDelivery::kPolicy:
      return "policy";
    default:
      return "detail";
  }
}

void CheckDetail(Violations& out, absl::string_view prefix, v1::ServiceDelivery& d) {
  const v1::ServiceDelivery::DetailCase wanted = DetailFor(d.type());
  const v1::ServiceDelivery::DetailCase given = d.detail_case();
  if (wanted != given) {
    if (wanted == v1::ServiceDelivery::DETAIL_NOT_SET) {
      out.Add(absl::StrCat(prefix, DetailName(given)), std::string(rule::kNotApplicable),
              "this service type takes no detail");
    } else {
      out.Add(absl::StrCat(prefix, DetailName(wanted)), std::string(rule::kRequired),
              "this service type needs this detail");
    }
    return;
  }
  switch (given) {
    case v1::ServiceDelivery::kJobRecommendation: {
      v1::JobRecommendation& job = *d.mutable_job_recommendation();
      CheckText(out, absl::StrCat(prefix, "job_recommendation.job_title"), job.mutable_job_title(),
                true, 100);
      CheckText(out, absl::StrCat(prefix, "job_recommendation.employer_name"),
                job.mutable_employer_name(), true, 100);
      validation::TrimInPlace(job.mutable_employer_code());
      if (!job.employer_code().empty() && job.employer_code().size() != 18) {
        out.Add(absl::StrCat(prefix, "job_recommendation.employer_code"),
                std::string(rule::kLength), "a unified social credit code has 18 characters");
      }
      CheckText(out, absl::StrCat(prefix, "job_recommendation.vacancy_id"),
                job.mutable_vacancy_id(), false, 64);
      break;
    }
    case v1::ServiceDelivery::kJobFair:
      CheckText(out, absl::StrCat(prefix, "job_fair.fair_name"),
                d.mutable_job_fair()->mutable_fair_name(), true, 100);
      CheckText(out, absl::StrCat(prefix, "job_fair.venue"), d.mutable_job_fair()->mutable_venue(),
                false, 200);
      break;
    case v1::ServiceDelivery::kCourse: {
      v1::Course& course = *d.mutable_course();
      CheckText(out, absl::StrCat(prefix, "course.course_name"), course.mutable_course_name(), true,
                100);
      CheckText(out, absl::StrCat(prefix, "course.training_provider"),
                course.mutable_training_provider(), true, 100);
      CheckOptionalDate(out, absl::StrCat(prefix, "course.start_date"),
                        course.mutable_start_date());
      CheckOptionalDate(out, absl::StrCat(prefix, "course.end_date"), course.mutable_end_date());
      if (!course.start_date().empty() && !course.end_date().empty() &&
          !out.HasField(absl::StrCat(prefix, "course.start_date")) &&
          !out.HasField(absl::StrCat(prefix, "course.end_date")) &&
          course.end_date() < course.start_date()) {
        out.Add(absl::StrCat(prefix, "course.end_date"), std::string(rule::kDateOrder),
                "the course cannot end before it starts");
      }
      break;
    }
    case v1::ServiceDelivery::kCatalogHandout: {
      v1::CatalogHandout& handout = *d.mutable_catalog_handout();
      CheckRegionCode(out, absl::StrCat(prefix, "catalog_handout.region_code"),
                      handout.mutable_region_code());
      if (handout.version() <= 0) {
        out.Add(absl::StrCat(prefix, "catalog_handout.version"), std::string(rule::kRequired),
                "the version handed out is required");
      }
      break;
    }
    case v1::ServiceDelivery::kPolicy:
      CheckText(out, absl::StrCat(prefix, "policy.policy_code"),
                d.mutable_policy()->mutable_policy_code(), true, 32);
      CheckText(out, absl::StrCat(prefix, "policy.result"), d.mutable_policy()->mutable_result(),
                false, 500);
      break;
    default:
      break;
  }
}

// The fields of a delivery a staff member states (type, date, provider, notes, detail), shared by
// RecordServiceDelivery and a corrected delivery of AmendServiceDelivery; `prefix` is the field
// path of the delivery ("delivery." or "corrected."); `with_staff` checks staff_id too (in the
// order RecordServiceDelivery has always reported it).
void CheckDelivery(Violations& out, absl::string_view prefix, v1::ServiceDelivery& d,
                   absl::CivilDay today, bool with_staff) {
  const std::string type_field = absl::StrCat(prefix, "type");
  bool type_ok = false;
  if (d.type() == v1::SERVICE_TYPE_UNSPECIFIED) {
    out.Add(type_field, std::string(rule::kRequired), "the service type is required");
  } else if (!v1::ServiceType_IsValid(d.type())) {
    out.Add(type_field, std::string(rule::kCodeUnknown), "unknown service type");
  } else if (d.type() == v1::SERVICE_TYPE_DIFFICULTY_IDENTIFICATION) {
    out.Add(type_field, std::string(rule::kCodeNotAccepted),
            "difficulty identification is recorded by DecideEmploymentDifficulty");
  } else {
    type_ok = true;
  }
  CheckRequiredDate(out, absl::StrCat(prefix, "delivered_on"), d.mutable_delivered_on(), &today);
  CheckText(out, absl::StrCat(prefix, "provider"), d.mutable_provider(), true, 100);
  if (with_staff) {
    CheckText(out, absl::StrCat(prefix, "staff_id"), d.mutable_staff_id(), true, kMaxId);
  }
  CheckNotes(out, absl::StrCat(prefix, "notes"), d.mutable_notes(),
             d.type() == v1::SERVICE_TYPE_OTHER);
  if (type_ok) CheckDetail(out, prefix, d);
}

constexpr absl::string_view kUpdatablePaths[] = {"qualifications",
                                                 "skill_level",
                                                 "job_intentions",
                                                 "training_intention",
                                                 "entrepreneurship_intention",
                                                 "notes"};

}  // namespace

absl::Status ValidateGetLevel(v1::GetLevelRequest& request) {
  Violations out;
  CheckRegistrationId(out, "registration_id", request.mutable_registration_id());
  CheckOptionalDate(out, "as_of", request.mutable_as_of());
  return status::ViolationsToStatus(out, "GetLevelRequest");
}

absl::Status ValidateGetServicePlan(v1::GetServicePlanRequest& request) {
  Violations out;
  CheckRegistrationId(out, "registration_id", request.mutable_registration_id());
  CheckOptionalDate(out, "as_of", request.mutable_as_of());
  return status::ViolationsToStatus(out, "GetServicePlanRequest");
}

absl::Status ValidateGetProfile(v1::GetProfileRequest& request) {
  Violations out;
  CheckRegistrationId(out, "registration_id", request.mutable_registration_id());
  return status::ViolationsToStatus(out, "GetProfileRequest");
}

absl::Status ValidateUpdateProfile(v1::UpdateProfileRequest& request) {
  Violations out;
  v1::Profile& profile = *request.mutable_profile();
  CheckRegistrationId(out, "profile.registration_id", profile.mutable_registration_id());
  CheckText(out, "staff_id", request.mutable_staff_id(), true, kMaxId);
  if (request.update_mask().paths_size() == 0) {
    out.Add("update_mask", std::string(rule::kRequired), "name the fields to update");
  }
  absl::flat_hash_set<std::string> paths;
  for (int i = 0; i < request.update_mask().paths_size(); ++i) {
    const std::string& path = request.update_mask().paths(i);
    const std::string field = absl::StrCat("update_mask.paths[", i, "]");
    if (std::find(std::begin(kUpdatablePaths), std::end(kUpdatablePaths), path) !=
        std::end(kUpdatablePaths)) {
      paths.insert(path);
    } else if (v1::Profile::descriptor()->FindFieldByName(path) != nullptr) {
      out.Add(field, std::string(rule::kNotApplicable),
              absl::StrCat("'", path, "' is output only"));
    } else {
      out.Add(field, std::string(rule::kCodeUnknown),
              absl::StrCat("'", path, "' is not a field of Profile"));
    }
  }
  if (paths.contains("qualifications")) {
    if (profile.qualifications_size() > 3) {
      out.Add("profile.qualifications", std::string(rule::kTooMany), "at most 3 qualifications");
    }
    for (int i = 0; i < profile.qualifications_size(); ++i) {
      common::v1::Qualification& q = *profile.mutable_qualifications(i);
      CheckText(out, absl::StrCat("profile.qualifications[", i, "].name"), q.mutable_name(), true,
                100);
      CheckText(out, absl::StrCat("profile.qualifications[", i, "].level"), q.mutable_level(),
                false, 50);
    }
  }
  if (paths.contains("skill_level") && !v1::SkillLevel_IsValid(profile.skill_level())) {
    out.Add("profile.skill_level", std::string(rule::kCodeUnknown), "unknown skill level");
  }
  if (paths.contains("job_intentions")) {
    if (profile.job_intentions_size() > 3) {
      out.Add("profile.job_intentions", std::string(rule::kTooMany), "at most 3 job intentions");
    }
    for (int i = 0; i < profile.job_intentions_size(); ++i) {
      CheckText(out, absl::StrCat("profile.job_intentions[", i, "]"),
                profile.mutable_job_intentions(i), true, 50);
    }
  }
  if (paths.contains("notes")) CheckNotes(out, "profile.notes", profile.mutable_notes(), false);
  return status::ViolationsToStatus(out, "UpdateProfileRequest");
}

absl::Status ValidateRecordServiceDelivery(v1::RecordServiceDeliveryRequest& request,
                                           absl::CivilDay today) {
  Violations out;
  validation::CheckRequestId(out, "request_id", request.mutable_request_id());
  if (!request.has_delivery()) {
    out.Add("delivery", std::string(rule::kRequired), "the delivery is required");
    return status::ViolationsToStatus(out, "RecordServiceDeliveryRequest");
  }
  v1::ServiceDelivery& d = *request.mutable_delivery();
  CheckRegistrationId(out, "delivery.registration_id", d.mutable_registration_id());
  CheckDelivery(out, "delivery.", d, today, /*with_staff=*/true);
  return status::ViolationsToStatus(out, "RecordServiceDeliveryRequest");
}

absl::Status ValidateAmendServiceDelivery(v1::AmendServiceDeliveryRequest& request,
                                          absl::CivilDay today) {
  Violations out;
  validation::CheckRequestId(out, "request_id", request.mutable_request_id());
  CheckText(out, "delivery_id", request.mutable_delivery_id(), true, kMaxId);
  validation::TrimInPlace(request.mutable_amendment_reason());
  out.AddIfError("amendment_reason", validation::ValidateText(request.amendment_reason(),
                                                              {true, kMaxAmendmentReason, true}));
  CheckText(out, "actor", request.mutable_actor(), true, kMaxId);
  if (request.withdraw() && request.has_corrected()) {
    out.Add("corrected", std::string(rule::kNotApplicable),
            "a withdrawal carries no corrected delivery");
  } else if (!request.withdraw() && !request.has_corrected()) {
    out.Add("corrected", std::string(rule::kRequired),
            "give the corrected delivery or withdraw it (nothing to amend)");
  } else if (request.has_corrected()) {
    v1::ServiceDelivery& d = *request.mutable_corrected();
    // Not amendable: the delivery keeps its registration, recorder and output fields.
    d.clear_delivery_id();
    d.clear_registration_id();
    d.clear_staff_id();
    d.clear_recorded_at();
    d.clear_withdrawn();
    d.clear_amendments();
    CheckDelivery(out, "corrected.", d, today, /*with_staff=*/false);
  }
  return status::ViolationsToStatus(out, "AmendServiceDeliveryRequest");
}

absl::Status ValidateListServiceDeliveries(v1::ListServiceDeliveriesRequest& request) {
  Violations out;
  CheckRegistrationId(out, "registration_id", request.mutable_registration_id());
  if (!v1::ServiceType_IsValid(request.type())) {
    out.Add("type", std::string(rule::kCodeUnknown), "unknown service type");
  }
  validation::CheckPageSize(out, request.page_size());
  return status::ViolationsToStatus(out, "ListServiceDeliveriesRequest");
}

absl::Status ValidateListPlanGaps(v1::ListPlanGapsRequest& request) {
  Violations out;
  CheckRegionCode(out, "region_code", request.mutable_region_code());
  CheckOptionalDate(out, "as_of", request.mutable_as_of());
  if (!common::v1::UnemploymentLevel_IsValid(request.level())) {
    out.Add("level", std::string(rule::kCodeUnknown), "unknown level");
  }
  if (!v1::ObligationState_IsValid(request.state())) {
    out.Add("state", std::string(rule::kCodeUnknown), "unknown obligation state");
  } else if (request.state() == v1::OBLIGATION_STATE_MET) {
    out.Add("state", std::string(rule::kCodeNotAccepted), "gaps are OPEN or MISSED, never MET");
  }
  validation::CheckPageSize(out, request.page_size());
  return status::ViolationsToStatus(out, "ListPlanGapsRequest");
}

absl::Status ValidateGetPlanFulfilment(v1::GetPlanFulfilmentRequest& request,
                                       absl::CivilDay today) {
  Violations out;
  CheckRegionCode(out, "region_code", request.mutable_region_code());
  CheckRequiredDate(out, "period_start", request.mutable_period_start(), nullptr);
  CheckRequiredDate(out, "period_end", request.mutable_period_end(), &today);
  if (!out.HasField("period_start") && !out.HasField("period_end") &&
      request.period_end() < request.period_start()) {
    out.Add("period_end", std::string(rule::kDateOrder), "period_end lies before period_start");
  }
  return status::ViolationsToStatus(out, "GetPlanFulfilmentRequest");
}

absl::Status ValidateGetCatalog(v1::GetCatalogRequest& request) {
  Violations out;
  CheckRegionCode(out, "region_code", request.mutable_region_code());
  if (request.kind() == v1::CATALOG_KIND_UNSPECIFIED) {
    out.Add("kind", std::string(rule::kRequired), "the catalogue kind is required");
  } else if (!v1::CatalogKind_IsValid(request.kind())) {
    out.Add("kind", std::string(rule::kCodeUnknown), "unknown catalogue kind");
  }
  if (request.version() < 0) {
    out.Add("version", std::string(rule::kOutOfRange), "version must not be negative");
  }
  return status::ViolationsToStatus(out, "GetCatalogRequest");
}

absl::Status ValidatePublishCatalogVersion(v1::PublishCatalogVersionRequest& request) {
  Violations out;
  validation::CheckRequestId(out, "request_id", request.mutable_request_id());
  CheckRegionCode(out, "region_code", request.mutable_region_code());
  if (request.kind() == v1::CATALOG_KIND_UNSPECIFIED) {
    out.Add("kind", std::string(rule::kRequired), "the catalogue kind is required");
  } else if (!v1::CatalogKind_IsValid(request.kind())) {
    out.Add("kind", std::string(rule::kCodeUnknown), "unknown catalogue kind");
  }
  if (request.base_version() < 0) {
    out.Add("base_version", std::string(rule::kOutOfRange), "base_version must not be negative");
  }
  CheckText(out, "staff_id", request.mutable_staff_id(), true, kMaxId);
  if (request.entries_size() == 0) {
    out.Add("entries", std::string(rule::kRequired), "a catalogue has at least one entry");
  } else if (request.entries_size() > 500) {
    out.Add("entries", std::string(rule::kTooMany), "a catalogue has at most 500 entries");
  }
  absl::flat_hash_set<std::string> codes;
  for (int i = 0; i < request.entries_size() && i < 500; ++i) {
    v1::CatalogEntry& e = *request.mutable_entries(i);
    const std::string at = absl::StrCat("entries[", i, "].");
    validation::TrimInPlace(e.mutable_code());
    bool code_ok = !e.code().empty() && e.code().size() <= 32;
    for (char c : e.code()) {
      code_ok =
          code_ok && (absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-');
    }
    if (e.code().empty()) {
      out.Add(at + "code", std::string(rule::kRequired), "the entry code is required");
    } else if (!code_ok) {
      out.Add(at + "code", std::string(rule::kFormat),
              "1 to 32 characters of letters, digits, '_' and '-'");
    } else if (!codes.insert(e.code()).second) {
      out.Add(at + "code", "DUPLICATE", "the code appears twice in the catalogue");
    }
    CheckText(out, at + "title", e.mutable_title(), true, 100);
    CheckNotes(out, at + "description", e.mutable_description(), false);
    CheckText(out, at + "reference", e.mutable_reference(), false, 100);
    CheckText(out, at + "address", e.mutable_address(), false, 200);
    CheckText(out, at + "phone", e.mutable_phone(), false, 32);
    CheckText(out, at + "url", e.mutable_url(), false, 500);
    if (!e.url().empty() && !out.HasField(at + "url") && !absl::StartsWith(e.url(), "https://")) {
      out.Add(at + "url", std::string(rule::kFormat), "a web address starts with https://");
    }
  }
  return status::ViolationsToStatus(out, "PublishCatalogVersionRequest");
}

absl::Status ValidateListDifficultyCriteria(v1::ListDifficultyCriteriaRequest& request) {
  Violations out;
  CheckOptionalDate(out, "as_of", request.mutable_as_of());
  validation::CheckPageSize(out, request.page_size());
  return status::ViolationsToStatus(out, "ListDifficultyCriteriaRequest");
}

absl::Status ValidateIdentifyEmploymentDifficulty(v1::IdentifyEmploymentDifficultyRequest& request,
                                                  absl::CivilDay today) {
  Violations out;
  if (!request.validate_only() || !request.request_id().empty()) {
    validation::CheckRequestId(out, "request_id", request.mutable_request_id());
  }
  CheckRegistrationId(out, "registration_id", request.mutable_registration_id());
  validation::TrimInPlace(request.mutable_as_of());
  if (!request.as_of().empty()) {
    out.AddIfError("as_of", validation::ParseDateNotAfter(request.as_of(), today).status());
  }
  CheckText(out, "staff_id", request.mutable_staff_id(), !request.validate_only(), kMaxId);
  absl::flat_hash_set<std::string> codes;
  for (int i = 0; i < request.facts_size(); ++i) {
    v1::DeclaredFact& fact = *request.mutable_facts(i);
    const std::string at = absl::StrCat("facts[", i, "].");
    CheckText(out, at + "criterion_code", fact.mutable_criterion_code(), true, 64);
    if (!fact.criterion_code().empty() && !codes.insert(fact.criterion_code()).second) {
      out.Add(at + "criterion_code", "DUPLICATE", "at most one fact per criterion");
    }
    CheckText(out, at + "evidence", fact.mutable_evidence(), true, 200);
  }
  return status::ViolationsToStatus(out, "IdentifyEmploymentDifficultyRequest");
}

absl::Status ValidateDecideEmploymentDifficulty(v1::DecideEmploymentDifficultyRequest& request,
                                                absl::CivilDay today) {
  Violations out;
  validation::CheckRequestId(out, "request_id", request.mutable_request_id());
  CheckText(out, "identification_id", request.mutable_identification_id(), true, kMaxId);
  if (request.decision() == v1::IDENTIFICATION_DECISION_UNSPECIFIED) {
    out.Add("decision", std::string(rule::kRequired), "approve or reject");
  } else if (!v1::IdentificationDecision_IsValid(request.decision())) {
    out.Add("decision", std::string(rule::kCodeUnknown), "unknown decision");
  }
  CheckText(out, "reason", request.mutable_reason(), true, 500);
  CheckRequiredDate(out, "decided_on", request.mutable_decided_on(), &today);
  CheckText(out, "staff_id", request.mutable_staff_id(), true, kMaxId);
  return status::ViolationsToStatus(out, "DecideEmploymentDifficultyRequest");
}

absl::Status ValidateStreamEvents(const v1::StreamEventsRequest& request) {
  Violations out;
  if (request.after_sequence() < 0) {
    out.Add("after_sequence", std::string(rule::kOutOfRange), "after_sequence must not be negative");
  }
  return status::ViolationsToStatus(out, "StreamEventsRequest");
}

}  // namespace unemployment::tiering
