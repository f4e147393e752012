// VerificationService on a real server (port 0): exact codes and BadRequest details, a streamed
// import, and the bidirectional comparison.
#include <catch2/catch.hpp>
#include <chrono>
#include <thread>

#include "common/server/grpc_server.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/security/credentials.h"
#include "services/verification/stream_trailer.h"
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

// How a test upload ends.
enum class Ending { kTrailer, kNoTrailer, kWrongLength, kWrongDigest, kWrongRows, kCancel };

// Streams `csv` in pieces of `piece` bytes; with `send_bytes` only its first bytes are sent (a
// client cut short), while the trailer still describes what `trailer_of` says (the whole file by
// default, as a client that lost pieces would).
grpc::Status StreamImport(Server& s, v1::Source source, const std::string& version,
                          const std::string& csv, v1::ImportSnapshotResponse* response,
                          size_t piece = 50, Ending ending = Ending::kTrailer,
                          size_t send_bytes = std::string::npos) {
  auto context = Context();
  auto writer = s.stub->ImportSnapshot(context.get(), response);
  v1::ImportSnapshotRequest header;
  header.mutable_header()->set_source(source);
  header.mutable_header()->set_snapshot_version(version);
  header.mutable_header()->set_data_as_of("2025-09-30");
  bool open = writer->Write(header);
  const std::string sent = csv.substr(0, send_bytes);
  for (size_t at = 0; open && at < sent.size(); at += piece) {
    v1::ImportSnapshotRequest part;
    part.set_content(sent.substr(at, piece));
    open = writer->Write(part);
  }
  ImportTrailerBuilder builder;
  builder.Add(csv);
  v1::ImportSnapshotRequest last;
  *last.mutable_trailer() = builder.Finish();
  switch (ending) {
    case Ending::kTrailer:
      break;
    case Ending::kNoTrailer:
      last.clear_trailer();
      break;
    case Ending::kWrongLength:
      last.mutable_trailer()->set_content_length(last.trailer().content_length() + 1);
      break;
    case Ending::kWrongDigest:
      last.mutable_trailer()->set_content_sha256(std::string(64, 'a'));
      break;
    case Ending::kWrongRows:
      last.mutable_trailer()->set_row_count(1000);
      break;
    case Ending::kCancel:
      context->TryCancel();
      return writer->Finish();
  }
  if (open && last.has_trailer()) writer->Write(last);
  writer->WritesDone();
  return writer->Finish();
}

// The snapshot version served for `source`, or "" when none.
std::string Served(Server& s, v1::Source source) {
  v1::GetSnapshotInfoRequest get;
  get.set_source(source);
  v1::GetSnapshotInfoResponse info;
  grpc::Status status = s.stub->GetSnapshotInfo(Context().get(), get, &info);
  if (status.error_code() == grpc::StatusCode::NOT_FOUND) return "";
  REQUIRE(status.ok());
  return info.snapshot().snapshot_version();
}

// True when `version` of `source` was ever loaded.
bool Loaded(Server& s, v1::Source source, const std::string& version) {
  v1::GetSnapshotInfoRequest get;
  get.set_source(source);
  get.set_snapshot_version(version);
  v1::GetSnapshotInfoResponse info;
  grpc::Status status = s.stub->GetSnapshotInfo(Context().get(), get, &info);
  if (status.error_code() == grpc::StatusCode::NOT_FOUND) return false;
  REQUIRE(status.ok());
  return true;
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

TEST_CASE("ImportSnapshot loads only a stream that ends with a matching trailer", "[grpc]") {
  Fixture f;
  // Rows are written in batches of 2 while the file streams in, so a refused stream has rows in
  // the store that must be dropped.
  f.importer = std::make_unique<SnapshotImporter>(*f.store, f.clock, ImportLimits{1 << 20, 100, 2});
  Server s(f);
  const std::string csv = testing::PopulationCsv();
  v1::ImportSnapshotResponse response;
  // 7-byte pieces split lines and UTF-8 characters: many pieces and batches before the trailer.
  REQUIRE(StreamImport(s, v1::SOURCE_POPULATION, "pop-1", csv, &response, 7).ok());
  CHECK(response.snapshot().row_count() == 6);
  ImportTrailerBuilder whole;
  whole.Add(csv);
  CHECK(response.snapshot().content_sha256() == whole.Finish().content_sha256());
  const int64_t rows_before = f.Count("SELECT COUNT(*) FROM population_rows");
  REQUIRE(rows_before == 6);

  // A second, larger population file (one more person) under a new version, refused in every
  // way a stream can be incomplete: nothing of it is stored and pop-1 stays served.
  const std::string next = csv + "1," + Persons().unknown + ",周九,1,1988-10-10,ALIVE,,230102\n";
  const size_t cut = next.size() - 20;  // inside the last line
  struct Case {
    const char* name;
    Ending ending;
    size_t send_bytes;
    grpc::StatusCode code;
    std::string field;
    std::string rule;
    std::string reason;
  };
  const std::vector<Case> cases = {
      {"no trailer", Ending::kNoTrailer, std::string::npos, grpc::StatusCode::INVALID_ARGUMENT,
       "trailer", "REQUIRED: ", "SNAPSHOT_STREAM_INCOMPLETE"},
      {"no trailer, cut mid-line", Ending::kNoTrailer, cut, grpc::StatusCode::INVALID_ARGUMENT,
       "trailer", "REQUIRED: ", "SNAPSHOT_STREAM_INCOMPLETE"},
      {"wrong length", Ending::kWrongLength, std::string::npos,
       grpc::StatusCode::INVALID_ARGUMENT, "trailer.content_length", "MISMATCH: ",
       "SNAPSHOT_STREAM_MISMATCH"},
      {"wrong digest", Ending::kWrongDigest, std::string::npos,
       grpc::StatusCode::INVALID_ARGUMENT, "trailer.content_sha256", "MISMATCH: ",
       "SNAPSHOT_STREAM_MISMATCH"},
      {"wrong row count", Ending::kWrongRows, std::string::npos,
       grpc::StatusCode::INVALID_ARGUMENT, "trailer.row_count", "MISMATCH: ",
       "SNAPSHOT_STREAM_MISMATCH"},
      {"pieces lost, trailer of the whole file", Ending::kTrailer, cut,
       grpc::StatusCode::INVALID_ARGUMENT, "trailer.content_length", "MISMATCH: ",
       "SNAPSHOT_STREAM_MISMATCH"},
      {"client cancels mid-way", Ending::kCancel, cut, grpc::StatusCode::CANCELLED, "", "", ""},
  };
  for (const Case& c : cases) {
    INFO(c.name);
    grpc::Status status =
        StreamImport(s, v1::SOURCE_POPULATION, "pop-2", next, &response, 7, c.ending, c.send_bytes);
    CHECK(status.error_code() == c.code);
    if (!c.field.empty()) {
      CHECK_THAT(Violations(status)[c.field], Catch::StartsWith(c.rule));
      CHECK(Reason(status) == c.reason);
    }
    CHECK(Served(s, v1::SOURCE_POPULATION) == "pop-1");
    CHECK(!Loaded(s, v1::SOURCE_POPULATION, "pop-2"));
  }
  // Wrong length and digest at once: both named.
  {
    auto attempt = [&] {
      auto context = Context();
      auto writer = s.stub->ImportSnapshot(context.get(), &response);
      v1::ImportSnapshotRequest message;
      message.mutable_header()->set_source(v1::SOURCE_POPULATION);
      message.mutable_header()->set_snapshot_version("pop-2");
      // A write fails when the server has already answered; Finish says why.
      if (writer->Write(message)) {
        message.set_content(next);
        if (writer->Write(message)) {
          message.mutable_trailer()->set_content_length(3);
          message.mutable_trailer()->set_content_sha256("not hex");
          writer->Write(message);
        }
      }
      writer->WritesDone();
      return writer->Finish();
    };
    // The last case cancelled on the client's side: the server may not have let go of the
    // source's import yet (IMPORT_RUNNING until its side of the call has ended).
    grpc::Status status = attempt();
    for (int i = 0; i < 500 && Reason(status) == "IMPORT_RUNNING"; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      status = attempt();
    }
    CHECK(status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
    std::map<std::string, std::string> v = Violations(status);
    CHECK_THAT(v["trailer.content_length"], Catch::StartsWith("MISMATCH: "));
    CHECK_THAT(v["trailer.content_sha256"], Catch::StartsWith("FORMAT: "));
  }
  // The write batches of the refused loads were dropped: only pop-1's rows remain.
  f.store->Shutdown();
  CHECK(f.Count("SELECT COUNT(*) FROM population_rows") == rows_before);
}

// Runs one client stream of raw messages (bytes as given, valid or not) on the generic async
// API; returns its status and, through `response`, the response bytes.
grpc::Status RawStream(Server& s, const std::string& method, const std::vector<std::string>& messages,
                       std::string* response = nullptr) {
  grpc::GenericStub stub(
      grpc::CreateChannel(s.grpc_server->address(), grpc::InsecureChannelCredentials()));
  grpc::CompletionQueue cq;
  auto context = Context();
  std::unique_ptr<grpc::GenericClientAsyncReaderWriter> call =
      stub.PrepareCall(context.get(), method, &cq);
  auto wait = [&cq]() {
    void* tag = nullptr;
    bool ok = false;
    REQUIRE(cq.Next(&tag, &ok));
    return ok;
  };
  call->StartCall(reinterpret_cast<void*>(1));
  bool open = wait();
  for (const std::string& message : messages) {
    if (!open) break;
    grpc::Slice slice(message);
    grpc::ByteBuffer buffer(&slice, 1);
    call->Write(buffer, reinterpret_cast<void*>(2));
    open = wait();
  }
  if (open) {
    call->WritesDone(reinterpret_cast<void*>(3));
    wait();
  }
  grpc::ByteBuffer answer;
  call->Read(&answer, reinterpret_cast<void*>(4));
  if (wait() && response != nullptr) {
    std::vector<grpc::Slice> slices;
    REQUIRE(answer.Dump(&slices).ok());
    for (const grpc::Slice& slice : slices) {
      response->append(reinterpret_cast<const char*>(slice.begin()), slice.size());
    }
  }
  grpc::Status status;
  call->Finish(&status, reinterpret_cast<void*>(5));
  wait();
  cq.Shutdown();
  void* tag = nullptr;
  bool ok = false;
  while (cq.Next(&tag, &ok)) {
  }
  return status;
}

TEST_CASE("ImportSnapshot: a message gRPC cannot parse mid-upload loads nothing", "[grpc]") {
  Fixture f;
  Server s(f);
  const std::string csv =
      testing::PopulationCsv() + "1," + Persons().unknown + ",周九,1,1988-10-10,ALIVE,,230102\n";
  const size_t cut = testing::PopulationCsv().size();  // a line boundary: the part is valid CSV
  v1::ImportSnapshotRequest header;
  header.mutable_header()->set_source(v1::SOURCE_POPULATION);
  header.mutable_header()->set_snapshot_version("pop-1");
  v1::ImportSnapshotRequest first;
  first.set_content(csv.substr(0, cut));
  v1::ImportSnapshotRequest second;
  second.set_content(csv.substr(cut));
  ImportTrailerBuilder builder;
  builder.Add(csv);
  v1::ImportSnapshotRequest trailer;
  *trailer.mutable_trailer() = builder.Finish();
  const std::string method = "/unemployment.verification.v1.VerificationService/ImportSnapshot";

  // The second piece arrives broken (a length running past the end of the message): gRPC ends
  // the reads as if the client had half-closed after the first piece, a valid file of 6 rows.
  grpc::Status broken = RawStream(
      s, method,
      {header.SerializeAsString(), first.SerializeAsString(), std::string("\x12\xff\x01", 3),
       trailer.SerializeAsString()});
  CHECK(broken.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(Reason(broken) == "SNAPSHOT_STREAM_INCOMPLETE");
  CHECK(Served(s, v1::SOURCE_POPULATION) == "");

  // The same messages, all intact: loaded with the 7 rows.
  std::string bytes;
  grpc::Status whole = RawStream(s, method,
                                 {header.SerializeAsString(), first.SerializeAsString(),
                                  second.SerializeAsString(), trailer.SerializeAsString()},
                                 &bytes);
  REQUIRE(whole.ok());
  v1::ImportSnapshotResponse response;
  REQUIRE(response.ParseFromString(bytes));
  CHECK(response.snapshot().row_count() == 7);
  CHECK(Served(s, v1::SOURCE_POPULATION) == "pop-1");
}

TEST_CASE("ImportSnapshot: a trailer ends the upload; the same version again needs one too",
          "[grpc]") {
  Fixture f;
  Server s(f);
  const std::string csv = testing::EmploymentCsv();
  v1::ImportSnapshotResponse response;
  REQUIRE(StreamImport(s, v1::SOURCE_EMPLOYMENT_FILING, "ef-1", csv, &response).ok());
  // The same version and bytes again: answered from the stored snapshot, but only with a trailer.
  CHECK(StreamImport(s, v1::SOURCE_EMPLOYMENT_FILING, "ef-1", csv, &response).ok());
  grpc::Status again = StreamImport(s, v1::SOURCE_EMPLOYMENT_FILING, "ef-1", csv, &response, 50,
                                    Ending::kNoTrailer);
  CHECK(again.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(Reason(again) == "SNAPSHOT_STREAM_INCOMPLETE");
  grpc::Status rows = StreamImport(s, v1::SOURCE_EMPLOYMENT_FILING, "ef-1", csv, &response, 50,
                                   Ending::kWrongRows);
  CHECK(rows.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(Violations(rows).count("trailer.row_count") == 1);

  // A trailer in the first message is no header.
  auto context = Context();
  auto writer = s.stub->ImportSnapshot(context.get(), &response);
  v1::ImportSnapshotRequest message;
  message.mutable_trailer()->set_content_length(0);
  writer->Write(message);
  writer->WritesDone();
  grpc::Status status = writer->Finish();
  CHECK(status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK_THAT(Violations(status)["header"], Catch::StartsWith("REQUIRED: "));
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

// The trailer message of a stream that sent `batches`.
v1::CompareActiveRegistrationsRequest Trailer(
    const std::vector<v1::CompareActiveRegistrationsRequest>& batches) {
  ComparisonDigest digest;
  for (const auto& batch : batches) digest.Add(batch);
  v1::CompareActiveRegistrationsRequest request;
  *request.mutable_trailer() = digest.Finish();
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
    REQUIRE(stream->Write(Trailer({Batch("2025-09-30", {Persons().consistent, Persons().employed}),
                                   Batch("2025-09-30", {Persons().deceased, Persons().unknown,
                                                        Persons().retired})})));
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

// Sends `batches`, reading each answer, then `last` (when it has a trailer) and the half-close
// (unless `cancel`); returns the answers read and the stream's status.
grpc::Status CompareStream(Server& s, const std::vector<v1::CompareActiveRegistrationsRequest>& batches,
                           const v1::CompareActiveRegistrationsRequest& last, int* answers,
                           bool cancel = false) {
  auto context = Context();
  auto stream = s.stub->CompareActiveRegistrations(context.get());
  *answers = 0;
  v1::CompareActiveRegistrationsResponse answer;
  for (const auto& batch : batches) {
    if (!stream->Write(batch) || !stream->Read(&answer)) break;
    ++*answers;
  }
  if (cancel) {
    context->TryCancel();
  } else {
    if (last.has_trailer()) stream->Write(last);
    stream->WritesDone();
  }
  while (stream->Read(&answer)) ++*answers;
  return stream->Finish();
}

TEST_CASE("CompareActiveRegistrations is complete only with a matching trailer", "[grpc]") {
  Fixture f;
  f.LoadAll();
  Server s(f);
  const std::vector<v1::CompareActiveRegistrationsRequest> batches = {
      Batch("2025-09-30", {Persons().consistent, Persons().employed}),
      Batch("2025-09-30", {Persons().deceased, Persons().unknown, Persons().retired}),
      Batch("2025-09-30", {Persons().business})};
  int answers = 0;

  // Complete: every batch answered, then OK.
  grpc::Status whole = CompareStream(s, batches, Trailer(batches), &answers);
  CHECK(whole.error_message() == "");
  CHECK(whole.ok());
  CHECK(answers == 3);

  // No batch at all, and a trailer saying so: complete.
  CHECK(CompareStream(s, {}, Trailer({}), &answers).ok());
  CHECK(answers == 0);

  // A half-close without the trailer: incomplete.
  grpc::Status missing = CompareStream(s, batches, {}, &answers);
  CHECK(missing.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK_THAT(Violations(missing)["trailer"], Catch::StartsWith("REQUIRED: "));
  CHECK(Reason(missing) == "COMPARISON_STREAM_INCOMPLETE");
  CHECK(answers == 3);

  // The client lost its last batch (WritesDone early) but sends the trailer of all three.
  grpc::Status lost = CompareStream(s, {batches[0], batches[1]}, Trailer(batches), &answers);
  CHECK(lost.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  std::map<std::string, std::string> v = Violations(lost);
  CHECK_THAT(v["trailer.subject_count"], Catch::StartsWith("MISMATCH: "));
  CHECK_THAT(v["trailer.subjects_sha256"], Catch::StartsWith("MISMATCH: "));
  CHECK(Reason(lost) == "COMPARISON_STREAM_MISMATCH");

  // Right count, wrong digest (a subject changed on the way).
  std::vector<v1::CompareActiveRegistrationsRequest> changed = batches;
  changed[2].mutable_subjects(0)->set_registration_id("reg-other");
  grpc::Status digest = CompareStream(s, batches, Trailer(changed), &answers);
  CHECK(digest.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  v = Violations(digest);
  CHECK(v.count("trailer.subject_count") == 0);
  CHECK_THAT(v["trailer.subjects_sha256"], Catch::StartsWith("MISMATCH: "));

  // Wrong count, right digest.
  v1::CompareActiveRegistrationsRequest count = Trailer(batches);
  count.mutable_trailer()->set_subject_count(7);
  grpc::Status counted = CompareStream(s, batches, count, &answers);
  CHECK(counted.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  v = Violations(counted);
  CHECK_THAT(v["trailer.subject_count"], Catch::StartsWith("MISMATCH: "));
  CHECK(v.count("trailer.subjects_sha256") == 0);

  // The trailer message carries no subjects.
  v1::CompareActiveRegistrationsRequest with_subjects = Trailer(batches);
  *with_subjects.mutable_subjects() = batches[0].subjects();
  grpc::Status mixed = CompareStream(s, batches, with_subjects, &answers);
  CHECK(mixed.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK_THAT(Violations(mixed)["subjects"], Catch::StartsWith("NOT_APPLICABLE: "));

  // The client cancels mid-way.
  grpc::Status cancelled = CompareStream(s, {batches[0]}, {}, &answers, true);
  CHECK(cancelled.error_code() == grpc::StatusCode::CANCELLED);
}

TEST_CASE("the comparison digest is the documented netstring SHA-256", "[grpc]") {
  // The example of ComparisonTrailer in the .proto, computed independently (Python hashlib).
  v1::ComparisonSubject subject;
  subject.set_registration_id("r-1");
  subject.mutable_person_id()->set_id_type(v1c::ID_TYPE_RESIDENT_ID_CARD);
  subject.mutable_person_id()->set_id_number("34052419800101001X");
  subject.set_registered_date("2025-01-02");
  std::string input;
  AppendSubjectDigestInput(subject, &input);
  CHECK(input == "3:r-1,1:1,18:34052419800101001X,10:2025-01-02,");
  ComparisonDigest digest;
  digest.Add(subject);
  v1::ComparisonTrailer trailer = digest.Finish();
  CHECK(trailer.subject_count() == 1);
  CHECK(trailer.subjects_sha256() ==
        "f5e72a162cdd44e5a34f11c9c8805bcd7f5e230c5921a4af70be9696e93e1dfc");
  CHECK(ComparisonDigest().Finish().subjects_sha256() ==
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST_CASE("CompareActiveRegistrations: a message gRPC cannot parse is no end of the stream",
          "[grpc]") {
  Fixture f;
  f.LoadAll();
  Server s(f);
  const v1::CompareActiveRegistrationsRequest batch =
      Batch("2025-09-30", {Persons().consistent, Persons().employed});
  const std::string method =
      "/unemployment.verification.v1.VerificationService/CompareActiveRegistrations";
  grpc::Status broken =
      RawStream(s, method,
                {batch.SerializeAsString(), std::string("\x12\xff\x01", 3),
                 Trailer({batch, batch}).SerializeAsString()});
  CHECK(broken.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(Reason(broken) == "COMPARISON_STREAM_INCOMPLETE");
}

}  // namespace
}  // namespace unemployment::verification
