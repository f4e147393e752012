#pragma once

// Consumes another service's event feed (a StreamEvents method): a background thread reads the
// stored cursor, opens StreamEvents(after_sequence = cursor) and hands each event to the owner's
// apply function, which applies it AND stores its sequence as the cursor in one transaction, so a
// crash or restart resumes from the cursor and no event is lost or applied twice. When the stream
// fails (the service down or restarting, OUT_OF_RANGE for a cursor ahead of the feed, a failed
// apply) it reconnects after a backoff that doubles from `initial_backoff` to `max_backoff` and
// resets once an event was applied. The stream is a subscription, not a request: it carries no
// deadline; Stop() cancels it.
//
// The loop is written once here and typed by OpenStreamEvents<Service>(channel, apply), which
// makes the Open function of one service's StreamEvents. Users: the registration-feed consumers of
// tiering and follow-up (registration_feed_consumer.h) and statistics' consumers of every feed.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/log/logger.h"
#include "grpcpp/channel.h"
#include "grpcpp/client_context.h"
#include "grpcpp/support/sync_stream.h"

namespace unemployment::feed {

// One open StreamEvents call whose events are applied as they are read.
class AppliedStream {
 public:
  virtual ~AppliedStream() = default;
  // Reads the next event and applies it: false at the end of the stream; otherwise `sequence` is
  // the event's and `applied` the apply function's answer.
  virtual bool Next(int64_t& sequence, absl::Status& applied) = 0;
  // The call's final status, once Next returned false or the context was cancelled.
  virtual grpc::Status Finish() = 0;
};

class FeedConsumer final {
 public:
  struct Options {
    // The feed's name in logs ("registration/hlj", "tiering", ...).
    std::string feed;
    absl::Duration initial_backoff = absl::Milliseconds(200);
    absl::Duration max_backoff = absl::Seconds(30);
  };
  // The stored cursor: the last applied sequence, 0 when none.
  using ReadCursor = std::function<absl::StatusOr<int64_t>()>;
  // Opens StreamEvents(after_sequence) on `context`.
  using Open =
      std::function<std::unique_ptr<AppliedStream>(grpc::ClientContext* context, int64_t after)>;

  FeedConsumer(ReadCursor read_cursor, Open open, Options options, log::Logger logger);
  ~FeedConsumer();
  FeedConsumer(const FeedConsumer&) = delete;
  FeedConsumer& operator=(const FeedConsumer&) = delete;

  // Starts the background thread; once only.
  void Start();
  // Cancels the open stream, ends the backoff wait and joins the thread. Idempotent.
  void Stop();

  // Waits until the cursor (the stored one when the last stream opened, then each applied
  // sequence) is at least `sequence`, or `timeout` passed; true when reached. For tests and tools.
  bool WaitForCursor(int64_t sequence, absl::Duration timeout);
  int64_t cursor() const;
  // How many streams were opened so far (tests check reconnection with it).
  int64_t connections() const;
  // True while a stream is open; else why the last one ended (empty before the first).
  bool streaming() const;
  std::string last_error() const;

 private:
  void Run();
  // Opens one stream from the stored cursor and applies events until it ends; returns why it
  // ended. `applied_any` is set once an event was applied.
  absl::Status StreamOnce(bool& applied_any);

  const ReadCursor read_cursor_;
  const Open open_;
  const Options options_;
  log::Logger logger_;

  mutable absl::Mutex mu_;
  bool started_ ABSL_GUARDED_BY(mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool streaming_ ABSL_GUARDED_BY(mu_) = false;
  std::string last_error_ ABSL_GUARDED_BY(mu_);
  // The open stream's context, so that Stop can cancel it.
  grpc::ClientContext* context_ ABSL_GUARDED_BY(mu_) = nullptr;
  int64_t cursor_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t connections_ ABSL_GUARDED_BY(mu_) = 0;

  absl::Mutex join_mu_;
  std::thread thread_ ABSL_GUARDED_BY(join_mu_);
};

// The Open function of `Service`'s StreamEvents at `channel` (Service = e.g.
// tiering::v1::TieringService; its StreamEventsRequest has after_sequence and each response one
// `event` with a sequence), applying each event with `apply`.
template <typename Service, typename Request, typename Response>
FeedConsumer::Open OpenStreamEvents(
    std::shared_ptr<grpc::Channel> channel,
    std::function<
        absl::Status(const std::decay_t<decltype(std::declval<const Response&>().event())>&)>
        apply) {
  using Event = std::decay_t<decltype(std::declval<const Response&>().event())>;
  class Stream final : public AppliedStream {
   public:
    Stream(std::unique_ptr<grpc::ClientReader<Response>> reader,
           std::shared_ptr<const std::function<absl::Status(const Event&)>> apply)
        : reader_(std::move(reader)), apply_(std::move(apply)) {}
    bool Next(int64_t& sequence, absl::Status& applied) override {
      if (!reader_->Read(&response_)) return false;
      sequence = response_.event().sequence();
      applied = (*apply_)(response_.event());
      return true;
    }
    grpc::Status Finish() override { return reader_->Finish(); }

   private:
    std::unique_ptr<grpc::ClientReader<Response>> reader_;
    const std::shared_ptr<const std::function<absl::Status(const Event&)>> apply_;
    Response response_;
  };
  std::shared_ptr<typename Service::Stub> stub = Service::NewStub(std::move(channel));
  auto shared_apply =
      std::make_shared<const std::function<absl::Status(const Event&)>>(std::move(apply));
  return [stub, shared_apply](grpc::ClientContext* context,
                              int64_t after) -> std::unique_ptr<AppliedStream> {
    Request request;
    request.set_after_sequence(after);
    return std::make_unique<Stream>(stub->StreamEvents(context, request), shared_apply);
  };
}

}  // namespace unemployment::feed
