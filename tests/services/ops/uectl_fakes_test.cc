// uectl import-snapshot, compare and export against in-process fakes on port 0: what uectl sends
// (header first, then chunks; the report spec) and how it shows answers and errors.

#include <catch2/catch.hpp>
#include <fstream>
#include <mutex>
#include <sstream>

#include "common/status/status_util.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "services/ops/uectl_progress.h"
#include "tests/services/ops/test_util.h"
#include "unemployment/followup/v1/followup_service.grpc.pb.h"
#include "unemployment/statistics/v1/statistics_service.grpc.pb.h"
#include "unemployment/verification/v1/verification_service.grpc.pb.h"
#include "tests/testing/files.h"

namespace unemployment::ops {
namespace {

using ::unemployment::testing::ReadFile;
using Catch::Matchers::Contains;
using testing::TempDir;
using testing::Uectl;
namespace verification_v1 = ::unemployment::verification::v1;
namespace statistics_v1 = ::unemployment::statistics::v1;
namespace followup_v1 = ::unemployment::followup::v1;

constexpr char kSnapshot[] = "id_type,id_number\n1,2\n";
// sha256sum of kSnapshot.
constexpr char kSnapshotSha256[] =
    "24a60a4a4af3a4f5eb403e5e7c196c99500b08521156f171fb1f56cbc8f7269f";

// Records every ImportSnapshot stream; answers as configured.
class FakeVerification final : public verification_v1::VerificationService::Service {
 public:
  grpc::Status ImportSnapshot(grpc::ServerContext*,
                              grpc::ServerReader<verification_v1::ImportSnapshotRequest>* reader,
                              verification_v1::ImportSnapshotResponse* response) override {
    std::lock_guard<std::mutex> lock(mutex);
    messages.clear();
    content.clear();
    verification_v1::ImportSnapshotRequest request;
    while (reader->Read(&request)) {
      messages.push_back(request);
      if (request.has_content()) content += request.content();
    }
    if (!reject_rows.ok()) return status::ToGrpcStatus(reject_rows);
    verification_v1::SnapshotInfo& info = *response->mutable_snapshot();
    info.set_source(messages.front().header().source());
    info.set_snapshot_version(messages.front().header().snapshot_version());
    info.set_row_count(1);
    info.set_content_sha256(sha256);
    info.set_current(true);
    info.mutable_loaded_at()->set_seconds(1751328000);
    return grpc::Status::OK;
  }

  std::mutex mutex;
  std::vector<verification_v1::ImportSnapshotRequest> messages;
  std::string content;
  std::string sha256 = kSnapshotSha256;
  absl::Status reject_rows;
};

class FakeStatistics final : public statistics_v1::StatisticsService::Service {
 public:
  grpc::Status ExportReport(grpc::ServerContext*, const statistics_v1::ExportReportRequest* request,
                            statistics_v1::ExportReportResponse* response) override {
    last = *request;
    response->set_content("\xEF\xBB\xBF地区,人数\r\n230100,3\r\n");
    response->set_content_type("text/csv; charset=utf-8");
    response->set_file_name("城镇登记失业人员_230100_2025-06-30.csv");
    return grpc::Status::OK;
  }
  statistics_v1::ExportReportRequest last;
};

// One server on port 0 with the fakes; follow-up is the generated base class, which answers
// UNIMPLEMENTED for everything, as the real service does until its issue lands.
struct Fakes {
  FakeVerification verification;
  FakeStatistics statistics;
  followup_v1::FollowupService::Service followup;
  std::unique_ptr<grpc::Server> server;
  int port = 0;

  Fakes() {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(&verification);
    builder.RegisterService(&statistics);
    builder.RegisterService(&followup);
    server = builder.BuildAndStart();
  }
  ~Fakes() { server->Shutdown(std::chrono::system_clock::now()); }

  void Configure(Uectl& uectl) const {
    const std::string address = "127.0.0.1:" + std::to_string(port);
    uectl.env()["UE_VERIFICATION_ADDR"] = address;
    uectl.env()["UE_STATISTICS_ADDR"] = address;
    uectl.env()["UE_FOLLOWUP_ADDR"] = address;
  }
};

std::string WriteFile(const TempDir& dir, const std::string& name, const std::string& content) {
  std::string path = dir.path() + "/" + name;
  std::ofstream(path, std::ios::binary) << content;
  return path;
}

TEST_CASE("import-snapshot streams the header, then the file in chunks, with progress",
          "[uectl][import]") {
  Fakes fakes;
  TempDir dir;
  Uectl uectl;
  fakes.Configure(uectl);
  const std::string path = WriteFile(dir, "population.csv", kSnapshot);
  REQUIRE(uectl.Run({"import-snapshot", "--source=population", "--version=2025-06-30",
                     "--data-as-of=2025-06-30", "--chunk-size=5", path}) == kExitOk);
  INFO(uectl.err());
  {
    std::lock_guard<std::mutex> lock(fakes.verification.mutex);
    const auto& messages = fakes.verification.messages;
    REQUIRE(messages.size() == 1 + 5 + 1);  // 22 bytes in chunks of 5, then the trailer
    CHECK(messages[0].has_header());
    CHECK(messages[0].header().source() == verification_v1::SOURCE_POPULATION);
    CHECK(messages[0].header().snapshot_version() == "2025-06-30");
    CHECK(messages[0].header().data_as_of() == "2025-06-30");
    CHECK_FALSE(messages[0].header().validate_only());
    for (size_t i = 1; i + 1 < messages.size(); ++i) CHECK(messages[i].has_content());
    CHECK(messages[1].content() == "id_ty");
    REQUIRE(messages.back().has_trailer());
    CHECK(messages.back().trailer().content_length() == 22);
    CHECK(messages.back().trailer().content_sha256() == kSnapshotSha256);
    CHECK(fakes.verification.content == kSnapshot);
  }
  CHECK_THAT(uectl.err(), Contains("import population 2025-06-30: sent 5 B of 22 B (22%)\n"));
  CHECK_THAT(uectl.err(), Contains("sent 22 B of 22 B (100%)\n"));
  CHECK_THAT(uectl.err(), Contains("all 22 B sent; waiting for the verification service"));
  CHECK_THAT(uectl.out(), Contains("loaded: population snapshot 2025-06-30, 1 rows"));
  CHECK_THAT(uectl.out(), Contains(std::string("sha256: ") + kSnapshotSha256));
  CHECK_THAT(uectl.out(), Contains("(now served)"));

  // Standard input, whole in one chunk; the total is unknown.
  uectl.SetStdin(kSnapshot);
  REQUIRE(uectl.Run({"import-snapshot", "--source=social_insurance", "--version=v2",
                     "--validate-only", "-"}) == kExitOk);
  CHECK_THAT(uectl.err(), Contains("import social-insurance v2: sent 22 B\n"));
  CHECK_THAT(uectl.out(), Contains("validated (nothing loaded): social-insurance snapshot v2"));
  std::lock_guard<std::mutex> lock(fakes.verification.mutex);
  REQUIRE(fakes.verification.messages.size() == 3);
  CHECK(fakes.verification.messages[0].header().validate_only());
  CHECK(fakes.verification.messages[2].trailer().content_sha256() == kSnapshotSha256);
}

TEST_CASE("import-snapshot shows invalid rows and a digest that does not match",
          "[uectl][import]") {
  Fakes fakes;
  TempDir dir;
  Uectl uectl;
  fakes.Configure(uectl);
  const std::string path = WriteFile(dir, "population.csv", kSnapshot);
  fakes.verification.reject_rows =
      status::WithErrorInfo(status::InvalidArgumentError(
                                "2 rows of the snapshot are invalid",
                                {{"content[2].birth_date", "DATE_INVALID", "2025-02-30 is no date"},
                                 {"content[3]", "COLUMN_COUNT", "8 columns expected, 7 found"}},
                                "SNAPSHOT_ROWS_INVALID"),
                            "SNAPSHOT_ROWS_INVALID", {{"invalid_rows", "2"}, {"rows_read", "3"}});
  CHECK(uectl.Run({"import-snapshot", "--source=population", "--version=v1", path}) ==
        kExitFailure);
  CHECK_THAT(uectl.err(),
             Contains("uectl import-snapshot: ImportSnapshot failed: INVALID_ARGUMENT: "
                      "2 rows of the snapshot are invalid"));
  CHECK_THAT(uectl.err(),
             Contains("  reason: SNAPSHOT_ROWS_INVALID (invalid_rows=2, rows_read=3)"));
  CHECK_THAT(uectl.err(),
             Contains("    content[2].birth_date: DATE_INVALID: 2025-02-30 is no date"));
  CHECK_THAT(uectl.err(), Contains("    content[3]: COLUMN_COUNT: "));

  fakes.verification.reject_rows = absl::OkStatus();
  fakes.verification.sha256 = "00";
  CHECK(uectl.Run({"import-snapshot", "--source=population", "--version=v1", path}) ==
        kExitFailure);
  CHECK_THAT(uectl.err(), Contains(std::string("the service's sha256 00 differs from the file's ") +
                                   kSnapshotSha256));

  CHECK(uectl.Run({"import-snapshot", "--source=population", "--version=v1",
                   dir.path() + "/missing.csv"}) == kExitFailure);
  CHECK_THAT(uectl.err(), Contains("missing.csv' is not a readable file"));
}

TEST_CASE("compare says clearly that follow-up does not implement it yet", "[uectl][compare]") {
  Fakes fakes;
  Uectl uectl;
  fakes.Configure(uectl);
  CHECK(uectl.Run({"compare", "--month=2025-06", "--staff=ops1"}) == kExitFailure);
  CHECK_THAT(uectl.err(), Contains("uectl compare: RunMonthlyComparison failed: UNIMPLEMENTED"));
  CHECK_THAT(uectl.err(),
             Contains("does not implement this call yet (UNIMPLEMENTED); nothing was done"));
  // Without --staff, UE_STAFF_ID (or the login name) is who ran it.
  uectl.env()["UE_STAFF_ID"] = "ops2";
  CHECK(uectl.Run({"compare", "--month=2025-06"}) == kExitFailure);
  CHECK_THAT(uectl.err(), Contains("UNIMPLEMENTED"));
}

TEST_CASE("export writes the CSV byte for byte", "[uectl][export]") {
  Fakes fakes;
  TempDir dir;
  Uectl uectl;
  fakes.Configure(uectl);
  const std::string path = dir.path() + "/report.csv";
  REQUIRE(uectl.Run({"export", "--report=urban-registered-unemployed", "--region=230100",
                     "--as-of=2025-06-30", "-o", path}) == kExitOk);
  CHECK(ReadFile(path) == "\xEF\xBB\xBF地区,人数\r\n230100,3\r\n");
  CHECK_THAT(uectl.err(), Contains("wrote 28 B to " + path));
  CHECK_THAT(uectl.err(), Contains("城镇登记失业人员_230100_2025-06-30.csv"));
  CHECK(fakes.statistics.last.spec().kind() ==
        statistics_v1::REPORT_KIND_URBAN_REGISTERED_UNEMPLOYED);
  CHECK(fakes.statistics.last.spec().region_code() == "230100");
  CHECK(fakes.statistics.last.spec().as_of() == "2025-06-30");

  REQUIRE(uectl.Run({"export", "--report=flows", "--region=230100", "--period-start=2025-06-01",
                     "--period-end=2025-06-30"}) == kExitOk);
  CHECK(uectl.out() == "\xEF\xBB\xBF地区,人数\r\n230100,3\r\n");
  CHECK(fakes.statistics.last.spec().kind() == statistics_v1::REPORT_KIND_FLOWS);
  CHECK(fakes.statistics.last.spec().period_start() == "2025-06-01");
  CHECK(fakes.statistics.last.spec().as_of().empty());
}

TEST_CASE("progress on a terminal redraws one line", "[uectl][progress]") {
  std::ostringstream out;
  ProgressMeter meter(out, "import", int64_t{2048}, /*terminal=*/true);
  meter.Update(1024);
  meter.Update(2048);
  meter.Finish();
  CHECK(out.str() ==
        "\rimport: sent 1.0 KiB of 2.0 KiB (50%)\x1b[K\rimport: sent 2.0 KiB of 2.0 KiB (100%)"
        "\x1b[K\n");

  std::ostringstream log;
  ProgressMeter tenths(log, "x", int64_t{100}, /*terminal=*/false);
  for (int sent = 1; sent <= 100; ++sent) tenths.Update(sent);
  const std::string text = log.str();
  CHECK(std::count(text.begin(), text.end(), '\n') == 11);  // 1%, then every 10%
}

}  // namespace
}  // namespace unemployment::ops
