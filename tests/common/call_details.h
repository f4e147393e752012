#pragma once

// For tests that call a gRPC service: a client context with a deadline, and what a failed call's
// google.rpc.Status details say (the BadRequest field violations, the ErrorInfo reason). One
// definition for the service tests instead of a copy each.

#include <catch2/catch.hpp>

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "common/status/status_util.h"
#include "google/rpc/error_details.pb.h"
#include "grpcpp/client_context.h"

namespace unemployment::testing {

// A client context whose deadline is `seconds` from now.
inline std::unique_ptr<grpc::ClientContext> Context(int seconds = 10) {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(seconds));
  return context;
}

// field -> rule (the description up to its first ':') of every field violation of `status`,
// which must carry details.
inline std::map<std::string, std::string> Violations(const grpc::Status& status) {
  std::map<std::string, std::string> out;
  std::optional<google::rpc::Status> details = status::DecodeDetails(status);
  REQUIRE(details.has_value());
  for (const google::protobuf::Any& any : details->details()) {
    google::rpc::BadRequest bad;
    if (!any.UnpackTo(&bad)) continue;
    for (const auto& v : bad.field_violations()) {
      out[v.field()] = v.description().substr(0, v.description().find(':'));
    }
  }
  return out;
}

// The ErrorInfo reason of `status` ("" without one); its domain must be the suite's.
inline std::string Reason(const grpc::Status& status) {
  std::optional<google::rpc::Status> details = status::DecodeDetails(status);
  if (!details.has_value()) return "";
  for (const google::protobuf::Any& any : details->details()) {
    google::rpc::ErrorInfo info;
    if (any.UnpackTo(&info)) {
      CHECK(info.domain() == "unemployment.hrss.gov.cn");
      return info.reason();
    }
  }
  return "";
}

}  // namespace unemployment::testing
