// Region scope of registration's id-based methods (GetApplication, ReviewApplication,
// GetRegistration) behind the real guard and policy: a district reviewer works on their
// district's records; another district's id and an unknown id get the same answer (code, reason
// and message, naming neither id nor region); province-wide staff get NOT_FOUND for an unknown id.
#include <catch2/catch.hpp>
#include <functional>
#include <memory>
#include <string>
#include <tuple>

#include "common/log/logger.h"
#include "common/security/audit_log.h"
#include "common/server/grpc_server.h"
#include "common/status/status_util.h"
#include "services/registration/registration_service.h"
#include "tests/common/require_ok.h"
#include "tests/common/security/test_guard.h"
#include "tests/services/registration/test_util.h"

namespace unemployment::registration {
namespace {

using security::test_support::TestGuard;
using testing::Env;
using testing::TempDir;
using Stub = v1::RegistrationService::Stub;

// (code, reason, message) of an answer.
using Answer = std::tuple<absl::StatusCode, std::string, std::string>;

Answer AnswerOf(const absl::Status& status) {
  std::optional<google::rpc::ErrorInfo> info = status::GetErrorInfo(status);
  return {status.code(), info ? info->reason() : "", std::string(status.message())};
}

TEST_CASE("registration answers another district's id exactly as an unknown id") {
  TestGuard guard("registration-scope-test");
  TempDir dir;
  Env env(dir.File("r.db"));
  // An application in 南岗区 (230103, accepted) and one in 道里区 (230102, accepted).
  v1::CreateApplicationRequest own_request = testing::CreateRequest("230103P0001");
  v1::CreateApplicationRequest other_request =
      testing::CreateRequest("230102P0001", testing::ResidentId("230102", "19800101", 17));
  other_request.set_office_region_code("230102");
  absl::StatusOr<v1::Application> own = env.Create(own_request);
  absl::StatusOr<v1::Application> other = env.Create(other_request);
  UE_REQUIRE_OK(own.status());
  UE_REQUIRE_OK(other.status());
  absl::StatusOr<v1::ReviewApplicationResponse> own_reg = env.Accept(own->id(), "accept-own");
  absl::StatusOr<v1::ReviewApplicationResponse> other_reg = env.Accept(other->id(), "accept-other");
  UE_REQUIRE_OK(own_reg.status());
  UE_REQUIRE_OK(other_reg.status());

  RegistrationServiceImpl service(
      RegistrationServiceImpl::Dependencies{env.registrar.get(), env.store.get(),
                                            env.notifier.get(), &testing::Regions(), &env.clock,
                                            "230000"},
      log::Logger("registration-scope-test"));
  absl::StatusOr<std::unique_ptr<server::GrpcServer>> started =
      server::GrpcServer::Start(guard.ServerOptions("registration"), {&service});
  INFO(started.status().ToString());
  REQUIRE(started.ok());
  std::unique_ptr<Stub> stub = v1::RegistrationService::NewStub(guard.Channel((*started)->port()));

  auto get_application = [&](const std::string& id, const std::string& region) {
    grpc::ClientContext context;
    guard.Authorize(&context, "reviewer", region);
    v1::GetApplicationRequest request;
    request.set_application_id(id);
    v1::GetApplicationResponse response;
    return status::FromGrpcStatus(stub->GetApplication(&context, request, &response));
  };
  auto review = [&](const std::string& id, const std::string& region) {
    grpc::ClientContext context;
    guard.Authorize(&context, "reviewer", region);
    v1::ReviewApplicationRequest request;
    request.set_application_id(id);
    request.set_request_id("scope-review");
    request.set_outcome(unemployment::common::v1::REVIEW_OUTCOME_REJECTED);
    request.set_reason("test");
    request.set_rejection_reason(unemployment::common::v1::REJECTION_REASON_OTHER);
    // No reviewer: the recorded reviewer is the token's subject (a name would be refused).
    v1::ReviewApplicationResponse response;
    return status::FromGrpcStatus(stub->ReviewApplication(&context, request, &response));
  };
  auto get_registration = [&](const std::string& id, const std::string& region) {
    grpc::ClientContext context;
    guard.Authorize(&context, "reviewer", region);
    v1::GetRegistrationRequest request;
    request.set_registration_id(id);
    v1::GetRegistrationResponse response;
    return status::FromGrpcStatus(stub->GetRegistration(&context, request, &response));
  };

  // Their own district's records answer.
  UE_REQUIRE_OK(get_application(own->id(), "230103"));
  UE_REQUIRE_OK(get_registration(own_reg->registration().id(), "230103"));

  struct Case {
    const char* method;
    std::function<absl::Status(const std::string&, const std::string&)> call;
    std::string foreign_id;
    std::string unknown_id;
  };
  for (const Case& c : {Case{"GetApplication", get_application, other->id(), "hlj-app-999999"},
                        Case{"ReviewApplication", review, other->id(), "hlj-app-999999"},
                        Case{"GetRegistration", get_registration,
                             other_reg->registration().id(), "hlj-r-999999"}}) {
    INFO(c.method);
    Answer foreign = AnswerOf(c.call(c.foreign_id, "230103"));
    Answer unknown = AnswerOf(c.call(c.unknown_id, "230103"));
    CHECK(std::get<0>(foreign) == absl::StatusCode::kPermissionDenied);
    CHECK(std::get<1>(foreign) == "OUTSIDE_REGION_SCOPE");
    CHECK(foreign == unknown);
    CHECK(std::get<2>(foreign).find("230102") == std::string::npos);
    CHECK(std::get<2>(foreign).find(c.foreign_id) == std::string::npos);
    // Province-wide staff are not looked up first: an unknown id is NOT_FOUND.
    CHECK(c.call(c.unknown_id, "*").code() == absl::StatusCode::kNotFound);
  }
  (*started)->Shutdown();
}

TEST_CASE("a read by person records the person's keyed hash; a stream is audited when it opens") {
  TempDir dir;
  const std::string audit_key = "audit-key-of-32-bytes-for-tests!";
  absl::StatusOr<std::unique_ptr<security::AuditLog>> audit =
      security::AuditLog::Open(dir.File("audit.db"), audit_key, store::SynchronousMode::kOff);
  REQUIRE(audit.ok());
  TestGuard guard("registration-audit-test", audit->get());
  Env env(dir.File("r.db"));
  const std::string id_number = "34052419800101001X";
  absl::StatusOr<v1::Application> created =
      env.Create(testing::CreateRequest("230103P0002", id_number));
  UE_REQUIRE_OK(created.status());
  UE_REQUIRE_OK(env.Accept(created->id(), "accept-audit").status());
  RegistrationServiceImpl service(
      RegistrationServiceImpl::Dependencies{env.registrar.get(), env.store.get(),
                                            env.notifier.get(), &testing::Regions(), &env.clock,
                                            "230000"},
      log::Logger("registration-audit-test"));
  absl::StatusOr<std::unique_ptr<server::GrpcServer>> started =
      server::GrpcServer::Start(guard.ServerOptions("registration"), {&service});
  REQUIRE(started.ok());
  {
    std::unique_ptr<Stub> stub =
        v1::RegistrationService::NewStub(guard.Channel((*started)->port()));
    grpc::ClientContext context;
    guard.Authorize(&context, "reviewer", "*");
    v1::GetActiveRegistrationByPersonRequest request;
    request.mutable_person_id()->set_id_type(unemployment::common::v1::ID_TYPE_RESIDENT_ID_CARD);
    request.mutable_person_id()->set_id_number(id_number);
    v1::GetActiveRegistrationByPersonResponse response;
    UE_REQUIRE_OK(
        status::FromGrpcStatus(stub->GetActiveRegistrationByPerson(&context, request, &response)));
  }
  {
    // A peer service opens the event stream, reads one event and goes away mid-stream.
    std::unique_ptr<Stub> stub =
        v1::RegistrationService::NewStub(guard.Channel((*started)->port(), "svc-statistics"));
    grpc::ClientContext context;
    v1::StreamEventsRequest request;
    std::unique_ptr<grpc::ClientReader<v1::StreamEventsResponse>> reader =
        stub->StreamEvents(&context, request);
    v1::StreamEventsResponse event;
    REQUIRE(reader->Read(&event));
    context.TryCancel();
    reader->Finish().IgnoreError();
  }
  (*started)->Shutdown();

  std::vector<std::vector<std::string>> entries =
      security::test_support::AuditRows(dir.File("audit.db"), "method, record, result");
  REQUIRE(entries.size() >= 2);
  const std::string hash = security::AuditPersonHash(audit_key, id_number);
  CHECK(hash.size() == 32);
  CHECK(hash ==
        (*audit)->PersonHash("34052419800101001x"));  // the check letter's case is one person
  CHECK(entries[0] ==
        std::vector<std::string>{
            "/unemployment.registration.v1.RegistrationService/GetActiveRegistrationByPerson",
            "person_id.id_number#=" + hash, "OK"});
  // Neither the number nor its unmasked digits are in any entry.
  for (const auto& entry : entries) CHECK(entry[1].find("198001010") == std::string::npos);
  // The stream's entry was written when it opened, before any event was sent.
  CHECK(entries[1] ==
        std::vector<std::string>{"/unemployment.registration.v1.RegistrationService/StreamEvents",
                                 "", "OPENED"});
  REQUIRE((*audit)->Verify().ok());
}

}  // namespace
}  // namespace unemployment::registration
