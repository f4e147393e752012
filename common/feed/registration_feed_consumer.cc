#include "common/feed/registration_feed_consumer.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status/status_util.h"

namespace unemployment::feed {

namespace reg = ::unemployment::registration::v1;

std::string RegistrationFeedName(absl::string_view shard_id) {
  return absl::StrCat("registration/", shard_id);
}

RegistrationFeedConsumer::RegistrationFeedConsumer(std::shared_ptr<grpc::Channel> channel,
                                                   ReadCursor read_cursor, Apply apply,
                                                   Options options, log::Logger logger)
    : stub_(reg::RegistrationService::NewStub(std::move(channel))),
      read_cursor_(std::move(read_cursor)),
      apply_(std::move(apply)),
      options_(std::move(options)),
      feed_name_(RegistrationFeedName(options_.shard_id)),
      logger_(std::move(logger)) {}

RegistrationFeedConsumer::~RegistrationFeedConsumer() { Stop(); }

void RegistrationFeedConsumer::Start() {
  absl::MutexLock join(&join_mu_);
  {
    absl::MutexLock lock(&mu_);
    if (started_ || stopping_) return;
    started_ = true;
  }
  thread_ = std::thread([this] { Run(); });
}

void RegistrationFeedConsumer::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    if (context_ != nullptr) context_->TryCancel();
  }
  absl::MutexLock join(&join_mu_);
  if (thread_.joinable()) thread_.join();
}

bool RegistrationFeedConsumer::WaitForCursor(int64_t sequence, absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  auto reached = [this, sequence]()
                     ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return cursor_ >= sequence; };
  return mu_.AwaitWithTimeout(absl::Condition(&reached), timeout);
}

int64_t RegistrationFeedConsumer::cursor() const {
  absl::MutexLock lock(&mu_);
  return cursor_;
}

int64_t RegistrationFeedConsumer::connections() const {
  absl::MutexLock lock(&mu_);
  return connections_;
}

void RegistrationFeedConsumer::Run() {
  absl::Duration backoff = options_.initial_backoff;
  while (true) {
    bool applied_any = false;
    const absl::Status status = StreamOnce(applied_any);
    absl::MutexLock lock(&mu_);
    if (stopping_) return;
    if (applied_any) backoff = options_.initial_backoff;
    logger_.Warning("feed_stream_ended",
                    {{"feed", feed_name_}, {"status", status}, {"retry_in", backoff}});
    // Sleeps for the backoff unless Stop wakes it.
    auto stopping = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stopping_; };
    if (mu_.AwaitWithTimeout(absl::Condition(&stopping), backoff)) return;
    backoff = std::min(backoff * 2, options_.max_backoff);
  }
}

absl::Status RegistrationFeedConsumer::StreamOnce(bool& applied_any) {
  const absl::StatusOr<int64_t> stored = read_cursor_();
  if (!stored.ok()) return stored.status();
  grpc::ClientContext context;
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return absl::CancelledError("stopping");
    cursor_ = std::max(cursor_, *stored);
    context_ = &context;
    ++connections_;
  }
  reg::StreamEventsRequest request;
  request.set_after_sequence(*stored);
  std::unique_ptr<grpc::ClientReader<reg::StreamEventsResponse>> reader =
      stub_->StreamEvents(&context, request);
  reg::StreamEventsResponse response;
  absl::Status applied = absl::OkStatus();
  while (reader->Read(&response)) {
    const reg::Event& event = response.event();
    if (!event.shard_id().empty() && event.shard_id() != options_.shard_id) {
      applied = absl::FailedPreconditionError(absl::StrCat(
          "the feed configured as shard \"", options_.shard_id, "\" sends events of shard \"",
          event.shard_id(), "\": check --registration_shards"));
      logger_.Error("feed_shard_mismatch", {{"feed", feed_name_}, {"status", applied}});
      context.TryCancel();
      break;
    }
    applied = apply_(event);
    if (!applied.ok()) {
      logger_.Error("feed_apply_failed",
                    {{"feed", feed_name_}, {"sequence", event.sequence()}, {"status", applied}});
      context.TryCancel();
      break;
    }
    applied_any = true;
    absl::MutexLock lock(&mu_);
    cursor_ = std::max(cursor_, event.sequence());
  }
  const grpc::Status finished = reader->Finish();
  {
    absl::MutexLock lock(&mu_);
    context_ = nullptr;
  }
  if (!applied.ok()) return applied;
  if (finished.ok()) return absl::UnavailableError("the feed stream ended");
  return status::FromGrpcStatus(finished);
}

}  // namespace unemployment::feed
