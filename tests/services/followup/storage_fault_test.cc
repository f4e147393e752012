// Storage faults under the follow-up service's writes (disk full, I/O errors injected by
// store::testing::FaultVfs at every write and sync of the commit): each write RPC that meets a
// fault answers a clean error over gRPC, leaves the database exactly as it was (every row of every
// table, integrity checked), and once the disk is back the same request (same request_id) is
// applied exactly once; repeating it again returns the stored answer.
#include <algorithm>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "catch2/catch.hpp"
#include "common/store/database.h"
#include "common/store/testing/fault_vfs.h"
#include "tests/services/followup/test_util.h"

namespace unemployment::followup {
namespace {

using store::testing::Fault;
using store::testing::FaultTarget;
using store::testing::FaultVfs;
using testing::Call;
using testing::FakeRegistration;
using testing::FollowupStack;
using testing::MakeRegistration;
using Stub = v1::FollowupService::Stub;
// Table name -> its rows (every column hex-encoded), sorted.
using Dump = std::map<std::string, std::vector<std::string>>;

// Every row of every table, as a fresh read-only connection sees it after an integrity check.
Dump Inspect(const std::string& path) {
  store::DatabaseOptions options;
  options.path = path;
  options.read_only = true;
  absl::StatusOr<std::unique_ptr<store::Database>> db = store::Database::Open(options);
  INFO(db.status().ToString());
  REQUIRE(db.ok());
  UE_REQUIRE_OK((*db)->CheckIntegrity());
  std::vector<std::string> tables;
  {
    absl::StatusOr<store::Statement> names =
        (*db)->Prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name");
    REQUIRE(names.ok());
    while (true) {
      absl::StatusOr<bool> row = names->Step();
      REQUIRE(row.ok());
      if (!*row) break;
      tables.push_back(names->ColumnString(0));
    }
  }
  Dump dump;
  for (const std::string& table : tables) {
    absl::StatusOr<store::Statement> rows = (*db)->Prepare("SELECT * FROM \"" + table + "\"");
    REQUIRE(rows.ok());
    std::vector<std::string>& out = dump[table];
    while (true) {
      absl::StatusOr<bool> row = rows->Step();
      REQUIRE(row.ok());
      if (!*row) break;
      std::string line;
      for (int c = 0; c < rows->ColumnCount(); ++c) {
        const std::string_view bytes = rows->ColumnBlob(c);
        line += rows->ColumnIsNull(c)
                    ? std::string("NULL")
                    : absl::BytesToHexString(absl::string_view(bytes.data(), bytes.size()));
        line += '|';
      }
      out.push_back(std::move(line));
    }
    std::sort(out.begin(), out.end());
  }
  return dump;
}

int64_t Rows(const Dump& dump, const std::string& table) {
  auto it = dump.find(table);
  REQUIRE(it != dump.end());
  return static_cast<int64_t>(it->second.size());
}

bool CleanStorageError(const absl::Status& status) {
  return status.code() == absl::StatusCode::kResourceExhausted ||
         status.code() == absl::StatusCode::kUnavailable ||
         status.code() == absl::StatusCode::kAborted;
}

// One test's follow-up service (a fake registration with one active registration of 230103),
// its database in a fresh folder under FaultVfs's prefix. Business day 2025-02-28.
struct Fixture {
  Fixture() : dir(testing::TempDir()), path(dir + "/followup.db") {
    FaultVfs::Install().SetPathPrefix(dir + "/");
    FaultVfs::Install().Clear();
    const int64_t last =
        registration.service().AddCreated(MakeRegistration(kRegistration, "甲", "230103", "2025-01-10"));
    stack = std::make_unique<FollowupStack>(dir, registration.address(),
                                            testing::ChinaNoon(2025, 2, 28));
    REQUIRE(stack->SyncTo(last));
  }
  ~Fixture() {
    FaultVfs::Install().Clear();
    stack.reset();
  }
  Stub& stub() { return stack->stub(); }

  static constexpr char kRegistration[] = "hlj-r-1";
  std::string dir;
  std::string path;
  FakeRegistration registration;
  std::unique_ptr<FollowupStack> stack;
};

v1::RecordFollowUpRequest EmployedFollowUp() {
  v1::RecordFollowUpRequest request;
  request.set_request_id("fault-follow-up");
  v1::FollowUp* f = request.mutable_follow_up();
  f->set_registration_id(Fixture::kRegistration);
  f->set_method(v1::FOLLOW_UP_METHOD_PHONE_SURVEY);
  f->set_contact_date("2025-02-20");
  f->set_staff_id("staff-7");
  f->set_outcome(v1::FOLLOW_UP_OUTCOME_EMPLOYED);
  f->set_employer_name("哈尔滨啤酒厂");
  return request;
}

v1::SubmitSelfReportRequest SelfReport() {
  v1::SubmitSelfReportRequest request;
  request.set_request_id("fault-self-report");
  request.mutable_person_id()->set_id_type(common::v1::ID_TYPE_RESIDENT_ID_CARD);
  request.mutable_person_id()->set_id_number(testing::kIdNumber);
  request.mutable_self_report()->set_registration_id(Fixture::kRegistration);
  request.mutable_self_report()->set_report_date("2025-02-21");
  request.mutable_self_report()->set_status(v1::FOLLOW_UP_OUTCOME_STILL_UNEMPLOYED);
  v1::JobSearchActivity* activity = request.mutable_self_report()->add_activities();
  activity->set_date("2025-02-19");
  activity->set_employer_name("哈尔滨电机厂");
  activity->set_result("面试");
  request.set_submitted_by("portal");
  return request;
}

v1::OpenFraudCaseRequest OpenCase() {
  return testing::OpenFraudCaseRequest("fault-open", "230100", "230103", "2025-02-01");
}

v1::RecordFraudInvestigationRequest Investigate(const std::string& case_id) {
  v1::RecordFraudInvestigationRequest request;
  request.set_request_id("fault-investigate");
  request.set_case_id(case_id);
  request.set_investigated_on("2025-02-05");
  request.set_investigator_id("inspector-2");
  request.set_findings("约谈本人，承认已就业");
  return request;
}

v1::ConcludeFraudCaseRequest Conclude(const std::string& case_id) {
  v1::ConcludeFraudCaseRequest request;
  request.set_request_id("fault-conclude");
  request.set_case_id(case_id);
  request.set_conclusion(v1::FRAUD_CONCLUSION_CONFIRMED);
  request.set_concluded_on("2025-02-10");
  request.set_decision("证据确凿");
  request.set_decision_document("哈人社稽〔2025〕3号");
  request.set_amount_involved_fen(123456);
  request.set_staff_id("chief-1");
  return request;
}

v1::SubmitMonthlyFraudReportRequest SubmitReport() {
  v1::SubmitMonthlyFraudReportRequest request;
  request.set_request_id("fault-report");
  request.set_city_code("230100");
  request.set_month("2025-02");
  request.set_staff_id("city-clerk");
  return request;
}

v1::DeregisterRegistrationRequest Deregister() {
  v1::DeregisterRegistrationRequest request;
  request.set_request_id("fault-deregister");
  request.set_registration_id(Fixture::kRegistration);
  request.set_reason(common::v1::DEREGISTRATION_REASON_DECEASED);
  request.set_effective_date("2025-02-25");
  request.set_staff_id("staff-7");
  return request;
}

v1::DecideDeregistrationCandidateRequest Accept(const std::string& candidate_id) {
  v1::DecideDeregistrationCandidateRequest request;
  request.set_request_id("fault-decide");
  request.set_candidate_id(candidate_id);
  request.set_decision(v1::CANDIDATE_DECISION_ACCEPT);
  request.set_effective_date("2025-02-26");
  request.set_staff_id("staff-7");
  return request;
}

std::string OpenedCase(Fixture& f) {
  v1::OpenFraudCaseResponse opened;
  UE_REQUIRE_OK(Call(f.stub(), &Stub::OpenFraudCase, OpenCase(), &opened));
  return opened.fraud_case().case_id();
}

// One write RPC under test: `prepare` makes what it needs (before the fault), `call` sends the
// request and returns its status and serialized answer; `once` checks the database after the
// request succeeded (and was repeated) against the one before it.
struct WriteCase {
  const char* name;
  std::function<std::string(Fixture&)> prepare;
  std::function<absl::Status(Fixture&, const std::string&, std::string*)> call;
  std::function<void(Fixture&, const Dump& before, const Dump& after)> once;
};

template <typename Request, typename Response>
absl::Status Send(Fixture& f, grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&,
                                                            Response*),
                  const Request& request, std::string* answer) {
  Response response;
  absl::Status status = Call(f.stub(), method, request, &response);
  *answer = response.SerializeAsString();
  return status;
}

std::vector<WriteCase> WriteCases() {
  auto nothing = [](Fixture&) { return std::string(); };
  return {
      {"RecordFollowUp (with a candidate)", nothing,
       [](Fixture& f, const std::string&, std::string* answer) {
         return Send(f, &Stub::RecordFollowUp, EmployedFollowUp(), answer);
       },
       [](Fixture&, const Dump& before, const Dump& after) {
         CHECK(Rows(after, "follow_ups") == Rows(before, "follow_ups") + 1);
         CHECK(Rows(after, "candidates") == Rows(before, "candidates") + 1);
         CHECK(Rows(after, "events") == Rows(before, "events") + 1);
         CHECK(Rows(after, "requests") == Rows(before, "requests") + 1);
       }},
      {"AmendFollowUp (withdraws it and its candidate)",
       [](Fixture& f) {
         v1::RecordFollowUpResponse recorded;
         UE_REQUIRE_OK(Call(f.stub(), &Stub::RecordFollowUp, EmployedFollowUp(), &recorded));
         return recorded.follow_up().follow_up_id();
       },
       [](Fixture& f, const std::string& follow_up_id, std::string* answer) {
         v1::AmendFollowUpRequest request;
         request.set_request_id("fault-amend");
         request.set_follow_up_id(follow_up_id);
         request.set_amendment_reason("recorded in error");
         request.set_actor("staff-8");
         request.set_withdraw(true);
         return Send(f, &Stub::AmendFollowUp, request, answer);
       },
       [](Fixture& f, const Dump& before, const Dump& after) {
         CHECK(Rows(after, "follow_ups") == Rows(before, "follow_ups"));
         CHECK(Rows(after, "events") == Rows(before, "events") + 1);
         CHECK(Rows(after, "requests") == Rows(before, "requests") + 1);
         v1::ListFollowUpsRequest list;
         list.set_registration_id(Fixture::kRegistration);
         v1::ListFollowUpsResponse listed;
         UE_REQUIRE_OK(Call(f.stub(), &Stub::ListFollowUps, list, &listed));
         REQUIRE(listed.follow_ups_size() == 1);
         CHECK(listed.follow_ups(0).withdrawn());
         CHECK(listed.follow_ups(0).amendments_size() == 1);
         CHECK(listed.follow_ups(0).amendments(0).withdrawn_candidate_id() ==
               listed.follow_ups(0).candidate_id());
       }},
      {"SubmitSelfReport", nothing,
       [](Fixture& f, const std::string&, std::string* answer) {
         return Send(f, &Stub::SubmitSelfReport, SelfReport(), answer);
       },
       [](Fixture&, const Dump& before, const Dump& after) {
         CHECK(Rows(after, "self_reports") == Rows(before, "self_reports") + 1);
         CHECK(Rows(after, "follow_ups") == Rows(before, "follow_ups") + 1);
         CHECK(Rows(after, "events") == Rows(before, "events") + 1);
         CHECK(Rows(after, "requests") == Rows(before, "requests") + 1);
       }},
      {"OpenFraudCase", nothing,
       [](Fixture& f, const std::string&, std::string* answer) {
         return Send(f, &Stub::OpenFraudCase, OpenCase(), answer);
       },
       [](Fixture&, const Dump& before, const Dump& after) {
         CHECK(Rows(after, "fraud_cases") == Rows(before, "fraud_cases") + 1);
         CHECK(Rows(after, "events") == Rows(before, "events") + 1);
         CHECK(Rows(after, "requests") == Rows(before, "requests") + 1);
       }},
      {"RecordFraudInvestigation", OpenedCase,
       [](Fixture& f, const std::string& case_id, std::string* answer) {
         return Send(f, &Stub::RecordFraudInvestigation, Investigate(case_id), answer);
       },
       [](Fixture& f, const Dump& before, const Dump& after) {
         CHECK(Rows(after, "fraud_cases") == Rows(before, "fraud_cases"));
         CHECK(Rows(after, "requests") == Rows(before, "requests") + 1);
         v1::ListFraudCasesRequest list;
         list.set_region_code("230103");
         v1::ListFraudCasesResponse cases;
         UE_REQUIRE_OK(Call(f.stub(), &Stub::ListFraudCases, list, &cases));
         REQUIRE(cases.fraud_cases_size() == 1);
         CHECK(cases.fraud_cases(0).investigations_size() == 1);
         CHECK(cases.fraud_cases(0).state() == v1::FRAUD_CASE_STATE_INVESTIGATING);
       }},
      {"ConcludeFraudCase",
       [](Fixture& f) {
         const std::string case_id = OpenedCase(f);
         v1::RecordFraudInvestigationResponse investigated;
         UE_REQUIRE_OK(Call(f.stub(), &Stub::RecordFraudInvestigation, Investigate(case_id),
                            &investigated));
         return case_id;
       },
       [](Fixture& f, const std::string& case_id, std::string* answer) {
         return Send(f, &Stub::ConcludeFraudCase, Conclude(case_id), answer);
       },
       [](Fixture&, const Dump& before, const Dump& after) {
         CHECK(Rows(after, "events") == Rows(before, "events") + 1);
         CHECK(Rows(after, "requests") == Rows(before, "requests") + 1);
       }},
      {"SubmitMonthlyFraudReport",
       [](Fixture& f) {
         const std::string case_id = OpenedCase(f);
         v1::RecordFraudInvestigationResponse investigated;
         UE_REQUIRE_OK(Call(f.stub(), &Stub::RecordFraudInvestigation, Investigate(case_id),
                            &investigated));
         v1::ConcludeFraudCaseResponse concluded;
         UE_REQUIRE_OK(Call(f.stub(), &Stub::ConcludeFraudCase, Conclude(case_id), &concluded));
         return case_id;
       },
       [](Fixture& f, const std::string&, std::string* answer) {
         return Send(f, &Stub::SubmitMonthlyFraudReport, SubmitReport(), answer);
       },
       [](Fixture&, const Dump& before, const Dump& after) {
         CHECK(Rows(after, "fraud_reports") == Rows(before, "fraud_reports") + 1);
         CHECK(Rows(after, "requests") == Rows(before, "requests") + 1);
       }},
      {"DeregisterRegistration", nothing,
       [](Fixture& f, const std::string&, std::string* answer) {
         return Send(f, &Stub::DeregisterRegistration, Deregister(), answer);
       },
       [](Fixture& f, const Dump& before, const Dump& after) {
         CHECK(Rows(after, "requests") == Rows(before, "requests") + 1);
         CHECK(after.at("registrations") != before.at("registrations"));
         // Registration was asked again with the same request_id after the failed local write,
         // and answered from its own idempotency: the person was deregistered once.
         for (const auto& call : f.registration.service().deregister_calls()) {
           CHECK(call.request_id() == "fault-deregister");
         }
         CHECK(f.registration.service().registration(Fixture::kRegistration).state() ==
               registration::v1::REGISTRATION_STATE_DEREGISTERED);
       }},
      {"DecideDeregistrationCandidate (accept)",
       [](Fixture& f) {
         v1::RecordFollowUpResponse recorded;
         UE_REQUIRE_OK(Call(f.stub(), &Stub::RecordFollowUp, EmployedFollowUp(), &recorded));
         REQUIRE(recorded.has_candidate());
         return recorded.candidate().candidate_id();
       },
       [](Fixture& f, const std::string& candidate_id, std::string* answer) {
         return Send(f, &Stub::DecideDeregistrationCandidate, Accept(candidate_id), answer);
       },
       [](Fixture& f, const Dump& before, const Dump& after) {
         CHECK(Rows(after, "requests") == Rows(before, "requests") + 1);
         CHECK(Rows(after, "candidates") == Rows(before, "candidates"));
         CHECK(after.at("candidates") != before.at("candidates"));
         CHECK(after.at("registrations") != before.at("registrations"));
         CHECK(f.registration.service().registration(Fixture::kRegistration).state() ==
               registration::v1::REGISTRATION_STATE_DEREGISTERED);
       }},
  };
}

// Write-class operations (on followup.db) one successful call of `c` costs.
int64_t WritesOf(const WriteCase& c) {
  Fixture f;
  const std::string target = c.prepare(f);
  f.registration.service().PauseFeed();
  FaultVfs::Install().ResetCounters();
  std::string answer;
  UE_REQUIRE_OK(c.call(f, target, &answer));
  const int64_t writes = FaultVfs::Install().operations();
  f.registration.service().ResumeFeed();
  return writes;
}

void FaultThenRetry(const WriteCase& c, Fault kind, FaultTarget target, int64_t skip) {
  Fixture f;
  const std::string prepared = c.prepare(f);
  const Dump before = Inspect(f.path);

  // What registration appends meanwhile (a deregistration) reaches the read model only after the
  // fault: the writes counted and faulted are the request's own.
  f.registration.service().PauseFeed();
  FaultVfs::Install().Arm({kind, target, skip, /*sticky=*/true});
  std::string ignored;
  absl::Status failed = c.call(f, prepared, &ignored);
  const int64_t faults = FaultVfs::Install().faults();
  INFO(failed.ToString());
  REQUIRE(faults > 0);
  REQUIRE_FALSE(failed.ok());
  CHECK(CleanStorageError(failed));
  // Inspected while the disk still fails, so that nothing else (the feed consumer) can write.
  CHECK(Inspect(f.path) == before);
  FaultVfs::Install().Clear();

  // The disk is back and the registration feed has caught up (for a deregistration: registration
  // did end the registration before the local write failed, so the read model now shows it
  // ended). The same request is applied, and its repeat answers the same.
  f.registration.service().ResumeFeed();
  REQUIRE(f.stack->SyncTo(f.registration.service().AddOther()));
  std::string first;
  UE_REQUIRE_OK(c.call(f, prepared, &first));
  std::string again;
  UE_REQUIRE_OK(c.call(f, prepared, &again));
  CHECK(again == first);
  const Dump after = Inspect(f.path);
  c.once(f, before, after);
}

TEST_CASE("a storage fault in any follow-up write stores nothing; the retry applies it once",
          "[followup][fault]") {
  for (const WriteCase& c : WriteCases()) {
    const int64_t writes = WritesOf(c);
    INFO(c.name << ": " << writes << " write-class operations");
    REQUIRE(writes >= 2);
    for (Fault kind : {Fault::kDiskFull, Fault::kIoError}) {
      for (int64_t skip = 0; skip < writes; ++skip) {
        INFO("fault kind " << static_cast<int>(kind) << " at operation " << skip);
        FaultThenRetry(c, kind, FaultTarget::kWritesAndSyncs, skip);
      }
      INFO("fault kind " << static_cast<int>(kind) << " at the sync");
      FaultThenRetry(c, kind, FaultTarget::kSyncsOnly, 0);
    }
  }
}

TEST_CASE("a transient storage fault fails one follow-up write; the next succeeds",
          "[followup][fault]") {
  Fixture f;
  FaultVfs::Install().Arm({Fault::kIoError, FaultTarget::kWritesAndSyncs, 0, /*sticky=*/false});
  v1::RecordFollowUpResponse recorded;
  absl::Status failed = Call(f.stub(), &Stub::RecordFollowUp, EmployedFollowUp(), &recorded);
  FaultVfs::Install().Clear();
  INFO(failed.ToString());
  CHECK(CleanStorageError(failed));
  UE_REQUIRE_OK(Call(f.stub(), &Stub::RecordFollowUp, EmployedFollowUp(), &recorded));
  CHECK(recorded.follow_up().follow_up_id() == "fu-1");
  CHECK(recorded.candidate().candidate_id() == "dc-1");
}

}  // namespace
}  // namespace unemployment::followup
