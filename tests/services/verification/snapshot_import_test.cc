// Snapshot import: the happy path, every kind of row error with its line number, all-or-nothing
// replacement, versions and idempotent re-imports.
#include <catch2/catch.hpp>

#include "absl/strings/str_replace.h"
#include "tests/services/verification/test_util.h"

namespace unemployment::verification {
namespace {

using testing::CreditCode;
using testing::Fixture;
using testing::Persons;
using testing::Reason;
using testing::Violations;

// `code` with another valid character in place of its check character.
std::string WrongCheck(std::string code) {
  code.back() = code.back() == '0' ? '1' : '0';
  return code;
}

TEST_CASE("a valid snapshot loads with its version, row count, hash and load time", "[import]") {
  Fixture f;
  absl::StatusOr<v1::SnapshotInfo> info =
      f.Import(v1::SOURCE_POPULATION, "gongan-20250930", testing::PopulationCsv());
  UE_REQUIRE_OK(info.status());
  CHECK(info->source() == v1::SOURCE_POPULATION);
  CHECK(info->snapshot_version() == "gongan-20250930");
  CHECK(info->row_count() == 6);
  CHECK(info->content_sha256().size() == 64);
  CHECK(info->current());
  CHECK(info->loaded_at().seconds() == absl::ToUnixSeconds(f.clock.Now()));

  absl::StatusOr<std::optional<StoredSnapshot>> current =
      f.store->GetSnapshot(v1::SOURCE_POPULATION, "");
  UE_REQUIRE_OK(current.status());
  REQUIRE(current->has_value());
  CHECK((*current)->info.snapshot_version() == "gongan-20250930");
  CHECK((*current)->info.row_count() == 6);

  // The rows are served through the source interface.
  absl::StatusOr<std::optional<SourceReading<PopulationRecord>>> found =
      f.store->Sources().population->Find({1, Persons().deceased});
  UE_REQUIRE_OK(found.status());
  REQUIRE(found->has_value());
  CHECK((*found)->snapshot_version == "gongan-20250930");
  REQUIRE((*found)->records.size() == 1);
  CHECK((*found)->records[0].name == "赵六");
  CHECK((*found)->records[0].deceased);
  CHECK(*(*found)->records[0].death_date == absl::CivilDay(2025, 9, 1));
}

TEST_CASE("quoted fields with commas, CRLF line ends and a BOM load", "[import]") {
  Fixture f;
  absl::StatusOr<v1::SnapshotInfo> info =
      f.Import(v1::SOURCE_SOCIAL_INSURANCE, "si-1", "\xEF\xBB\xBF" + testing::InsuranceCsv(), 3);
  UE_REQUIRE_OK(info.status());
  CHECK(info->row_count() == 3);
  auto found = f.store->Sources().social_insurance->Find({1, Persons().employed});
  UE_REQUIRE_OK(found.status());
  REQUIRE((*found)->records.size() == 1);
  CHECK((*found)->records[0].employer_name == "某某科技, 有限公司");
  CHECK(*(*found)->records[0].end_date == absl::CivilDay(2025, 8, 1));
}

TEST_CASE("every invalid row is reported with its line number and column", "[import]") {
  Fixture f;
  const std::string id = Persons().consistent;
  const std::string header = HeaderLine(v1::SOURCE_POPULATION) + "\n";
  const std::string csv =
      header + "1," + id + ",张三,1,1980-01-01,ALIVE,,340524\n" +         // 2 valid
      "1,340524198001010013,张三,1,1980-01-01,ALIVE,,340524\n" +          // 3 bad check character
      "8," + id + ",张三,1,1980-01-01,ALIVE,,340524\n" +                  // 4 unknown ID type
      "1," + Persons().employed + ",李四,1,1995-02-30,ALIVE,,410326\n" +  // 5 no such day
      "1," + Persons().renamed +
      ",王芳,2,1985-03-15,ALIVE,2025-01-01,230102\n" +  // 6 death date while alive
      "1," + Persons().deceased + ",赵六,1,1970-01-01,DECEASED,,230102\n" +  // 7 death date missing
      "1," + Persons().business + ",钱七,1,1990-01-01,ALIVE,,2301\n" +       // 8 region code
      "1," + Persons().retired + ",孙八,1,1960-01-01\n" +                    // 9 column count
      "1," + id + ",张三,1,1980-01-01,ALIVE,,340524\n" +                  // 10 duplicate of line 2
      "1," + Persons().unknown + ",,1,1988-10-10,ALIVE,,230102\n" +       // 11 name missing
      "1," + Persons().unknown + ",x,3,1988-10-10,ALIVE,,230102\n" +      // 12 sex
      "1," + Persons().unknown + ",x,1,1988-10-10,GONE,,230102\n" +       // 13 status
      "1,\"" + Persons().unknown + "\"x,x,1,1988-10-10,ALIVE,,230102\n";  // 14 CSV syntax
  absl::Status status = f.Import(v1::SOURCE_POPULATION, "pop-bad", csv).status();
  REQUIRE(status.code() == absl::StatusCode::kInvalidArgument);
  CHECK(Reason(status) == "SNAPSHOT_ROWS_INVALID");
  std::optional<google::rpc::ErrorInfo> info = status::GetErrorInfo(status);
  REQUIRE(info.has_value());
  CHECK(info->metadata().at("invalid_rows") == "12");
  CHECK(info->metadata().at("rows_read") == "13");

  std::optional<google::rpc::BadRequest> bad = status::GetBadRequest(status);
  REQUIRE(bad.has_value());
  std::vector<std::string> fields;
  for (const auto& v : bad->field_violations()) fields.push_back(v.field());
  CHECK(fields == std::vector<std::string>{
                      "content[3].id_number", "content[4].id_type", "content[5].birth_date",
                      "content[6].death_date", "content[7].death_date",
                      "content[8].household_region_code", "content[9]", "content[10].id_number",
                      "content[11].name", "content[12].sex", "content[13].status", "content[14]"});
  std::map<std::string, std::string> by_field = Violations(status);
  CHECK_THAT(by_field["content[3].id_number"], Catch::StartsWith("CHECK_CHARACTER: "));
  CHECK_THAT(by_field["content[4].id_type"], Catch::StartsWith("ID_TYPE_UNKNOWN: "));
  CHECK_THAT(by_field["content[5].birth_date"], Catch::StartsWith("DATE_INVALID: "));
  CHECK_THAT(by_field["content[6].death_date"], Catch::StartsWith("NOT_APPLICABLE: "));
  CHECK_THAT(by_field["content[7].death_date"], Catch::StartsWith("REQUIRED: "));
  CHECK_THAT(by_field["content[8].household_region_code"], Catch::StartsWith("FORMAT: "));
  CHECK(by_field["content[9]"] == "COLUMN_COUNT: the line has 5 columns, the header 8");
  CHECK(by_field["content[10].id_number"] == "DUPLICATE: the person already appears on line 2");
  CHECK_THAT(by_field["content[11].name"], Catch::StartsWith("REQUIRED: "));
  CHECK_THAT(by_field["content[12].sex"], Catch::StartsWith("CODE_UNKNOWN: "));
  CHECK_THAT(by_field["content[13].status"], Catch::StartsWith("CODE_UNKNOWN: "));
  CHECK_THAT(by_field["content[14]"], Catch::StartsWith("CSV_SYNTAX: "));

  // Nothing was loaded.
  auto current = f.store->GetSnapshot(v1::SOURCE_POPULATION, "");
  UE_REQUIRE_OK(current.status());
  CHECK(!current->has_value());
}

TEST_CASE("row rules of the status sources", "[import]") {
  Fixture f;
  const std::string id = Persons().employed;
  SECTION("social insurance") {
    const std::string csv =
        HeaderLine(v1::SOURCE_SOCIAL_INSURANCE) + "\n" + "1," + id +
        ",李四,EMPLOYEE,,某公司,2024-01-01,\n" +  // 2 employer required
        "1," + id + ",李四,PENSION," + CreditCode("1") +
        ",,2024-01-01,\n" +  // 3 employer for pension
        "1," + id + ",李四,EMPLOYEE," + WrongCheck(CreditCode("1")) +
        ",某公司,2024-01-01,\n" +                                                              // 4
        "1," + id + ",李四,EMPLOYEE," + CreditCode("1") + ",某公司,2024-01-01,2023-12-31\n" +  // 5
        "1," + id + ",李四,WORKER," + CreditCode("1") + ",某公司,2024-01-01,\n";  // 6 kind
    absl::Status status = f.Import(v1::SOURCE_SOCIAL_INSURANCE, "si", csv).status();
    std::map<std::string, std::string> v = Violations(status);
    REQUIRE(v.size() == 5);
    CHECK_THAT(v["content[2].employer_code"], Catch::StartsWith("REQUIRED: "));
    CHECK_THAT(v["content[3].employer_code"], Catch::StartsWith("NOT_APPLICABLE: "));
    CHECK_THAT(v["content[4].employer_code"], Catch::StartsWith("CHECK_CHARACTER: "));
    CHECK_THAT(v["content[5].end_date"], Catch::StartsWith("DATE_ORDER: "));
    CHECK_THAT(v["content[6].kind"], Catch::StartsWith("CODE_UNKNOWN: "));
  }
  SECTION("business registration") {
    const std::string csv =
        HeaderLine(v1::SOURCE_BUSINESS_REGISTRATION) + "\n" + "1," + id + ",李四,OWNER," +
        CreditCode("4") + ",店,REVOKED,2020-01-01,\n" +  // 2 closed_on
        "1," + id + ",李四,OWNER," + CreditCode("4") + ",店,ACTIVE,2020-01-01,2021-01-01\n" +  // 3
        "1," + id + ",李四,PARTNER," + CreditCode("4") + ",店,ACTIVE,2020-01-01,\n";  // 4 role
    std::map<std::string, std::string> v =
        Violations(f.Import(v1::SOURCE_BUSINESS_REGISTRATION, "br", csv).status());
    REQUIRE(v.size() == 3);
    CHECK_THAT(v["content[2].closed_on"], Catch::StartsWith("REQUIRED: "));
    CHECK_THAT(v["content[3].closed_on"], Catch::StartsWith("NOT_APPLICABLE: "));
    CHECK_THAT(v["content[4].role"], Catch::StartsWith("CODE_UNKNOWN: "));
  }
}

TEST_CASE("a bad header or an empty file is refused", "[import]") {
  Fixture f;
  absl::Status empty = f.Import(v1::SOURCE_POPULATION, "p", "").status();
  CHECK(empty.code() == absl::StatusCode::kInvalidArgument);
  CHECK(Violations(empty).count("content") == 1);

  absl::Status header =
      f.Import(v1::SOURCE_POPULATION, "p", HeaderLine(v1::SOURCE_EMPLOYMENT_FILING) + "\n")
          .status();
  CHECK(header.code() == absl::StatusCode::kInvalidArgument);
  CHECK(Reason(header) == "SNAPSHOT_HEADER_INVALID");
  CHECK(Violations(header).count("content[1]") == 1);

  v1::SnapshotHeader bad;
  bad.set_snapshot_version("has space");
  absl::Status begin = f.importer->Begin(bad).status();
  CHECK(begin.code() == absl::StatusCode::kInvalidArgument);
  std::map<std::string, std::string> v = Violations(begin);
  CHECK_THAT(v["header.source"], Catch::StartsWith("REQUIRED: "));
  CHECK_THAT(v["header.snapshot_version"], Catch::StartsWith("FORMAT: "));
}

TEST_CASE("a bad second snapshot leaves the first one served", "[import]") {
  Fixture f(500);
  UE_REQUIRE_OK(f.Import(v1::SOURCE_POPULATION, "pop-1", testing::PopulationCsv()).status());
  // Many valid rows first (written in batches before the bad line is reached), then one bad row.
  std::string csv = HeaderLine(v1::SOURCE_POPULATION) + "\n";
  for (int i = 1; i <= 999; ++i) {  // lines 2..1000
    csv +=
        "1," + testing::ResidentId("230102", "19900101", i) + ",某人,1,1990-01-01,ALIVE,,230102\n";
  }
  csv += "1," + Persons().unknown + ",某人,1,1988-10-10,ALIVE,,999\n";  // line 1001
  ImportLimits limits;
  limits.rows_per_batch = 100;
  f.importer = std::make_unique<SnapshotImporter>(*f.store, f.clock, limits);
  absl::Status status = f.Import(v1::SOURCE_POPULATION, "pop-2", csv, 4096).status();
  REQUIRE(status.code() == absl::StatusCode::kInvalidArgument);
  CHECK(Violations(status).count("content[1001].household_region_code") == 1);

  auto current = f.store->GetSnapshot(v1::SOURCE_POPULATION, "");
  UE_REQUIRE_OK(current.status());
  REQUIRE(current->has_value());
  CHECK((*current)->info.snapshot_version() == "pop-1");
  auto found =
      f.store->Sources().population->Find({1, testing::ResidentId("230102", "19900101", 5)});
  UE_REQUIRE_OK(found.status());
  CHECK((*found)->records.empty());
  auto still = f.store->Sources().population->Find({1, Persons().consistent});
  UE_REQUIRE_OK(still.status());
  CHECK((*still)->records.size() == 1);
  // The failed version was never recorded and its rows (written in batches) are gone.
  CHECK(!f.store->GetSnapshot(v1::SOURCE_POPULATION, "pop-2")->has_value());
  f.store->Shutdown();
  CHECK(f.Count("SELECT count(*) FROM population_rows") == 6);
  CHECK(f.Count("SELECT count(*) FROM snapshots") == 1);
}

TEST_CASE("a good second snapshot replaces the first whole", "[import]") {
  Fixture f;
  UE_REQUIRE_OK(f.Import(v1::SOURCE_POPULATION, "pop-1", testing::PopulationCsv()).status());
  f.clock.Advance(absl::Hours(24));
  const std::string second = HeaderLine(v1::SOURCE_POPULATION) + "\n1," + Persons().unknown +
                             ",周九,1,1988-10-10,ALIVE,,230102\n";
  absl::StatusOr<v1::SnapshotInfo> info = f.Import(v1::SOURCE_POPULATION, "pop-2", second);
  UE_REQUIRE_OK(info.status());
  CHECK(info->row_count() == 1);
  auto gone = f.store->Sources().population->Find({1, Persons().consistent});
  UE_REQUIRE_OK(gone.status());
  CHECK((*gone)->snapshot_version == "pop-2");
  CHECK((*gone)->records.empty());

  // Both versions are listed, newest first; only the second is current.
  absl::StatusOr<SnapshotPage> page = f.store->ListSnapshots(v1::SOURCE_UNSPECIFIED, 0, 50);
  UE_REQUIRE_OK(page.status());
  REQUIRE(page->snapshots.size() == 2);
  CHECK(page->snapshots[0].info.snapshot_version() == "pop-2");
  CHECK(page->snapshots[0].info.current());
  CHECK(page->snapshots[1].info.snapshot_version() == "pop-1");
  CHECK(!page->snapshots[1].info.current());
  auto old = f.store->GetSnapshot(v1::SOURCE_POPULATION, "pop-1");
  UE_REQUIRE_OK(old.status());
  REQUIRE(old->has_value());
  CHECK(!(*old)->info.current());

  // Only the served snapshot keeps its rows. The old ones go in chunks (of 4 here) after the
  // swap; a shutdown may cut that short, and the next start-up removes the rest.
  f.store->Shutdown();
  CHECK(f.Count("SELECT count(*) FROM population_rows") <= 1 + 6 - 4);
  auto reopened = SqliteVerificationStore::Open(f.dir.File("verification.db"), {1, 4});
  UE_REQUIRE_OK(reopened.status());
  CHECK(f.Count("SELECT count(*) FROM population_rows") == 1);
  auto served = (*reopened)->Sources().population->Find({1, Persons().unknown});
  UE_REQUIRE_OK(served.status());
  CHECK((*served)->records.size() == 1);
}

TEST_CASE("re-importing a version: same content is a no-op, other content ALREADY_EXISTS",
          "[import]") {
  Fixture f;
  absl::StatusOr<v1::SnapshotInfo> first =
      f.Import(v1::SOURCE_POPULATION, "pop-1", testing::PopulationCsv());
  UE_REQUIRE_OK(first.status());
  f.clock.Advance(absl::Hours(1));
  absl::StatusOr<v1::SnapshotInfo> again =
      f.Import(v1::SOURCE_POPULATION, "pop-1", testing::PopulationCsv(), 13);
  UE_REQUIRE_OK(again.status());
  CHECK(again->loaded_at().seconds() == first->loaded_at().seconds());
  CHECK(again->content_sha256() == first->content_sha256());

  absl::Status other =
      f.Import(v1::SOURCE_POPULATION, "pop-1", testing::PopulationCsv() + "\n").status();
  CHECK(other.code() == absl::StatusCode::kAlreadyExists);
  CHECK(Reason(other) == "SNAPSHOT_VERSION_EXISTS");
  CHECK(f.store->ListSnapshots(v1::SOURCE_POPULATION, 0, 50)->snapshots.size() == 1);
}

TEST_CASE("validate_only checks without loading; one import per source at a time", "[import]") {
  Fixture f;
  absl::StatusOr<v1::SnapshotInfo> checked =
      f.Import(v1::SOURCE_POPULATION, "pop-1", testing::PopulationCsv(), 7, true);
  UE_REQUIRE_OK(checked.status());
  CHECK(checked->row_count() == 6);
  CHECK(!checked->current());
  CHECK(!f.store->GetSnapshot(v1::SOURCE_POPULATION, "")->has_value());

  v1::SnapshotHeader header;
  header.set_source(v1::SOURCE_POPULATION);
  header.set_snapshot_version("a");
  absl::StatusOr<std::shared_ptr<ImportSession>> running = f.importer->Begin(header);
  UE_REQUIRE_OK(running.status());
  absl::Status second = f.importer->Begin(header).status();
  CHECK(second.code() == absl::StatusCode::kAborted);
  CHECK(Reason(second) == "IMPORT_RUNNING");
  header.set_source(v1::SOURCE_EMPLOYMENT_FILING);
  CHECK(f.importer->Begin(header).ok());  // another source is free
  running->reset();
  header.set_source(v1::SOURCE_POPULATION);
  CHECK(f.importer->Begin(header).ok());
}

TEST_CASE("names in snapshot rows are sealed at rest, and read back", "[import][at_rest]") {
  Fixture f;
  f.LoadAll();
  absl::StatusOr<v1::VerificationResult> result = f.Verify(Persons().consistent, "张三");
  UE_REQUIRE_OK(result.status());
  CHECK(result->identity().name_matches());
  result = f.Verify(Persons().consistent, "李四");
  UE_REQUIRE_OK(result.status());
  CHECK_FALSE(result->identity().name_matches());
  f.store->Shutdown();
  for (const char* table : {"population_rows", "insurance_rows", "employment_rows",
                            "business_rows"}) {
    INFO(table);
    CHECK(f.Count(absl::StrCat("SELECT count(*) FROM ", table)) > 0);
    CHECK(f.Count(absl::StrCat("SELECT count(*) FROM ", table, " WHERE typeof(name) != 'blob' "
                               "OR instr(name, CAST('张三' AS BLOB)) > 0 "
                               "OR instr(name, CAST('钱七' AS BLOB)) > 0")) == 0);
  }
}

TEST_CASE("an older database gets its snapshot names sealed by the migration",
          "[import][at_rest]") {
  testing::TempDir dir;
  const std::string path = dir.File("verification.db");
  {
    // A verification.db at schema version 2: a population snapshot with a name in clear.
    store::DatabaseOptions options;
    options.path = path;
    absl::StatusOr<std::unique_ptr<store::Database>> db = store::Database::Open(options);
    UE_REQUIRE_OK(db.status());
    UE_REQUIRE_OK(store::Migrate(**db, VerificationMigrations().subspan(0, 2)));
    UE_REQUIRE_OK((*db)->Execute(
        "INSERT INTO snapshots (snapshot_id, source, version, data_as_of, row_count, "
        "content_sha256, loaded_micros, state) VALUES (1, 1, 'pop-old', '', 1, '', 0, 1)"));
    UE_REQUIRE_OK((*db)->Execute("INSERT INTO current_snapshots (source, snapshot_id) VALUES (1, 1)"));
    UE_REQUIRE_OK((*db)->Execute(absl::StrCat(
        "INSERT INTO population_rows (snapshot_id, id_type, id_number, name, sex, birth_date, "
        "deceased, death_date, household_region_code) VALUES (1, 1, ue_search_hash('",
        Persons().consistent, "'), '张三', 1, '1980-01-01', 0, NULL, '340524')")));
  }
  time::FakeClock clock(
      absl::FromCivil(absl::CivilSecond(2025, 10, 20, 12, 0, 0), time::ChinaTimeZone()));
  absl::StatusOr<std::unique_ptr<SqliteVerificationStore>> opened =
      SqliteVerificationStore::Open(path, {2, 4});  // migrates to the current schema
  UE_REQUIRE_OK(opened.status());
  std::unique_ptr<SqliteVerificationStore> store = *std::move(opened);
  {
    Verifier verifier(store->Sources(), *store, clock);
    v1::VerifyApplicantRequest request;
    request.mutable_person_id()->set_id_type(common::v1::ID_TYPE_RESIDENT_ID_CARD);
    request.mutable_person_id()->set_id_number(Persons().consistent);
    request.set_name("张三");
    request.set_unemployed_date("2025-08-01");
    request.set_as_of("2025-09-30");
    std::promise<absl::StatusOr<v1::VerificationResult>> done;
    verifier.Verify(request, request.SerializeAsString(),
                    [&done](absl::StatusOr<v1::VerificationResult> r) {
                      done.set_value(std::move(r));
                    });
    absl::StatusOr<v1::VerificationResult> result = done.get_future().get();
    UE_REQUIRE_OK(result.status());
    CHECK(result->identity().found());
    CHECK(result->identity().name_matches());
    CHECK(result->identity().snapshot_version() == "pop-old");
  }
  store->Shutdown();
  store::DatabaseOptions options;
  options.path = path;
  absl::StatusOr<std::unique_ptr<store::Database>> db = store::Database::Open(options);
  UE_REQUIRE_OK(db.status());
  absl::StatusOr<store::Statement> raw = (*db)->Prepare(
      "SELECT typeof(name), instr(name, CAST('张三' AS BLOB)) FROM population_rows");
  UE_REQUIRE_OK(raw.status());
  absl::StatusOr<bool> row = raw->Step();
  UE_REQUIRE_OK(row.status());
  REQUIRE(*row);
  CHECK(raw->ColumnString(0) == "blob");
  CHECK(raw->ColumnInt64(1) == 0);
}

}  // namespace
}  // namespace unemployment::verification
