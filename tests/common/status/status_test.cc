#include "common/status/status_util.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "common/server/grpc_server.h"
#include "common/status/macros.h"
#include "grpcpp/create_channel.h"
#include "unemployment/testing/v1/echo_service.grpc.pb.h"

namespace unemployment::status {
namespace {

using testing::v1::EchoRequest;
using testing::v1::EchoResponse;

absl::StatusOr<int> Half(int n) {
  if (n % 2 != 0) return absl::InvalidArgumentError("odd");
  return n / 2;
}

absl::StatusOr<int> Quarter(int n) {
  ASSIGN_OR_RETURN(int half, Half(n));
  ASSIGN_OR_RETURN(int quarter, Half(half));
  return quarter;
}

absl::Status CheckEven(int n) {
  RETURN_IF_ERROR(Half(n).status());
  return absl::OkStatus();
}

TEST_CASE("macros return early with the first error", "[status]") {
  CHECK(Quarter(8).value() == 2);
  CHECK(Quarter(6).status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(CheckEven(3).code() == absl::StatusCode::kInvalidArgument);
  CHECK(CheckEven(4).ok());
}

TEST_CASE("InvalidArgumentError carries every violation and a reason", "[status]") {
  absl::Status s = InvalidArgumentError(
      "form has 2 errors", {{"form.name", "REQUIRED", "name is required"},
                            {"form.person_id.id_number", "CHECK_CHARACTER", "wrong check character"}});
  REQUIRE(s.code() == absl::StatusCode::kInvalidArgument);
  auto bad = GetBadRequest(s);
  REQUIRE(bad.has_value());
  REQUIRE(bad->field_violations_size() == 2);
  CHECK(bad->field_violations(0).field() == "form.name");
  CHECK(bad->field_violations(1).description() == "CHECK_CHARACTER: wrong check character");
  auto info = GetErrorInfo(s);
  REQUIRE(info.has_value());
  CHECK(info->reason() == "INVALID_ARGUMENT");
  CHECK(info->domain() == std::string(kErrorDomain));
}

TEST_CASE("ToGrpcStatus keeps code and message and always adds ErrorInfo", "[status]") {
  grpc::Status g = ToGrpcStatus(absl::NotFoundError("no application APP-1"));
  CHECK(g.error_code() == grpc::StatusCode::NOT_FOUND);
  CHECK(g.error_message() == "no application APP-1");
  auto details = DecodeDetails(g);
  REQUIRE(details.has_value());
  CHECK(details->code() == static_cast<int>(grpc::StatusCode::NOT_FOUND));
  google::rpc::ErrorInfo info;
  REQUIRE(details->details_size() == 1);
  REQUIRE(details->details(0).UnpackTo(&info));
  CHECK(info.reason() == "NOT_FOUND");
  CHECK(ToGrpcStatus(absl::OkStatus()).ok());
}

// Fails every call with a status that has field violations and a custom reason.
class FailingEcho final : public testing::v1::EchoService::CallbackService {
  grpc::ServerUnaryReactor* Echo(grpc::CallbackServerContext* context, const EchoRequest*,
                                 EchoResponse*) override {
    auto* reactor = context->DefaultReactor();
    reactor->Finish(ToGrpcStatus(WithErrorInfo(
        InvalidArgumentError("bad", {{"payload", "TOO_LONG", "payload too long"}}),
        "SNAPSHOT_ROWS_INVALID", {{"limit", "10"}})));
    return reactor;
  }
};

TEST_CASE("status details survive a real client-server round trip", "[status][grpc]") {
  FailingEcho service;
  auto server = server::GrpcServer::Start({}, {&service});
  REQUIRE(server.ok());
  auto stub = testing::v1::EchoService::NewStub(
      grpc::CreateChannel((*server)->address(), grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  EchoRequest request;
  EchoResponse response;
  grpc::Status g = stub->Echo(&context, request, &response);
  REQUIRE(g.error_code() == grpc::StatusCode::INVALID_ARGUMENT);

  absl::Status back = FromGrpcStatus(g);
  CHECK(back.code() == absl::StatusCode::kInvalidArgument);
  CHECK(back.message() == "bad");
  auto info = GetErrorInfo(back);
  REQUIRE(info.has_value());
  CHECK(info->reason() == "SNAPSHOT_ROWS_INVALID");
  CHECK(info->metadata().at("limit") == "10");
  auto bad = GetBadRequest(back);
  REQUIRE(bad.has_value());
  REQUIRE(bad->field_violations_size() == 1);
  CHECK(bad->field_violations(0).field() == "payload");
  CHECK(bad->field_violations(0).description() == "TOO_LONG: payload too long");
}

TEST_CASE("the catalogue of reasons: every fallback and named reason, nothing else", "[status]") {
  // The fallback reasons (a status without ErrorInfo gets its code's name).
  for (int code = 1; code <= 16; ++code) {
    std::string name = absl::StatusCodeToString(static_cast<absl::StatusCode>(code));
    INFO(name);
    CHECK(IsCataloguedReason(name));
  }
  for (const char* reason : {"TOKEN_MISSING", "DEADLINE_REQUIRED", "CHANNEL_NOT_ALLOWED",
                             "OUTSIDE_REGION_SCOPE", "RATE_LIMITED", "AUDIT_LOG_UNAVAILABLE",
                             "APPLICATION_ID_REUSED"}) {
    INFO(reason);
    CHECK(IsCataloguedReason(reason));
  }
  CHECK_FALSE(IsCataloguedReason(""));
  CHECK_FALSE(IsCataloguedReason("UNSPECIFIED"));
  CHECK_FALSE(IsCataloguedReason("PAYLOAD_REJECTED"));
  CHECK_FALSE(IsCataloguedReason("token_missing"));
  // Every test binary runs strict (tests/catch_main.cc); outside tests the check is off.
  CHECK(StrictReasonCheck());
  SetStrictReasonCheck(false);
  grpc::Status sent =
      ToGrpcStatus(WithErrorInfo(absl::InternalError("x"), "NOT_IN_THE_CATALOGUE"));
  SetStrictReasonCheck(true);
  std::optional<google::rpc::Status> details = DecodeDetails(sent);
  REQUIRE(details.has_value());
  google::rpc::ErrorInfo info;
  REQUIRE(details->details(0).UnpackTo(&info));
  CHECK(info.reason() == "NOT_IN_THE_CATALOGUE");
}

TEST_CASE("strict mode: ToGrpcStatus aborts on a reason missing from the catalogue", "[status]") {
  SetStrictReasonCheck(true);
  // Checked in a child process: the check aborts.
  pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    ::close(2);  // keep the test's output clean
    ToGrpcStatus(WithErrorInfo(absl::InternalError("x"), "NOT_IN_THE_CATALOGUE"));
    _exit(0);
  }
  int wait_status = 0;
  REQUIRE(waitpid(child, &wait_status, 0) == child);
  CHECK(WIFSIGNALED(wait_status));
  CHECK(WTERMSIG(wait_status) == SIGABRT);
  // A catalogued reason passes.
  CHECK(ToGrpcStatus(WithErrorInfo(absl::NotFoundError("x"), "APPLICATION_NOT_FOUND"))
            .error_code() == grpc::StatusCode::NOT_FOUND);
}

}  // namespace
}  // namespace unemployment::status
