#include "services/statistics/feed_consumer.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/proto_util/message_util.h"
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

}  // namespace

FeedConsumer::FeedConsumer(std::string feed, std::string address,
                           std::shared_ptr<grpc::Channel> channel, OpenWith open_with,
                           StatisticsStore& store, ReadModel& model, const time::Clock& clock,
                           Options options, log::Logger logger)
    : feed_(std::move(feed)),
      address_(std::move(address)),
      store_(store),
      model_(model),
      clock_(clock),
      loop_([this] { return store_.GetCursor(feed_); },
            open_with(channel,
                      [this](int64_t sequence, absl::StatusOr<FeedEvent> facts) {
                        return ApplyEvent(sequence, std::move(facts));
                      }),
            feed::FeedConsumer::Options{
                feed_, options.initial_backoff, options.max_backoff,
                options.data_dir.empty() ? "" : feed::CheckpointPath(options.data_dir, feed_),
                channel},
            std::move(logger)) {}

FeedConsumer::~FeedConsumer() { Stop(); }

void FeedConsumer::Start() {
  absl::StatusOr<std::vector<StoredCursor>> stored = store_.ListCursors();
  {
    absl::MutexLock lock(&mu_);
    if (stored.ok()) {
      for (const StoredCursor& cursor : *stored) {
        if (cursor.feed != feed_) continue;
        cursor_ = std::max(cursor_, cursor.sequence);
        last_event_micros_ = cursor.last_event_micros;
        last_applied_micros_ = cursor.last_applied_micros;
      }
    }
  }
  loop_.Start();
}

void FeedConsumer::Stop() { loop_.Stop(); }

bool FeedConsumer::WaitForCursor(int64_t sequence, absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  auto reached = [this, sequence]()
                     ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return cursor_ >= sequence; };
  return mu_.AwaitWithTimeout(absl::Condition(&reached), timeout);
}

v1::FeedCursor FeedConsumer::Status() const {
  const bool streaming = loop_.streaming();
  const bool halted = loop_.halted();
  v1::FeedCursor cursor;
  cursor.set_feed(feed_);
  cursor.set_address(address_);
  cursor.set_state(halted      ? v1::FEED_STATE_HALTED
                   : streaming ? v1::FEED_STATE_STREAMING
                               : v1::FEED_STATE_RETRYING);
  if (halted) {
    cursor.set_last_error(loop_.halt_reason());
  } else if (!streaming) {
    cursor.set_last_error(loop_.last_error());
  }
  absl::MutexLock lock(&mu_);
  cursor.set_last_applied_sequence(cursor_);
  if (last_event_micros_ != 0) *cursor.mutable_last_event_time() = proto_util::MicrosToTimestamp(last_event_micros_);
  if (last_applied_micros_ != 0) {
    *cursor.mutable_last_applied_time() = proto_util::MicrosToTimestamp(last_applied_micros_);
  }
  return cursor;
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

namespace {

// The OpenWith of `Service`'s StreamEvents, its events turned into facts by `convert`.
template <typename Service, typename Request, typename Response, typename Convert>
OpenWith OpenConverted(Convert convert) {
  return [convert = std::move(convert)](std::shared_ptr<grpc::Channel> channel, ApplyFacts apply) {
    return feed::OpenStreamEvents<Service, Request, Response>(
        channel, [convert, apply = std::move(apply)](const auto& event) {
          return apply(event.sequence(), convert(event));
        });
  };
}

}  // namespace

RegistrationFeedConsumer::RegistrationFeedConsumer(RegistrationShard shard, StatisticsStore& store,
                                                   ReadModel& model,
                                                   std::shared_ptr<grpc::Channel> channel,
                                                   const time::Clock& clock, Options options,
                                                   log::Logger logger)
    : FeedConsumer(RegistrationFeedName(shard.id), shard.address, std::move(channel),
                   OpenConverted<regv1::RegistrationService, regv1::StreamEventsRequest,
                                 regv1::StreamEventsResponse>(
                       [shard](const regv1::Event& event) -> absl::StatusOr<FeedEvent> {
                         if (!event.shard_id().empty() && event.shard_id() != shard.id) {
                           return absl::FailedPreconditionError(absl::StrCat(
                               "the feed at ", shard.address, " is shard \"", event.shard_id(),
                               "\", configured as \"", shard.id, "\""));
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
      kTieringFeed, address, std::move(channel),
      OpenConverted<tv1::TieringService, tv1::StreamEventsRequest, tv1::StreamEventsResponse>(
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
      kFollowupFeed, address, std::move(channel),
      OpenConverted<fv1::FollowupService, fv1::StreamEventsRequest, fv1::StreamEventsResponse>(
          [](const fv1::FollowupEvent& event) { return FeedEventOf(event); }),
      store, model, clock, options, std::move(logger));
}

}  // namespace unemployment::statistics
