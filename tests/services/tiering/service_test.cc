// gRPC-level tests of TieringService on a server bound to port 0: bad input gets
// INVALID_ARGUMENT with a BadRequest naming every field and rule, state errors get their exact
// code and ErrorInfo reason, and a valid call round-trips.
#include <catch2/catch.hpp>
#include <chrono>
#include <map>
#include <memory>

#include "common/log/logger.h"
#include "common/server/grpc_server.h"
#include "common/status/status_util.h"
#include "common/validation/region_directory.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "services/tiering/tiering_service.h"
#include "tests/common/call_details.h"
#include "tests/services/tiering/test_util.h"
#include "tests/testing/regions.h"

namespace unemployment::tiering {
namespace {

using ::unemployment::testing::Context;
using ::unemployment::testing::Reason;
using ::unemployment::testing::Violations;
using testing::Day;
using testing::Person;
using testing::TempDir;

const validation::RegionDirectory& Regions() { return ::unemployment::testing::ShippedRegions(); }

struct Server {
  explicit Server(const std::string& path) : clock(testing::NoonOf(Day(2025, 3, 1))) {
    absl::StatusOr<std::unique_ptr<SqliteTieringStore>> opened = SqliteTieringStore::Open(path);
    REQUIRE(opened.ok());
    store = *std::move(opened);
    tiering = std::make_unique<Tiering>(*store, clock, testing::ShippedTypeRules(),
                                        testing::ShippedCriteria(), &Regions());
    notifier = std::make_unique<feed::EventNotifier>(*tiering->profiles.LastEventSequence());
    store->SetEventsCommittedListener([this](int64_t sequence) { notifier->Publish(sequence); });
    service = std::make_unique<TieringServiceImpl>(*tiering, clock, *notifier,
                                                   log::Logger("tiering-test"));
    absl::StatusOr<std::unique_ptr<server::GrpcServer>> started =
        server::GrpcServer::Start({}, {service.get()});
    REQUIRE(started.ok());
    grpc_server = *std::move(started);
    stub = v1::TieringService::NewStub(
        grpc::CreateChannel(grpc_server->address(), grpc::InsecureChannelCredentials()));
  }
  ~Server() {
    notifier->Shutdown();
    grpc_server->Shutdown();
  }

  time::FakeClock clock;
  std::unique_ptr<SqliteTieringStore> store;
  std::unique_ptr<Tiering> tiering;
  std::unique_ptr<feed::EventNotifier> notifier;
  std::unique_ptr<TieringServiceImpl> service;
  std::unique_ptr<server::GrpcServer> grpc_server;
  std::unique_ptr<v1::TieringService::Stub> stub;
};

TEST_CASE("GetLevel: bad input, unknown and inactive registrations", "[service]") {
  TempDir dir;
  Server server(dir.File("t.db"));
  Person person;
  REQUIRE(
      server.tiering->profiles.ApplyRegistrationEvent("registration", testing::Created(1, person))
          .ok());

  v1::GetLevelRequest request;
  request.set_as_of("2025-02-30");
  v1::GetLevelResponse response;
  grpc::Status status = server.stub->GetLevel(Context().get(), request, &response);
  CHECK(status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(Reason(status) == "INVALID_ARGUMENT");
  CHECK(Violations(status) == std::map<std::string, std::string>{{"registration_id", "REQUIRED"},
                                                                 {"as_of", "DATE_INVALID"}});

  request.set_registration_id("hlj-missing");
  request.set_as_of("2025-02-15");
  status = server.stub->GetLevel(Context().get(), request, &response);
  CHECK(status.error_code() == grpc::StatusCode::NOT_FOUND);
  CHECK(Reason(status) == "REGISTRATION_NOT_FOUND");

  request.set_registration_id(person.id);
  request.set_as_of("2025-01-14");
  status = server.stub->GetLevel(Context().get(), request, &response);
  CHECK(status.error_code() == grpc::StatusCode::FAILED_PRECONDITION);
  CHECK(Reason(status) == "REGISTRATION_NOT_ACTIVE");

  request.set_as_of("");  // today, 2025-03-01
  status = server.stub->GetLevel(Context().get(), request, &response);
  REQUIRE(status.ok());
  CHECK(response.as_of() == "2025-03-01");
  CHECK(response.level() == common::v1::UNEMPLOYMENT_LEVEL_MEDIUM_SHORT);
  CHECK(response.level_since() == "2025-02-16");
  CHECK(response.next_level_on() == "2025-04-16");
}

TEST_CASE("RecordServiceDelivery lists every violation", "[service]") {
  TempDir dir;
  Server server(dir.File("t.db"));
  v1::RecordServiceDeliveryRequest request;
  request.set_request_id("bad id!");
  v1::ServiceDelivery& d = *request.mutable_delivery();
  d.set_type(v1::SERVICE_TYPE_JOB_RECOMMENDATION);
  d.set_delivered_on("2025-03-02");
  d.set_staff_id("s");
  d.mutable_job_fair()->set_fair_name("x");
  v1::RecordServiceDeliveryResponse response;
  grpc::Status status = server.stub->RecordServiceDelivery(Context().get(), request, &response);
  CHECK(status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(Violations(status) ==
        std::map<std::string, std::string>{{"request_id", "CHARACTERS"},
                                           {"delivery.registration_id", "REQUIRED"},
                                           {"delivery.delivered_on", "DATE_IN_FUTURE"},
                                           {"delivery.provider", "REQUIRED"},
                                           {"delivery.job_recommendation", "REQUIRED"}});

  v1::RecordServiceDeliveryRequest identification;
  identification.set_request_id("r-1");
  identification.mutable_delivery()->set_registration_id("hlj-r1");
  identification.mutable_delivery()->set_type(v1::SERVICE_TYPE_DIFFICULTY_IDENTIFICATION);
  identification.mutable_delivery()->set_delivered_on("2025-02-01");
  identification.mutable_delivery()->set_provider("office");
  identification.mutable_delivery()->set_staff_id("s");
  status = server.stub->RecordServiceDelivery(Context().get(), identification, &response);
  CHECK(status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(Violations(status) ==
        std::map<std::string, std::string>{{"delivery.type", "CODE_NOT_ACCEPTED"}});

  identification.mutable_delivery()->set_type(v1::SERVICE_TYPE_OTHER);
  status = server.stub->RecordServiceDelivery(Context().get(), identification, &response);
  CHECK(Violations(status) == std::map<std::string, std::string>{{"delivery.notes", "REQUIRED"}});
}

TEST_CASE("List RPCs: page_size, page_token, filters and regions", "[service]") {
  TempDir dir;
  Server server(dir.File("t.db"));
  v1::ListPlanGapsRequest gaps;
  gaps.set_region_code("23010");
  gaps.set_state(v1::OBLIGATION_STATE_MET);
  gaps.set_page_size(-1);
  v1::ListPlanGapsResponse gaps_response;
  grpc::Status status = server.stub->ListPlanGaps(Context().get(), gaps, &gaps_response);
  CHECK(status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(Violations(status) == std::map<std::string, std::string>{{"region_code", "FORMAT"},
                                                                 {"state", "CODE_NOT_ACCEPTED"},
                                                                 {"page_size", "OUT_OF_RANGE"}});

  v1::ListPlanGapsRequest unknown;
  unknown.set_region_code("239999");
  status = server.stub->ListPlanGaps(Context().get(), unknown, &gaps_response);
  CHECK(status.error_code() == grpc::StatusCode::NOT_FOUND);
  CHECK(Reason(status) == "REGION_NOT_FOUND");

  v1::ListPlanGapsRequest token;
  token.set_region_code("230100");
  token.set_page_token("not-a-token");
  status = server.stub->ListPlanGaps(Context().get(), token, &gaps_response);
  CHECK(status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(Reason(status) == "INVALID_PAGE_TOKEN");
  CHECK(Violations(status) == std::map<std::string, std::string>{{"page_token", "FORMAT"}});

  v1::ListDifficultyCriteriaRequest criteria;
  criteria.set_page_size(4);
  v1::ListDifficultyCriteriaResponse criteria_response;
  REQUIRE(server.stub->ListDifficultyCriteria(Context().get(), criteria, &criteria_response).ok());
  CHECK(criteria_response.criteria_version() == "HLJ-2019-1");
  CHECK(criteria_response.criteria_size() == 4);
  REQUIRE_FALSE(criteria_response.next_page_token().empty());
  criteria.set_page_token(criteria_response.next_page_token());
  REQUIRE(server.stub->ListDifficultyCriteria(Context().get(), criteria, &criteria_response).ok());
  CHECK(criteria_response.criteria_size() == 2);
  CHECK(criteria_response.criteria(1).code() == "LAND_REQUISITIONED");
  CHECK(criteria_response.next_page_token().empty());
}

TEST_CASE("UpdateProfile refuses output-only and unknown paths", "[service]") {
  TempDir dir;
  Server server(dir.File("t.db"));
  v1::UpdateProfileRequest request;
  request.mutable_profile()->set_registration_id("hlj-r1");
  request.mutable_update_mask()->add_paths("type");
  request.mutable_update_mask()->add_paths("shoe_size");
  request.set_staff_id("s");
  v1::UpdateProfileResponse response;
  grpc::Status status = server.stub->UpdateProfile(Context().get(), request, &response);
  CHECK(status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(Violations(status) ==
        std::map<std::string, std::string>{{"update_mask.paths[0]", "NOT_APPLICABLE"},
                                           {"update_mask.paths[1]", "CODE_UNKNOWN"}});
}

TEST_CASE("Catalogues: publish with base_version, read with fallback to the city", "[service]") {
  TempDir dir;
  Server server(dir.File("t.db"));
  v1::PublishCatalogVersionRequest publish;
  publish.set_request_id("p-1");
  publish.set_region_code("230100");
  publish.set_kind(v1::CATALOG_KIND_AGENCY_LIST);
  publish.set_staff_id("editor");
  v1::CatalogEntry* entry = publish.add_entries();
  entry->set_code("HRB-01");
  entry->set_title("哈尔滨市公共就业服务中心");
  v1::PublishCatalogVersionResponse published;
  REQUIRE(server.stub->PublishCatalogVersion(Context().get(), publish, &published).ok());
  CHECK(published.catalog().version() == 1);

  publish.set_request_id("p-2");  // still base 0: someone else published meanwhile
  grpc::Status status = server.stub->PublishCatalogVersion(Context().get(), publish, &published);
  CHECK(status.error_code() == grpc::StatusCode::FAILED_PRECONDITION);
  CHECK(Reason(status) == "CATALOG_VERSION_CHANGED");

  v1::GetCatalogRequest get;
  get.set_region_code("230103");
  get.set_kind(v1::CATALOG_KIND_AGENCY_LIST);
  v1::GetCatalogResponse got;
  REQUIRE(server.stub->GetCatalog(Context().get(), get, &got).ok());
  CHECK(got.catalog().region_code() == "230100");
  get.set_version(1);  // a named version is of exactly the region
  status = server.stub->GetCatalog(Context().get(), get, &got);
  CHECK(status.error_code() == grpc::StatusCode::NOT_FOUND);
  CHECK(Reason(status) == "CATALOG_VERSION_NOT_FOUND");
}

TEST_CASE("Decide and Identify: shape and state errors", "[service]") {
  TempDir dir;
  Server server(dir.File("t.db"));
  Person person;
  REQUIRE(
      server.tiering->profiles.ApplyRegistrationEvent("registration", testing::Created(1, person))
          .ok());
  v1::IdentifyEmploymentDifficultyRequest identify;
  identify.set_registration_id(person.id);
  identify.set_validate_only(true);
  v1::DeclaredFact* fact = identify.add_facts();
  fact->set_criterion_code("AGE");
  fact->set_evidence("x");
  fact = identify.add_facts();
  fact->set_criterion_code("ALIENS");
  fact->set_evidence("y");
  v1::IdentifyEmploymentDifficultyResponse identified;
  grpc::Status status =
      server.stub->IdentifyEmploymentDifficulty(Context().get(), identify, &identified);
  CHECK(status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(Violations(status) ==
        std::map<std::string, std::string>{{"facts[0].criterion_code", "NOT_APPLICABLE"},
                                           {"facts[1].criterion_code", "CODE_UNKNOWN"}});
  identify.clear_facts();
  fact = identify.add_facts();
  fact->set_criterion_code("ZERO_EMPLOYMENT_HOUSEHOLD");
  fact->set_evidence("零就业家庭认定书 2025-17");
  REQUIRE(server.stub->IdentifyEmploymentDifficulty(Context().get(), identify, &identified).ok());
  CHECK(identified.identification().state() == v1::IDENTIFICATION_STATE_EVALUATED);
  CHECK(identified.identification().identification_id().empty());
  CHECK(identified.identification().results(3).met());

  v1::DecideEmploymentDifficultyRequest decide;
  decide.set_request_id("d-1");
  decide.set_identification_id("idf-404");
  decide.set_decision(v1::IDENTIFICATION_DECISION_APPROVE);
  decide.set_reason("ok");
  decide.set_decided_on("2025-03-01");
  decide.set_staff_id("head");
  v1::DecideEmploymentDifficultyResponse decided;
  status = server.stub->DecideEmploymentDifficulty(Context().get(), decide, &decided);
  CHECK(status.error_code() == grpc::StatusCode::NOT_FOUND);
  CHECK(Reason(status) == "IDENTIFICATION_NOT_FOUND");
  decide.clear_reason();
  decide.set_decided_on("2025-03-02");
  status = server.stub->DecideEmploymentDifficulty(Context().get(), decide, &decided);
  CHECK(Violations(status) == std::map<std::string, std::string>{{"reason", "REQUIRED"},
                                                                 {"decided_on", "DATE_IN_FUTURE"}});
}

v1::RecordServiceDeliveryRequest Guidance(const std::string& request_id, const std::string& on) {
  v1::RecordServiceDeliveryRequest request;
  request.set_request_id(request_id);
  request.mutable_delivery()->set_registration_id("hlj-r1");
  request.mutable_delivery()->set_type(v1::SERVICE_TYPE_CAREER_GUIDANCE);
  request.mutable_delivery()->set_delivered_on(on);
  request.mutable_delivery()->set_provider("office");
  request.mutable_delivery()->set_staff_id("s");
  return request;
}

TEST_CASE("StreamEvents replays the tiering feed, then streams new events live", "[service]") {
  TempDir dir;
  Server server(dir.File("t.db"));
  Person person;
  // Sequence 1: TypeChanged of the new profile; 2: the delivery.
  REQUIRE(
      server.tiering->profiles.ApplyRegistrationEvent("registration", testing::Created(1, person))
          .ok());
  REQUIRE(server.tiering->plans.RecordServiceDelivery(Guidance("g-1", "2025-02-20")).ok());

  {
    v1::StreamEventsRequest request;
    request.set_stop_at_end(true);
    auto context = Context();
    auto reader = server.stub->StreamEvents(context.get(), request);
    v1::StreamEventsResponse response;
    REQUIRE(reader->Read(&response));
    CHECK(response.event().sequence() == 1);
    CHECK(response.event().type_changed().type() == common::v1::UNEMPLOYMENT_TYPE_LACKING_SKILLS);
    CHECK(response.event().type_changed().effective_date() == "2025-01-15");
    REQUIRE(reader->Read(&response));
    CHECK(response.event().sequence() == 2);
    CHECK(response.event().service_delivery_recorded().type() == v1::SERVICE_TYPE_CAREER_GUIDANCE);
    CHECK_FALSE(reader->Read(&response));
    CHECK(reader->Finish().ok());
  }
  {
    // Live: caught up after 1, then woken by the next commit.
    v1::StreamEventsRequest request;
    request.set_after_sequence(1);
    auto context = Context();
    auto reader = server.stub->StreamEvents(context.get(), request);
    v1::StreamEventsResponse response;
    REQUIRE(reader->Read(&response));
    CHECK(response.event().sequence() == 2);
    REQUIRE(server.tiering->plans.RecordServiceDelivery(Guidance("g-2", "2025-02-21")).ok());
    REQUIRE(reader->Read(&response));
    CHECK(response.event().sequence() == 3);
    CHECK(response.event().service_delivery_recorded().delivered_on() == "2025-02-21");
    // Shutdown of the notifier ends the stream with UNAVAILABLE.
    server.notifier->Shutdown();
    CHECK_FALSE(reader->Read(&response));
    grpc::Status finished = reader->Finish();
    CHECK(finished.error_code() == grpc::StatusCode::UNAVAILABLE);
  }
}

TEST_CASE("StreamEvents: negative and ahead-of-feed cursors", "[service]") {
  TempDir dir;
  Server server(dir.File("t.db"));
  v1::StreamEventsResponse response;
  v1::StreamEventsRequest request;
  request.set_after_sequence(-1);
  {
    auto context = Context();
    auto reader = server.stub->StreamEvents(context.get(), request);
    CHECK_FALSE(reader->Read(&response));
    grpc::Status status = reader->Finish();
    CHECK(status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
    CHECK(Violations(status) ==
          std::map<std::string, std::string>{{"after_sequence", "OUT_OF_RANGE"}});
  }
  request.set_after_sequence(5);
  {
    auto context = Context();
    auto reader = server.stub->StreamEvents(context.get(), request);
    CHECK_FALSE(reader->Read(&response));
    grpc::Status status = reader->Finish();
    CHECK(status.error_code() == grpc::StatusCode::OUT_OF_RANGE);
    CHECK(Reason(status) == "CURSOR_AHEAD_OF_FEED");
  }
}

TEST_CASE("AmendServiceDelivery: violations, the actor from the call, and a round trip",
          "[service][amendment]") {
  TempDir dir;
  Server server(dir.File("t.db"));
  v1::AmendServiceDeliveryResponse response;
  v1::AmendServiceDeliveryRequest empty;
  grpc::Status status = server.stub->AmendServiceDelivery(Context().get(), empty, &response);
  CHECK(status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(Violations(status) == std::map<std::string, std::string>{{"request_id", "REQUIRED"},
                                                                 {"delivery_id", "REQUIRED"},
                                                                 {"amendment_reason", "REQUIRED"},
                                                                 {"actor", "REQUIRED"},
                                                                 {"corrected", "REQUIRED"}});

  v1::AmendServiceDeliveryRequest both;
  both.set_request_id("a-1");
  both.set_delivery_id("dlv-1");
  both.set_amendment_reason(std::string(501, 'x'));
  both.set_actor("staff-1");
  both.set_withdraw(true);
  both.mutable_corrected()->set_type(v1::SERVICE_TYPE_JOB_FAIR);
  status = server.stub->AmendServiceDelivery(Context().get(), both, &response);
  CHECK(Violations(status) == std::map<std::string, std::string>{{"amendment_reason", "TOO_LONG"},
                                                                 {"corrected", "NOT_APPLICABLE"}});

  // The corrected delivery is checked as RecordServiceDelivery checks one, on "corrected.*".
  v1::AmendServiceDeliveryRequest bad = both;
  bad.set_amendment_reason("wrong item");
  bad.set_withdraw(false);
  v1::ServiceDelivery& d = *bad.mutable_corrected();
  d.set_type(v1::SERVICE_TYPE_JOB_RECOMMENDATION);
  d.set_delivered_on("2025-03-02");  // the server's day is 2025-03-01
  d.mutable_job_fair()->set_fair_name("x");
  status = server.stub->AmendServiceDelivery(Context().get(), bad, &response);
  CHECK(status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(Violations(status) ==
        std::map<std::string, std::string>{{"corrected.delivered_on", "DATE_IN_FUTURE"},
                                           {"corrected.provider", "REQUIRED"},
                                           {"corrected.job_recommendation", "REQUIRED"}});
  d.set_type(v1::SERVICE_TYPE_DIFFICULTY_IDENTIFICATION);
  d.set_delivered_on("2025-02-01");
  d.set_provider("office");
  d.clear_job_fair();
  status = server.stub->AmendServiceDelivery(Context().get(), bad, &response);
  CHECK(Violations(status) ==
        std::map<std::string, std::string>{{"corrected.type", "CODE_NOT_ACCEPTED"}});

  // A round trip: security off, the actor is the x-ue-subject metadata; naming someone else is
  // refused.
  Person person;
  UE_REQUIRE_OK(
      server.tiering->profiles.ApplyRegistrationEvent("registration", testing::Created(1, person)));
  v1::RecordServiceDeliveryRequest record;
  record.set_request_id("r-1");
  v1::ServiceDelivery& given = *record.mutable_delivery();
  given.set_registration_id(person.id);
  given.set_type(v1::SERVICE_TYPE_CAREER_GUIDANCE);
  given.set_delivered_on("2025-02-01");
  given.set_provider("office");
  given.set_staff_id("staff-1");
  v1::RecordServiceDeliveryResponse recorded;
  REQUIRE(server.stub->RecordServiceDelivery(Context().get(), record, &recorded).ok());

  v1::AmendServiceDeliveryRequest withdraw;
  withdraw.set_request_id("w-1");
  withdraw.set_delivery_id(recorded.delivery().delivery_id());
  withdraw.set_amendment_reason("recorded for the wrong person");
  withdraw.set_withdraw(true);
  withdraw.set_actor("staff-9");
  std::unique_ptr<grpc::ClientContext> as_staff_2 = Context();
  as_staff_2->AddMetadata("x-ue-subject", "staff-2");
  status = server.stub->AmendServiceDelivery(as_staff_2.get(), withdraw, &response);
  CHECK(status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(Reason(status) == "ACTOR_NOT_CALLER");
  CHECK(Violations(status) == std::map<std::string, std::string>{{"actor", "NOT_CALLER"}});

  withdraw.clear_actor();
  as_staff_2 = Context();
  as_staff_2->AddMetadata("x-ue-subject", "staff-2");
  status = server.stub->AmendServiceDelivery(as_staff_2.get(), withdraw, &response);
  INFO(status.error_message());
  REQUIRE(status.ok());
  CHECK(response.delivery().withdrawn());
  REQUIRE(response.delivery().amendments_size() == 1);
  CHECK(response.delivery().amendments(0).actor() == "staff-2");

  withdraw.set_request_id("w-2");
  status = server.stub->AmendServiceDelivery(Context().get(), withdraw, &response);
  CHECK(status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);  // nobody named
  withdraw.set_actor("staff-2");
  status = server.stub->AmendServiceDelivery(Context().get(), withdraw, &response);
  CHECK(status.error_code() == grpc::StatusCode::FAILED_PRECONDITION);
  CHECK(Reason(status) == "DELIVERY_WITHDRAWN");
  withdraw.set_delivery_id("dlv-404");
  status = server.stub->AmendServiceDelivery(Context().get(), withdraw, &response);
  CHECK(status.error_code() == grpc::StatusCode::NOT_FOUND);
  CHECK(Reason(status) == "DELIVERY_NOT_FOUND");
}

}  // namespace
}  // namespace unemployment::tiering
