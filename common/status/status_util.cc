#include "common/status/status_util.h"

#include <atomic>
#include <cstdlib>
#include <iostream>

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/any.pb.h"
#include "google/protobuf/descriptor.h"
#include "unemployment/common/v1/error_reason.pb.h"

namespace unemployment::status {
namespace {

constexpr char kTypePrefix[] = "type.googleapis.com/";

std::string TypeUrl(const google::protobuf::Message& message) {
  return absl::StrCat(kTypePrefix, message.GetDescriptor()->full_name());
}

template <typename Proto>
std::optional<Proto> GetPayload(const absl::Status& status) {
  Proto proto;
  absl::optional<absl::Cord> payload = status.GetPayload(TypeUrl(proto));
  if (!payload.has_value() || !proto.ParseFromString(std::string(*payload))) {
    return std::nullopt;
  }
  return proto;
}

void SetPayload(absl::Status& status, const google::protobuf::Message& message) {
  status.SetPayload(TypeUrl(message), absl::Cord(message.SerializeAsString()));
}

constexpr absl::string_view kReasonPrefix = "ERROR_REASON_";

// -1: not decided yet (read the environment), 0: off, 1: on.
std::atomic<int> strict_reasons{-1};

void CheckReason(absl::string_view reason) {
  if (!StrictReasonCheck() || IsCataloguedReason(reason)) return;
  std::cerr << "status: ErrorInfo reason '" << reason
            << "' is not in the catalogue proto/unemployment/common/v1/error_reason.proto "
               "(UE_STRICT_ERROR_REASONS is set)"
            << std::endl;
  std::abort();
}

}  // namespace

absl::Status WithErrorInfo(absl::Status status, absl::string_view reason,
                           const std::map<std::string, std::string>& metadata) {
  if (status.ok()) return status;
  google::rpc::ErrorInfo info;
  info.set_reason(std::string(reason));
  info.set_domain(std::string(kErrorDomain));
  for (const auto& [key, value] : metadata) (*info.mutable_metadata())[key] = value;
  SetPayload(status, info);
  return status;
}

absl::Status InvalidArgumentError(absl::string_view message,
                                  const std::vector<FieldViolation>& violations,
                                  absl::string_view reason) {
  absl::Status status = absl::InvalidArgumentError(message);
  google::rpc::BadRequest bad_request;
  for (const FieldViolation& v : violations) {
    google::rpc::BadRequest::FieldViolation* out = bad_request.add_field_violations();
    out->set_field(v.field);
    out->set_description(v.rule.empty() ? v.description : absl::StrCat(v.rule, ": ", v.description));
  }
  SetPayload(status, bad_request);
  return WithErrorInfo(std::move(status), reason);
}

absl::Status InvalidFieldError(absl::string_view field, absl::string_view rule,
                               absl::string_view description) {
  return InvalidArgumentError(absl::StrCat(field, ": ", description),
                              {{std::string(field), std::string(rule), std::string(description)}});
}

std::optional<google::rpc::ErrorInfo> GetErrorInfo(const absl::Status& status) {
  return GetPayload<google::rpc::ErrorInfo>(status);
}

std::optional<google::rpc::BadRequest> GetBadRequest(const absl::Status& status) {
  return GetPayload<google::rpc::BadRequest>(status);
}

bool IsCataloguedReason(absl::string_view reason) {
  if (reason.empty() || reason == "UNSPECIFIED") return false;
  return unemployment::common::v1::ErrorReason_descriptor()->FindValueByName(
             absl::StrCat(kReasonPrefix, reason)) != nullptr;
}

void SetStrictReasonCheck(bool strict) { strict_reasons.store(strict ? 1 : 0); }

bool StrictReasonCheck() {
  int strict = strict_reasons.load();
  if (strict < 0) {
    const char* value = std::getenv("UE_STRICT_ERROR_REASONS");
    strict = value != nullptr && *value != '\0' && absl::string_view(value) != "0" ? 1 : 0;
    strict_reasons.store(strict);
  }
  return strict == 1;
}

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  google::rpc::Status details;
  details.set_code(static_cast<int>(status.code()));
  details.set_message(std::string(status.message()));
  google::rpc::ErrorInfo info;
  if (std::optional<google::rpc::ErrorInfo> attached = GetErrorInfo(status)) {
    info = *std::move(attached);
  } else {
    info.set_reason(absl::StatusCodeToString(status.code()));
    info.set_domain(std::string(kErrorDomain));
  }
  if (info.domain() == kErrorDomain) CheckReason(info.reason());
  details.add_details()->PackFrom(info);
  if (std::optional<google::rpc::BadRequest> bad_request = GetBadRequest(status)) {
    details.add_details()->PackFrom(*bad_request);
  }
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()), std::string(status.message()),
                      details.SerializeAsString());
}

std::optional<google::rpc::Status> DecodeDetails(const grpc::Status& status) {
  if (status.error_details().empty()) return std::nullopt;
  google::rpc::Status details;
  if (!details.ParseFromString(status.error_details())) return std::nullopt;
  return details;
}

absl::Status FromGrpcStatus(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  absl::Status result(static_cast<absl::StatusCode>(status.error_code()), status.error_message());
  if (std::optional<google::rpc::Status> details = DecodeDetails(status)) {
    for (const google::protobuf::Any& any : details->details()) {
      google::rpc::ErrorInfo info;
      google::rpc::BadRequest bad_request;
      if (any.UnpackTo(&info)) {
        SetPayload(result, info);
      } else if (any.UnpackTo(&bad_request)) {
        SetPayload(result, bad_request);
      }
    }
  }
  return result;
}

}  // namespace unemployment::status
