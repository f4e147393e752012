// Helpers shared by the verification tests: temp folders, valid IDs and credit codes, small
// hand-made snapshots, and a store + importer + verifier on a temp SQLite file with a FakeClock.
#pragma once

#include <stdlib.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/status/status_util.h"
#include "common/time/clock.h"
#include "common/time/time_zone.h"
#include "common/validation/resident_id.h"
#include "services/verification/snapshot_importer.h"
#include "services/verification/snapshot_rows.h"
#include "services/verification/sqlite_verification_store.h"
#include "services/verification/stream_trailer.h"
#include "services/verification/verifier.h"
#include "tests/common/require_ok.h"
#include "tests/testing/resident_id.h"
#include "tests/testing/temp_dir.h"

namespace unemployment::verification::testing {

// Temporary folders come from the shared test support (tests/testing/temp_dir.h).
using ::unemployment::testing::TempDir;

// Valid resident ID numbers come from the shared test support (tests/testing/resident_id.h).
using ::unemployment::testing::ResidentId;

// A valid unified social credit code ending its first 17 characters with `tail` (digits).
inline std::string CreditCode(const std::string& tail) {
  std::string first17 = absl::StrCat("91230100MA", tail);
  first17.resize(17, '0');
  std::optional<char> check = UnifiedCreditCodeCheckCharacter(first17);
  REQUIRE(check.has_value());
  return first17 + *check;
}

// The people of the hand-made snapshots (see Fixture below).
struct People {
  std::string consistent = "34052419800101001X";  // 张三: only a job that ended the day before
  std::string employed = "410326199507103197";    // 李四: filed and insured employment
  std::string renamed = ResidentId("230102", "19850315", 12);   // 王芳 (female)
  std::string deceased = ResidentId("230102", "19700101", 21);  // 赵六, died 2025-09-01
  std::string business = ResidentId("230102", "19900101", 31);  // 钱七: active business
  std::string retired = ResidentId("230102", "19600101", 41);   // 孙八: pension, retirement age
  std::string unknown = ResidentId("230102", "19881010", 51);   // in no source
};

inline const People& Persons() {
  static const People* const kPeople = new People();
  return *kPeople;
}

inline std::string PopulationCsv() {
  const People& p = Persons();
  return absl::StrCat(
      HeaderLine(v1::SOURCE_POPULATION), "\n", "1,", p.consistent,
      ",张三,1,1980-01-01,ALIVE,,340524\n", "1,", p.employed, ",李四,1,1995-07-10,ALIVE,,410326\n",
      "1,", p.renamed, ",王芳,2,1985-03-15,ALIVE,,230102\n", "1,", p.deceased,
      ",赵六,1,1970-01-01,DECEASED,2025-09-01,230102\n", "1,", p.business,
      ",钱七,1,1990-01-01,ALIVE,,230102\n", "1,", p.retired, ",孙八,1,1960-01-01,ALIVE,,230102\n");
}

inline std::string InsuranceCsv() {
  const People& p = Persons();
  return absl::StrCat(
      HeaderLine(v1::SOURCE_SOCIAL_INSURANCE), "\r\n", "1,", p.consistent, ",张三,EMPLOYEE,",
      CreditCode("1"), ",\"哈尔滨某某有限公司\",2020-01-01,2025-07-31\r\n", "1,", p.employed,
      ",李四,EMPLOYEE,", CreditCode("2"), ",\"某某科技, 有限公司\",2024-01-01,2025-08-01\r\n", "1,",
      p.retired, ",孙八,PENSION,,,2020-02-01,\r\n");
}

inline std::string EmploymentCsv() {
  const People& p = Persons();
  return absl::StrCat(HeaderLine(v1::SOURCE_EMPLOYMENT_FILING), "\n", "1,", p.consistent, ",张三,",
                      CreditCode("1"), ",哈尔滨某某有限公司,2020-01-01,2025-07-31\n",
                      // Hired after as_of: ignored.
                      "1,", p.consistent, ",张三,", CreditCode("3"), ",新公司,2025-10-15,\n", "1,",
                      p.employed, ",李四,", CreditCode("2"), ",某某科技有限公司,2024-01-01,\n");
}

inline std::string BusinessCsv() {
  const People& p = Persons();
  return absl::StrCat(HeaderLine(v1::SOURCE_BUSINESS_REGISTRATION), "\n", "1,", p.business,
                      ",钱七,OWNER,", CreditCode("4"), ",钱七小吃店,ACTIVE,2025-09-01,\n", "1,",
                      p.business, ",钱七,LEGAL_REPRESENTATIVE,", CreditCode("5"),
                      ",旧公司,CANCELLED,2018-01-01,2025-07-01\n");
}

// Store, importer and verifier on a temp file; the clock stands at 2025-10-20 noon in China.
struct Fixture {
  // `delete_chunk_rows` is small so that tests see old rows deleted over several transactions.
  explicit Fixture(int64_t delete_chunk_rows = 4)
      : clock(absl::FromCivil(absl::CivilSecond(2025, 10, 20, 12, 0, 0), time::ChinaTimeZone())) {
    absl::StatusOr<std::unique_ptr<SqliteVerificationStore>> opened =
        SqliteVerificationStore::Open(dir.File("verification.db"), {2, delete_chunk_rows});
    UE_REQUIRE_OK(opened.status());
    store = *std::move(opened);
    importer = std::make_unique<SnapshotImporter>(*store, clock);
    verifier = std::make_unique<Verifier>(store->Sources(), *store, clock);
  }
  ~Fixture() {
    verifier.reset();
    importer.reset();
    store->Shutdown();
  }

  // Imports `csv` in pieces of `piece` bytes, ends with the trailer of what was fed (changed by
  // `tamper` when given) and waits for the answer.
  absl::StatusOr<v1::SnapshotInfo> Import(
      v1::Source source, const std::string& version, const std::string& csv, size_t piece = 7,
      bool validate_only = false,
      const std::function<void(v1::ImportSnapshotTrailer&)>& tamper = nullptr) {
    v1::SnapshotHeader header;
    header.set_source(source);
    header.set_snapshot_version(version);
    header.set_validate_only(validate_only);
    absl::StatusOr<std::shared_ptr<ImportSession>> session = importer->Begin(header);
    if (!session.ok()) return session.status();
    ImportTrailerBuilder trailer;
    for (size_t at = 0; at < csv.size(); at += piece) {
      std::promise<absl::Status> ready;
      trailer.Add(absl::string_view(csv).substr(at, piece));
      (*session)->Feed(absl::string_view(csv).substr(at, piece),
                       [&ready](absl::Status status) { ready.set_value(std::move(status)); });
      absl::Status status = ready.get_future().get();
      if (!status.ok()) return status;
    }
    v1::ImportSnapshotTrailer last = trailer.Finish();
    if (tamper) tamper(last);
    std::promise<absl::StatusOr<v1::SnapshotInfo>> done;
    (*session)->Finish(
        last, [&done](absl::StatusOr<v1::SnapshotInfo> info) { done.set_value(std::move(info)); });
    return done.get_future().get();
  }

  void LoadAll() {
    UE_REQUIRE_OK(Import(v1::SOURCE_POPULATION, "pop-1", PopulationCsv()).status());
    UE_REQUIRE_OK(Import(v1::SOURCE_SOCIAL_INSURANCE, "si-1", InsuranceCsv()).status());
    UE_REQUIRE_OK(Import(v1::SOURCE_EMPLOYMENT_FILING, "ef-1", EmploymentCsv()).status());
    UE_REQUIRE_OK(Import(v1::SOURCE_BUSINESS_REGISTRATION, "br-1", BusinessCsv()).status());
  }

  absl::StatusOr<v1::VerificationResult> Verify(const std::string& id_number,
                                                const std::string& name,
                                                const std::string& unemployed_date = "2025-08-01",
                                                const std::string& as_of = "2025-09-30",
                                                const std::string& request_id = "") {
    v1::VerifyApplicantRequest request;
    request.set_request_id(request_id);
    request.mutable_person_id()->set_id_type(common::v1::ID_TYPE_RESIDENT_ID_CARD);
    request.mutable_person_id()->set_id_number(id_number);
    request.set_name(name);
    request.set_unemployed_date(unemployed_date);
    request.set_as_of(as_of);
    std::promise<absl::StatusOr<v1::VerificationResult>> done;
    verifier->Verify(
        request, request.SerializeAsString(),
        [&done](absl::StatusOr<v1::VerificationResult> r) { done.set_value(std::move(r)); });
    return done.get_future().get();
  }

  // The single number `sql` selects, read on a connection of its own (after store->Shutdown(),
  // every queued write has landed).
  int64_t Count(std::string_view sql) {
    store::DatabaseOptions options;
    options.path = dir.File("verification.db");
    absl::StatusOr<std::unique_ptr<store::Database>> db = store::Database::Open(options);
    UE_REQUIRE_OK(db.status());
    absl::StatusOr<store::Statement> statement = (*db)->Prepare(sql);
    UE_REQUIRE_OK(statement.status());
    absl::StatusOr<bool> row = statement->Step();
    UE_REQUIRE_OK(row.status());
    REQUIRE(*row);
    return statement->ColumnInt64(0);
  }

  TempDir dir;
  time::FakeClock clock;
  std::unique_ptr<SqliteVerificationStore> store;
  std::unique_ptr<SnapshotImporter> importer;
  std::unique_ptr<Verifier> verifier;
};

// field -> description of every BadRequest violation in `status`.
inline std::map<std::string, std::string> Violations(const absl::Status& status) {
  std::map<std::string, std::string> out;
  std::optional<google::rpc::BadRequest> bad = status::GetBadRequest(status);
  if (!bad.has_value()) return out;
  for (const auto& v : bad->field_violations()) out[v.field()] = v.description();
  return out;
}

inline std::string Reason(const absl::Status& status) {
  std::optional<google::rpc::ErrorInfo> info = status::GetErrorInfo(status);
  return info.has_value() ? info->reason() : "";
}

}  // namespace unemployment::verification::testing
