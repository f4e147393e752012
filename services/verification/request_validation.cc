#include "services/verification/request_validation.h"

#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/status/status_util.h"
#include "common/status/violations_status.h"
#include "common/store/request_log.h"
#include "common/validation/date.h"
#include "common/validation/id_document.h"
#include "common/validation/request_fields.h"
#include "common/validation/rules.h"
#include "common/validation/text.h"
#include "common/validation/violations.h"

namespace unemployment::verification {
namespace {

namespace v1c = ::unemployment::common::v1;
namespace rule = ::unemployment::validation::rule;
using validation::Violations;

constexpr size_t kMaxId = 64;
constexpr size_t kMaxName = 50;
constexpr size_t kMaxFinding = 2000;
constexpr int kMaxBatch = 1000;

// Normalises and checks a PersonId under `prefix` ("person_id" -> "person_id.id_type").
void CheckPersonId(Violations& out, const std::string& prefix, bool present,
                   v1c::PersonId* person_id, absl::CivilDay today) {
  if (!present) {
    out.Add(prefix, std::string(rule::kRequired), "the person's identity is required");
    return;
  }
  std::string number(validation::TrimText(person_id->id_number()));
  for (char& c : number) c = absl::ascii_toupper(static_cast<unsigned char>(c));
  person_id->set_id_number(number);
  std::optional<validation::IdType> type;
  if (person_id->id_type() == v1c::ID_TYPE_UNSPECIFIED) {
    out.Add(prefix + ".id_type", std::string(rule::kRequired), "the ID type is required");
  } else {
    type = validation::IdTypeFromNumber(person_id->id_type());
    if (!type.has_value()) {
      out.Add(prefix + ".id_type", std::string(rule::kIdTypeUnknown),
              "the ID type is none of the seven types");
    }
  }
  if (number.empty()) {
    out.Add(prefix + ".id_number", std::string(rule::kRequired), "the ID number is required");
  } else if (type.has_value()) {
    out.AddIfError(prefix + ".id_number", validation::ValidateIdDocument(*type, number, today));
  }
}

// A required (or optional) date, optionally not after `latest`; returns the day when valid.
std::optional<absl::CivilDay> CheckDate(Violations& out, absl::string_view field,
                                        std::string* value, bool required,
                                        const absl::CivilDay* latest) {
  validation::TrimInPlace(value);
  if (value->empty()) {
    if (required) out.Add(std::string(field), std::string(rule::kRequired), "the date is required");
    return std::nullopt;
  }
  absl::StatusOr<absl::CivilDay> day = latest != nullptr
                                           ? validation::ParseDateNotAfter(*value, *latest)
                                           : validation::ParseDate(*value);
  if (out.AddIfError(field, day.status())) return std::nullopt;
  return *day;
}

void CheckSource(Violations& out, absl::string_view field, v1::Source source, bool required) {
  if (source == v1::SOURCE_UNSPECIFIED) {
    if (required)
      out.Add(std::string(field), std::string(rule::kRequired), "the source is required");
  } else if (!v1::Source_IsValid(source)) {
    out.Add(std::string(field), std::string(rule::kCodeUnknown), "the source is unknown");
  }
}

}  // namespace

absl::Status ValidateVerifyApplicant(v1::VerifyApplicantRequest& request, absl::CivilDay today) {
  Violations out;
  validation::CheckRequestId(out, "request_id", request.mutable_request_id(), false);
  CheckPersonId(out, "person_id", request.has_person_id(), request.mutable_person_id(), today);
  validation::RequireTrimmedText(out, "name", request.mutable_name(), kMaxName);
  std::optional<absl::CivilDay> unemployed =
      CheckDate(out, "unemployed_date", request.mutable_unemployed_date(), true, &today);
  std::optional<absl::CivilDay> as_of =
      CheckDate(out, "as_of", request.mutable_as_of(), false, &today);
  if (unemployed.has_value() && as_of.has_value() && *as_of < *unemployed) {
    out.Add("as_of", std::string(rule::kDateOrder), "as_of lies before the unemployed date");
  }
  validation::TrimInPlace(request.mutable_application_id());
  out.AddIfError("application_id",
                 validation::ValidateText(request.application_id(), {false, kMaxId, false}));
  return status::ViolationsToStatus(out, "VerifyApplicantRequest");
}

absl::Status ValidateGetVerification(v1::GetVerificationRequest& request) {
  Violations out;
  validation::RequireTrimmedText(out, "verification_id", request.mutable_verification_id(), kMaxId);
  return status::ViolationsToStatus(out, "GetVerificationRequest");
}

absl::Status ValidateRecordFieldInvestigation(v1::RecordFieldInvestigationRequest& request,
                                              absl::CivilDay today) {
  Violations out;
  validation::CheckRequestId(out, "request_id", request.mutable_request_id(), true);
  validation::RequireTrimmedText(out, "verification_id", request.mutable_verification_id(), kMaxId);
  CheckDate(out, "visit_date", request.mutable_visit_date(), true, &today);
  validation::RequireTrimmedText(out, "investigator_id", request.mutable_investigator_id(), kMaxId);
  validation::RequireTrimmedText(out, "investigator_name", request.mutable_investigator_name(), kMaxName);
  validation::RequireTrimmedText(out, "finding", request.mutable_finding(), kMaxFinding, true);
  if (request.conclusion() == v1::INVESTIGATION_CONCLUSION_UNSPECIFIED) {
    out.Add("conclusion", std::string(rule::kRequired), "the conclusion is required");
  } else if (!v1::InvestigationConclusion_IsValid(request.conclusion())) {
    out.Add("conclusion", std::string(rule::kCodeUnknown), "the conclusion is unknown");
  }
  return status::ViolationsToStatus(out, "RecordFieldInvestigationRequest");
}

absl::Status ValidateGetSnapshotInfo(v1::GetSnapshotInfoRequest& request) {
  Violations out;
  CheckSource(out, "source", request.source(), true);
  validation::TrimInPlace(request.mutable_snapshot_version());
  if (request.snapshot_version().size() > kMaxId) {
    out.Add("snapshot_version", std::string(rule::kTooLong),
            "a snapshot version has at most 64 characters");
  }
  return status::ViolationsToStatus(out, "GetSnapshotInfoRequest");
}

absl::Status ValidateListSnapshots(const v1::ListSnapshotsRequest& request) {
  Violations out;
  CheckSource(out, "source", request.source(), false);
  validation::CheckPageSize(out, request.page_size());
  return status::ViolationsToStatus(out, "ListSnapshotsRequest");
}

absl::Status ValidateCompareBatch(v1::CompareActiveRegistrationsRequest& request,
                                  absl::CivilDay today, const std::string& first_as_of) {
  Violations out;
  std::optional<absl::CivilDay> as_of =
      CheckDate(out, "as_of", request.mutable_as_of(), true, &today);
  if (as_of.has_value() && !first_as_of.empty() && request.as_of() != first_as_of) {
    out.Add("as_of", std::string(rule::kMismatch),
            "as_of must be the same in every message of the stream");
  }
  if (request.subjects_size() == 0) {
    out.Add("subjects", std::string(rule::kRequired), "a batch has at least one registration");
  } else if (request.subjects_size() > kMaxBatch) {
    out.Add("subjects", std::string(rule::kTooMany), "a batch has at most 1,000 registrations");
  } else {
    for (int i = 0; i < request.subjects_size(); ++i) {
      v1::ComparisonSubject* subject = request.mutable_subjects(i);
      const std::string prefix = absl::StrCat("subjects[", i, "]");
      validation::RequireTrimmedText(out, prefix + ".registration_id", subject->mutable_registration_id(), kMaxId);
      CheckPersonId(out, prefix + ".person_id", subject->has_person_id(),
                    subject->mutable_person_id(), today);
      CheckDate(out, prefix + ".registered_date", subject->mutable_registered_date(), true, &today);
    }
  }
  return status::ViolationsToStatus(out, "CompareActiveRegistrationsRequest");
}

namespace {

bool IsSha256Hex(absl::string_view value) {
  if (value.size() != 64) return false;
  for (char c : value) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c)) && (c < 'a' || c > 'f')) return false;
  }
  return true;
}

void CheckDigest(std::vector<status::FieldViolation>& out, const std::string& field,
                 absl::string_view sent, absl::string_view received, absl::string_view what) {
  if (!IsSha256Hex(sent)) {
    out.push_back({field, std::string(rule::kFormat),
                   "the digest is 64 lower-case hexadecimal characters of SHA-256"});
  } else if (sent != received) {
    out.push_back({field, std::string(rule::kMismatch),
                   absl::StrCat("the SHA-256 of the ", what, " received is ", received)});
  }
}

void CheckCount(std::vector<status::FieldViolation>& out, const std::string& field, int64_t sent,
                int64_t received, absl::string_view what) {
  if (sent != received) {
    out.push_back({field, std::string(rule::kMismatch),
                   absl::StrCat("the trailer says ", sent, " ", what, ", the server received ",
                                received)});
  }
}

}  // namespace

absl::Status MissingTrailerError(absl::string_view reason) {
  return status::InvalidArgumentError(
      "the stream ended without its trailer, so it may be incomplete; nothing was done",
      {{"trailer", std::string(rule::kRequired),
        "the last message of the stream carries the trailer"}},
      reason);
}

absl::Status CheckImportTrailer(const v1::ImportSnapshotTrailer& trailer, int64_t length,
                                absl::string_view sha256, int64_t rows) {
  std::vector<status::FieldViolation> out;
  CheckCount(out, "trailer.content_length", trailer.content_length(), length, "bytes");
  CheckDigest(out, "trailer.content_sha256", trailer.content_sha256(), sha256, "content");
  if (trailer.has_row_count()) {
    CheckCount(out, "trailer.row_count", trailer.row_count(), rows, "data rows");
  }
  if (out.empty()) return absl::OkStatus();
  return status::InvalidArgumentError(
      "the snapshot received does not match the stream's trailer; nothing was loaded", out,
      kSnapshotStreamMismatch);
}

absl::Status ValidateComparisonTrailerMessage(const v1::CompareActiveRegistrationsRequest& request,
                                              const std::string& first_as_of) {
  Violations out;
  if (request.subjects_size() > 0) {
    out.Add("subjects", std::string(rule::kNotApplicable),
            "the message carrying the trailer carries no registrations");
  }
  if (!request.as_of().empty() && !first_as_of.empty() && request.as_of() != first_as_of) {
    out.Add("as_of", std::string(rule::kMismatch),
            "as_of must be the same in every message of the stream");
  }
  return status::ViolationsToStatus(out, "CompareActiveRegistrationsRequest");
}

absl::Status CheckComparisonTrailer(const v1::ComparisonTrailer& trailer, int64_t count,
                                    absl::string_view sha256) {
  std::vector<status::FieldViolation> out;
  CheckCount(out, "trailer.subject_count", trailer.subject_count(), count, "registrations");
  CheckDigest(out, "trailer.subjects_sha256", trailer.subjects_sha256(), sha256, "registrations");
  if (out.empty()) return absl::OkStatus();
  return status::InvalidArgumentError(
      "the registrations received do not match the stream's trailer; the comparison is incomplete",
      out, kComparisonStreamMismatch);
}

std::string Fingerprint(const google::protobuf::Message& message) {
  return store::RequestFingerprint(message);
}

int EffectivePageSize(int32_t requested) {
  if (requested <= 0) return 50;
  if (requested > 500) return 500;
  return requested;
}

}  // namespace unemployment::verification
