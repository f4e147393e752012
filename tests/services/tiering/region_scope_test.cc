// Region scope of the tiering methods that name their record only by id (a registration, a
// difficulty identification), behind the real guard and policy: district staff work on their
// district's registrations; another district's and an unknown id get the same PERMISSION_DENIED
// OUTSIDE_REGION_SCOPE; province-wide staff are unaffected (NOT_FOUND for an unknown id).
#include <catch2/catch.hpp>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/log/logger.h"
#include "common/server/grpc_server.h"
#include "common/status/status_util.h"
#include "services/tiering/tiering_service.h"
#include "tests/common/security/test_guard.h"
#include "tests/services/tiering/test_util.h"

namespace unemployment::tiering {
namespace {

using security::test_support::TestGuard;
using testing::Day;
using testing::Person;
using testing::TempDir;
using Stub = v1::TieringService::Stub;

std::string Reason(const absl::Status& status) {
  std::optional<google::rpc::ErrorInfo> info = status::GetErrorInfo(status);
  return info.has_value() ? info->reason() : "";
}

// The tiering service behind the guard with a registration in 南岗区 (230103) and one in 道里区
// (230102).
struct Fixture {
  Fixture() : guard("tiering-scope-test"), clock(testing::NoonOf(Day(2025, 3, 1))) {
    own.id = "hlj-r1";
    own.office = "230103";
    other.id = "hlj-r2";
    other.office = "230102";
    absl::StatusOr<std::unique_ptr<SqliteTieringStore>> opened =
        SqliteTieringStore::Open(dir.File("t.db"));
    REQUIRE(opened.ok());
    store = *std::move(opened);
    tiering = std::make_unique<Tiering>(*store, clock, testing::ShippedTypeRules(),
                                        testing::ShippedCriteria(), nullptr);
    UE_REQUIRE_OK(
        tiering->profiles.ApplyRegistrationEvent("registration", testing::Created(1, own)));
    UE_REQUIRE_OK(
        tiering->profiles.ApplyRegistrationEvent("registration", testing::Created(2, other)));
    notifier = std::make_unique<feed::EventNotifier>(*tiering->profiles.LastEventSequence());
    service = std::make_unique<TieringServiceImpl>(*tiering, clock, *notifier,
                                                   log::Logger("tiering-scope-test"));
    absl::StatusOr<std::unique_ptr<server::GrpcServer>> started =
        server::GrpcServer::Start(guard.ServerOptions("tiering"), {service.get()});
    INFO(started.status().ToString());
    REQUIRE(started.ok());
    grpc_server = *std::move(started);
    stub = v1::TieringService::NewStub(guard.Channel(grpc_server->port()));
  }
  ~Fixture() {
    notifier->Shutdown();
    grpc_server->Shutdown();
  }

  template <typename Request, typename Response>
  absl::Status Call(const std::string& region,
                    grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&, Response*),
                    const Request& request, Response* response) {
    grpc::ClientContext context;
    guard.Authorize(&context, "followup-staff", region);
    return status::FromGrpcStatus(((*stub).*method)(&context, request, response));
  }

  // A pending identification of `registration_id` (made by province-wide staff).
  std::string PendingIdentification(const std::string& registration_id) {
    v1::IdentifyEmploymentDifficultyRequest identify;
    identify.set_request_id("setup-" + registration_id);
    identify.set_registration_id(registration_id);
    v1::DeclaredFact* fact = identify.add_facts();
    fact->set_criterion_code("MINIMUM_INCOME_HOUSEHOLD");
    fact->set_evidence("低保证 2301030001");
    v1::IdentifyEmploymentDifficultyResponse response;
    UE_REQUIRE_OK(Call("*", &Stub::IdentifyEmploymentDifficulty, identify, &response));
    REQUIRE(response.identification().state() == v1::IDENTIFICATION_STATE_PENDING_DECISION);
    return response.identification().identification_id();
  }

  TestGuard guard;
  TempDir dir;
  Person own, other;
  time::FakeClock clock;
  std::unique_ptr<SqliteTieringStore> store;
  std::unique_ptr<Tiering> tiering;
  std::unique_ptr<feed::EventNotifier> notifier;
  std::unique_ptr<TieringServiceImpl> service;
  std::unique_ptr<server::GrpcServer> grpc_server;
  std::unique_ptr<Stub> stub;
};

TEST_CASE("district staff use the id-based tiering methods on their own district's registrations",
          "[service][security]") {
  Fixture f;
  const std::string own_identification = f.PendingIdentification(f.own.id);
  const std::string other_identification = f.PendingIdentification(f.other.id);

  using Call = std::function<absl::Status(const std::string& region, const std::string& id,
                                          const std::string& request_id)>;
  struct IdMethod {
    const char* name;
    Call call;
    std::string own, other, unknown;
  };
  const std::string own = f.own.id, other = f.other.id, unknown = "hlj-r404";
  // A delivery of each registration, recorded by province-wide staff, for AmendServiceDelivery.
  auto delivery_of = [&](const std::string& registration_id) {
    v1::RecordServiceDeliveryRequest request;
    request.set_request_id("setup-" + registration_id);
    v1::ServiceDelivery& d = *request.mutable_delivery();
    d.set_registration_id(registration_id);
    d.set_type(v1::SERVICE_TYPE_CAREER_GUIDANCE);
    d.set_delivered_on("2025-02-10");
    d.set_provider("南岗区公共就业服务中心");
    v1::RecordServiceDeliveryResponse r;
    UE_REQUIRE_OK(f.Call("*", &Stub::RecordServiceDelivery, request, &r));
    return r.delivery().delivery_id();
  };
  const std::string own_delivery = delivery_of(own), other_delivery = delivery_of(other);
  std::vector<IdMethod> methods = {
      {"GetLevel",
       [&](const std::string& region, const std::string& id, const std::string&) {
         v1::GetLevelRequest request;
         request.set_registration_id(id);
         v1::GetLevelResponse r;
         return f.Call(region, &Stub::GetLevel, request, &r);
       },
       own, other, unknown},
      {"GetServicePlan",
       [&](const std::string& region, const std::string& id, const std::string&) {
         v1::GetServicePlanRequest request;
         request.set_registration_id(id);
         v1::GetServicePlanResponse r;
         return f.Call(region, &Stub::GetServicePlan, request, &r);
       },
       own, other, unknown},
      {"GetProfile",
       [&](const std::string& region, const std::string& id, const std::string&) {
         v1::GetProfileRequest request;
         request.set_registration_id(id);
         v1::GetProfileResponse r;
         return f.Call(region, &Stub::GetProfile, request, &r);
       },
       own, other, unknown},
      {"UpdateProfile",
       [&](const std::string& region, const std::string& id, const std::string&) {
         v1::UpdateProfileRequest request;
         request.mutable_profile()->set_registration_id(id);
         request.mutable_profile()->set_training_intention(true);
         request.mutable_update_mask()->add_paths("training_intention");
         v1::UpdateProfileResponse r;
         return f.Call(region, &Stub::UpdateProfile, request, &r);
       },
       own, other, unknown},
      {"RecordServiceDelivery",
       [&](const std::string& region, const std::string& id, const std::string& request_id) {
         v1::RecordServiceDeliveryRequest request;
         request.set_request_id(request_id);
         v1::ServiceDelivery& d = *request.mutable_delivery();
         d.set_registration_id(id);
         d.set_type(v1::SERVICE_TYPE_CAREER_GUIDANCE);
         d.set_delivered_on("2025-02-10");
         d.set_provider("南岗区公共就业服务中心");
         v1::RecordServiceDeliveryResponse r;
         absl::Status status = f.Call(region, &Stub::RecordServiceDelivery, request, &r);
         // The staff id recorded is the token's subject ("<role>-<region>").
         if (status.ok()) CHECK(r.delivery().staff_id() == "followup-staff-" + region);
         return status;
       },
       own, other, unknown},
      {"ListServiceDeliveries",
       [&](const std::string& region, const std::string& id, const std::string&) {
         v1::ListServiceDeliveriesRequest request;
         request.set_registration_id(id);
         v1::ListServiceDeliveriesResponse r;
         return f.Call(region, &Stub::ListServiceDeliveries, request, &r);
       },
       own, other, unknown},
      {"AmendServiceDelivery",
       [&](const std::string& region, const std::string& id, const std::string& request_id) {
         v1::AmendServiceDeliveryRequest request;
         request.set_request_id(request_id);
         request.set_delivery_id(id);
         request.set_amendment_reason("wrong date");
         v1::ServiceDelivery& d = *request.mutable_corrected();
         d.set_type(v1::SERVICE_TYPE_CAREER_GUIDANCE);
         d.set_delivered_on("2025-02-11");
         d.set_provider("南岗区公共就业服务中心");
         v1::AmendServiceDeliveryResponse r;
         absl::Status status = f.Call(region, &Stub::AmendServiceDelivery, request, &r);
         // The actor recorded is the token's subject; the recorder stays.
         if (status.ok()) {
           CHECK(r.delivery().amendments(r.delivery().amendments_size() - 1).actor() ==
                 "followup-staff-" + region);
           CHECK(r.delivery().staff_id() == "followup-staff-*");
         }
         return status;
       },
       own_delivery, other_delivery, "dlv-404"},
      {"IdentifyEmploymentDifficulty",
       [&](const std::string& region, const std::string& id, const std::string& request_id) {
         v1::IdentifyEmploymentDifficultyRequest request;
         request.set_request_id(request_id);
         request.set_registration_id(id);
         request.set_validate_only(true);
         v1::IdentifyEmploymentDifficultyResponse r;
         return f.Call(region, &Stub::IdentifyEmploymentDifficulty, request, &r);
       },
       own, other, unknown},
      {"DecideEmploymentDifficulty",
       [&](const std::string& region, const std::string& id, const std::string& request_id) {
         v1::DecideEmploymentDifficultyRequest request;
         request.set_request_id(request_id);
         request.set_identification_id(id);
         request.set_decision(v1::IDENTIFICATION_DECISION_REJECT);
         request.set_reason("低保证已过期");
         request.set_decided_on("2025-03-01");
         v1::DecideEmploymentDifficultyResponse r;
         return f.Call(region, &Stub::DecideEmploymentDifficulty, request, &r);
       },
       own_identification, other_identification, "di-404"},
  };

  int n = 0;
  for (const IdMethod& m : methods) {
    INFO(m.name);
    const std::string tag = std::to_string(++n);
    absl::Status denied_other = m.call("230103", m.other, "d-other-" + tag);
    absl::Status denied_unknown = m.call("230103", m.unknown, "d-unknown-" + tag);
    INFO(denied_other.ToString());
    INFO(denied_unknown.ToString());
    CHECK(denied_other.code() == absl::StatusCode::kPermissionDenied);
    CHECK(Reason(denied_other) == "OUTSIDE_REGION_SCOPE");
    // An unknown id is answered exactly as another district's.
    CHECK(denied_other.ToString() == denied_unknown.ToString());
    absl::Status allowed = m.call("230103", m.own, "d-own-" + tag);
    INFO(allowed.ToString());
    CHECK(allowed.ok());
    // The city's staff too; another city's are refused.
    CHECK(m.call("2301", m.other, "c-other-" + tag).code() != absl::StatusCode::kPermissionDenied);
    CHECK(m.call("2302", m.own, "q-own-" + tag).code() == absl::StatusCode::kPermissionDenied);
    // Province-wide staff: NOT_FOUND for an unknown id, as before.
    CHECK(m.call("*", m.unknown, "p-unknown-" + tag).code() == absl::StatusCode::kNotFound);
  }
}

TEST_CASE("a delivery names the caller as its staff member; another name is refused",
          "[service][security][truth]") {
  Fixture f;
  v1::RecordServiceDeliveryRequest request;
  request.set_request_id("d-actor");
  v1::ServiceDelivery& d = *request.mutable_delivery();
  d.set_registration_id(f.own.id);
  d.set_type(v1::SERVICE_TYPE_CAREER_GUIDANCE);
  d.set_delivered_on("2025-02-10");
  d.set_provider("南岗区公共就业服务中心");
  d.set_staff_id("someone-else");
  v1::RecordServiceDeliveryResponse r;
  absl::Status refused = f.Call("230103", &Stub::RecordServiceDelivery, request, &r);
  CHECK(refused.code() == absl::StatusCode::kInvalidArgument);
  CHECK(Reason(refused) == "ACTOR_NOT_CALLER");
  d.set_staff_id("followup-staff-230103");  // the caller's own id is accepted
  UE_REQUIRE_OK(f.Call("230103", &Stub::RecordServiceDelivery, request, &r));
  CHECK(r.delivery().staff_id() == "followup-staff-230103");
}

}  // namespace
}  // namespace unemployment::tiering
