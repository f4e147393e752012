#include "services/registration/verification_worker.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/log/request_id.h"
#include "common/status/macros.h"
#include "common/status/status_util.h"
#include "grpcpp/client_context.h"

namespace unemployment::registration {
namespace {

namespace verv1 = ::unemployment::verification::v1;

// Answers after which the same request can never succeed.
bool IsPermanentRefusal(absl::StatusCode code) {
  return code == absl::StatusCode::kInvalidArgument || code == absl::StatusCode::kAlreadyExists;
}

// One asynchronous call: owns what the stub borrows until the callback runs.
struct VerifyCall {
  grpc::ClientContext context;
  verv1::VerifyApplicantRequest request;
  verv1::VerifyApplicantResponse response;
};

// Counts the attempts of one round still unrecorded and keeps the first error.
class Round final {
 public:
  explicit Round(int pending) : pending_(pending) {}

  void Done(absl::Status status) {
    absl::MutexLock lock(&mu_);
    if (!status.ok() && first_error_.ok()) first_error_ = std::move(status);
    --pending_;
  }

  absl::Status Wait() {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(
        +[](int* pending) { return *pending == 0; }, &pending_));
    return first_error_;
  }

 private:
  absl::Mutex mu_;
  int pending_ ABSL_GUARDED_BY(mu_);
  absl::Status first_error_ ABSL_GUARDED_BY(mu_);
};

}  // namespace

GrpcVerificationClient::GrpcVerificationClient(std::shared_ptr<grpc::Channel> channel,
                                               absl::Duration deadline)
    : stub_(verv1::VerificationService::NewStub(std::move(channel))), deadline_(deadline) {}

void GrpcVerificationClient::Verify(const verv1::VerifyApplicantRequest& request, Callback done) {
  auto* call = new VerifyCall();
  call->context.set_deadline(absl::ToChronoTime(absl::Now() + deadline_));
  call->request = request;
  stub_->async()->VerifyApplicant(&call->context, &call->request, &call->response,
                                  [call, done = std::move(done)](grpc::Status status) {
                                    std::unique_ptr<VerifyCall> owned(call);
                                    if (!status.ok()) return done(status::FromGrpcStatus(status));
                                    done(std::move(owned->response));
                                  });
}

VerificationWorker::VerificationWorker(RegistrationStore& store, Registrar& registrar,
                                       const time::Clock& clock, VerificationClient& client,
                                       log::Logger logger, Options options)
    : store_(store),
      registrar_(registrar),
      client_(client),
      logger_(std::move(logger)),
      options_(options),
      worker_(
          clock, [this](absl::Time now) { return RunOnce(now); }, logger_,
          options.initial_backoff) {}

VerificationWorker::~VerificationWorker() { Stop(); }

absl::Duration VerificationWorker::Backoff(int attempts_made) const {
  return server::ExponentialBackoff(options_.initial_backoff, options_.max_backoff, attempts_made);
}

absl::StatusOr<std::optional<absl::Time>> VerificationWorker::RunOnce(absl::Time now) {
  ASSIGN_OR_RETURN(std::vector<VerificationJob> due,
                   store_.DueVerificationJobs(now, options_.batch_size));
  if (!due.empty()) {
    auto round = std::make_shared<Round>(static_cast<int>(due.size()));
    for (VerificationJob& job : due) {
      // Each attempt is a request of its own: its id is sent to verification (x-request-id) and
      // written on this worker's lines, next to the application id.
      const std::string request_id = log::NewRequestId();
      log::RequestIdScope scope(request_id);
      // Records the attempt with `answer`; the application id and attempt number come from the job.
      auto record = [this, round, now, request_id, application_id = job.application_id,
                     attempt = job.attempt_count +
                               1](absl::StatusOr<verv1::VerifyApplicantResponse> answer) {
        log::RequestIdScope answer_scope(request_id);
        VerificationAttempt attempt_record;
        attempt_record.application_id = application_id;
        attempt_record.attempted_at = now;
        if (answer.ok()) {
          attempt_record.answer = std::move(*answer->mutable_result());
        } else {
          attempt_record.answer = answer.status();
          attempt_record.refused = IsPermanentRefusal(answer.status().code());
          attempt_record.retry_at = now + Backoff(attempt);
        }
        logger_.Info("verification_attempt", {{"application_id", application_id},
                                              {"attempt", attempt},
                                              {"result", answer.status()},
                                              {"refused", attempt_record.refused}});
        registrar_.RecordVerificationAttempt(
            std::move(attempt_record),
            [round](absl::StatusOr<v1::Application> stored) { round->Done(stored.status()); });
      };
      verv1::VerifyApplicantRequest request;
      if (!request.ParseFromString(job.request)) {
        // Cannot happen unless the file was damaged; the application goes to review unverified.
        absl::StatusOr<verv1::VerifyApplicantResponse> damaged =
            absl::InvalidArgumentError("the stored verification request cannot be parsed");
        record(std::move(damaged));
        continue;
      }
      logger_.Info("verification_call", {{"application_id", job.application_id},
                                          {"attempt", job.attempt_count + 1}});
      client_.Verify(request, std::move(record));
    }
    RETURN_IF_ERROR(round->Wait());
  }
  return store_.NextVerificationDueTime();
}

void VerificationWorker::Start() { worker_.Start(); }

void VerificationWorker::Stop() { worker_.Stop(); }

void VerificationWorker::Wake() { worker_.Wake(); }

}  // namespace unemployment::registration
