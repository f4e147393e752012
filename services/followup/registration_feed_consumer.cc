#include "services/followup/registration_feed_consumer.h"

#include <algorithm>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/status/macros.h"
#include "common/status/status_util.h"

namespace unemployment::followup {
namespace {

namespace regv1 = ::unemployment::registration::v1;

}  // namespace

std::string RegistrationFeedName(absl::string_view shard_id) {
  return absl::StrCat("registration/", shard_id);
}

absl::StatusOr<int64_t> ShardCursor(
    const std::function<absl::StatusOr<int64_t>(const std::string&)>& get,
    absl::string_view shard_id) {
  ASSIGN_OR_RETURN(int64_t cursor, get(RegistrationFeedName(shard_id)));
  if (cursor > 0 || shard_id != server::kDefaultShardId) return cursor;
  return get(std::string(kRegistrationFeed));
}

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

absl::Status ApplyRegistrationEvent(FollowupTransaction& tx, const regv1::Event& event,
                                    absl::string_view shard_id) {
  const std::string feed = RegistrationFeedName(shard_id);
  ASSIGN_OR_RETURN(int64_t cursor,
                   ShardCursor([&tx](const std::string& key) { return tx.GetCursor(key); },
                               shard_id));
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
                    {{"shard", options_.shard_id},
                     {"status", status}, {"retry_in", absl::FormatDuration(backoff)}});
    // Sleeps for the backoff unless Stop wakes it.
    auto stopping = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stopping_; };
    if (mu_.AwaitWithTimeout(absl::Condition(&stopping), backoff)) return;
    backoff = std::min(backoff * 2, options_.max_backoff);
  }
}

absl::Status RegistrationFeedConsumer::StreamOnce(bool& received_any) {
  absl::StatusOr<int64_t> stored = ShardCursor(
      [this](const std::string& key) { return store_.GetCursor(key); }, options_.shard_id);
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
  const std::string id_prefix = absl::StrCat(options_.shard_id, "-");
  while (reader->Read(&response)) {
    const regv1::Event& event = response.event();
    if (!event.shard_id().empty() && event.shard_id() != options_.shard_id) {
      applied = absl::FailedPreconditionError(
          absl::StrCat("the feed configured as shard \"", options_.shard_id,
                       "\" sends events of shard \"", event.shard_id(),
                       "\": check --registration_shards"));
      logger_.Error("feed_shard_mismatch", {{"shard", options_.shard_id}, {"status", applied}});
      context.TryCancel();
      break;
    }
    const regv1::Registration* registration =
        event.has_registration_created() ? &event.registration_created().registration()
        : event.has_registration_deregistered() ? &event.registration_deregistered().registration()
                                                 : nullptr;
    if (registration != nullptr && !absl::StartsWith(registration->id(), id_prefix)) {
      // Calls about it would be routed to another shard (ShardedRegistrationClient).
      logger_.Warning("registration_id_not_of_shard",
                      {{"shard", options_.shard_id},
                       {"sequence", absl::StrCat(event.sequence())}});
    }
    const std::string& shard_id = options_.shard_id;
    applied = store_.WriteAndWait([&event, &shard_id](FollowupTransaction& tx) {
      return ApplyRegistrationEvent(tx, event, shard_id);
    });
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
