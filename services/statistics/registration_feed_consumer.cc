#include "services/statistics/registration_feed_consumer.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status/status_util.h"
#include "services/statistics/registration_events.h"

namespace unemployment::statistics {
namespace {

namespace regv1 = ::unemployment::registration::v1;

void SetMicros(google::protobuf::Timestamp* timestamp, int64_t micros) {
  timestamp->set_seconds(micros / 1000000);
  timestamp->set_nanos(static_cast<int32_t>((micros % 1000000) * 1000));
}

}  // namespace

std::string RegistrationFeedName(const std::string& shard_id) {
  return absl::StrCat("registration/", shard_id);
}

RegistrationFeedConsumer::RegistrationFeedConsumer(RegistrationShard shard, StatisticsStore& store,
                                                   ReadModel& model,
                                                   std::shared_ptr<grpc::Channel> channel,
                                                   const time::Clock& clock, Options options,
                                                   log::Logger logger)
    : shard_(std::move(shard)),
      feed_(RegistrationFeedName(shard_.id)),
      store_(store),
      model_(model),
      stub_(regv1::RegistrationService::NewStub(std::move(channel))),
      clock_(clock),
      options_(options),
      logger_(std::move(logger)) {}

RegistrationFeedConsumer::~RegistrationFeedConsumer() { Stop(); }

void RegistrationFeedConsumer::Start() {
  absl::StatusOr<std::vector<StoredCursor>> stored = store_.ListCursors();
  absl::MutexLock lock(&mu_);
  if (started_ || stopping_) return;
  if (stored.ok()) {
    for (const StoredCursor& cursor : *stored) {
      if (cursor.feed != feed_) continue;
      cursor_ = cursor.sequence;
      last_event_micros_ = cursor.last_event_micros;
      last_applied_micros_ = cursor.last_applied_micros;
    }
  }
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

bool RegistrationFeedConsumer::WaitForCursor(int64_t sequence, absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  auto reached = [this, sequence]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return cursor_ >= sequence;
  };
  return mu_.AwaitWithTimeout(absl::Condition(&reached), timeout);
}

v1::FeedCursor RegistrationFeedConsumer::Status() const {
  absl::MutexLock lock(&mu_);
  v1::FeedCursor cursor;
  cursor.set_feed(feed_);
  cursor.set_address(shard_.address);
  cursor.set_last_applied_sequence(cursor_);
  if (last_event_micros_ != 0) SetMicros(cursor.mutable_last_event_time(), last_event_micros_);
  if (last_applied_micros_ != 0) {
    SetMicros(cursor.mutable_last_applied_time(), last_applied_micros_);
  }
  cursor.set_state(state_);
  if (state_ == v1::FEED_STATE_RETRYING) cursor.set_last_error(last_error_);
  return cursor;
}

void RegistrationFeedConsumer::Run() {
  absl::Duration backoff = options_.initial_backoff;
  while (true) {
    bool received_any = false;
    absl::Status status = StreamOnce(received_any);
    absl::MutexLock lock(&mu_);
    if (stopping_) return;
    state_ = v1::FEED_STATE_RETRYING;
    last_error_ = status.ToString();
    if (received_any) backoff = options_.initial_backoff;
    logger_.Warning("feed_stream_ended", {{"feed", feed_},
                                          {"status", status},
                                          {"retry_in", absl::FormatDuration(backoff)}});
    // Sleeps for the backoff unless Stop wakes it.
    auto stopping = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stopping_; };
    if (mu_.AwaitWithTimeout(absl::Condition(&stopping), backoff)) return;
    backoff = std::min(backoff * 2, options_.max_backoff);
  }
}

absl::Status RegistrationFeedConsumer::ApplyEvent(const regv1::Event& event) {
  if (!event.shard_id().empty() && event.shard_id() != shard_.id) {
    return absl::FailedPreconditionError(
        absl::StrCat("the feed at ", shard_.address, " is shard \"", event.shard_id(),
                     "\", configured as \"", shard_.id, "\""));
  }
  absl::StatusOr<FeedEvent> facts = FeedEventOf(event);
  if (!facts.ok()) return facts.status();
  const int64_t now = absl::ToUnixMicros(clock_.Now());
  std::vector<FeedEvent> batch;
  batch.push_back(*std::move(facts));
  absl::StatusOr<int64_t> before = store_.Apply(feed_, batch, now);
  if (!before.ok()) return before.status();
  // The store decided, in its transaction, whether this event is new.
  if (event.sequence() > *before) model_.Apply(batch.front().change);
  absl::MutexLock lock(&mu_);
  if (event.sequence() > cursor_) {
    cursor_ = event.sequence();
    last_event_micros_ = batch.front().occurred_micros;
    last_applied_micros_ = now;
  }
  return absl::OkStatus();
}

absl::Status RegistrationFeedConsumer::StreamOnce(bool& received_any) {
  absl::StatusOr<int64_t> stored = store_.GetCursor(feed_);
  if (!stored.ok()) return stored.status();
  // A subscription, not a request: it stays open while the service runs, so it has no deadline;
  // Stop() cancels it.
  grpc::ClientContext context;
  {
    absl::MutexLock lock(&mu_);
    cursor_ = std::max(cursor_, *stored);
    if (stopping_) return absl::CancelledError("stopping");
    context_ = &context;
    state_ = v1::FEED_STATE_STREAMING;
  }
  regv1::StreamEventsRequest request;
  request.set_after_sequence(*stored);
  std::unique_ptr<grpc::ClientReader<regv1::StreamEventsResponse>> reader =
      stub_->StreamEvents(&context, request);
  regv1::StreamEventsResponse response;
  absl::Status applied = absl::OkStatus();
  while (reader->Read(&response)) {
    applied = ApplyEvent(response.event());
    if (!applied.ok()) {
      logger_.Error("feed_apply_failed", {{"feed", feed_},
                                          {"sequence", absl::StrCat(response.event().sequence())},
                                          {"status", applied}});
      context.TryCancel();
      break;
    }
    received_any = true;
  }
  grpc::Status finished = reader->Finish();
  {
    absl::MutexLock lock(&mu_);
    context_ = nullptr;
  }
  if (!applied.ok()) return applied;
  if (finished.ok()) return absl::UnavailableError("the feed stream ended");
  return status::FromGrpcStatus(finished);
}

}  // namespace unemployment::statistics
