// Registration uses verification (issue 4): every received application is verified before it
// reaches review, with the outcome and evidence shown to the reviewer; while verification is
// unreachable the application waits in PENDING_VERIFICATION and is retried with back-off, also
// across a restart; the office may decide on the commitment alone meanwhile, and that is recorded.
//
// The verification service here is an in-process fake on a real gRPC server (port 0) that the
// tests stop and start again on the same address.
#include <catch2/catch.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "common/log/logger.h"
#include "common/server/grpc_server.h"
#include "common/status/status_util.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/channel_arguments.h"
#include "services/registration/verification_worker.h"
#include "tests/services/registration/test_util.h"
#include "unemployment/verification/v1/verification_service.grpc.pb.h"

namespace unemployment::registration {
namespace {

namespace verv1 = ::unemployment::verification::v1;
namespace v1c = ::unemployment::common::v1;
using testing::Env;
using testing::TempDir;

// The applicant the fake finds working (a CONFLICT with one piece of evidence).
constexpr char kEmployedId[] = "410326199507103197";

// A verification service answering from fixed rules: kEmployedId is insured by an employer since
// the day after the unemployed date (CONFLICT), ids in `refuse` get INVALID_ARGUMENT, ids in
// `not_ready` get FAILED_PRECONDITION (no population snapshot), anyone else is CONSISTENT. Results
// are kept by request_id, as the real service does.
class FakeVerificationService final : public verv1::VerificationService::Service {
 public:
  grpc::Status VerifyApplicant(grpc::ServerContext* /*context*/,
                               const verv1::VerifyApplicantRequest* request,
                               verv1::VerifyApplicantResponse* response) override {
    absl::MutexLock lock(&mu_);
    requests_.push_back(*request);
    const std::string& id_number = request->person_id().id_number();
    if (refuse_.count(id_number) > 0) {
      return status::ToGrpcStatus(
          status::InvalidFieldError("as_of", "DATE_ORDER", "as_of lies before unemployed_date"));
    }
    if (not_ready_.count(id_number) > 0) {
      return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION, "no population snapshot");
    }
    auto stored = results_.find(request->request_id());
    if (stored != results_.end()) {
      *response->mutable_result() = stored->second;
      return grpc::Status::OK;
    }
    verv1::VerificationResult result;
    result.set_verification_id(absl::StrCat("ver-", results_.size() + 1));
    result.set_application_id(request->application_id());
    *result.mutable_person_id() = request->person_id();
    result.set_name(request->name());
    result.set_unemployed_date(request->unemployed_date());
    result.set_as_of(request->as_of());
    result.mutable_identity()->set_found(true);
    result.mutable_identity()->set_name_matches(true);
    result.mutable_identity()->set_snapshot_version("gongan-20250930");
    if (id_number == kEmployedId) {
      result.set_outcome(verv1::VERIFICATION_OUTCOME_CONFLICT);
      verv1::Evidence* evidence = result.add_evidence();
      evidence->set_source(verv1::SOURCE_SOCIAL_INSURANCE);
      evidence->set_snapshot_version("shebao-20250930");
      evidence->set_kind(verv1::EVIDENCE_KIND_INSURED_EMPLOYMENT);
      evidence->set_organisation_code("91230100MA1B2C3D4E");
      evidence->set_organisation_name("哈尔滨某科技有限公司");
      evidence->set_start_date("2025-08-02");
      evidence->set_detail("2025-08-02起在哈尔滨某科技有限公司参保");
    } else {
      result.set_outcome(verv1::VERIFICATION_OUTCOME_CONSISTENT);
      result.set_settled(true);
    }
    results_[request->request_id()] = result;
    *response->mutable_result() = result;
    return grpc::Status::OK;
  }

  void Refuse(const std::string& id_number) {
    absl::MutexLock lock(&mu_);
    refuse_.insert(id_number);
  }
  void NotReady(const std::string& id_number) {
    absl::MutexLock lock(&mu_);
    not_ready_.insert(id_number);
  }
  std::vector<verv1::VerifyApplicantRequest> requests() {
    absl::MutexLock lock(&mu_);
    return requests_;
  }

 private:
  absl::Mutex mu_;
  std::vector<verv1::VerifyApplicantRequest> requests_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, verv1::VerificationResult> results_ ABSL_GUARDED_BY(mu_);
  std::set<std::string> refuse_ ABSL_GUARDED_BY(mu_);
  std::set<std::string> not_ready_ ABSL_GUARDED_BY(mu_);
};

// The fake on a real server at `address` ("127.0.0.1:0" picks a port).
struct Verification {
  explicit Verification(const std::string& address) {
    server::ServerOptions options;
    options.listen_address = address;
    options.shutdown_grace = absl::Milliseconds(100);
    absl::StatusOr<std::unique_ptr<server::GrpcServer>> started =
        server::GrpcServer::Start(options, {&service});
    INFO(started.status().ToString());
    REQUIRE(started.ok());
    grpc_server = *std::move(started);
  }
  ~Verification() { grpc_server->Shutdown(); }

  FakeVerificationService service;
  std::unique_ptr<server::GrpcServer> grpc_server;
};

// An address nobody listens on (a port picked by the kernel, then closed).
std::string DownAddress() {
  Verification probe("127.0.0.1:0");
  return probe.grpc_server->address();
}

// Registration's side: a channel that reconnects quickly, the client and the worker on an Env.
struct Verifier {
  Verifier(Env& env, const std::string& address) {
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 50);
    args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 50);
    args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 100);
    channel = grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args);
    client = std::make_unique<GrpcVerificationClient>(channel, absl::Seconds(5));
    worker = std::make_unique<VerificationWorker>(*env.store, *env.registrar, env.clock, *client,
                                                  log::Logger("verification-test"));
  }

  // Waits (by the channel's state, not by sleeping) until the service answers connections.
  void AwaitConnected() {
    REQUIRE(channel->WaitForConnected(std::chrono::system_clock::now() + std::chrono::seconds(20)));
  }

  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<GrpcVerificationClient> client;
  std::unique_ptr<VerificationWorker> worker;
};

RegistrarOptions WithVerification() {
  RegistrarOptions options;
  options.verification_enabled = true;
  return options;
}

v1::Application Get(Env& env, const std::string& id) {
  absl::StatusOr<v1::Application> app = env.registrar->GetApplication(id);
  UE_REQUIRE_OK(app.status());
  return *std::move(app);
}

std::optional<absl::Time> RunOnce(Verifier& verifier, absl::Time now) {
  absl::StatusOr<std::optional<absl::Time>> next = verifier.worker->RunOnce(now);
  UE_REQUIRE_OK(next.status());
  return *next;
}

absl::Time At(const google::protobuf::Timestamp& timestamp) {
  return absl::FromUnixSeconds(timestamp.seconds()) + absl::Nanoseconds(timestamp.nanos());
}

TEST_CASE("verification back-off doubles from 1 s up to 5 minutes", "[verification]") {
  TempDir dir;
  Env env(dir.File("reg.db"), testing::BeforeNationalDay(), WithVerification());
  Verifier verifier(env, DownAddress());
  CHECK(verifier.worker->Backoff(1) == absl::Seconds(1));
  CHECK(verifier.worker->Backoff(2) == absl::Seconds(2));
  CHECK(verifier.worker->Backoff(3) == absl::Seconds(4));
  CHECK(verifier.worker->Backoff(9) == absl::Seconds(256));
  CHECK(verifier.worker->Backoff(10) == absl::Minutes(5));
  CHECK(verifier.worker->Backoff(1000) == absl::Minutes(5));
}

TEST_CASE("with verification up, applications reach review with outcome and evidence",
          "[verification]") {
  TempDir dir;
  Verification verification("127.0.0.1:0");
  Env env(dir.File("reg.db"), testing::BeforeNationalDay(), WithVerification());
  Verifier verifier(env, verification.grpc_server->address());

  absl::StatusOr<v1::Application> consistent = env.Create(testing::CreateRequest("230103-000001"));
  UE_REQUIRE_OK(consistent.status());
  absl::StatusOr<v1::Application> employed =
      env.Create(testing::CreateRequest("230103-000002", kEmployedId));
  UE_REQUIRE_OK(employed.status());

  // Received and queued for verification in one transaction.
  CHECK(consistent->state() == v1c::APPLICATION_STATE_PENDING_VERIFICATION);
  CHECK(consistent->verification().state() == v1::VERIFICATION_STATE_PENDING);
  CHECK(consistent->verification().request_id() == "verify:" + consistent->id());
  CHECK(At(consistent->verification().requested_time()) == env.clock.Now());
  REQUIRE(consistent->state_history_size() == 2);
  CHECK(consistent->state_history(1).actor() == "system");

  CHECK_FALSE(RunOnce(verifier, env.clock.Now()).has_value());

  v1::Application first = Get(env, consistent->id());
  CHECK(first.state() == v1c::APPLICATION_STATE_AWAITING_REVIEW);
  REQUIRE(first.state_history_size() == 3);
  CHECK(first.state_history(2).state() == v1c::APPLICATION_STATE_AWAITING_REVIEW);
  CHECK(first.state_history(2).actor() == "system");
  const v1::ApplicationVerification& ok = first.verification();
  CHECK(ok.state() == v1::VERIFICATION_STATE_COMPLETED);
  CHECK(ok.outcome() == verv1::VERIFICATION_OUTCOME_CONSISTENT);
  CHECK_FALSE(ok.verification_id().empty());
  CHECK(ok.result().verification_id() == ok.verification_id());
  CHECK(ok.attempt_count() == 1);
  CHECK(ok.last_error().empty());
  CHECK_FALSE(ok.has_next_attempt_time());
  CHECK(ok.summary().rfind("核查一致", 0) == 0);

  v1::Application second = Get(env, employed->id());
  const v1::ApplicationVerification& conflict = second.verification();
  CHECK(second.state() == v1c::APPLICATION_STATE_AWAITING_REVIEW);
  CHECK(conflict.outcome() == verv1::VERIFICATION_OUTCOME_CONFLICT);
  REQUIRE(conflict.result().evidence_size() == 1);
  CHECK(conflict.result().evidence(0).kind() == verv1::EVIDENCE_KIND_INSURED_EMPLOYMENT);
  CHECK(conflict.result().evidence(0).organisation_name() == "哈尔滨某科技有限公司");
  CHECK(conflict.summary() == "核查存在冲突（1条证据）：2025-08-02起在哈尔滨某科技有限公司参保");

  // What was sent: the form's identity and unemployed date, as of the receipt date.
  std::vector<verv1::VerifyApplicantRequest> sent = verification.service.requests();
  REQUIRE(sent.size() == 2);
  std::map<std::string, verv1::VerifyApplicantRequest> by_app;
  for (const auto& r : sent) by_app[r.application_id()] = r;
  const verv1::VerifyApplicantRequest& request = by_app[consistent->id()];
  CHECK(request.request_id() == "verify:" + consistent->id());
  CHECK(request.person_id().id_number() == "34052419800101001X");
  CHECK(request.name() == "张三");
  CHECK(request.unemployed_date() == "2025-08-01");
  CHECK(request.as_of() == "2025-09-26");

  // The reviewer sees outcome and evidence in the queue.
  v1::ListReviewQueueRequest list;
  list.set_office_region_code("230103");
  absl::StatusOr<v1::ListReviewQueueResponse> queue = env.registrar->ListReviewQueue(list);
  UE_REQUIRE_OK(queue.status());
  REQUIRE(queue->entries_size() == 2);
  std::map<std::string, v1::Application> listed;
  for (const auto& entry : queue->entries()) listed[entry.application().id()] = entry.application();
  CHECK(listed[employed->id()].verification().outcome() == verv1::VERIFICATION_OUTCOME_CONFLICT);
  CHECK(listed[employed->id()].verification().result().evidence_size() == 1);
  CHECK(listed[consistent->id()].verification().verification_id() == ok.verification_id());

  // Events: received + pending per application, then a state change with the verification.
  absl::StatusOr<std::vector<v1::Event>> events = env.store->ReadEvents(0, 20);
  UE_REQUIRE_OK(events.status());
  REQUIRE(events->size() == 6);
  CHECK(events->at(1).application_state_changed().change().state() ==
        v1c::APPLICATION_STATE_PENDING_VERIFICATION);
  int verified_events = 0;
  for (int i = 4; i < 6; ++i) {
    const v1::ApplicationStateChanged& changed = events->at(i).application_state_changed();
    CHECK(changed.change().state() == v1c::APPLICATION_STATE_AWAITING_REVIEW);
    CHECK(changed.verification().state() == v1::VERIFICATION_STATE_COMPLETED);
    ++verified_events;
  }
  CHECK(verified_events == 2);

  // A conflict never rejects by itself: the office may accept, and the decision records what it
  // was made with.
  absl::StatusOr<v1::ReviewApplicationResponse> accepted = env.Accept(employed->id(), "req-1");
  UE_REQUIRE_OK(accepted.status());
  const v1::ReviewDecision& decision = accepted->application().decision();
  CHECK(decision.verification_state() == v1::VERIFICATION_STATE_COMPLETED);
  CHECK(decision.verification_outcome() == verv1::VERIFICATION_OUTCOME_CONFLICT);
  CHECK(decision.verification_id() == conflict.verification_id());
}

TEST_CASE("with verification down, applications wait and are retried at the back-off times",
          "[verification]") {
  TempDir dir;
  const std::string address = DownAddress();
  Env env(dir.File("reg.db"), testing::BeforeNationalDay(), WithVerification());
  Verifier verifier(env, address);
  absl::StatusOr<v1::Application> a = env.Create(testing::CreateRequest("230103-000001"));
  UE_REQUIRE_OK(a.status());
  absl::StatusOr<v1::Application> b =
      env.Create(testing::CreateRequest("230103-000002", kEmployedId));
  UE_REQUIRE_OK(b.status());
  const absl::Time t0 = env.clock.Now();

  // Attempt 1 fails; the next is due 1 s later.
  std::optional<absl::Time> next = RunOnce(verifier, t0);
  REQUIRE(next.has_value());
  CHECK(*next == t0 + absl::Seconds(1));
  v1::Application pending = Get(env, a->id());
  CHECK(pending.state() == v1c::APPLICATION_STATE_PENDING_VERIFICATION);
  CHECK(pending.verification().state() == v1::VERIFICATION_STATE_PENDING);
  CHECK(pending.verification().attempt_count() == 1);
  CHECK(pending.verification().last_error().rfind("UNAVAILABLE", 0) == 0);
  CHECK(At(pending.verification().next_attempt_time()) == t0 + absl::Seconds(1));

  // Not due half a second later: no attempt.
  next = RunOnce(verifier, t0 + absl::Milliseconds(500));
  CHECK(*next == t0 + absl::Seconds(1));
  CHECK(Get(env, a->id()).verification().attempt_count() == 1);
  // Attempts 2 and 3 at exactly +1 s and +3 s; the next after them at +7 s.
  next = RunOnce(verifier, t0 + absl::Seconds(1));
  CHECK(*next == t0 + absl::Seconds(3));
  CHECK(Get(env, a->id()).verification().attempt_count() == 2);
  next = RunOnce(verifier, t0 + absl::Seconds(3));
  CHECK(*next == t0 + absl::Seconds(7));
  CHECK(Get(env, b->id()).verification().attempt_count() == 3);
  CHECK(At(Get(env, b->id()).verification().last_attempt_time()) == t0 + absl::Seconds(3));

  // Pending applications are in the review queue meanwhile (the office may decide on them).
  v1::ListReviewQueueRequest list;
  list.set_office_region_code("230103");
  absl::StatusOr<v1::ListReviewQueueResponse> queue = env.registrar->ListReviewQueue(list);
  UE_REQUIRE_OK(queue.status());
  CHECK(queue->total_size() == 2);
  CHECK(queue->entries(0).application().state() == v1c::APPLICATION_STATE_PENDING_VERIFICATION);

  // Verification comes back on the same address: at the next due time every pending application
  // is verified.
  Verification verification(address);
  verifier.AwaitConnected();
  CHECK(RunOnce(verifier, t0 + absl::Seconds(6)) == t0 + absl::Seconds(7));  // not due yet
  CHECK(verification.service.requests().empty());
  CHECK_FALSE(RunOnce(verifier, t0 + absl::Seconds(7)).has_value());
  for (const std::string& id : {a->id(), b->id()}) {
    v1::Application verified = Get(env, id);
    CHECK(verified.state() == v1c::APPLICATION_STATE_AWAITING_REVIEW);
    CHECK(verified.verification().state() == v1::VERIFICATION_STATE_COMPLETED);
    CHECK(verified.verification().attempt_count() == 4);
    CHECK(verified.verification().last_error().empty());
  }
  CHECK(Get(env, b->id()).verification().outcome() == verv1::VERIFICATION_OUTCOME_CONFLICT);
  CHECK(verification.service.requests().size() == 2);
}

TEST_CASE("the office may decide while verification is pending; the decision records it",
          "[verification]") {
  TempDir dir;
  Env env(dir.File("reg.db"), testing::BeforeNationalDay(), WithVerification());
  Verifier verifier(env, DownAddress());
  absl::StatusOr<v1::Application> app = env.Create(testing::CreateRequest("230103-000001"));
  UE_REQUIRE_OK(app.status());
  REQUIRE(RunOnce(verifier, env.clock.Now()).has_value());

  env.clock.Advance(absl::Hours(2));
  absl::StatusOr<v1::ReviewApplicationResponse> accepted = env.Accept(app->id(), "req-1");
  UE_REQUIRE_OK(accepted.status());
  const v1::Application& decided = accepted->application();
  CHECK(decided.state() == v1c::APPLICATION_STATE_ACCEPTED);
  CHECK(decided.decision().verification_state() == v1::VERIFICATION_STATE_PENDING);
  CHECK(decided.decision().verification_id().empty());
  CHECK(decided.verification().state() == v1::VERIFICATION_STATE_CANCELLED);
  CHECK(decided.verification().attempt_count() == 1);
  CHECK_FALSE(decided.verification().has_next_attempt_time());

  // No more attempts: nothing is queued.
  CHECK_FALSE(RunOnce(verifier, env.clock.Now() + absl::Hours(1)).has_value());
  CHECK(Get(env, app->id()).verification().attempt_count() == 1);

  // An answer that arrives after the decision (the call was in flight) changes nothing.
  VerificationAttempt late;
  late.application_id = app->id();
  late.attempted_at = env.clock.Now();
  verv1::VerificationResult result;
  result.set_verification_id("ver-late");
  result.set_outcome(verv1::VERIFICATION_OUTCOME_CONFLICT);
  late.answer = result;
  std::promise<absl::StatusOr<v1::Application>> recorded;
  env.registrar->RecordVerificationAttempt(late,
                                           [&recorded](absl::StatusOr<v1::Application> stored) {
                                             recorded.set_value(std::move(stored));
                                           });
  absl::StatusOr<v1::Application> after = recorded.get_future().get();
  UE_REQUIRE_OK(after.status());
  CHECK(after->state() == v1c::APPLICATION_STATE_ACCEPTED);
  CHECK(after->verification().state() == v1::VERIFICATION_STATE_CANCELLED);
  CHECK(Get(env, app->id()).SerializeAsString() == decided.SerializeAsString());
}

TEST_CASE("a pending verification survives a restart of registration", "[verification]") {
  TempDir dir;
  const std::string address = DownAddress();
  std::string id;
  const absl::Time t0 = testing::BeforeNationalDay();
  {
    Env env(dir.File("reg.db"), t0, WithVerification());
    Verifier verifier(env, address);
    absl::StatusOr<v1::Application> app = env.Create(testing::CreateRequest("230103-000001"));
    UE_REQUIRE_OK(app.status());
    id = app->id();
    CHECK(*RunOnce(verifier, t0) == t0 + absl::Seconds(1));
    CHECK(*RunOnce(verifier, t0 + absl::Seconds(1)) == t0 + absl::Seconds(3));
  }

  // Registration restarts on the same file; verification is up now.
  Verification verification(address);
  Env env(dir.File("reg.db"), t0 + absl::Minutes(1), WithVerification());
  Verifier verifier(env, address);
  v1::Application pending = Get(env, id);
  CHECK(pending.state() == v1c::APPLICATION_STATE_PENDING_VERIFICATION);
  CHECK(pending.verification().attempt_count() == 2);
  verifier.AwaitConnected();
  CHECK_FALSE(RunOnce(verifier, env.clock.Now()).has_value());
  v1::Application verified = Get(env, id);
  CHECK(verified.state() == v1c::APPLICATION_STATE_AWAITING_REVIEW);
  CHECK(verified.verification().state() == v1::VERIFICATION_STATE_COMPLETED);
  CHECK(verified.verification().attempt_count() == 3);
  std::vector<verv1::VerifyApplicantRequest> sent = verification.service.requests();
  REQUIRE(sent.size() == 1);
  CHECK(sent[0].request_id() == "verify:" + id);
}

TEST_CASE("a refused request goes to review unverified; a failing one keeps the same request",
          "[verification]") {
  TempDir dir;
  Verification verification("127.0.0.1:0");
  const std::string refused_id = testing::ResidentId("230102", "19900101", 41);
  const std::string waiting_id = testing::ResidentId("230102", "19900101", 43);
  verification.service.Refuse(refused_id);
  verification.service.NotReady(waiting_id);
  Env env(dir.File("reg.db"), testing::BeforeNationalDay(), WithVerification());
  Verifier verifier(env, verification.grpc_server->address());
  absl::StatusOr<v1::Application> refused =
      env.Create(testing::CreateRequest("230103-000001", refused_id));
  UE_REQUIRE_OK(refused.status());
  absl::StatusOr<v1::Application> waiting =
      env.Create(testing::CreateRequest("230103-000002", waiting_id));
  UE_REQUIRE_OK(waiting.status());
  const absl::Time t0 = env.clock.Now();

  std::optional<absl::Time> next = RunOnce(verifier, t0);
  v1::Application unverified = Get(env, refused->id());
  CHECK(unverified.state() == v1c::APPLICATION_STATE_AWAITING_REVIEW);
  CHECK(unverified.verification().state() == v1::VERIFICATION_STATE_REFUSED);
  CHECK(unverified.verification().last_error().rfind("INVALID_ARGUMENT", 0) == 0);
  CHECK_FALSE(unverified.verification().summary().empty());

  // FAILED_PRECONDITION (no population snapshot yet) is retried like an outage.
  REQUIRE(next.has_value());
  CHECK(*next == t0 + absl::Seconds(1));
  CHECK(Get(env, waiting->id()).state() == v1c::APPLICATION_STATE_PENDING_VERIFICATION);
  CHECK(Get(env, waiting->id()).verification().last_error().rfind("FAILED_PRECONDITION", 0) == 0);
  next = RunOnce(verifier, t0 + absl::Seconds(1));
  CHECK(*next == t0 + absl::Seconds(3));

  // Every attempt sent the same bytes (idempotent by request_id on the service).
  std::vector<std::string> sent;
  for (const auto& r : verification.service.requests()) {
    if (r.person_id().id_number() == waiting_id) sent.push_back(r.SerializeAsString());
  }
  REQUIRE(sent.size() == 2);
  CHECK(sent[0] == sent[1]);
  CHECK(verification.service.requests().size() == 3);

  // Deciding the refused one records that it was not verified.
  absl::StatusOr<v1::ReviewApplicationResponse> accepted = env.Accept(refused->id(), "req-1");
  UE_REQUIRE_OK(accepted.status());
  CHECK(accepted->application().decision().verification_state() == v1::VERIFICATION_STATE_REFUSED);
}

}  // namespace
}  // namespace unemployment::registration
