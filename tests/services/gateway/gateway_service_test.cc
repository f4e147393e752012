// The gateway over gRPC: a real GatewayService on port 0 in front of two fake in-process
// registration shards ("main" for Heilongjiang, "harbin" for 2301xx) and the real person index
// (in memory), each on port 0.

#include "services/gateway/gateway_service.h"

#include <catch2/catch.hpp>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "common/forms/form_validator.h"
#include "common/log/logger.h"
#include "common/server/grpc_server.h"
#include "common/status/status_util.h"
#include "common/store/migration.h"
#include "google/protobuf/util/message_differencer.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "services/gateway/person_index_client.h"
#include "services/gateway/routing_table.h"
#include "services/person_index/person_index.h"
#include "services/person_index/person_index_service.h"
#include "services/person_index/person_index_store.h"
#include "tests/services/gateway/test_util.h"
#include "unemployment/registration/v1/registration_service.grpc.pb.h"

namespace unemployment::gateway {
namespace {

namespace reg = registration::v1;
using testing::ValidForm;

std::string PersonKey(const common::v1::PersonId& id) {
  return absl::StrCat(static_cast<int>(id.id_type()), "|", id.id_number());
}

// A registration shard in memory, with switches to simulate failures.
class FakeRegistration final : public reg::RegistrationService::CallbackService {
 public:
  explicit FakeRegistration(std::string shard) : shard_(std::move(shard)) {}

  grpc::ServerUnaryReactor* CreateApplication(grpc::CallbackServerContext* context,
                                              const reg::CreateApplicationRequest* request,
                                              reg::CreateApplicationResponse* response) override {
    absl::Status result = Create(*request, *response->mutable_application());
    auto* reactor = context->DefaultReactor();
    reactor->Finish(status::ToGrpcStatus(result));
    return reactor;
  }

  grpc::ServerUnaryReactor* GetApplication(grpc::CallbackServerContext* context,
                                           const reg::GetApplicationRequest* request,
                                           reg::GetApplicationResponse* response) override {
    absl::Status result;
    {
      absl::MutexLock lock(&mu_);
      auto it = applications_.find(request->application_id());
      if (it == applications_.end()) {
        result = status::WithErrorInfo(absl::NotFoundError("no such application"),
                                       "APPLICATION_NOT_FOUND");
      } else {
        *response->mutable_application() = it->second;
      }
    }
    auto* reactor = context->DefaultReactor();
    reactor->Finish(status::ToGrpcStatus(result));
    return reactor;
  }

  grpc::ServerUnaryReactor* GetApplicationByChannelId(
      grpc::CallbackServerContext* context, const reg::GetApplicationByChannelIdRequest* request,
      reg::GetApplicationByChannelIdResponse* response) override {
    absl::Status result;
    {
      absl::MutexLock lock(&mu_);
      auto it = by_channel_id_.find(absl::StrCat(static_cast<int>(request->channel()), "|",
                                                 request->channel_application_id()));
      if (it == by_channel_id_.end()) {
        result = status::WithErrorInfo(absl::NotFoundError("no such application"),
                                       "APPLICATION_NOT_FOUND");
      } else {
        *response->mutable_application() = applications_[it->second];
      }
    }
    auto* reactor = context->DefaultReactor();
    reactor->Finish(status::ToGrpcStatus(result));
    return reactor;
  }

  grpc::ServerUnaryReactor* GetActiveRegistrationByPerson(
      grpc::CallbackServerContext* context, const reg::GetActiveRegistrationByPersonRequest* request,
      reg::GetActiveRegistrationByPersonResponse* response) override {
    absl::Status result;
    {
      absl::MutexLock lock(&mu_);
      ++active_lookups_;
      auto it = active_.find(PersonKey(request->person_id()));
      if (it == active_.end()) {
        result = status::WithErrorInfo(absl::NotFoundError("no active registration"),
                                       "NO_ACTIVE_REGISTRATION");
      } else {
        response->mutable_registration()->set_id(it->second);
        response->mutable_registration()->set_state(reg::REGISTRATION_STATE_ACTIVE);
      }
    }
    auto* reactor = context->DefaultReactor();
    reactor->Finish(status::ToGrpcStatus(result));
    return reactor;
  }

  void AddActiveRegistration(const common::v1::PersonId& person, const std::string& id) {
    absl::MutexLock lock(&mu_);
    active_[PersonKey(person)] = id;
  }
  // The next CreateApplication stores the application but answers UNAVAILABLE, as if the
  // answer was lost on the way back.
  void LoseNextAnswer() {
    absl::MutexLock lock(&mu_);
    lose_next_answer_ = true;
  }
  // The shard lost application `id` (say, restored from an older backup) and gave the id to
  // another application: `id` now names `other_channel_application_id`'s record.
  void LoseAndReuseId(const std::string& id, const std::string& other_channel_application_id) {
    absl::MutexLock lock(&mu_);
    reg::Application& app = applications_[id];
    by_channel_id_.erase(
        absl::StrCat(static_cast<int>(app.channel()), "|", app.channel_application_id()));
    app.set_channel_application_id(other_channel_application_id);
    *app.mutable_form() = testing::ValidForm("410326199507103197");
    by_channel_id_[absl::StrCat(static_cast<int>(app.channel()), "|",
                                other_channel_application_id)] = id;
  }
  int applications() {
    absl::MutexLock lock(&mu_);
    return static_cast<int>(applications_.size());
  }
  int active_lookups() {
    absl::MutexLock lock(&mu_);
    return active_lookups_;
  }

 private:
  absl::Status Create(const reg::CreateApplicationRequest& request, reg::Application& out) {
    absl::MutexLock lock(&mu_);
    const std::string key =
        absl::StrCat(static_cast<int>(request.channel()), "|", request.channel_application_id());
    auto existing = by_channel_id_.find(key);
    if (existing != by_channel_id_.end()) {
      const reg::Application& app = applications_[existing->second];
      if (!google::protobuf::util::MessageDifferencer::Equals(app.form(), request.form())) {
        return status::WithErrorInfo(absl::AlreadyExistsError("id reused"),
                                     "APPLICATION_ID_REUSED", {{"application_id", app.id()}});
      }
      out = app;
      return absl::OkStatus();
    }
    auto active = active_.find(PersonKey(request.form().person_id()));
    if (active != active_.end()) {
      return status::WithErrorInfo(absl::FailedPreconditionError("already registered"),
                                   "ACTIVE_REGISTRATION_EXISTS",
                                   {{"registration_id", active->second}});
    }
    reg::Application app;
    app.set_id(absl::StrCat(shard_, "-", applications_.size() + 1));
    app.set_channel(request.channel());
    app.set_channel_application_id(request.channel_application_id());
    *app.mutable_form() = request.form();
    app.set_office_region_code(request.office_region_code());
    app.set_state(common::v1::APPLICATION_STATE_RECEIVED);
    app.mutable_received_at()->set_seconds(1749952800);
    app.set_received_date("2025-06-15");
    app.set_due_date("2025-06-24");
    applications_[app.id()] = app;
    by_channel_id_[key] = app.id();
    if (lose_next_answer_) {
      lose_next_answer_ = false;
      return absl::UnavailableError("connection reset");
    }
    out = app;
    return absl::OkStatus();
  }

  const std::string shard_;
  absl::Mutex mu_;
  std::map<std::string, reg::Application> applications_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::string> by_channel_id_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::string> active_ ABSL_GUARDED_BY(mu_);
  bool lose_next_answer_ ABSL_GUARDED_BY(mu_) = false;
  int active_lookups_ ABSL_GUARDED_BY(mu_) = 0;
};

// Fencing is not exercised here (tests/services/person_index): every id is "fenced".
class NoApplicationFencer final : public person_index::ShardFencer {
 public:
  void Fence(const std::string&, common::v1::Channel, const std::string&, absl::Time,
             FenceCallback done) override {
    done(std::optional<reg::Application>());
  }
};

std::unique_ptr<server::GrpcServer> StartServer(grpc::Service* service) {
  auto started = server::GrpcServer::Start(server::ServerOptions{}, {service});
  if (!started.ok()) FAIL(started.status().ToString());
  (*started)->SetServing(true);
  return *std::move(started);
}

class GatewayFixture {
 public:
  GatewayFixture() {
    main_server_ = StartServer(&main_);
    harbin_server_ = StartServer(&harbin_);
    store::DatabaseOptions options;
    options.path = ":memory:";
    db_ = *store::Database::Open(options);
    REQUIRE(store::Migrate(*db_, person_index::PersonIndexMigrations()).ok());
    index_store_ = std::make_unique<person_index::PersonIndexStore>(*db_);
    index_ = std::make_unique<person_index::PersonIndex>(*index_store_, fencer_, clock_, logger_,
                                                         person_index::PersonIndexOptions{});
    index_service_ =
        std::make_unique<person_index::PersonIndexServiceImpl>(*index_, absl::Seconds(5));
    index_server_ = StartServer(index_service_.get());
    index_client_ =
        std::make_unique<GrpcPersonIndexClient>(index_server_->address(), server::PeerChannels());
    routing_ = std::make_unique<RoutingTable>(
        *RoutingTable::FromCsv("region_prefix,shard_name\n23,main\n2301,harbin\n", "test"));
    shards_ = std::make_unique<GrpcRegistrationShards>(std::map<std::string, std::string>{
        {"main", main_server_->address()}, {"harbin", harbin_server_->address()}},
        server::PeerChannels());
    contacts_ = *ContactDirectory::LoadDirectory(UE_SOURCE_DIR "/data/contacts");
    intake_ = std::make_unique<Intake>(validator_, *routing_, *shards_, *index_client_, logger_,
                                       IntakeOptions{4});
    service_ = std::make_unique<GatewayServiceImpl>(*intake_, contacts_, identity_,
                                                    GatewayServiceOptions{absl::Seconds(5)});
    gateway_server_ = StartServer(service_.get());
    stub_ = v1::GatewayService::NewStub(
        grpc::CreateChannel(gateway_server_->address(), grpc::InsecureChannelCredentials()));
  }
  ~GatewayFixture() {
    gateway_server_->Shutdown();
    index_server_->Shutdown();
    index_store_->Shutdown();
    main_server_->Shutdown();
    harbin_server_->Shutdown();
  }

  static std::unique_ptr<grpc::ClientContext> Context(const std::string& channel) {
    auto context = std::make_unique<grpc::ClientContext>();
    if (!channel.empty()) context->AddMetadata("x-channel-id", channel);
    context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    return context;
  }

  grpc::Status Submit(const std::string& id, const common::v1::RegistrationForm& form,
                      v1::SubmitApplicationResponse* response,
                      const std::string& channel = "province-portal") {
    v1::SubmitApplicationRequest request;
    request.set_portal_application_id(id);
    *request.mutable_form() = form;
    return stub_->SubmitApplication(Context(channel).get(), request, response);
  }
  grpc::Status Forward(const std::string& id, const common::v1::RegistrationForm& form,
                       v1::ForwardApplicationResponse* response,
                       const std::string& channel = "ministry") {
    v1::ForwardApplicationRequest request;
    request.set_ministry_application_id(id);
    *request.mutable_form() = form;
    return stub_->ForwardApplication(Context(channel).get(), request, response);
  }

  time::FakeClock clock_{testing::TestNow()};
  log::Logger logger_{"gateway-test"};
  FakeRegistration main_{"main"};
  FakeRegistration harbin_{"harbin"};
  std::unique_ptr<server::GrpcServer> main_server_;
  std::unique_ptr<server::GrpcServer> harbin_server_;
  std::unique_ptr<store::Database> db_;
  NoApplicationFencer fencer_;
  std::unique_ptr<person_index::PersonIndexStore> index_store_;
  std::unique_ptr<person_index::PersonIndex> index_;
  std::unique_ptr<person_index::PersonIndexServiceImpl> index_service_;
  std::unique_ptr<server::GrpcServer> index_server_;
  std::unique_ptr<GrpcPersonIndexClient> index_client_;
  std::unique_ptr<RoutingTable> routing_;
  std::unique_ptr<GrpcRegistrationShards> shards_;
  ContactDirectory contacts_;
  forms::FormValidator validator_{testing::Regions(), clock_, "230000"};
  ChannelHeaderIdentityExtractor identity_;
  std::unique_ptr<Intake> intake_;
  std::unique_ptr<GatewayServiceImpl> service_;
  std::unique_ptr<server::GrpcServer> gateway_server_;
  std::unique_ptr<v1::GatewayService::Stub> stub_;
};

std::string Reason(const grpc::Status& grpc_status) {
  auto info = status::GetErrorInfo(status::FromGrpcStatus(grpc_status));
  return info ? info->reason() : "";
}
std::map<std::string, std::string> Metadata(const grpc::Status& grpc_status) {
  auto info = status::GetErrorInfo(status::FromGrpcStatus(grpc_status));
  std::map<std::string, std::string> out;
  if (info) out.insert(info->metadata().begin(), info->metadata().end());
  return out;
}
std::vector<std::string> Violations(const grpc::Status& grpc_status) {
  std::vector<std::string> out;
  auto bad_request = status::GetBadRequest(status::FromGrpcStatus(grpc_status));
  if (!bad_request) return out;
  for (const auto& v : bad_request->field_violations()) {
    out.push_back(v.field() + " " + v.description().substr(0, v.description().find(':')));
  }
  return out;
}

common::v1::RegistrationForm DaqingResidentForm() {
  // 人户分离: household in Harbin, residence in Daqing (萨尔图区) chosen as registration location.
  common::v1::RegistrationForm form = ValidForm("410326199507103197");
  form.mutable_residence_address()->set_city_code("230600");
  form.mutable_residence_address()->set_county_code("230602");
  return form;
}

TEST_CASE_METHOD(GatewayFixture, "portal and ministry applications are routed by region",
                 "[gateway][grpc]") {
  v1::SubmitApplicationResponse submitted;
  grpc::Status s = Submit("230102202500012345", ValidForm(), &submitted);
  REQUIRE(s.ok());
  CHECK(submitted.application().application_id() == "harbin-1");
  CHECK(submitted.application().channel() == common::v1::CHANNEL_PROVINCE_PORTAL);
  CHECK(submitted.application().channel_application_id() == "230102202500012345");
  CHECK(submitted.application().office_region_code() == "230103");
  CHECK(submitted.application().state() == common::v1::APPLICATION_STATE_RECEIVED);
  CHECK(submitted.application().due_date() == "2025-06-24");
  // No other shard is asked: the person index answers for the province.
  CHECK(main_.active_lookups() == 0);

  v1::ForwardApplicationResponse forwarded;
  common::v1::RegistrationForm ministry_form = DaqingResidentForm();
  ministry_form.mutable_residence_address()->clear_urban_rural_class();  // optional for ministry
  s = Forward("MZ-2025-0001", ministry_form, &forwarded);
  REQUIRE(s.ok());
  CHECK(forwarded.application().application_id() == "main-1");
  CHECK(forwarded.application().office_region_code() == "230602");
  CHECK(main_.applications() == 1);
  CHECK(harbin_.applications() == 1);
}

TEST_CASE_METHOD(GatewayFixture, "channel identity and permissions", "[gateway][grpc]") {
  v1::SubmitApplicationResponse submitted;
  grpc::Status s = Submit("230102202500012345", ValidForm(), &submitted, "");
  CHECK(s.error_code() == grpc::StatusCode::UNAUTHENTICATED);
  CHECK(Reason(s) == "CHANNEL_IDENTITY_MISSING");
  s = Submit("230102202500012345", ValidForm(), &submitted, "bank");
  CHECK(s.error_code() == grpc::StatusCode::UNAUTHENTICATED);
  CHECK(Reason(s) == "CHANNEL_IDENTITY_UNKNOWN");
  s = Submit("230102202500012345", ValidForm(), &submitted, "ministry");
  CHECK(s.error_code() == grpc::StatusCode::PERMISSION_DENIED);
  CHECK(Reason(s) == "CHANNEL_NOT_ALLOWED");

  v1::ForwardApplicationResponse forwarded;
  s = Forward("MZ-1", ValidForm(), &forwarded, "province-portal");
  CHECK(s.error_code() == grpc::StatusCode::PERMISSION_DENIED);
  CHECK(Reason(s) == "CHANNEL_NOT_ALLOWED");

  v1::BatchForwardApplicationsRequest batch;
  v1::BatchForwardApplicationsResponse batch_response;
  s = stub_->BatchForwardApplications(Context("province-portal").get(), batch, &batch_response);
  CHECK(s.error_code() == grpc::StatusCode::PERMISSION_DENIED);
  CHECK(main_.applications() + harbin_.applications() == 0);

  // The region directory needs no identity.
  v1::GetRegionContactRequest contact_request;
  contact_request.set_region_code("230000");
  v1::GetRegionContactResponse contact;
  s = stub_->GetRegionContact(Context("").get(), contact_request, &contact);
  REQUIRE(s.ok());
  CHECK(contact.region_contact().business().responsible_person().name() == "王青宇");
  contact_request.set_region_code("110000");
  s = stub_->GetRegionContact(Context("").get(), contact_request, &contact);
  CHECK(s.error_code() == grpc::StatusCode::NOT_FOUND);
  CHECK(Reason(s) == "REGION_CONTACT_NOT_FOUND");
}

TEST_CASE_METHOD(GatewayFixture, "every violation comes back in one BadRequest",
                 "[gateway][grpc]") {
  common::v1::RegistrationForm form = ValidForm("340524198001010013");
  form.mutable_commitment()->set_agreed(false);
  form.mutable_residence_address()->clear_urban_rural_class();
  v1::SubmitApplicationResponse submitted;
  grpc::Status s = Submit("2301", form, &submitted);
  CHECK(s.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(Reason(s) == "INVALID_ARGUMENT");
  CHECK(Violations(s) == std::vector<std::string>{
                             "portal_application_id FORMAT",
                             "form.person_id.id_number CHECK_CHARACTER",
                             "form.residence_address.urban_rural_class REQUIRED",
                             "form.commitment.agreed NOT_AGREED"});

  v1::SubmitApplicationRequest no_form;
  no_form.set_portal_application_id("230102202500012345");
  s = stub_->SubmitApplication(Context("province-portal").get(), no_form, &submitted);
  CHECK(s.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(Violations(s) == std::vector<std::string>{"form REQUIRED"});
  CHECK(main_.applications() + harbin_.applications() == 0);
}

TEST_CASE_METHOD(GatewayFixture, "resubmission returns the same application; other content is refused",
                 "[gateway][grpc]") {
  v1::ForwardApplicationResponse first;
  REQUIRE(Forward("MZ-7", ValidForm(), &first).ok());
  // Same content, differently trimmed and with a lower-case check character.
  common::v1::RegistrationForm same = ValidForm(" 34052419800101001x");
  same.set_name(" 张三 ");
  v1::ForwardApplicationResponse again;
  REQUIRE(Forward(" MZ-7 ", same, &again).ok());
  CHECK(again.application().application_id() == first.application().application_id());
  CHECK(harbin_.applications() == 1);

  common::v1::RegistrationForm changed = ValidForm();
  changed.set_name("李四");
  grpc::Status s = Forward("MZ-7", changed, &again);
  CHECK(s.error_code() == grpc::StatusCode::ALREADY_EXISTS);
  CHECK(Reason(s) == "APPLICATION_ID_REUSED");
  CHECK(Metadata(s) == std::map<std::string, std::string>{
                           {"application_id", first.application().application_id()}});
  CHECK(harbin_.applications() == 1);
}

TEST_CASE_METHOD(GatewayFixture, "a retry after a lost answer finds the stored application",
                 "[gateway][grpc]") {
  harbin_.LoseNextAnswer();
  v1::SubmitApplicationResponse submitted;
  grpc::Status s = Submit("230102202500000001", ValidForm(), &submitted);
  CHECK(s.error_code() == grpc::StatusCode::UNAVAILABLE);
  CHECK(Reason(s) == "SHARD_UNAVAILABLE");
  CHECK(harbin_.applications() == 1);

  // The index never learnt the application id, but the status look-up asks the shard by channel
  // id: the stored application answers even before the retry.
  v1::GetApplicationStatusRequest status_request;
  status_request.set_channel_application_id("230102202500000001");
  v1::GetApplicationStatusResponse status_response;
  s = stub_->GetApplicationStatus(Context("province-portal").get(), status_request,
                                  &status_response);
  REQUIRE(s.ok());
  CHECK(status_response.application().application_id() == "harbin-1");

  // A different form under the same id is refused even though the first answer was lost.
  common::v1::RegistrationForm changed = ValidForm();
  changed.set_notes("改了");
  CHECK(Submit("230102202500000001", changed, &submitted).error_code() ==
        grpc::StatusCode::ALREADY_EXISTS);

  REQUIRE(Submit("230102202500000001", ValidForm(), &submitted).ok());
  CHECK(submitted.application().application_id() == "harbin-1");
  CHECK(harbin_.applications() == 1);

  s = stub_->GetApplicationStatus(Context("province-portal").get(), status_request,
                                  &status_response);
  REQUIRE(s.ok());
  CHECK(status_response.application().application_id() == "harbin-1");
}

TEST_CASE_METHOD(GatewayFixture,
                 "an id the shard lost and gave to another application never answers with that one",
                 "[gateway][grpc]") {
  v1::SubmitApplicationResponse submitted;
  REQUIRE(Submit("230102202500000007", ValidForm(), &submitted).ok());
  REQUIRE(submitted.application().application_id() == "harbin-1");
  // The index learns the application id (from the feed in production).
  person_index::v1::CompleteRequest complete;
  complete.set_channel(common::v1::CHANNEL_PROVINCE_PORTAL);
  complete.set_channel_application_id("230102202500000007");
  complete.set_application_id("harbin-1");
  absl::Notification completed;
  index_->Complete(complete, [&](absl::StatusOr<person_index::v1::Reservation> r) {
    CHECK(r.ok());
    completed.Notify();
  });
  completed.WaitForNotification();

  harbin_.LoseAndReuseId("harbin-1", "230102202500000099");
  v1::GetApplicationStatusRequest status_request;
  status_request.set_channel_application_id("230102202500000007");
  v1::GetApplicationStatusResponse status_response;
  grpc::Status s = stub_->GetApplicationStatus(Context("province-portal").get(), status_request,
                                               &status_response);
  CHECK(s.error_code() == grpc::StatusCode::NOT_FOUND);
  CHECK(Reason(s) == "APPLICATION_NOT_FOUND");
  CHECK(status_response.application().application_id().empty());

  // Submitting again stores it again (under a new id), never answering with the other record.
  REQUIRE(Submit("230102202500000007", ValidForm(), &submitted).ok());
  CHECK(submitted.application().application_id() == "harbin-2");
  CHECK(submitted.application().channel_application_id() == "230102202500000007");
}

TEST_CASE_METHOD(GatewayFixture, "a person registered in another shard is not registered twice",
                 "[gateway][grpc]") {
  common::v1::RegistrationForm form = ValidForm();
  // The index learnt from shard main's feed that the person is registered there.
  reg::Event event;
  event.set_sequence(1);
  event.set_shard_id("main");
  reg::Registration* registration = event.mutable_registration_created()->mutable_registration();
  registration->set_id("main-reg-9");
  registration->set_application_id("main-app-9");
  *registration->mutable_person_id() = form.person_id();
  REQUIRE(index_store_->ApplyEvent("registration/main", "main", event).ok());
  v1::SubmitApplicationResponse submitted;
  grpc::Status s = Submit("230102202500000002", form, &submitted);
  CHECK(s.error_code() == grpc::StatusCode::FAILED_PRECONDITION);
  CHECK(Reason(s) == "ACTIVE_REGISTRATION_EXISTS");
  CHECK(Metadata(s).at("registration_id") == "main-reg-9");
  CHECK(Metadata(s).at("shard") == "main");
  CHECK(harbin_.applications() == 0);

  // The target shard's own refusal passes through with its details, and frees the reservation.
  common::v1::RegistrationForm daqing = DaqingResidentForm();
  main_.AddActiveRegistration(daqing.person_id(), "main-reg-10");
  s = Submit("230602202500000003", daqing, &submitted);
  CHECK(s.error_code() == grpc::StatusCode::FAILED_PRECONDITION);
  CHECK(Reason(s) == "ACTIVE_REGISTRATION_EXISTS");
  CHECK(Metadata(s).at("registration_id") == "main-reg-10");
  v1::GetApplicationStatusRequest status_request;
  status_request.set_channel_application_id("230602202500000003");
  v1::GetApplicationStatusResponse status_response;
  CHECK(
      stub_
          ->GetApplicationStatus(Context("province-portal").get(), status_request, &status_response)
          .error_code() == grpc::StatusCode::NOT_FOUND);
}

TEST_CASE_METHOD(GatewayFixture, "one undecided application per person across shards and channels",
                 "[gateway][grpc]") {
  // The same person applies in Harbin through the portal, then in Daqing through the ministry.
  common::v1::RegistrationForm harbin = ValidForm("410326199507103197");
  v1::SubmitApplicationResponse submitted;
  REQUIRE(Submit("230102202500000020", harbin, &submitted).ok());
  v1::ForwardApplicationResponse forwarded;
  common::v1::RegistrationForm daqing = DaqingResidentForm();
  grpc::Status s = Forward("MZ-2025-0020", daqing, &forwarded);
  CHECK(s.error_code() == grpc::StatusCode::FAILED_PRECONDITION);
  CHECK(Reason(s) == "PENDING_APPLICATION_EXISTS");
  CHECK(Metadata(s).at("shard") == "harbin");
  CHECK(main_.applications() == 0);
  CHECK(harbin_.applications() == 1);
}

TEST_CASE_METHOD(GatewayFixture, "an unreachable shard answers UNAVAILABLE; other cities go on",
                 "[gateway][grpc]") {
  harbin_server_->Shutdown();
  v1::SubmitApplicationResponse submitted;
  grpc::Status s = Submit("230102202500000004", ValidForm(), &submitted);
  CHECK(s.error_code() == grpc::StatusCode::UNAVAILABLE);
  CHECK(Reason(s) == "SHARD_UNAVAILABLE");
  // Harbin down does not stop Daqing: no other shard is asked.
  s = Submit("230602202500000005", DaqingResidentForm(), &submitted);
  REQUIRE(s.ok());
  CHECK(main_.applications() == 1);
}

TEST_CASE_METHOD(GatewayFixture, "an unreachable person index answers UNAVAILABLE, retry-safe",
                 "[gateway][grpc]") {
  index_server_->Shutdown();
  v1::SubmitApplicationResponse submitted;
  grpc::Status s = Submit("230102202500000006", ValidForm(), &submitted);
  CHECK(s.error_code() == grpc::StatusCode::UNAVAILABLE);
  CHECK(Reason(s) == "PERSON_INDEX_UNAVAILABLE");
  CHECK(main_.applications() + harbin_.applications() == 0);
}

TEST_CASE_METHOD(GatewayFixture, "application status by channel id", "[gateway][grpc]") {
  v1::ForwardApplicationResponse forwarded;
  REQUIRE(Forward("MZ-11", ValidForm(), &forwarded).ok());

  v1::GetApplicationStatusRequest request;
  request.set_channel_application_id("MZ-11");
  v1::GetApplicationStatusResponse response;
  grpc::Status s = stub_->GetApplicationStatus(Context("ministry").get(), request, &response);
  REQUIRE(s.ok());
  CHECK(response.application().application_id() == forwarded.application().application_id());
  CHECK(response.application().channel() == common::v1::CHANNEL_MINISTRY);

  request.set_channel(common::v1::CHANNEL_MINISTRY);
  s = stub_->GetApplicationStatus(Context("province-portal").get(), request, &response);
  CHECK(s.error_code() == grpc::StatusCode::PERMISSION_DENIED);
  CHECK(Reason(s) == "CHANNEL_NOT_ALLOWED");

  // The portal's own namespace has no MZ-11.
  request.set_channel(common::v1::CHANNEL_UNSPECIFIED);
  s = stub_->GetApplicationStatus(Context("province-portal").get(), request, &response);
  CHECK(s.error_code() == grpc::StatusCode::NOT_FOUND);
  CHECK(Reason(s) == "APPLICATION_NOT_FOUND");

  request.set_channel_application_id("");
  s = stub_->GetApplicationStatus(Context("ministry").get(), request, &response);
  CHECK(s.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  s = stub_->GetApplicationStatus(Context("").get(), request, &response);
  CHECK(s.error_code() == grpc::StatusCode::UNAUTHENTICATED);
}

TEST_CASE_METHOD(GatewayFixture, "a batch gets one result per item, in order", "[gateway][grpc]") {
  v1::BatchForwardApplicationsRequest request;
  auto add = [&](const std::string& id, const common::v1::RegistrationForm& form) {
    auto* item = request.add_requests();
    item->set_ministry_application_id(id);
    *item->mutable_form() = form;
  };
  common::v1::RegistrationForm changed = ValidForm();
  changed.set_name("李四");
  common::v1::RegistrationForm invalid = ValidForm();
  invalid.mutable_commitment()->set_agreed(false);
  add("MZ-B1", ValidForm());
  add("MZ-B2", invalid);
  add("MZ-B1", ValidForm());  // same id, same form: the same application
  add("MZ-B1", changed);      // same id, other form: refused
  add("MZ-B3", DaqingResidentForm());
  // Ten ids of one third person, at the same time: one of them wins.
  for (int i = 0; i < 10; ++i) add(absl::StrCat("MZ-C", i), ValidForm("110105199003070017"));
  v1::BatchForwardApplicationsResponse response;
  grpc::Status s = stub_->BatchForwardApplications(Context("ministry").get(), request, &response);
  REQUIRE(s.ok());
  REQUIRE(response.results_size() == request.requests_size());
  for (int i = 0; i < response.results_size(); ++i) {
    CHECK(response.results(i).index() == i);
    CHECK(response.results(i).ministry_application_id() ==
          request.requests(i).ministry_application_id());
  }
  REQUIRE(response.results(0).has_application());
  const std::string b1 = response.results(0).application().application_id();
  REQUIRE(response.results(1).has_error());
  CHECK(response.results(1).error().code() == 3);
  CHECK(response.results(1).error().reason() == "INVALID_ARGUMENT");
  REQUIRE(response.results(1).error().field_violations_size() == 1);
  CHECK(response.results(1).error().field_violations(0).field() == "form.commitment.agreed");
  CHECK(response.results(1).error().field_violations(0).description().rfind("NOT_AGREED: ", 0) ==
        0);
  REQUIRE(response.results(2).has_application());
  CHECK(response.results(2).application().application_id() == b1);
  REQUIRE(response.results(3).has_error());
  CHECK(response.results(3).error().code() == 6);
  CHECK(response.results(3).error().reason() == "APPLICATION_ID_REUSED");
  CHECK(response.results(3).error().metadata().at("application_id") == b1);
  REQUIRE(response.results(4).has_application());
  CHECK(response.results(4).application().office_region_code() == "230602");
  // One person, one undecided application: the person index lets one MZ-C id through.
  int c_applications = 0;
  for (int i = 5; i < 15; ++i) {
    if (response.results(i).has_application()) {
      ++c_applications;
    } else {
      CHECK(response.results(i).error().reason() == "PENDING_APPLICATION_EXISTS");
    }
  }
  CHECK(c_applications == 1);
  CHECK(harbin_.applications() == 2);
  CHECK(main_.applications() == 1);

  // Retrying the whole batch is safe.
  v1::BatchForwardApplicationsResponse retry;
  REQUIRE(stub_->BatchForwardApplications(Context("ministry").get(), request, &retry).ok());
  CHECK(retry.results(0).application().application_id() == b1);
  CHECK(harbin_.applications() == 2);

  v1::BatchForwardApplicationsRequest empty;
  s = stub_->BatchForwardApplications(Context("ministry").get(), empty, &response);
  CHECK(s.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(Violations(s) == std::vector<std::string>{"requests REQUIRED"});
  v1::BatchForwardApplicationsRequest too_many;
  for (int i = 0; i < 101; ++i) *too_many.add_requests() = request.requests(0);
  s = stub_->BatchForwardApplications(Context("ministry").get(), too_many, &response);
  CHECK(Violations(s) == std::vector<std::string>{"requests TOO_MANY"});
}

TEST_CASE_METHOD(GatewayFixture, "region contacts are listed in pages over gRPC", "[gateway][grpc]") {
  v1::ListRegionContactsRequest request;
  request.set_page_size(10);
  v1::ListRegionContactsResponse response;
  REQUIRE(stub_->ListRegionContacts(Context("").get(), request, &response).ok());
  CHECK(response.region_contacts_size() == 10);
  request.set_page_token(response.next_page_token());
  v1::ListRegionContactsResponse second;
  REQUIRE(stub_->ListRegionContacts(Context("").get(), request, &second).ok());
  CHECK(second.region_contacts_size() == 4);
  CHECK(second.next_page_token().empty());
  request.set_page_size(-1);
  grpc::Status s = stub_->ListRegionContacts(Context("").get(), request, &second);
  CHECK(s.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
}

}  // namespace
}  // namespace unemployment::gateway
