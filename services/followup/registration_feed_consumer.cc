#include "services/followup/registration_feed_consumer.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status/macros.h"
#include "common/status/status_util.h"

namespace unemployment::followup {
namespace {

namespace regv1 = ::unemployment::registration::v1;

}  // namespace

RegistrationRecord RecordOfRegistration(const regv1::Registration& registration) {
  RegistrationRecord record;
  record.registration_id = registration.id();
  record.id_type = static_cast<int>(registration.person_id().id_type());
  record.id_number = registration.person_id().id_number();
  record.name = registration.name();
  record.office_region_code = registration.office_region_code();
  record.registered_date = registration.registered_date();
  if (registration.state() == regv1::REGISTRATION_STATE_DEREGISTERED) {
    record.end_date = registration.deregistration().effective_date();
    record.end_reason = static_cast<int>(registration.deregistration().reason());
  }
  return record;
}

absl::Status ApplyRegistrationEvent(FollowupTransaction& tx, const regv1::Event& event) {
  const std::string feed(kRegistrationFeed);
  ASSIGN_OR_RETURN(int64_t cursor, tx.GetCursor(feed));
  if (event.sequence() <= cursor) return absl::OkStatus();  // applied before
  switch (event.payload_case()) {
    case regv1::Event::kRegistrationCreated:
      RETURN_IF_ERROR(tx.PutRegistration(RecordOfRegistration(event.registration_created().registration())));
      break;
    case regv1::Event::kRegistrationDeregistered: {
      const regv1::Registration& registration = event.registration_deregistered().registration();
      RETURN_IF_ERROR(tx.PutRegistration(RecordOfRegistration(registration)));
      RETURN_IF_ERROR(tx.WithdrawPendingCandidates(registration.id(), ""));
      break;
    }
    default:
      break;  // not needed here (or unknown): only the cursor moves
  }
  return tx.SetCursor(feed, event.sequence());
}

RegistrationFeedConsumer::RegistrationFeedConsumer(FollowupStore& store,
                                                   std::shared_ptr<grpc::Channel> channel,
                                                   Options options, log::Logger logger)
    : store_(store),
      stub_(regv1::RegistrationService::NewStub(std::move(channel))),
      options_(options),
      logger_(std::move(logger)) {}

RegistrationFeedConsumer::~RegistrationFeedConsumer() { Stop(); }

void RegistrationFeedConsumer::Start() {
  absl::MutexLock lock(&mu_);
  if (started_ || stopping_) return;
  started_ = true;
  thread_ = std::thread([this] { Run(); });
}

void RegistrationFeedConsumer::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    if (context_ != nullptr) context_->TryCancel();
  }
  if (thread_.joinable()) thread_.join();
}

int64_t RegistrationFeedConsumer::cursor() const {
  absl::MutexLock lock(&mu_);
  return cursor_;
}

bool RegistrationFeedConsumer::WaitForCursor(int64_t sequence, absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  auto reached = [this, sequence]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return cursor_ >= sequence;
  };
  return mu_.AwaitWithTimeout(absl::Condition(&reached), timeout);
}

void RegistrationFeedConsumer::Run() {
  absl::Duration backoff = options_.initial_backoff;
  while (true) {
    bool received_any = false;
    absl::Status status = StreamOnce(received_any);
    absl::MutexLock lock(&mu_);
    if (stopping_) return;
    if (received_any) backoff = options_.initial_backoff;
    logger_.Warning("feed_stream_ended",
                    {{"status", status}, {"retry_in", absl::FormatDuration(backoff)}});
    // Sleeps for the backoff unless Stop wakes it.
    auto stopping = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stopping_; };
    if (mu_.AwaitWithTimeout(absl::Condition(&stopping), backoff)) return;
    backoff = std::min(backoff * 2, options_.max_backoff);
  }
}

absl::Status RegistrationFeedConsumer::StreamOnce(bool& received_any) {
  absl::StatusOr<int64_t> stored = store_.GetCursor(std::string(kRegistrationFeed));
  if (!stored.ok()) return stored.status();
  // A subscription, not a request: it stays open for as long as the service runs, so it has no
  // deadline; Stop() cancels it.
  grpc::ClientContext context;
  {
    absl::MutexLock lock(&mu_);
    cursor_ = std::max(cursor_, *stored);
    if (stopping_) return absl::CancelledError("stopping");
    context_ = &context;
  }
  regv1::StreamEventsRequest request;
  request.set_after_sequence(*stored);
  std::unique_ptr<grpc::ClientReader<regv1::StreamEventsResponse>> reader =
      stub_->StreamEvents(&context, request);
  regv1::StreamEventsResponse response;
  absl::Status applied = absl::OkStatus();
  while (reader->Read(&response)) {
    const regv1::Event& event = response.event();
    applied = store_.WriteAndWait(
        [&event](FollowupTransaction& tx) { return ApplyRegistrationEvent(tx, event); });
    if (!applied.ok()) {
      logger_.Error("feed_apply_failed",
                    {{"sequence", absl::StrCat(event.sequence())}, {"status", applied}});
      context.TryCancel();
      break;
    }
    received_any = true;
    absl::MutexLock lock(&mu_);
    cursor_ = std::max(cursor_, event.sequence());
  }
  grpc::Status finished = reader->Finish();
  {
    absl::MutexLock lock(&mu_);
    context_ = nullptr;
  }
  if (!applied.ok()) return applied;
  return status::FromGrpcStatus(finished);
}

}  // namespace unemployment::followup
