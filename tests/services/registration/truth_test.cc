// Server time and caller identity in the record (issue #15, part 3): a decision is dated by the
// server's clock (a backdated decided_on is refused, on_time uses the server's day), a mistaken
// decision is corrected by an explicit amendment that keeps the original, and the reviewer recorded
// is the subject of the caller's token, through the real guard and policy, with the amendment in
// the audit log.
#include <catch2/catch.hpp>
#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "common/log/logger.h"
#include "common/security/actor.h"
#include "common/security/audit_log.h"
#include "common/server/grpc_server.h"
#include "common/status/status_util.h"
#include "common/store/database.h"
#include "common/time/date.h"
#include "common/time/time_zone.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "services/registration/registration_service.h"
#include "tests/common/security/test_guard.h"
#include "tests/services/registration/test_util.h"

namespace unemployment::registration {
namespace {

namespace v1c = ::unemployment::common::v1;
using security::test_support::TestGuard;
using testing::Env;
using testing::TempDir;

std::string Reason(const absl::Status& status) {
  std::optional<google::rpc::ErrorInfo> info = status::GetErrorInfo(status);
  return info.has_value() ? info->reason() : "";
}

std::string FirstRule(const absl::Status& status) {
  std::optional<google::rpc::BadRequest> bad = status::GetBadRequest(status);
  if (!bad.has_value() || bad->field_violations_size() == 0) return "";
  const auto& v = bad->field_violations(0);
  return v.field() + ":" + v.description().substr(0, v.description().find(':'));
}

absl::StatusOr<v1::AmendDecisionResponse> Amend(Env& env, const v1::AmendDecisionRequest& request) {
  std::promise<absl::StatusOr<v1::AmendDecisionResponse>> promise;
  env.registrar->AmendDecision(request, [&promise](absl::StatusOr<v1::AmendDecisionResponse> r) {
    promise.set_value(std::move(r));
  });
  return promise.get_future().get();
}

TEST_CASE("a backdated decision is refused; on_time and the registered date use the server's day",
          "[registration][truth]") {
  TempDir dir;
  Env env(dir.File("reg.db"));
  absl::StatusOr<v1::Application> app = env.Create(testing::CreateRequest("230103-000001"));
  UE_REQUIRE_OK(app.status());
  absl::StatusOr<absl::CivilDay> due = time::ParseDate(app->due_date());
  REQUIRE(due.ok());
  // The office decides two days after the due date ...
  const absl::CivilDay late = *due + 2;
  env.clock.Set(
      time::ChinaTime(absl::CivilSecond(late.year(), late.month(), late.day(), 10, 0, 0)));
  const std::string today = time::FormatDate(late);

  // ... and tries to date the decision back to the receipt day, which would make it "on time".
  v1::ReviewApplicationRequest review;
  review.set_application_id(app->id());
  review.set_request_id("r-backdated");
  review.set_outcome(v1c::REVIEW_OUTCOME_ACCEPTED);
  review.set_reviewer("staff-001");
  review.set_decided_on(app->received_date());
  absl::StatusOr<v1::ReviewApplicationResponse> backdated = env.Review(review);
  CHECK(backdated.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(FirstRule(backdated.status()) == "decided_on:DATE_NOT_SERVER_DAY");
  absl::StatusOr<v1::Application> still = env.registrar->GetApplication(app->id());
  UE_REQUIRE_OK(still.status());
  CHECK_FALSE(still->has_decision());

  // Without a date (or with today's) the decision is the server's: late, and registered today.
  review.set_request_id("r-today");
  review.clear_decided_on();
  absl::StatusOr<v1::ReviewApplicationResponse> decided = env.Review(review);
  UE_REQUIRE_OK(decided.status());
  CHECK(decided->application().decision().decided_on() == today);
  CHECK_FALSE(decided->application().decision().on_time());
  CHECK(decided->registration().registered_date() == today);
  CHECK(time::ChinaDay(absl::FromUnixSeconds(
            decided->application().decision().recorded_at().seconds())) == late);
}

TEST_CASE("an amendment corrects a decision's text, keeps the original and is in the feed",
          "[registration][truth]") {
  TempDir dir;
  Env env(dir.File("reg.db"));
  absl::StatusOr<v1::Application> app = env.Create(testing::CreateRequest("230103-000001"));
  UE_REQUIRE_OK(app.status());

  v1::AmendDecisionRequest amend;
  amend.set_application_id(app->id());
  amend.set_request_id("m-1");
  amend.set_amendment_reason("驳回原因写错了申请人");
  amend.set_reason("提交的身份证复印件不清晰");
  amend.set_actor("staff-002");
  // Nothing to amend before a decision.
  absl::StatusOr<v1::AmendDecisionResponse> early = Amend(env, amend);
  CHECK(early.status().code() == absl::StatusCode::kFailedPrecondition);
  CHECK(Reason(early.status()) == "APPLICATION_NOT_DECIDED");

  v1::ReviewApplicationRequest reject;
  reject.set_application_id(app->id());
  reject.set_request_id("r-1");
  reject.set_outcome(v1c::REVIEW_OUTCOME_REJECTED);
  reject.set_reason("材料不全");
  reject.set_rejection_reason(v1c::REJECTION_REASON_INCOMPLETE_NOT_COMPLETED);
  reject.set_reviewer("staff-001");
  reject.set_note("first note");
  UE_REQUIRE_OK(env.Review(reject).status());

  env.clock.Advance(absl::Hours(20));
  absl::StatusOr<v1::AmendDecisionResponse> amended = Amend(env, amend);
  UE_REQUIRE_OK(amended.status());
  const v1::ReviewDecision& decision = amended->application().decision();
  CHECK(decision.reason() == "提交的身份证复印件不清晰");
  CHECK(decision.note() == "first note");  // not given: unchanged
  CHECK(decision.reviewer() == "staff-001");
  CHECK(decision.outcome() == v1c::REVIEW_OUTCOME_REJECTED);
  REQUIRE(decision.amendments_size() == 1);
  const v1::DecisionAmendment& a = decision.amendments(0);
  CHECK(a.previous_reason() == "材料不全");
  CHECK(a.previous_note() == "first note");
  CHECK(a.amendment_reason() == "驳回原因写错了申请人");
  CHECK(a.actor() == "staff-002");
  CHECK(a.recorded_at().seconds() == absl::ToUnixSeconds(env.clock.Now()));
  CHECK(a.recorded_at().seconds() > decision.recorded_at().seconds());

  // A repeat returns the same answer and amends nothing twice; a reused id with other content is
  // refused.
  absl::StatusOr<v1::AmendDecisionResponse> again = Amend(env, amend);
  UE_REQUIRE_OK(again.status());
  CHECK(again->application().decision().amendments_size() == 1);
  v1::AmendDecisionRequest other = amend;
  other.set_reason("另一个原因");
  CHECK(Reason(Amend(env, other).status()) == "REQUEST_ID_REUSED");

  // The stored application shows the amendment, and the feed carries it as its own event.
  absl::StatusOr<v1::Application> stored = env.registrar->GetApplication(app->id());
  UE_REQUIRE_OK(stored.status());
  CHECK(stored->decision().amendments_size() == 1);
  absl::StatusOr<std::vector<v1::Event>> events = env.store->ReadEvents(0, 100);
  UE_REQUIRE_OK(events.status());
  REQUIRE_FALSE(events->empty());
  CHECK(events->back().has_decision_amended());
  CHECK(
      events->back().decision_amended().application().decision().amendments(0).previous_reason() ==
      "材料不全");
}

TEST_CASE(
    "the actor rule: empty or the caller's own id is recorded as the caller; another is refused",
    "[registration][truth]") {
  // Security on: the token's subject.
  absl::StatusOr<security::Actor> own =
      security::DecideActor(true, "staff-client", "reviewer-0451", "reviewer", "reviewer", "");
  UE_REQUIRE_OK(own.status());
  CHECK(own->subject == "reviewer-0451");
  CHECK(own->authenticated);
  CHECK(security::DecideActor(true, "staff-client", "reviewer-0451", "reviewer", "reviewer",
                              "reviewer-0451")
            ->subject == "reviewer-0451");
  absl::StatusOr<security::Actor> other = security::DecideActor(
      true, "staff-client", "reviewer-0451", "reviewer", "reviewer", "reviewer-9999");
  CHECK(other.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(Reason(other.status()) == "ACTOR_NOT_CALLER");
  CHECK(FirstRule(other.status()) == "reviewer:NOT_CALLER");
  // A peer service relays the person it acts for, or is recorded itself.
  CHECK(security::DecideActor(true, "svc-followup", "svc-followup", "svc-followup", "actor", "staff-7")
            ->subject == "staff-7");
  CHECK(security::DecideActor(true, "svc-followup", "svc-followup", "svc-followup", "actor", "")
            ->subject == "svc-followup");
  // Security off: the x-ue-subject metadata when given (and a different field is refused), else
  // the request's field (empty: the request's validation says REQUIRED); never authenticated.
  absl::StatusOr<security::Actor> dev =
      security::DecideActor(false, "insecure-dev", "li4", "", "reviewer", "");
  CHECK(dev->subject == "li4");
  CHECK_FALSE(dev->authenticated);
  CHECK(Reason(security::DecideActor(false, "insecure-dev", "li4", "", "reviewer", "wang5")
                   .status()) == "ACTOR_NOT_CALLER");
  CHECK(security::DecideActor(false, "insecure-dev", "", "", "reviewer", "wang5")->subject ==
        "wang5");
  CHECK(security::DecideActor(false, "insecure-dev", "", "", "reviewer", " ")->subject.empty());
}

TEST_CASE("security off: the reviewer comes from the x-ue-subject metadata, else the request",
          "[registration][truth]") {
  TempDir dir;
  Env env(dir.File("reg.db"));
  RegistrationServiceImpl service(
      RegistrationServiceImpl::Dependencies{env.registrar.get(), env.store.get(),
                                            env.notifier.get(), &testing::Regions(), &env.clock,
                                            "230000"},
      log::Logger("registration-truth-test"));
  absl::StatusOr<std::unique_ptr<server::GrpcServer>> started =
      server::GrpcServer::Start({}, {&service});
  REQUIRE(started.ok());
  std::unique_ptr<server::GrpcServer> grpc_server = *std::move(started);
  auto stub = v1::RegistrationService::NewStub(
      grpc::CreateChannel(grpc_server->address(), grpc::InsecureChannelCredentials()));
  absl::StatusOr<v1::Application> first = env.Create(testing::CreateRequest("230103-000001"));
  absl::StatusOr<v1::Application> second =
      env.Create(testing::CreateRequest("230103-000002", "410326199507103197"));
  UE_REQUIRE_OK(first.status());
  UE_REQUIRE_OK(second.status());
  auto review = [&](const std::string& id, const std::string& request_id,
                    const std::string& reviewer, const std::string& metadata,
                    v1::ReviewApplicationResponse* response) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    if (!metadata.empty())
      context.AddMetadata(std::string(security::kSubjectMetadataKey), metadata);
    v1::ReviewApplicationRequest request;
    request.set_application_id(id);
    request.set_request_id(request_id);
    request.set_outcome(v1c::REVIEW_OUTCOME_REJECTED);
    request.set_reason("材料不全");
    request.set_rejection_reason(v1c::REJECTION_REASON_INCOMPLETE_NOT_COMPLETED);
    request.set_reviewer(reviewer);
    return status::FromGrpcStatus(stub->ReviewApplication(&context, request, response));
  };
  v1::ReviewApplicationResponse response;
  absl::Status other = review(first->id(), "r-1", "wang5", "li4", &response);
  CHECK(other.code() == absl::StatusCode::kInvalidArgument);
  CHECK(Reason(other) == "ACTOR_NOT_CALLER");
  UE_REQUIRE_OK(review(first->id(), "r-2", "", "li4", &response));
  CHECK(response.application().decision().reviewer() == "li4");
  // Without the metadata the request's field stands (unauthenticated, logged).
  UE_REQUIRE_OK(review(second->id(), "r-3", "wang5", "", &response));
  CHECK(response.application().decision().reviewer() == "wang5");
  grpc_server->Shutdown();
}

// The registration service behind the real guard and policy, with an audit log.
struct SecuredServer {
  explicit SecuredServer(Env& env) : guard("registration-truth-test", OpenAudit()) {
    service = std::make_unique<RegistrationServiceImpl>(
        RegistrationServiceImpl::Dependencies{env.registrar.get(), env.store.get(),
                                              env.notifier.get(), &testing::Regions(), &env.clock,
                                              "230000"},
        log::Logger("registration-truth-test"));
    absl::StatusOr<std::unique_ptr<server::GrpcServer>> started =
        server::GrpcServer::Start(guard.ServerOptions("registration"), {service.get()});
    INFO(started.status().ToString());
    REQUIRE(started.ok());
    grpc_server = *std::move(started);
    stub = v1::RegistrationService::NewStub(guard.Channel(grpc_server->port()));
  }
  ~SecuredServer() { grpc_server->Shutdown(); }

  security::AuditLog* OpenAudit() {
    audit_path = (security::test_support::DevCa("registration-truth-test") /
                  absl::StrCat("audit-", getpid(), "-", ++counter, ".db"))
                     .string();
    absl::StatusOr<std::unique_ptr<security::AuditLog>> opened = security::AuditLog::Open(
        audit_path, "audit-key-of-32-bytes-for-tests!", store::SynchronousMode::kOff);
    REQUIRE(opened.ok());
    audit = *std::move(opened);
    return audit.get();
  }

  // (subject, method, record, result) of every audit entry, oldest first.
  std::vector<std::vector<std::string>> AuditEntries() const {
    static constexpr char kEntriesSql[] =
        "SELECT subject, method, record, result FROM audit_log ORDER BY seq";
    store::DatabaseOptions options;
    options.path = audit_path;
    options.read_only = true;
    absl::StatusOr<std::unique_ptr<store::Database>> db = store::Database::Open(options);
    REQUIRE(db.ok());
    absl::StatusOr<store::Statement> statement = (*db)->Prepare(kEntriesSql);
    REQUIRE(statement.ok());
    std::vector<std::vector<std::string>> out;
    while (true) {
      absl::StatusOr<bool> row = statement->Step();
      REQUIRE(row.ok());
      if (!*row) break;
      out.push_back({std::string(statement->ColumnText(0)), std::string(statement->ColumnText(1)),
                     std::string(statement->ColumnText(2)), std::string(statement->ColumnText(3))});
    }
    return out;
  }

  static inline int counter = 0;
  std::string audit_path;
  std::unique_ptr<security::AuditLog> audit;
  TestGuard guard;
  std::unique_ptr<RegistrationServiceImpl> service;
  std::unique_ptr<server::GrpcServer> grpc_server;
  std::unique_ptr<v1::RegistrationService::Stub> stub;
};

TEST_CASE(
    "secured: the reviewer recorded is the token's subject; naming another is refused; "
    "the amendment is audited",
    "[registration][truth][security]") {
  TempDir dir;
  Env env(dir.File("reg.db"));
  SecuredServer server(env);
  absl::StatusOr<v1::Application> app = env.Create(testing::CreateRequest("230103-000001"));
  UE_REQUIRE_OK(app.status());

  // A Harbin reviewer (token subject "reviewer-2301") names someone else: refused, nothing decided.
  v1::ReviewApplicationRequest review;
  review.set_application_id(app->id());
  review.set_request_id("r-1");
  review.set_outcome(v1c::REVIEW_OUTCOME_REJECTED);
  review.set_reason("材料不全");
  review.set_rejection_reason(v1c::REJECTION_REASON_INCOMPLETE_NOT_COMPLETED);
  review.set_reviewer("reviewer-someone-else");
  v1::ReviewApplicationResponse response;
  {
    grpc::ClientContext context;
    server.guard.Authorize(&context, "reviewer", "2301");
    absl::Status refused =
        status::FromGrpcStatus(server.stub->ReviewApplication(&context, review, &response));
    CHECK(refused.code() == absl::StatusCode::kInvalidArgument);
    CHECK(Reason(refused) == "ACTOR_NOT_CALLER");
    CHECK(FirstRule(refused) == "reviewer:NOT_CALLER");
  }
  CHECK_FALSE(env.registrar->GetApplication(app->id())->has_decision());

  // Without a reviewer field, the token's subject is recorded (decision, state history).
  review.clear_reviewer();
  {
    grpc::ClientContext context;
    server.guard.Authorize(&context, "reviewer", "2301");
    UE_REQUIRE_OK(
        status::FromGrpcStatus(server.stub->ReviewApplication(&context, review, &response)));
  }
  CHECK(response.application().decision().reviewer() == "reviewer-2301");
  CHECK(response.application().state_history().rbegin()->actor() == "reviewer-2301");

  // Another reviewer amends the reason; the amendment names them, and the audit log has the call.
  v1::AmendDecisionRequest amend;
  amend.set_application_id(app->id());
  amend.set_request_id("m-1");
  amend.set_amendment_reason("原因写错");
  amend.set_reason("身份证复印件不清晰");
  v1::AmendDecisionResponse amended;
  {
    grpc::ClientContext context;
    server.guard.Authorize(&context, "reviewer", "230103");
    UE_REQUIRE_OK(status::FromGrpcStatus(server.stub->AmendDecision(&context, amend, &amended)));
  }
  REQUIRE(amended.application().decision().amendments_size() == 1);
  CHECK(amended.application().decision().amendments(0).actor() == "reviewer-230103");
  CHECK(amended.application().decision().amendments(0).previous_reason() == "材料不全");
  CHECK(amended.application().decision().reviewer() == "reviewer-2301");

  std::vector<std::vector<std::string>> entries = server.AuditEntries();
  REQUIRE(entries.size() == 3);
  CHECK(entries[0][0] == "reviewer-2301");
  CHECK(entries[0][3] == "INVALID_ARGUMENT");
  CHECK(entries[1][0] == "reviewer-2301");
  CHECK(entries[1][1] == "/unemployment.registration.v1.RegistrationService/ReviewApplication");
  CHECK(entries[1][3] == "OK");
  CHECK(entries[2][0] == "reviewer-230103");
  CHECK(entries[2][1] == "/unemployment.registration.v1.RegistrationService/AmendDecision");
  CHECK(entries[2][2].find(app->id()) != std::string::npos);
  CHECK(entries[2][3] == "OK");
}

}  // namespace
}  // namespace unemployment::registration
