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
// A feed that went backwards (its producer restored to an older point, or wiped) halts the
// consumer: it applies nothing more from that feed, logs `feed_halted` at ERROR and reports
// halted() (metrics: ue_feed_consumer_halted; statistics' GetFeedStatus: HALTED). Reused sequence
// numbers are never skipped silently. Two checks:
//   - the checkpoint: the consumer remembers the sequence and fingerprint (a hash of the event's
//     deterministic encoding) of the last event it applied and resumes one event earlier, after
//     sequence - 1, so that the feed sends that event again: a different fingerprint, or a later
//     event in its place, means the feed reused its sequence numbers (halt "reused", final);
//   - the feed answers OUT_OF_RANGE CURSOR_AHEAD_OF_FEED: its last sequence is below the cursor
//     (halt "behind"). This halt is re-checked every `max_backoff`: should the producer be
//     restored again to a point that holds the checkpoint's event unchanged (the right backup
//     after a wrong one), the consumer resumes (`feed_resumed`); once the feed has a different
//     event at that sequence the halt becomes "reused". Without a checkpoint (nothing applied since
//     the checkpoint file existed) a "behind" halt is final.
// The events between the checkpoint and the stored cursor come again and are skipped by the apply
// function (at or below the cursor). The checkpoint is kept in memory and, with
// Options::checkpoint_path, in a small file next to the database: written at most once per
// `checkpoint_interval` while events come, whenever a stream ends and at Stop, so a restarted
// consumer checks too; the halt and the cursor at the halt are written there as well and survive
// restarts. A halt ends when the consumer's own stored cursor is below the cursor at the halt: its
// database was restored to an older point or rebuilt (moved aside: it starts from 0), which is how
// an operator ends it (deploy/README.md, "Restore"); the checkpoint is then ignored too.

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
#include "google/protobuf/message_lite.h"
#include "grpcpp/channel.h"
#include "grpcpp/client_context.h"
#include "grpcpp/support/sync_stream.h"

namespace unemployment::feed {

// One open StreamEvents call whose events are read one by one, then applied.
class AppliedStream {
 public:
  virtual ~AppliedStream() = default;
  // Reads the next event: false at the end of the stream; otherwise `sequence` is the event's and
  // `fingerprint` a stable hash of its deterministic encoding (EventFingerprint).
  virtual bool Read(int64_t& sequence, std::string& fingerprint) = 0;
  // Applies the event Read last: the apply function's answer.
  virtual absl::Status Apply() = 0;
  // The call's final status, once Read returned false or the context was cancelled.
  virtual grpc::Status Finish() = 0;
};

class FeedConsumer final {
 public:
  struct Options {
    // The feed's name in logs ("registration/hlj", "tiering", ...).
    std::string feed;
    absl::Duration initial_backoff = absl::Milliseconds(200);
    absl::Duration max_backoff = absl::Seconds(30);
    // The checkpoint file (see above); empty: the checkpoint is kept in memory only.
    std::string checkpoint_path;
    // The channel the feed is read over. streaming() is true only while a call is open AND the
    // channel is connected (READY): a call waiting for a peer that does not answer (connecting,
    // or its address gone) is not streaming. Null: while a call is open.
    std::shared_ptr<grpc::Channel> channel;
    absl::Duration checkpoint_interval = absl::Seconds(1);
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
  // True while a stream is open on a connected channel (Options::channel); else why the last one
  // ended (empty before the first).
  bool streaming() const;
  std::string last_error() const;
  // True once the feed was found to have gone backwards; halt_reason() says how.
  bool halted() const;
  std::string halt_reason() const;

 private:
  struct Checkpoint {
    int64_t sequence = 0;  // 0: none
    std::string fingerprint;
  };
  enum class Halt { kNone, kBehind, kReused };
  void Run();
  // Opens one stream from the stored cursor and applies events until it ends; returns why it
  // ended. `applied_any` is set once an event was applied.
  absl::Status StreamOnce(bool& applied_any);
  // Records the halt (memory, log, checkpoint file); `cursor` is the stored cursor now.
  void HaltWith(Halt kind, const std::string& reason, int64_t cursor) ABSL_LOCKS_EXCLUDED(mu_);
  // Reads the checkpoint file, if any, into checkpoint_ / halted_ (once, at the first stream).
  void LoadCheckpoint() ABSL_LOCKS_EXCLUDED(mu_);
  // Writes checkpoint_ (and the halt, if any) to the file; errors are logged, not fatal.
  void SaveCheckpoint() ABSL_LOCKS_EXCLUDED(mu_);

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
  bool loaded_ ABSL_GUARDED_BY(mu_) = false;
  Halt halt_ ABSL_GUARDED_BY(mu_) = Halt::kNone;
  std::string halt_reason_ ABSL_GUARDED_BY(mu_);
  // The stored cursor when the consumer halted.
  int64_t halted_at_ ABSL_GUARDED_BY(mu_) = 0;
  Checkpoint checkpoint_ ABSL_GUARDED_BY(mu_);
  // The checkpoint as last written to the file.
  int64_t saved_sequence_ ABSL_GUARDED_BY(mu_) = -1;
  absl::Time saved_at_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();

  absl::Mutex join_mu_;
  std::thread thread_ ABSL_GUARDED_BY(join_mu_);
};

// "<data_dir>/feed-<feed>.checkpoint", '/' in the feed's name written as '-': the checkpoint file
// of a service's consumer of `feed` ("registration/hlj" -> "feed-registration-hlj.checkpoint").
std::string CheckpointPath(const std::string& data_dir, const std::string& feed);

// A stable hash (64-bit FNV-1a, hex) of `event`'s deterministic encoding: equal events give equal
// fingerprints in every process and version that encodes them alike.
std::string EventFingerprint(const google::protobuf::MessageLite& event);

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
    bool Read(int64_t& sequence, std::string& fingerprint) override {
      if (!reader_->Read(&response_)) return false;
      sequence = response_.event().sequence();
      fingerprint = EventFingerprint(response_.event());
      return true;
    }
    absl::Status Apply() override { return (*apply_)(response_.event()); }
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
