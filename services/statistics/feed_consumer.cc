#include "services/statistics/feed_consumer.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status/status_util.h"
#include "services/statistics/registration_events.h"
#include "services/statistics/service_events.h"
#include "unemployment/followup/v1/followup_service.grpc.pb.h"
#include "unemployment/registration/v1/registration_service.grpc.pb.h"
#include "unemployment/tiering/v1/tiering_service.grpc.pb.h"

namespace unemployment::statistics {
namespace {

namespace regv1 = ::unemployment::registration::v1;
namespace tv1 = ::unemployment::tiering::v1;
namespace fv1 = ::unemployment::followup::v1;

void SetMicros(google::protobuf::Timestamp* timestamp, int64_t micros) {
  timestamp->set_seconds(micros / 1000000);
  timestamp->set_nanos(static_cast<int32_t>((micros % 1000000) * 1000));
}

}  // namespace

std::string RegistrationFeedName(const std::string& shard_id) {
  return absl::StrCat("registration/", shard_id);
}

FeedConsumer::FeedConsumer(std::string feed, std::string address,
                           std::unique_ptr<FeedSource> source, StatisticsStore& store,
                           ReadModel& model, const time::Clock& clock, Options options,
                           log::Logger logger)
    : feed_(std::move(feed)),
      address_(std::move(address)),
      source_(std::move(source)),
      store_(store),
      model_(model),
      clock_(clock),
      options_(options),
      logger_(std::move(logger)) {}

FeedConsumer::~FeedConsumer() { Stop(); }

void FeedConsumer::Start() {
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

void FeedConsumer::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    if (context_ != nullptr) context_->TryCancel();
  }
  if (thread_.joinable()) thread_.join();
}

bool FeedConsumer::WaitForCursor(int64_t sequence, absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  auto reached = [this, sequence]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return cursor_ >= sequence;
  };
  return mu_.AwaitWithTimeout(absl::Condition(&reached), timeout);
}

v1::FeedCursor FeedConsumer::Status() const {
  absl::MutexLock lock(&mu_);
  v1::FeedCursor cursor;
  cursor.set_feed(feed_);
  cursor.set_address(address_);
  cursor.set_last_applied_sequence(cursor_);
  if (last_event_micros_ != 0) SetMicros(cursor.mutable_last_event_time(), last_event_micros_);
  if (last_applied_micros_ != 0) {
    SetMicros(cursor.mutable_last_applied_time(), last_applied_micros_);
  }
  cursor.set_state(state_);
  if (state_ == v1::FEED_STATE_RETRYING) cursor.set_last_error(last_error_);
  return cursor;
}

void FeedConsumer::Run() {
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

absl::Status FeedConsumer::ApplyEvent(int64_t sequence, absl::StatusOr<FeedEvent> facts) {
  if (!facts.ok()) return facts.status();
  const int64_t now = absl::ToUnixMicros(clock_.Now());
  std::vector<FeedEvent> batch;
  batch.push_back(*std::move(facts));
  absl::StatusOr<int64_t> before = store_.Apply(feed_, batch, now);
  if (!before.ok()) return before.status();
  // The store decided, in its transaction, whether this event is new.
  if (sequence > *before) model_.Apply(batch.front().change);
  absl::MutexLock lock(&mu_);
  if (sequence > cursor_) {
    cursor_ = sequence;
    last_event_micros_ = batch.front().occurred_micros;
    last_applied_micros_ = now;
  }
  return absl::OkStatus();
}

absl::Status FeedConsumer::StreamOnce(bool& received_any) {
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
  std::unique_ptr<FeedStream> stream = source_->Open(&context, *stored);
  absl::Status applied = absl::OkStatus();
  int64_t sequence = 0;
  absl::StatusOr<FeedEvent> facts;
  while (stream->Next(sequence, facts)) {
    applied = ApplyEvent(sequence, std::move(facts));
    if (!applied.ok()) {
      logger_.Error("feed_apply_failed", {{"feed", feed_},
                                          {"sequence", absl::StrCat(sequence)},
                                          {"status", applied}});
      context.TryCancel();
      break;
    }
    received_any = true;
  }
  grpc::Status finished = stream->Finish();
  {
    absl::MutexLock lock(&mu_);
    context_ = nullptr;
  }
  if (!applied.ok()) return applied;
  if (finished.ok()) return absl::UnavailableError("the feed stream ended");
  return status::FromGrpcStatus(finished);
}

namespace {

// A StreamEvents call of one service, its events turned into facts by `convert`.
template <typename Response, typename Convert>
class GrpcFeedStream final : public FeedStream {
 public:
  GrpcFeedStream(std::unique_ptr<grpc::ClientReader<Response>> reader, const Convert& convert)
      : reader_(std::move(reader)), convert_(convert) {}

  bool Next(int64_t& sequence, absl::StatusOr<FeedEvent>& event) override {
    if (!reader_->Read(&response_)) return false;
    sequence = response_.event().sequence();
    event = convert_(response_.event());
    return true;
  }
  grpc::Status Finish() override { return reader_->Finish(); }

 private:
  std::unique_ptr<grpc::ClientReader<Response>> reader_;
  const Convert& convert_;
  Response response_;
};

template <typename Service, typename Request, typename Response, typename Convert>
class GrpcFeedSource final : public FeedSource {
 public:
  GrpcFeedSource(std::shared_ptr<grpc::Channel> channel, Convert convert)
      : stub_(Service::NewStub(std::move(channel))), convert_(std::move(convert)) {}

  std::unique_ptr<FeedStream> Open(grpc::ClientContext* context, int64_t after_sequence) override {
    Request request;
    request.set_after_sequence(after_sequence);
    return std::make_unique<GrpcFeedStream<Response, Convert>>(
        stub_->StreamEvents(context, request), convert_);
  }

 private:
  std::unique_ptr<typename Service::Stub> stub_;
  Convert convert_;
};

template <typename Service, typename Request, typename Response, typename Convert>
std::unique_ptr<FeedSource> MakeSource(std::shared_ptr<grpc::Channel> channel, Convert convert) {
  return std::make_unique<GrpcFeedSource<Service, Request, Response, Convert>>(std::move(channel),
                                                                               std::move(convert));
}

}  // namespace

RegistrationFeedConsumer::RegistrationFeedConsumer(RegistrationShard shard, StatisticsStore& store,
                                                   ReadModel& model,
                                                   std::shared_ptr<grpc::Channel> channel,
                                                   const time::Clock& clock, Options options,
                                                   log::Logger logger)
    : FeedConsumer(
          RegistrationFeedName(shard.id), shard.address,
          MakeSource<regv1::RegistrationService, regv1::StreamEventsRequest,
                     regv1::StreamEventsResponse>(
              std::move(channel),
              [shard](const regv1::Event& event) -> absl::StatusOr<FeedEvent> {
                if (!event.shard_id().empty() && event.shard_id() != shard.id) {
                  return absl::FailedPreconditionError(
                      absl::StrCat("the feed at ", shard.address, " is shard \"",
                                   event.shard_id(), "\", configured as \"", shard.id, "\""));
                }
                return FeedEventOf(event);
              }),
          store, model, clock, options, std::move(logger)) {}

std::unique_ptr<FeedConsumer> MakeTieringFeedConsumer(const std::string& address,
                                                      StatisticsStore& store, ReadModel& model,
                                                      std::shared_ptr<grpc::Channel> channel,
                                                      const time::Clock& clock,
                                                      FeedConsumer::Options options,
                                                      log::Logger logger) {
  return std::make_unique<FeedConsumer>(
      kTieringFeed, address,
      MakeSource<tv1::TieringService, tv1::StreamEventsRequest, tv1::StreamEventsResponse>(
          std::move(channel),
          [](const tv1::TieringEvent& event) { return FeedEventOf(event); }),
      store, model, clock, options, std::move(logger));
}

std::unique_ptr<FeedConsumer> MakeFollowupFeedConsumer(const std::string& address,
                                                       StatisticsStore& store, ReadModel& model,
                                                       std::shared_ptr<grpc::Channel> channel,
                                                       const time::Clock& clock,
                                                       FeedConsumer::Options options,
                                                       log::Logger logger) {
  return std::make_unique<FeedConsumer>(
      kFollowupFeed, address,
      MakeSource<fv1::FollowupService, fv1::StreamEventsRequest, fv1::StreamEventsResponse>(
          std::move(channel),
          [](const fv1::FollowupEvent& event) { return FeedEventOf(event); }),
      store, model, clock, options, std::move(logger));
}

}  // namespace unemployment::statistics
