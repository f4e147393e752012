// gRPC-level tests of RegistrationService on a server bound to port 0: validation errors with
// exact codes and details, and the event feed (order, resume, live streaming, cursor ahead).
#include <catch2/catch.hpp>

#include <chrono>
#include <memory>
#include <thread>

#include "common/log/logger.h"
#include "common/server/grpc_server.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "services/registration/registration_service.h"
#include "tests/common/call_details.h"
#include "tests/services/registration/test_util.h"

namespace unemployment::registration {
namespace {

using ::unemployment::testing::Context;
using ::unemployment::testing::Reason;
using ::unemployment::testing::Violations;
using testing::Env;
using testing::TempDir;

// The service of an Env on a real server.
struct Server {
  explicit Server(Env& env)
      : service(RegistrationServiceImpl::Dependencies{env.registrar.get(), env.store.get(),
                                                      env.notifier.get(), &testing::Regions(),
                                                      &env.clock, "230000"},
                log::Logger("registration-test")) {
    absl::StatusOr<std::unique_ptr<server::GrpcServer>> started =
        server::GrpcServer::Start({}, {&service});
    REQUIRE(started.ok());
    grpc_server = *std::move(started);
    stub = v1::RegistrationService::NewStub(
        grpc::CreateChannel(grpc_server->address(), grpc::InsecureChannelCredentials()));
  }
  ~Server() { grpc_server->Shutdown(); }

  RegistrationServiceImpl service;
  std::unique_ptr<server::GrpcServer> grpc_server;
  std::unique_ptr<v1::RegistrationService::Stub> stub;
};

TEST_CASE("CreateApplication lists every violation of the request", "[service]") {
  TempDir dir;
  Env env(dir.File("reg.db"));
  Server server(env);

  v1::CreateApplicationRequest request = testing::CreateRequest("230103-000001");
  common::v1::RegistrationForm* form = request.mutable_form();
  form->clear_name();
  form->mutable_person_id()->set_id_number("340524198001010013");  // wrong check character
  form->set_unemployed_date("2099-01-01");
  form->mutable_residence_address()->set_county_code("239999");
  for (int i = 0; i < 4; ++i) form->add_job_intentions("电工");
  form->set_health_status(common::v1::HEALTH_STATUS_DISABLED);
  form->set_unemployment_cause(common::v1::UNEMPLOYMENT_CAUSE_OTHER);
  form->mutable_commitment()->set_agreed(false);
  form->set_notes(std::string(1001, 'a'));
  form->set_ethnic_group("99");
  request.set_office_region_code("23010");

  v1::CreateApplicationResponse response;
  grpc::Status status = server.stub->CreateApplication(Context().get(), request, &response);
  REQUIRE(status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  std::map<std::string, std::string> violations = Violations(status);
  CHECK(violations["form.name"] == "REQUIRED");
  CHECK(violations["form.person_id.id_number"] == "CHECK_CHARACTER");
  CHECK(violations["form.unemployed_date"] == "DATE_IN_FUTURE");
  CHECK(violations["form.residence_address.county_code"] == "REGION_UNKNOWN");
  CHECK(violations["form.job_intentions"] == "TOO_MANY");
  CHECK(violations["form.disability_grade"] == "DISABILITY_GRADE_REQUIRED");
  CHECK(violations["form.cause_other_text"] == "OTHER_TEXT_REQUIRED");
  CHECK(violations["form.commitment.agreed"] == "NOT_AGREED");
  CHECK(violations["form.notes"] == "TOO_LONG");
  CHECK(violations["form.ethnic_group"] == "CODE_UNKNOWN");
  CHECK(violations["office_region_code"] == "FORMAT");
  CHECK(violations.size() == 11);

  // A ministry form may lack the urban-rural class; a portal form may not.
  v1::CreateApplicationRequest portal = testing::CreateRequest("230103-000002");
  portal.mutable_form()->mutable_residence_address()->clear_urban_rural_class();
  status = server.stub->CreateApplication(Context().get(), portal, &response);
  REQUIRE(status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(Violations(status) == std::map<std::string, std::string>{
                                  {"form.residence_address.urban_rural_class", "REQUIRED"}});

  // Office code that is not the chosen location's county.
  v1::CreateApplicationRequest mismatch = testing::CreateRequest("230103-000003");
  mismatch.set_office_region_code("230102");
  status = server.stub->CreateApplication(Context().get(), mismatch, &response);
  REQUIRE(status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(Violations(status) ==
        std::map<std::string, std::string>{{"office_region_code", "MISMATCH"}});

  // Valid, with a lower-case check character and padded strings: normalised and stored.
  v1::CreateApplicationRequest ok = testing::CreateRequest("  230103-000004 ", "34052419800101001x");
  ok.mutable_form()->set_name(" 张三 ");
  status = server.stub->CreateApplication(Context().get(), ok, &response);
  INFO(status.error_message());
  REQUIRE(status.ok());
  CHECK(response.application().channel_application_id() == "230103-000004");
  CHECK(response.application().form().person_id().id_number() == "34052419800101001X");
  CHECK(response.application().form().name() == "张三");
}

TEST_CASE("other requests are validated with exact codes and reasons", "[service]") {
  TempDir dir;
  Env env(dir.File("reg.db"));
  Server server(env);

  v1::ListReviewQueueRequest list;
  list.set_office_region_code("230103");
  list.set_page_size(-1);
  list.set_as_of("2025-02-30");
  v1::ListReviewQueueResponse list_response;
  grpc::Status status = server.stub->ListReviewQueue(Context().get(), list, &list_response);
  REQUIRE(status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(Violations(status) == std::map<std::string, std::string>{{"page_size", "OUT_OF_RANGE"},
                                                                  {"as_of", "DATE_INVALID"}});
  list.set_page_size(0);
  list.clear_as_of();
  list.set_page_token("bm90LWEtdG9rZW4");
  status = server.stub->ListReviewQueue(Context().get(), list, &list_response);
  REQUIRE(status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(Reason(status) == "INVALID_PAGE_TOKEN");

  v1::ReviewApplicationRequest review;
  review.set_outcome(common::v1::REVIEW_OUTCOME_REJECTED);
  review.set_request_id("bad id!");
  review.set_decided_on("2030-01-01");
  v1::ReviewApplicationResponse review_response;
  status = server.stub->ReviewApplication(Context().get(), review, &review_response);
  REQUIRE(status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(Violations(status) == std::map<std::string, std::string>{
                                  {"application_id", "REQUIRED"},
                                  {"request_id", "CHARACTERS"},
                                  {"rejection_reason", "REQUIRED"},
                                  {"reviewer", "REQUIRED"},
                                  {"decided_on", "DATE_IN_FUTURE"}});

  review.set_application_id("hlj-app-999");
  review.set_request_id("r-1");
  review.set_reason("不符合条件");
  review.set_rejection_reason(common::v1::REJECTION_REASON_OTHER);
  review.set_reviewer("staff-1");
  review.clear_decided_on();
  status = server.stub->ReviewApplication(Context().get(), review, &review_response);
  CHECK(status.error_code() == grpc::StatusCode::NOT_FOUND);
  CHECK(Reason(status) == "APPLICATION_NOT_FOUND");

  v1::DeregisterRequest dereg;
  dereg.set_registration_id("hlj-reg-1");
  dereg.set_request_id("d-1");
  dereg.set_reason(static_cast<common::v1::DeregistrationReason>(90));
  dereg.set_actor("staff-1");
  dereg.set_moved_abroad(true);
  v1::DeregisterResponse dereg_response;
  status = server.stub->Deregister(Context().get(), dereg, &dereg_response);
  REQUIRE(status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(Violations(status) == std::map<std::string, std::string>{{"note", "REQUIRED"},
                                                                  {"moved_abroad", "NOT_APPLICABLE"}});
  dereg.set_reason(static_cast<common::v1::DeregistrationReason>(15));
  dereg.set_moved_abroad(false);
  status = server.stub->Deregister(Context().get(), dereg, &dereg_response);
  CHECK(Violations(status) == std::map<std::string, std::string>{{"reason", "CODE_UNKNOWN"}});

  v1::GetActiveRegistrationByPersonRequest person;
  person.mutable_person_id()->set_id_type(common::v1::ID_TYPE_RESIDENT_ID_CARD);
  person.mutable_person_id()->set_id_number("34052419800101001X");
  v1::GetActiveRegistrationByPersonResponse person_response;
  status = server.stub->GetActiveRegistrationByPerson(Context().get(), person, &person_response);
  CHECK(status.error_code() == grpc::StatusCode::NOT_FOUND);
  CHECK(Reason(status) == "NO_ACTIVE_REGISTRATION");

  v1::GetApplicationRequest get;
  v1::GetApplicationResponse get_response;
  status = server.stub->GetApplication(Context().get(), get, &get_response);
  CHECK(status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
}

std::vector<v1::Event> ReadStream(grpc::ClientReader<v1::StreamEventsResponse>& reader, size_t n) {
  std::vector<v1::Event> events;
  v1::StreamEventsResponse response;
  while (events.size() < n && reader.Read(&response)) events.push_back(response.event());
  return events;
}

TEST_CASE("StreamEvents serves the feed in order, resumes and streams new commits", "[service]") {
  TempDir dir;
  Env env(dir.File("reg.db"));
  Server server(env);
  for (int i = 0; i < 3; ++i) {
    UE_REQUIRE_OK(env.Create(testing::CreateRequest(
                               absl::StrCat("230103-00000", i),
                               testing::ResidentId("230102", "19900101", 41 + 2 * i)))
                      .status());
  }

  // Each application makes two events (received, then moved to review in the same transaction).
  {  // A batch reader.
    v1::StreamEventsRequest request;
    request.set_stop_at_end(true);
    auto context = Context();
    auto reader = server.stub->StreamEvents(context.get(), request);
    std::vector<v1::Event> events = ReadStream(*reader, 10);
    REQUIRE(reader->Finish().ok());
    REQUIRE(events.size() == 6);
    CHECK(events[0].sequence() == 1);
    CHECK(events[5].sequence() == 6);
  }
  {  // Resume after a cursor.
    v1::StreamEventsRequest request;
    request.set_after_sequence(5);
    request.set_stop_at_end(true);
    auto context = Context();
    auto reader = server.stub->StreamEvents(context.get(), request);
    std::vector<v1::Event> events = ReadStream(*reader, 10);
    REQUIRE(reader->Finish().ok());
    REQUIRE(events.size() == 1);
    CHECK(events[0].sequence() == 6);
  }
  {  // A cursor beyond the feed.
    v1::StreamEventsRequest request;
    request.set_after_sequence(7);
    auto context = Context();
    auto reader = server.stub->StreamEvents(context.get(), request);
    CHECK(ReadStream(*reader, 1).empty());
    grpc::Status status = reader->Finish();
    CHECK(status.error_code() == grpc::StatusCode::OUT_OF_RANGE);
    CHECK(Reason(status) == "CURSOR_AHEAD_OF_FEED");
  }
  {  // A live reader gets events committed after it caught up, then is cancelled.
    v1::StreamEventsRequest request;
    request.set_after_sequence(4);
    auto context = Context();
    auto reader = server.stub->StreamEvents(context.get(), request);
    std::vector<v1::Event> caught_up = ReadStream(*reader, 2);
    REQUIRE(caught_up.size() == 2);
    std::thread writer([&] {
      absl::StatusOr<v1::Application> app = env.Create(testing::CreateRequest(
          "230103-000009", testing::ResidentId("230102", "19900101", 91)));
      CHECK(app.ok());
    });
    std::vector<v1::Event> live = ReadStream(*reader, 1);
    writer.join();
    REQUIRE(live.size() == 1);
    CHECK(live[0].sequence() == 7);
    CHECK(live[0].application_received().application().channel_application_id() ==
          "230103-000009");
    context->TryCancel();
    CHECK(reader->Finish().error_code() == grpc::StatusCode::CANCELLED);
  }
  {  // Shutting the feed down ends a waiting stream with UNAVAILABLE.
    v1::StreamEventsRequest request;
    request.set_after_sequence(8);
    auto context = Context();
    auto reader = server.stub->StreamEvents(context.get(), request);
    // Whether the stream is already waiting or not yet subscribed, it ends with UNAVAILABLE.
    env.notifier->Shutdown();
    CHECK(ReadStream(*reader, 1).empty());
    CHECK(reader->Finish().error_code() == grpc::StatusCode::UNAVAILABLE);
  }
}

TEST_CASE("SetDutyReviewers names an office queue's duty reviewers, with its event", "[service][duty]") {
  TempDir dir;
  RegistrarOptions options;
  options.served_regions = {"230100"};
  Env env(dir.File("reg.db"), testing::BeforeNationalDay(), options);
  Server server(env);

  // Every violation at once.
  v1::SetDutyReviewersRequest bad;
  bad.set_office_region_code("230100");  // a city, not an office
  bad.add_reviewer_ids("staff-1");
  bad.add_reviewer_ids("staff-1");
  bad.add_reviewer_ids("");
  v1::SetDutyReviewersResponse response;
  grpc::Status status = server.stub->SetDutyReviewers(Context().get(), bad, &response);
  REQUIRE(status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(Violations(status) == std::map<std::string, std::string>{
                                  {"office_region_code", "REGION_LEVEL"},
                                  {"queue_kind", "REQUIRED"},
                                  {"reviewer_ids[1]", "DUPLICATE"},
                                  {"reviewer_ids[2]", "REQUIRED"},
                                  {"request_id", "REQUIRED"},
                                  {"actor", "REQUIRED"}});

  v1::SetDutyReviewersRequest set;
  set.set_office_region_code("230102");
  set.set_queue_kind(v1::REVIEW_QUEUE_KIND_MINISTRY_FORWARDED);
  set.add_reviewer_ids(" staff-1 ");
  set.add_reviewer_ids("staff-2");
  set.set_request_id("duty-1");
  set.set_actor("head-230102");
  status = server.stub->SetDutyReviewers(Context().get(), set, &response);
  REQUIRE(status.ok());
  CHECK(response.roster().office_region_code() == "230102");
  CHECK(response.roster().reviewer_ids().size() == 2);
  CHECK(response.roster().reviewer_ids(0) == "staff-1");
  CHECK(response.roster().actor() == "head-230102");

  // A repeat answers the same; the same request_id with other content is refused.
  v1::SetDutyReviewersResponse again;
  REQUIRE(server.stub->SetDutyReviewers(Context().get(), set, &again).ok());
  CHECK(again.SerializeAsString() == response.SerializeAsString());
  v1::SetDutyReviewersRequest other = set;
  other.clear_reviewer_ids();
  status = server.stub->SetDutyReviewers(Context().get(), other, &again);
  CHECK(status.error_code() == grpc::StatusCode::ALREADY_EXISTS);
  CHECK(Reason(status) == "REQUEST_ID_REUSED");

  // An office of another shard.
  v1::SetDutyReviewersRequest elsewhere = set;
  elsewhere.set_office_region_code("230202");
  elsewhere.set_request_id("duty-2");
  status = server.stub->SetDutyReviewers(Context().get(), elsewhere, &again);
  CHECK(status.error_code() == grpc::StatusCode::FAILED_PRECONDITION);
  CHECK(Reason(status) == "WRONG_SHARD");

  // The province queue of a second office, then cleared.
  v1::SetDutyReviewersRequest province = set;
  province.set_office_region_code("230103");
  province.set_queue_kind(v1::REVIEW_QUEUE_KIND_PROVINCE);
  province.set_request_id("duty-3");
  REQUIRE(server.stub->SetDutyReviewers(Context().get(), province, &again).ok());
  province.clear_reviewer_ids();
  province.set_request_id("duty-4");
  REQUIRE(server.stub->SetDutyReviewers(Context().get(), province, &again).ok());
  CHECK(again.roster().reviewer_ids().empty());

  v1::ListDutyReviewersRequest list;
  list.set_region_code("230100");
  list.set_page_size(1);
  v1::ListDutyReviewersResponse page;
  REQUIRE(server.stub->ListDutyReviewers(Context().get(), list, &page).ok());
  REQUIRE(page.rosters_size() == 1);
  CHECK(page.rosters(0).office_region_code() == "230102");
  REQUIRE_FALSE(page.next_page_token().empty());
  list.set_page_token(page.next_page_token());
  REQUIRE(server.stub->ListDutyReviewers(Context().get(), list, &page).ok());
  REQUIRE(page.rosters_size() == 1);
  CHECK(page.rosters(0).office_region_code() == "230103");
  CHECK(page.rosters(0).reviewer_ids().empty());
  CHECK(page.next_page_token().empty());
  list.set_queue_kind(v1::REVIEW_QUEUE_KIND_PROVINCE);  // another query: the token is refused
  status = server.stub->ListDutyReviewers(Context().get(), list, &page);
  CHECK(status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(Reason(status) == "INVALID_PAGE_TOKEN");

  // Every change is on the feed: three rosters set (the repeat wrote nothing).
  absl::StatusOr<std::vector<v1::Event>> events = env.store->ReadEvents(0, 100);
  REQUIRE(events.ok());
  int changes = 0;
  for (const v1::Event& event : *events) {
    if (event.has_duty_roster_changed()) ++changes;
  }
  CHECK(changes == 3);
  CHECK(events->front().duty_roster_changed().roster().reviewer_ids(1) == "staff-2");
}

TEST_CASE("ReportRegionContact keeps a city's or county's 附件3 report, with its event",
          "[service][contacts]") {
  TempDir dir;
  RegistrarOptions options;
  options.served_regions = {"230100"};
  Env env(dir.File("reg.db"), testing::BeforeNationalDay(), options);
  Server server(env);

  v1::ReportRegionContactRequest bad;
  bad.set_region_code("230000");  // the province does not report
  bad.mutable_business()->mutable_responsible_person()->set_phone("12345");
  v1::ReportRegionContactResponse response;
  grpc::Status status = server.stub->ReportRegionContact(Context().get(), bad, &response);
  REQUIRE(status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(Violations(status) == std::map<std::string, std::string>{
                                  {"region_code", "REGION_LEVEL"},
                                  {"business.unit", "REQUIRED"},
                                  {"business.responsible_person.name", "REQUIRED"},
                                  {"business.responsible_person.phone", "FORMAT"},
                                  {"technical", "REQUIRED"},
                                  {"request_id", "REQUIRED"},
                                  {"actor", "REQUIRED"}});

  v1::ReportRegionContactRequest report;
  report.set_region_code("230100");
  v1::ReportedDepartment* business = report.mutable_business();
  business->set_unit("哈尔滨市就业服务中心");
  business->mutable_responsible_person()->set_name("张三");
  business->mutable_responsible_person()->set_phone("0451-84661234");
  business->mutable_responsible_person()->set_email("jy@example.cn");
  v1::ReportedDepartment* technical = report.mutable_technical();
  technical->set_unit("哈尔滨市人社信息中心");
  technical->mutable_responsible_person()->set_name("李四");
  technical->mutable_responsible_person()->set_phone("13945012345");
  report.set_request_id("contact-1");
  report.set_actor("city-staff");
  status = server.stub->ReportRegionContact(Context().get(), report, &response);
  REQUIRE(status.ok());
  CHECK(response.contact().region_name() == "哈尔滨市");
  CHECK(response.contact().reporter() == "city-staff");
  CHECK(response.contact().reported_date() == "2025-09-26");

  // A county of the city reports too; a region of another shard is refused.
  v1::ReportRegionContactRequest county = report;
  county.set_region_code("230102");
  county.set_request_id("contact-2");
  REQUIRE(server.stub->ReportRegionContact(Context().get(), county, &response).ok());
  v1::ReportRegionContactRequest elsewhere = report;
  elsewhere.set_region_code("230200");
  elsewhere.set_request_id("contact-3");
  status = server.stub->ReportRegionContact(Context().get(), elsewhere, &response);
  CHECK(status.error_code() == grpc::StatusCode::FAILED_PRECONDITION);
  CHECK(Reason(status) == "WRONG_SHARD");

  v1::GetReportedRegionContactRequest get;
  get.set_region_code("230100");
  v1::GetReportedRegionContactResponse got;
  REQUIRE(server.stub->GetReportedRegionContact(Context().get(), get, &got).ok());
  CHECK(got.contact().business().responsible_person().name() == "张三");
  get.set_region_code("230103");
  status = server.stub->GetReportedRegionContact(Context().get(), get, &got);
  CHECK(status.error_code() == grpc::StatusCode::NOT_FOUND);
  CHECK(Reason(status) == "REGION_CONTACT_NOT_FOUND");

  v1::ListReportedRegionContactsRequest list;
  list.set_region_code("230100");
  list.set_page_size(1);
  v1::ListReportedRegionContactsResponse page;
  REQUIRE(server.stub->ListReportedRegionContacts(Context().get(), list, &page).ok());
  REQUIRE(page.contacts_size() == 1);
  CHECK(page.contacts(0).region_code() == "230100");
  list.set_page_token(page.next_page_token());
  REQUIRE(server.stub->ListReportedRegionContacts(Context().get(), list, &page).ok());
  REQUIRE(page.contacts_size() == 1);
  CHECK(page.contacts(0).region_code() == "230102");
  CHECK(page.next_page_token().empty());

  absl::StatusOr<std::vector<v1::Event>> events = env.store->ReadEvents(0, 100);
  REQUIRE(events.ok());
  REQUIRE(events->size() == 2);
  CHECK(events->at(0).region_contact_reported().contact().region_code() == "230100");
}

}  // namespace
}  // namespace unemployment::registration
