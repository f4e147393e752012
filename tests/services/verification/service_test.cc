// VerificationService on a real server (port 0): exact codes and BadRequest details, a streamed
// import, and the bidirectional comparison.
#include <catch2/catch.hpp>

#include "common/server/grpc_server.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "services/verification/verification_service.h"
#include "tests/services/verification/test_util.h"

namespace unemployment::verification {
namespace {

namespace v1c = ::unemployment::common::v1;
using testing::Fixture;
using testing::Persons;

struct Server {
  explicit Server(Fixture& f)
      : service(VerificationServiceImpl::Dependencies{f.verifier.get(), f.importer.get(),
                                                      f.store.get(), &f.clock},
                log::Logger("verification-test")) {
    absl::StatusOr<std::unique_ptr<server::GrpcServer>> started =
        server::GrpcServer::Start({}, {&service});
    REQUIRE(started.ok());
    grpc_server = *std::move(started);
    stub = v1::VerificationService::NewStub(
        grpc::CreateChannel(grpc_server->address(), grpc::InsecureChannelCredentials()));
  }
  ~Server() { grpc_server->Shutdown(); }

  VerificationServiceImpl service;
  std::unique_ptr<server::GrpcServer> grpc_server;
  std::unique_ptr<v1::VerificationService::Stub> stub;
};

std::unique_ptr<grpc::ClientContext> Context(int seconds = 20) {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(seconds));
  return context;
}

// field -> description of every violation of a grpc::Status.
std::map<std::string, std::string> Violations(const grpc::Status& status) {
  return testing::Violations(status::FromGrpcStatus(status));
}

std::string Reason(const grpc::Status& status) {
  return testing::Reason(status::FromGrpcStatus(status));
}

grpc::Status StreamImport(Server& s, v1::Source source, const std::string& version,
                          const std::string& csv, v1::ImportSnapshotResponse* response,
                          size_t piece = 50) {
  auto context = Context();
  auto writer = s.stub->ImportSnapshot(context.get(), response);
  v1::ImportSnapshotRequest header;
  header.mutable_header()->set_source(source);
  header.mutable_header()->set_snapshot_version(version);
  header.mutable_header()->set_data_as_of("2025-09-30");
  bool open = writer->Write(header);
  for (size_t at = 0; open && at < csv.size(); at += piece) {
    v1::ImportSnapshotRequest part;
    part.set_content(csv.substr(at, piece));
    open = writer->Write(part);
  }
  writer->WritesDone();
  return writer->Finish();
}

TEST_CASE("a streamed import is served, listed and paged", "[grpc]") {
  Fixture f;
  Server s(f);
  v1::ImportSnapshotResponse response;
  grpc::Status status =
      StreamImport(s, v1::SOURCE_POPULATION, "pop-1", testing::PopulationCsv(), &response);
  REQUIRE(status.error_message() == "");
  REQUIRE(status.ok());
  CHECK(response.snapshot().row_count() == 6);
  CHECK(response.snapshot().data_as_of() == "2025-09-30");
  CHECK(response.snapshot().current());

  f.clock.Advance(absl::Minutes(1));
  REQUIRE(StreamImport(s, v1::SOURCE_EMPLOYMENT_FILING, "ef-1", testing::EmploymentCsv(), &response)
              .ok());

  v1::GetSnapshotInfoRequest get;
  get.set_source(v1::SOURCE_POPULATION);
  v1::GetSnapshotInfoResponse info;
  REQUIRE(s.stub->GetSnapshotInfo(Context().get(), get, &info).ok());
  CHECK(info.snapshot().snapshot_version() == "pop-1");
  get.set_source(v1::SOURCE_BUSINESS_REGISTRATION);
  grpc::Status missing = s.stub->GetSnapshotInfo(Context().get(), get, &info);
  CHECK(missing.error_code() == grpc::StatusCode::NOT_FOUND);
  CHECK(Reason(missing) == "SNAPSHOT_NOT_FOUND");
  get.set_source(v1::SOURCE_UNSPECIFIED);
  grpc::Status unspecified = s.stub->GetSnapshotInfo(Context().get(), get, &info);
  CHECK(unspecified.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK_THAT(Violations(unspecified)["source"], Catch::StartsWith("REQUIRED: "));

  v1::ListSnapshotsRequest list;
  list.set_page_size(1);
  v1::ListSnapshotsResponse page;
  REQUIRE(s.stub->ListSnapshots(Context().get(), list, &page).ok());
  REQUIRE(page.snapshots_size() == 1);
  CHECK(page.snapshots(0).snapshot_version() == "ef-1");
  REQUIRE(!page.next_page_token().empty());
  list.set_page_token(page.next_page_token());
  REQUIRE(s.stub->ListSnapshots(Context().get(), list, &page).ok());
  REQUIRE(page.snapshots_size() == 1);
  CHECK(page.snapshots(0).snapshot_version() == "pop-1");
  CHECK(page.next_page_token().empty());

  list.set_source(v1::SOURCE_POPULATION);  // the token belongs to another query
  grpc::Status bad_token = s.stub->ListSnapshots(Context().get(), list, &page);
  CHECK(bad_token.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(Reason(bad_token) == "INVALID_PAGE_TOKEN");
  list.clear_page_token();
  list.set_page_size(-1);
  grpc::Status negative = s.stub->ListSnapshots(Context().get(), list, &page);
  CHECK(negative.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(Violations(negative).count("page_size") == 1);
}

TEST_CASE("a streamed import with bad rows fails with line numbers and changes nothing", "[grpc]") {
  Fixture f;
  Server s(f);
  v1::ImportSnapshotResponse response;
  const std::string csv =
      HeaderLine(v1::SOURCE_POPULATION) + "\n1," + Persons().consistent +
      ",张三,1,1980-01-01,ALIVE,,340524\n1,340524198001010013,张三,1,1980-01-01,"
      "ALIVE,,340524\n1," +
      Persons().employed + ",李四,1\n";
  grpc::Status status = StreamImport(s, v1::SOURCE_POPULATION, "pop-1", csv, &response, 9);
  CHECK(status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(Reason(status) == "SNAPSHOT_ROWS_INVALID");
  std::map<std::string, std::string> v = Violations(status);
  REQUIRE(v.size() == 2);
  CHECK_THAT(v["content[3].id_number"], Catch::StartsWith("CHECK_CHARACTER: "));
  CHECK(v["content[4]"] == "COLUMN_COUNT: the line has 4 columns, the header 8");

  // A stream without a header.
  auto context = Context();
  auto writer = s.stub->ImportSnapshot(context.get(), &response);
  v1::ImportSnapshotRequest part;
  part.set_content("id_type");
  writer->Write(part);
  writer->WritesDone();
  grpc::Status no_header = writer->Finish();
  CHECK(no_header.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK_THAT(Violations(no_header)["header"], Catch::StartsWith("REQUIRED: "));
}

TEST_CASE("a cancelled import loads nothing", "[grpc]") {
  Fixture f;
  Server s(f);
  v1::ImportSnapshotResponse response;
  REQUIRE(
      StreamImport(s, v1::SOURCE_POPULATION, "pop-1", testing::PopulationCsv(), &response).ok());

  auto context = Context();
  auto writer = s.stub->ImportSnapshot(context.get(), &response);
  v1::ImportSnapshotRequest header;
  header.mutable_header()->set_source(v1::SOURCE_POPULATION);
  header.mutable_header()->set_snapshot_version("pop-2");
  REQUIRE(writer->Write(header));
  v1::ImportSnapshotRequest part;
  part.set_content(HeaderLine(v1::SOURCE_POPULATION) + "\n1," + Persons().unknown +
                   ",周九,1,1988-10-10,ALIVE,,230102\n");
  REQUIRE(writer->Write(part));
  context->TryCancel();
  CHECK(writer->Finish().error_code() == grpc::StatusCode::CANCELLED);

  v1::GetSnapshotInfoRequest get;
  get.set_source(v1::SOURCE_POPULATION);
  v1::GetSnapshotInfoResponse info;
  REQUIRE(s.stub->GetSnapshotInfo(Context().get(), get, &info).ok());
  CHECK(info.snapshot().snapshot_version() == "pop-1");
  get.set_snapshot_version("pop-2");
  CHECK(s.stub->GetSnapshotInfo(Context().get(), get, &info).error_code() ==
        grpc::StatusCode::NOT_FOUND);
}

TEST_CASE("VerifyApplicant: bad input, a conflict, its investigation", "[grpc]") {
  Fixture f;
  Server s(f);
  v1::ImportSnapshotResponse imported;
  REQUIRE(
      StreamImport(s, v1::SOURCE_POPULATION, "pop-1", testing::PopulationCsv(), &imported).ok());

  v1::VerifyApplicantRequest bad;
  bad.mutable_person_id()->set_id_type(v1c::ID_TYPE_RESIDENT_ID_CARD);
  bad.mutable_person_id()->set_id_number("340524198001010013");
  bad.set_unemployed_date("2025-8-1");
  bad.set_as_of("2025-10-21");
  v1::VerifyApplicantResponse response;
  grpc::Status invalid = s.stub->VerifyApplicant(Context().get(), bad, &response);
  CHECK(invalid.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  std::map<std::string, std::string> v = Violations(invalid);
  REQUIRE(v.size() == 4);
  CHECK_THAT(v["person_id.id_number"], Catch::StartsWith("CHECK_CHARACTER: "));
  CHECK_THAT(v["name"], Catch::StartsWith("REQUIRED: "));
  CHECK_THAT(v["unemployed_date"], Catch::StartsWith("DATE_FORMAT: "));
  CHECK_THAT(v["as_of"], Catch::StartsWith("DATE_IN_FUTURE: "));

  v1::VerifyApplicantRequest order;
  order.mutable_person_id()->set_id_type(v1c::ID_TYPE_RESIDENT_ID_CARD);
  order.mutable_person_id()->set_id_number(Persons().employed);
  order.set_name("李四");
  order.set_unemployed_date("2025-09-01");
  order.set_as_of("2025-08-31");
  grpc::Status before = s.stub->VerifyApplicant(Context().get(), order, &response);
  CHECK(before.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK_THAT(Violations(before)["as_of"], Catch::StartsWith("DATE_ORDER: "));

  // Only population data: the status sources are missing.
  v1::VerifyApplicantRequest good = order;
  good.set_request_id("app-1:verify");
  good.set_application_id("hlj-app-1");
  good.set_unemployed_date("2025-08-01");
  good.clear_as_of();  // today, 2025-10-20
  REQUIRE(s.stub->VerifyApplicant(Context().get(), good, &response).ok());
  const v1::VerificationResult result = response.result();
  CHECK(result.as_of() == "2025-10-20");
  CHECK(result.application_id() == "hlj-app-1");
  CHECK(result.outcome() == v1::VERIFICATION_OUTCOME_NEEDS_FIELD_INVESTIGATION);
  CHECK(result.missing_sources_size() == 3);

  v1::GetVerificationRequest get;
  get.set_verification_id(result.verification_id());
  v1::GetVerificationResponse got;
  REQUIRE(s.stub->GetVerification(Context().get(), get, &got).ok());
  CHECK(got.result().verification_id() == result.verification_id());
  get.set_verification_id("vrf-none");
  CHECK(s.stub->GetVerification(Context().get(), get, &got).error_code() ==
        grpc::StatusCode::NOT_FOUND);

  v1::RecordFieldInvestigationRequest investigation;
  investigation.set_request_id("inv-1");
  investigation.set_verification_id(result.verification_id());
  investigation.set_visit_date("2025-10-18");
  investigation.set_investigator_id("staff-7");
  investigation.set_investigator_name("刘调查");
  investigation.set_finding("本人在家，未就业。");
  investigation.set_conclusion(v1::INVESTIGATION_CONCLUSION_UNEMPLOYMENT_CONFIRMED);
  v1::RecordFieldInvestigationResponse settled;
  REQUIRE(s.stub->RecordFieldInvestigation(Context().get(), investigation, &settled).ok());
  CHECK(settled.result().settled());
  investigation.set_request_id("inv-2");
  grpc::Status again = s.stub->RecordFieldInvestigation(Context().get(), investigation, &settled);
  CHECK(again.error_code() == grpc::StatusCode::FAILED_PRECONDITION);
  CHECK(Reason(again) == "ALREADY_SETTLED");
  investigation.clear_finding();
  investigation.set_visit_date("2025-10-21");
  grpc::Status missing = s.stub->RecordFieldInvestigation(Context().get(), investigation, &settled);
  CHECK(missing.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  std::map<std::string, std::string> iv = Violations(missing);
  CHECK(iv.size() == 2);
  CHECK_THAT(iv["finding"], Catch::StartsWith("REQUIRED: "));
  CHECK_THAT(iv["visit_date"], Catch::StartsWith("DATE_IN_FUTURE: "));
}

v1::CompareActiveRegistrationsRequest Batch(const std::string& as_of,
                                            const std::vector<std::string>& ids) {
  v1::CompareActiveRegistrationsRequest request;
  request.set_as_of(as_of);
  for (const std::string& id : ids) {
    v1::ComparisonSubject* subject = request.add_subjects();
    subject->set_registration_id("reg-" + id.substr(12, 6));
    subject->mutable_person_id()->set_id_type(v1c::ID_TYPE_RESIDENT_ID_CARD);
    subject->mutable_person_id()->set_id_number(id);
    subject->set_registered_date("2025-08-01");
  }
  return request;
}

TEST_CASE("CompareActiveRegistrations answers each batch in order on a bidi stream", "[grpc]") {
  Fixture f;
  f.LoadAll();
  Server s(f);
  {
    auto context = Context();
    auto stream = s.stub->CompareActiveRegistrations(context.get());
    // Two batches in flight before reading.
    REQUIRE(stream->Write(Batch("2025-09-30", {Persons().consistent, Persons().employed})));
    REQUIRE(stream->Write(
        Batch("2025-09-30", {Persons().deceased, Persons().unknown, Persons().retired})));
    v1::CompareActiveRegistrationsResponse first;
    v1::CompareActiveRegistrationsResponse second;
    REQUIRE(stream->Read(&first));
    REQUIRE(stream->Read(&second));
    stream->WritesDone();
    v1::CompareActiveRegistrationsResponse none;
    CHECK(!stream->Read(&none));
    REQUIRE(stream->Finish().ok());
    CHECK(first.compared_count() == 2);
    REQUIRE(first.hits_size() == 1);
    CHECK(first.hits(0).person_id().id_number() == Persons().employed);
    CHECK(first.hits(0).kind() == v1::HIT_KIND_EMPLOYED);
    CHECK(second.compared_count() == 3);
    REQUIRE(second.hits_size() == 2);
    CHECK(second.hits(0).kind() == v1::HIT_KIND_DECEASED);
    CHECK(second.hits(1).kind() == v1::HIT_KIND_PENSION);
  }
  {
    auto context = Context();
    auto stream = s.stub->CompareActiveRegistrations(context.get());
    REQUIRE(stream->Write(Batch("2025-09-30", {Persons().consistent})));
    v1::CompareActiveRegistrationsResponse answer;
    REQUIRE(stream->Read(&answer));
    stream->Write(Batch("2025-09-29", {Persons().consistent}));
    stream->WritesDone();
    while (stream->Read(&answer)) {
    }
    grpc::Status status = stream->Finish();
    CHECK(status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
    CHECK_THAT(Violations(status)["as_of"], Catch::StartsWith("MISMATCH: "));
  }
  {
    auto context = Context();
    auto stream = s.stub->CompareActiveRegistrations(context.get());
    stream->Write(Batch("2025-09-30", {}));
    stream->WritesDone();
    v1::CompareActiveRegistrationsResponse answer;
    while (stream->Read(&answer)) {
    }
    grpc::Status status = stream->Finish();
    CHECK(status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
    CHECK_THAT(Violations(status)["subjects"], Catch::StartsWith("REQUIRED: "));
  }
}

}  // namespace
}  // namespace unemployment::verification
