// Masking of personal data in responses, on a real gRPC server over loopback with mutual TLS,
// tokens and the suite's own policy (data/security/policy): an auditor gets the ID number, phones,
// address detail and names masked, at any depth and in repeated messages; a reviewer or
// follow-up staff gets them clear; callback and sync handlers alike; streams of the service role
// get no masking step.

#include "common/security/masking.h"

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "common/log/mask.h"
#include "common/security/call_guard.h"
#include "common/server/grpc_server.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "unemployment/registration/v1/registration_service.grpc.pb.h"
#include "unemployment/tiering/v1/tiering_service.grpc.pb.h"

#include "tests/common/security/dev_ca.h"

namespace unemployment::security {
namespace {

namespace fs = std::filesystem;
namespace reg = registration::v1;
namespace tie = tiering::v1;

constexpr char kIdNumber[] = "23010219800101001X";
constexpr char kMobile[] = "13912345678";
constexpr char kLandline[] = "0451-87130563";
constexpr char kDetail[] = "西大直街92号3单元501室";

using test_support::ReadAll;

// One dev CA for the whole test binary.
const fs::path& Certs() { return test_support::DevCa("masking-test"); }

Policy SuitePolicy() {
  absl::StatusOr<Policy> policy = Policy::Load(std::string(UE_SOURCE_DIR) + "/data/security/policy");
  INFO(policy.status().ToString());
  REQUIRE(policy.ok());
  return *std::move(policy);
}

reg::Application MakeApplication(const std::string& id) {
  reg::Application application;
  application.set_id(id);
  application.set_office_region_code("230103");
  common::v1::RegistrationForm* form = application.mutable_form();
  form->set_name("张三丰");
  form->mutable_person_id()->set_id_type(common::v1::ID_TYPE_RESIDENT_ID_CARD);
  form->mutable_person_id()->set_id_number(kIdNumber);
  form->mutable_contact()->set_mobile(kMobile);
  form->mutable_contact()->set_landline(kLandline);
  form->mutable_household_address()->set_county_code("230103");
  form->mutable_household_address()->set_street_code("230103001");
  form->mutable_household_address()->set_detail(kDetail);
  form->add_qualifications()->set_name("电工");
  form->mutable_commitment()->set_signature("张三丰");
  return application;
}

// Callback handlers (the suite's services are callback services).
class RegistrationImpl final : public reg::RegistrationService::CallbackService {
 public:
  grpc::ServerUnaryReactor* GetApplication(grpc::CallbackServerContext* context,
                                           const reg::GetApplicationRequest* request,
                                           reg::GetApplicationResponse* response) override {
    *response->mutable_application() = MakeApplication(request->application_id());
    handler_copy = *response;
    auto* reactor = context->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }
  grpc::ServerUnaryReactor* ListReviewQueue(grpc::CallbackServerContext* context,
                                            const reg::ListReviewQueueRequest* /*request*/,
                                            reg::ListReviewQueueResponse* response) override {
    for (int i = 0; i < 3; ++i) {
      *response->add_entries()->mutable_application() = MakeApplication(absl::StrCat("app-", i));
    }
    auto* reactor = context->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }

  // What the handler sent, as it held it after the call.
  reg::GetApplicationResponse handler_copy;
};

// A sync handler.
class TieringImpl final : public tie::TieringService::Service {
 public:
  grpc::Status GetProfile(grpc::ServerContext* /*context*/, const tie::GetProfileRequest* /*request*/,
                          tie::GetProfileResponse* response) override {
    tie::Profile* profile = response->mutable_profile();
    profile->set_registration_id("reg-1");
    profile->set_name("李四");
    profile->mutable_person_id()->set_id_number(kIdNumber);
    return grpc::Status::OK;
  }
};

// An interceptor ahead of the guard's that serialises the response (as a compressing or
// size-checking interceptor would), so the guard sees bytes instead of a message.
class SerializeFirst final : public grpc::experimental::Interceptor {
 public:
  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            grpc::experimental::InterceptionHookPoints::PRE_SEND_MESSAGE)) {
      methods->GetSerializedSendMessage();
    }
    methods->Proceed();
  }
};
class SerializeFirstFactory final : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* /*info*/) override {
    return new SerializeFirst;
  }
};

struct Server {
  explicit Server(bool serialize_first = false) {
    GuardOptions options;
    options.policy = SuitePolicy();
    options.token_keys = test_support::DevVerifier(Certs());
    guard = std::make_unique<CallGuard>(std::move(options));
    server::ServerOptions server_options;
    server_options.tls_cert_file = (Certs() / "server/registration.pem").string();
    server_options.tls_key_file = (Certs() / "server/registration.key").string();
    server_options.tls_client_ca_file = (Certs() / "ca.pem").string();
    server_options.auth_processor = guard->MakeProcessor();
    server_options.health_listen_address = "127.0.0.1:0";
    CallGuard* g = guard.get();
    server_options.make_interceptors = [g, serialize_first] {
      std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> v;
      if (serialize_first) v.push_back(std::make_unique<SerializeFirstFactory>());
      v.push_back(g->MakeAuditInterceptorFactory());
      return v;
    };
    absl::StatusOr<std::unique_ptr<server::GrpcServer>> started =
        server::GrpcServer::Start(server_options, {&registration, &tiering});
    INFO(started.status().ToString());
    REQUIRE(started.ok());
    srv = *std::move(started);
    srv->SetServing(true);
    InstallProcessGuard(guard.get());
  }
  ~Server() {
    srv.reset();
    InstallProcessGuard(nullptr);
  }

  std::shared_ptr<grpc::Channel> Channel(const std::string& system = "staff-client") {
    grpc::SslCredentialsOptions ssl;
    ssl.pem_root_certs = ReadAll(Certs() / "ca.pem");
    ssl.pem_cert_chain = ReadAll(Certs() / "client" / (system + ".pem"));
    ssl.pem_private_key = ReadAll(Certs() / "client" / (system + ".key"));
    return grpc::CreateChannel(absl::StrCat("localhost:", srv->port()), grpc::SslCredentials(ssl));
  }

  void Prepare(grpc::ClientContext* context, const std::string& role,
               const std::string& system = "staff-client") {
    context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    std::string token = test_support::DevToken(signing_key, system, absl::StrCat(role, "-user"),
                                               role, "*", absl::Hours(1));
    context->AddMetadata("authorization", "Bearer " + token);
  }

  reg::GetApplicationResponse GetApplication(const std::string& role,
                                             const std::string& system = "staff-client") {
    auto stub = reg::RegistrationService::NewStub(Channel(system));
    grpc::ClientContext context;
    Prepare(&context, role, system);
    reg::GetApplicationRequest request;
    request.set_application_id("app-1");
    reg::GetApplicationResponse response;
    grpc::Status status = stub->GetApplication(&context, request, &response);
    INFO(status.error_message());
    REQUIRE(status.ok());
    return response;
  }

  RegistrationImpl registration;
  TieringImpl tiering;
  TokenSigningKey signing_key = test_support::DevSigningKey(Certs());
  std::unique_ptr<CallGuard> guard;
  std::unique_ptr<server::GrpcServer> srv;
};

void CheckMasked(const reg::Application& application) {
  const common::v1::RegistrationForm& form = application.form();
  CHECK(form.person_id().id_number() == "230102**********1X");
  CHECK(form.person_id().id_number() == log::MaskIdNumber(kIdNumber));
  CHECK(form.contact().mobile() == "139****5678");
  CHECK(form.contact().landline() == log::MaskPhone(kLandline));
  CHECK(form.contact().landline() != kLandline);
  CHECK(form.household_address().detail() == "****");
  CHECK(form.household_address().street_code() == "230103***");
  CHECK(form.name() == "张**");
  CHECK(form.commitment().signature() == "张**");
  // Not personal data: left as they are.
  CHECK(application.id().rfind("app-", 0) == 0);
  CHECK(application.office_region_code() == "230103");
  CHECK(form.household_address().county_code() == "230103");
  CHECK(form.qualifications(0).name() == "电工");
  CHECK(form.person_id().id_type() == common::v1::ID_TYPE_RESIDENT_ID_CARD);
}

TEST_CASE("an auditor gets ID number, phones, address and names masked; a reviewer gets them clear") {
  Server s;
  reg::GetApplicationResponse audited = s.GetApplication("auditor");
  CheckMasked(audited.application());
  // The handler's own message was not changed (a copy was masked).
  CHECK(s.registration.handler_copy.application().form().person_id().id_number() == kIdNumber);

  reg::GetApplicationResponse reviewed = s.GetApplication("reviewer");
  const common::v1::RegistrationForm& form = reviewed.application().form();
  CHECK(form.person_id().id_number() == kIdNumber);
  CHECK(form.contact().mobile() == kMobile);
  CHECK(form.contact().landline() == kLandline);
  CHECK(form.household_address().detail() == kDetail);
  CHECK(form.household_address().street_code() == "230103001");
  CHECK(form.name() == "张三丰");
  // Operators run the suite; they do not need people's data in clear.
  CheckMasked(s.GetApplication("operator", "operator-console").application());
}

TEST_CASE("a response serialised before the guard's interceptor is masked all the same") {
  Server s(/*serialize_first=*/true);
  CheckMasked(s.GetApplication("auditor").application());
  CHECK(s.GetApplication("reviewer").application().form().person_id().id_number() == kIdNumber);
}

TEST_CASE("masking reaches every element of repeated messages") {
  Server s;
  auto stub = reg::RegistrationService::NewStub(s.Channel());
  for (const std::string role : {"auditor", "reviewer"}) {
    grpc::ClientContext context;
    s.Prepare(&context, role);
    reg::ListReviewQueueRequest request;
    request.set_office_region_code("230103");
    reg::ListReviewQueueResponse response;
    grpc::Status status = stub->ListReviewQueue(&context, request, &response);
    INFO(role << ": " << status.error_message());
    REQUIRE(status.ok());
    REQUIRE(response.entries_size() == 3);
    for (const reg::ReviewQueueEntry& entry : response.entries()) {
      if (role == "auditor") {
        CheckMasked(entry.application());
      } else {
        CHECK(entry.application().form().person_id().id_number() == kIdNumber);
        CHECK(entry.application().form().contact().mobile() == kMobile);
      }
    }
  }
}

TEST_CASE("a sync handler's response is masked the same way") {
  Server s;
  auto stub = tie::TieringService::NewStub(s.Channel());
  for (const std::string role : {"auditor", "followup-staff"}) {
    grpc::ClientContext context;
    s.Prepare(&context, role);
    tie::GetProfileRequest request;
    request.set_registration_id("reg-1");
    tie::GetProfileResponse response;
    grpc::Status status = stub->GetProfile(&context, request, &response);
    INFO(role << ": " << status.error_message());
    REQUIRE(status.ok());
    bool masked = role == "auditor";
    CHECK(response.profile().person_id().id_number() ==
          (masked ? std::string("230102**********1X") : std::string(kIdNumber)));
    CHECK(response.profile().name() == (masked ? "李*" : "李四"));
    CHECK(response.profile().registration_id() == "reg-1");
  }
}

TEST_CASE("methods without personal fields or without masked callers get no masking step") {
  Policy policy = SuitePolicy();
  ResponseMasker masker(&policy);
  // The event streams are for the service role only, which sees data clear.
  for (const char* service : {"registration.v1.RegistrationService", "tiering.v1.TieringService",
                              "followup.v1.FollowupService"}) {
    INFO(service);
    CHECK_FALSE(masker.MethodMayMask(absl::StrCat("/unemployment.", service, "/StreamEvents")));
  }
  // Aggregates and catalogues hold no masked field.
  (void)tie::GetCatalogResponse::descriptor();
  CHECK_FALSE(masker.MethodMayMask("/unemployment.tiering.v1.TieringService/GetCatalog"));
  CHECK_FALSE(masker.Applies(tie::GetCatalogResponse::descriptor()));
  CHECK_FALSE(masker.MethodMayMask("/unemployment.registration.v1.RegistrationService/NoSuchMethod"));
  CHECK(masker.MethodMayMask("/unemployment.registration.v1.RegistrationService/GetApplication"));
  CHECK(masker.MethodMayMask("/unemployment.tiering.v1.TieringService/GetProfile"));
  CHECK(masker.Applies(reg::ListReviewQueueResponse::descriptor()));
}

TEST_CASE("mask kinds follow the log masking rules") {
  CHECK(MaskValue(MaskKind::kNone, "0451-12345678") == "0451-12345678");
  CHECK(MaskValue(MaskKind::kContact, "z.san@example.com") == log::MaskEmail("z.san@example.com"));
  CHECK(MaskValue(MaskKind::kContact, kMobile) == "139****5678");
  CHECK(MaskValue(MaskKind::kAddress, "黑龙江省哈尔滨市南岗区西大直街92号") == "黑龙江省哈尔滨市南岗区****");
  CHECK(MaskValue(MaskKind::kHidden, "微信 zhangsan") == "****");
  CHECK(MaskValue(MaskKind::kHidden, "") == "");
  CHECK(MaskValue(MaskKind::kRegionCode, "230103001002") == "230103******");
  // Counted in characters: a multi-byte character is never cut (the result stays valid UTF-8).
  CHECK(MaskValue(MaskKind::kRegionCode, "23010区301") == "23010区***");
  CHECK(MaskValue(MaskKind::kText, absl::StrCat("短信已发送至 ", kMobile)) ==
        log::ScrubText(absl::StrCat("短信已发送至 ", kMobile)));
  CHECK(MaskValue(MaskKind::kText, absl::StrCat("短信已发送至 ", kMobile)).find(kMobile) ==
        std::string::npos);
}

}  // namespace
}  // namespace unemployment::security
