#include "services/tiering/registration_feed_consumer.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status/status_util.h"

namespace unemployment::tiering {

namespace reg = ::unemployment::registration::v1;

std::string RegistrationFeedName(absl::string_view shard_id) {
  return absl::StrCat("registration/", shard_id);
}

RegistrationFeedConsumer::RegistrationFeedConsumer(std::shared_ptr<grpc::Channel> channel,
                                                   Tiering& tiering, log::Logger logger,
                                                   Options options)
    : stub_(reg::RegistrationService::NewStub(std::move(channel))),
      tiering_(tiering),
      logger_(std::move(logger)),
      options_(std::move(options)),
      feed_name_(RegistrationFeedName(options_.shard_id)) {}

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
    if (active_context_ != nullptr) active_context_->TryCancel();
    changed_.SignalAll();
  }
  absl::MutexLock join(&join_mu_);
  if (thread_.joinable()) thread_.join();
}

bool RegistrationFeedConsumer::WaitForApplied(int64_t sequence, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  absl::MutexLock lock(&mu_);
  while (applied_sequence_ < sequence) {
    if (changed_.WaitWithDeadline(&mu_, deadline)) return applied_sequence_ >= sequence;
  }
  return true;
}

int64_t RegistrationFeedConsumer::connections() const {
  absl::MutexLock lock(&mu_);
  return connections_;
}

void RegistrationFeedConsumer::Run() {
  absl::Duration backoff = options_.initial_backoff;
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) return;
    }
    bool applied_any = false;
    const absl::Status status = StreamOnce(applied_any);
    absl::MutexLock lock(&mu_);
    if (stopping_) return;
    if (applied_any) backoff = options_.initial_backoff;
    logger_.Warning("feed_stream_ended",
                    {{"feed", feed_name_}, {"status", status}, {"retry_in", backoff}});
    changed_.WaitWithTimeout(&mu_, backoff);
    backoff = std::min(backoff * 2, options_.max_backoff);
  }
}

absl::Status RegistrationFeedConsumer::StreamOnce(bool& applied_any) {
  absl::StatusOr<int64_t> cursor = tiering_.FeedCursor(feed_name_);
  if (!cursor.ok()) return cursor.status();
  grpc::ClientContext context;
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return absl::CancelledError("stopping");
    active_context_ = &context;
    ++connections_;
  }
  reg::StreamEventsRequest request;
  request.set_after_sequence(*cursor);
  std::unique_ptr<grpc::ClientReader<reg::StreamEventsResponse>> reader =
      stub_->StreamEvents(&context, request);
  reg::StreamEventsResponse response;
  absl::Status apply_status;
  while (reader->Read(&response)) {
    const std::string& shard = response.event().shard_id();
    if (!shard.empty() && shard != options_.shard_id) {
      apply_status = absl::FailedPreconditionError(
          absl::StrCat("the feed configured as shard \"", options_.shard_id, "\" sends events of "
                       "shard \"", shard, "\": check --registration_shards"));
      logger_.Error("feed_shard_mismatch", {{"feed", feed_name_}, {"status", apply_status}});
      context.TryCancel();
      break;
    }
    apply_status = tiering_.ApplyRegistrationEvent(feed_name_, response.event());
    if (!apply_status.ok()) {
      context.TryCancel();
      break;
    }
    applied_any = true;
    absl::MutexLock lock(&mu_);
    applied_sequence_ = std::max(applied_sequence_, response.event().sequence());
    changed_.SignalAll();
  }
  const grpc::Status finished = reader->Finish();
  {
    absl::MutexLock lock(&mu_);
    active_context_ = nullptr;
  }
  if (!apply_status.ok()) return apply_status;
  if (finished.ok()) return absl::UnavailableError("the feed stream ended");
  return status::FromGrpcStatus(finished);
}

}  // namespace unemployment::tiering
