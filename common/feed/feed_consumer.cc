#include "common/feed/feed_consumer.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/string_view.h"
#include "common/status/status_util.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"

namespace unemployment::feed {
namespace {

constexpr absl::string_view kCheckpointHeader = "ue-feed-checkpoint 1";
constexpr absl::string_view kCursorAheadOfFeed = "CURSOR_AHEAD_OF_FEED";

// One line of text: line breaks in `text` become spaces.
std::string OneLine(absl::string_view text) {
  return absl::StrReplaceAll(text, {{"\n", " "}, {"\r", " "}});
}

}  // namespace

std::string CheckpointPath(const std::string& data_dir, const std::string& feed) {
  return absl::StrCat(data_dir.empty() ? "." : data_dir, "/feed-",
                      absl::StrReplaceAll(feed, {{"/", "-"}}), ".checkpoint");
}

std::string EventFingerprint(const google::protobuf::MessageLite& event) {
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream out(&bytes);
    google::protobuf::io::CodedOutputStream coded(&out);
    coded.SetSerializationDeterministic(true);
    event.SerializeToCodedStream(&coded);
  }
  uint64_t hash = 14695981039346656037ULL;  // FNV-1a 64
  for (unsigned char byte : bytes) {
    hash ^= byte;
    hash *= 1099511628211ULL;
  }
  return absl::StrFormat("%016x", hash);
}

FeedConsumer::FeedConsumer(ReadCursor read_cursor, Open open, Options options, log::Logger logger)
    : read_cursor_(std::move(read_cursor)),
      open_(std::move(open)),
      options_(std::move(options)),
      logger_(std::move(logger)) {}

FeedConsumer::~FeedConsumer() { Stop(); }

void FeedConsumer::Start() {
  absl::MutexLock join(&join_mu_);
  {
    absl::MutexLock lock(&mu_);
    if (started_ || stopping_) return;
    started_ = true;
  }
  thread_ = std::thread([this] { Run(); });
}

void FeedConsumer::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    if (context_ != nullptr) context_->TryCancel();
  }
  absl::MutexLock join(&join_mu_);
  if (thread_.joinable()) thread_.join();
}

bool FeedConsumer::WaitForCursor(int64_t sequence, absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  auto reached = [this, sequence]()
                     ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return cursor_ >= sequence; };
  return mu_.AwaitWithTimeout(absl::Condition(&reached), timeout);
}

int64_t FeedConsumer::cursor() const {
  absl::MutexLock lock(&mu_);
  return cursor_;
}

int64_t FeedConsumer::connections() const {
  absl::MutexLock lock(&mu_);
  return connections_;
}

bool FeedConsumer::streaming() const {
  {
    absl::MutexLock lock(&mu_);
    if (!streaming_) return false;
  }
  // A call is open; it streams only once the channel is connected. Until then (connecting to a
  // peer that does not answer) the call waits, and metrics and alerts must see it as down.
  return options_.channel == nullptr ||
         options_.channel->GetState(/*try_to_connect=*/false) == GRPC_CHANNEL_READY;
}

std::string FeedConsumer::last_error() const {
  absl::MutexLock lock(&mu_);
  return last_error_;
}

bool FeedConsumer::halted() const {
  absl::MutexLock lock(&mu_);
  return halt_ != Halt::kNone;
}

std::string FeedConsumer::halt_reason() const {
  absl::MutexLock lock(&mu_);
  return halt_reason_;
}

void FeedConsumer::Run() {
  absl::Duration backoff = options_.initial_backoff;
  auto stopping = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stopping_; };
  while (true) {
    bool applied_any = false;
    const absl::Status status = StreamOnce(applied_any);
    absl::MutexLock lock(&mu_);
    streaming_ = false;
    last_error_ = status.ToString();
    if (stopping_) return;
    if (halt_ == Halt::kReused) {
      // Final: nothing more is applied until an operator acts. Stop() ends the wait.
      last_error_ = halt_reason_;
      mu_.Await(absl::Condition(&stopping));
      return;
    }
    if (halt_ == Halt::kBehind) {
      // Re-checked now and then, applying nothing, in case the feed comes back as it was.
      last_error_ = halt_reason_;
      if (mu_.AwaitWithTimeout(absl::Condition(&stopping), options_.max_backoff)) return;
      continue;
    }
    if (applied_any) backoff = options_.initial_backoff;
    logger_.Warning("feed_stream_ended",
                    {{"feed", options_.feed}, {"status", status}, {"retry_in", backoff}});
    // Sleeps for the backoff unless Stop wakes it.
    if (mu_.AwaitWithTimeout(absl::Condition(&stopping), backoff)) return;
    backoff = std::min(backoff * 2, options_.max_backoff);
  }
}

absl::Status FeedConsumer::StreamOnce(bool& applied_any) {
  const absl::StatusOr<int64_t> stored = read_cursor_();
  if (stored.ok()) {
    // Published before the checkpoint file's halt, so that nothing (a metrics scrape) sees a
    // halted consumer at cursor 0 after a restart.
    absl::MutexLock lock(&mu_);
    cursor_ = std::max(cursor_, *stored);
  }
  LoadCheckpoint();
  if (!stored.ok()) return stored.status();
  grpc::ClientContext context;
  Checkpoint check;
  bool was_halted = false;
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return absl::CancelledError("stopping");
    if (halt_ != Halt::kNone && *stored < halted_at_) {
      // This consumer's own database is older than at the halt (restored or rebuilt).
      logger_.Warning("feed_halt_cleared", {{"feed", options_.feed},
                                            {"cursor", *stored},
                                            {"halted_at", halted_at_},
                                            {"detail", "the consumer's database was restored or "
                                                       "rebuilt; it resumes from its cursor"}});
      halt_ = Halt::kNone;
      halt_reason_.clear();
      saved_sequence_ = -1;  // rewrite the file without the halt
    }
    if (halt_ == Halt::kReused) return absl::FailedPreconditionError(halt_reason_);
    if (halt_ == Halt::kBehind && checkpoint_.sequence == 0) {
      halt_ = Halt::kReused;  // nothing to recognise the feed by: final
      return absl::FailedPreconditionError(halt_reason_);
    }
    was_halted = halt_ != Halt::kNone;
    if (checkpoint_.sequence > *stored) {
      // This consumer's own database is older than its checkpoint (restored or rebuilt): the
      // checkpoint says nothing about the events it will now apply again.
      logger_.Info("feed_checkpoint_ignored", {{"feed", options_.feed},
                                               {"checkpoint", checkpoint_.sequence},
                                               {"cursor", *stored}});
      checkpoint_ = Checkpoint{};
    }
    check = checkpoint_;
    cursor_ = std::max(cursor_, *stored);
    context_ = &context;
    streaming_ = true;
    ++connections_;
  }
  // With a checkpoint, resume one event before it so that the feed shows that event again.
  const int64_t after = check.sequence > 0 ? check.sequence - 1 : *stored;
  std::unique_ptr<AppliedStream> stream = open_(&context, after);
  bool verified = check.sequence == 0;
  std::string went_backwards;
  int64_t sequence = 0;
  std::string fingerprint;
  absl::Status applied = absl::OkStatus();
  while (stream->Read(sequence, fingerprint)) {
    if (!verified && sequence >= check.sequence) {
      if (sequence == check.sequence && fingerprint == check.fingerprint && was_halted) {
        {
          absl::MutexLock lock(&mu_);
          halt_ = Halt::kNone;
          halt_reason_.clear();
          saved_sequence_ = -1;  // rewrite the file without the halt
        }
        logger_.Warning("feed_resumed",
                        {{"feed", options_.feed},
                         {"sequence", sequence},
                         {"detail", "the feed holds the last applied event unchanged again"}});
        was_halted = false;
      }
      if (sequence > check.sequence) {
        went_backwards = absl::StrCat("the feed resumed at sequence ", sequence,
                                      " without the applied event ", check.sequence,
                                      ": its sequence numbers were reused");
      } else if (fingerprint != check.fingerprint) {
        went_backwards = absl::StrCat(
            "event ", sequence, " differs from the one applied (fingerprint ", fingerprint,
            ", applied ", check.fingerprint,
            "): the feed went back and reused its sequence numbers");
      }
      verified = true;
    }
    if (!went_backwards.empty()) {
      context.TryCancel();
      break;
    }
    if (was_halted) continue;  // not yet recognised: apply nothing
    applied = stream->Apply();
    if (!applied.ok()) {
      logger_.Error("feed_apply_failed",
                    {{"feed", options_.feed}, {"sequence", sequence}, {"status", applied}});
      context.TryCancel();
      break;
    }
    applied_any = true;
    bool save = false;
    {
      absl::MutexLock lock(&mu_);
      cursor_ = std::max(cursor_, sequence);
      if (sequence > checkpoint_.sequence) checkpoint_ = Checkpoint{sequence, fingerprint};
      save = !options_.checkpoint_path.empty() &&
             absl::Now() - saved_at_ >= options_.checkpoint_interval;
    }
    if (save) SaveCheckpoint();
  }
  const grpc::Status finished = stream->Finish();
  {
    absl::MutexLock lock(&mu_);
    context_ = nullptr;
  }
  if (!went_backwards.empty()) {
    HaltWith(Halt::kReused, went_backwards, *stored);
    return absl::FailedPreconditionError(went_backwards);
  }
  SaveCheckpoint();
  if (!applied.ok()) return applied;
  if (finished.ok()) return absl::UnavailableError("the feed stream ended");
  absl::Status status = status::FromGrpcStatus(finished);
  const std::optional<google::rpc::ErrorInfo> info = status::GetErrorInfo(status);
  if (status.code() == absl::StatusCode::kOutOfRange && info.has_value() &&
      info->reason() == kCursorAheadOfFeed) {
    auto last = info->metadata().find("last_sequence");
    HaltWith(Halt::kBehind,
             absl::StrCat("the feed's last sequence (",
                          last == info->metadata().end() ? "?" : last->second,
                          ") is below the applied sequence ", std::max(after, *stored),
                          ": the feed went back (its producer restored to an older point?)"),
             *stored);
  }
  return status;
}

void FeedConsumer::HaltWith(Halt kind, const std::string& reason, int64_t cursor) {
  {
    absl::MutexLock lock(&mu_);
    // "behind" while already halted changes nothing; "reused" makes any halt final.
    if (halt_ == Halt::kReused || (halt_ == Halt::kBehind && kind == Halt::kBehind)) return;
    halt_ = kind;
    halt_reason_ = OneLine(reason);
    halted_at_ = std::max(cursor, checkpoint_.sequence);
    saved_sequence_ = -1;
  }
  logger_.Error("feed_halted",
                {{"feed", options_.feed},
                 {"kind", kind == Halt::kReused ? "reused" : "behind"},
                 {"reason", reason},
                 {"action",
                  "nothing more is applied from this feed; see deploy/README.md, Restore"}});
  SaveCheckpoint();
}

void FeedConsumer::LoadCheckpoint() {
  {
    absl::MutexLock lock(&mu_);
    if (loaded_) return;
    loaded_ = true;
  }
  if (options_.checkpoint_path.empty()) return;
  std::ifstream in(options_.checkpoint_path);
  if (!in) return;  // none yet
  std::string line;
  Checkpoint checkpoint;
  std::string feed;
  std::string halted;
  std::string halt_kind;
  int64_t halted_at = 0;
  bool header = false;
  while (std::getline(in, line)) {
    if (line == kCheckpointHeader) {
      header = true;
      continue;
    }
    const size_t space = line.find(' ');
    if (space == std::string::npos) continue;
    const absl::string_view key = absl::string_view(line).substr(0, space);
    const std::string value = line.substr(space + 1);
    if (key == "feed") feed = value;
    if (key == "sequence" && !absl::SimpleAtoi(value, &checkpoint.sequence)) checkpoint = {};
    if (key == "fingerprint") checkpoint.fingerprint = value;
    if (key == "halted") halted = value;
    if (key == "halt_kind") halt_kind = value;
    if (key == "halted_at" && !absl::SimpleAtoi(value, &halted_at)) halted_at = 0;
  }
  if (!header || feed != options_.feed) {
    logger_.Warning("feed_checkpoint_unreadable",
                    {{"feed", options_.feed}, {"path", options_.checkpoint_path}});
    return;
  }
  {
    absl::MutexLock lock(&mu_);
    if (checkpoint.sequence > 0 && !checkpoint.fingerprint.empty()) checkpoint_ = checkpoint;
    saved_sequence_ = checkpoint_.sequence;
    if (!halted.empty()) {
      halt_ = halt_kind == "behind" ? Halt::kBehind : Halt::kReused;
      halt_reason_ = halted;
      halted_at_ = halted_at;
    }
  }
  if (!halted.empty()) {
    logger_.Error("feed_halted", {{"feed", options_.feed},
                                  {"reason", halted},
                                  {"since", "an earlier run (recorded in the checkpoint file)"},
                                  {"path", options_.checkpoint_path}});
  }
}

void FeedConsumer::SaveCheckpoint() {
  if (options_.checkpoint_path.empty()) return;
  std::string text;
  {
    absl::MutexLock lock(&mu_);
    if (checkpoint_.sequence == saved_sequence_) return;
    text = absl::StrCat(kCheckpointHeader, "\nfeed ", options_.feed, "\nsequence ",
                        checkpoint_.sequence, "\nfingerprint ", checkpoint_.fingerprint, "\n");
    if (halt_ != Halt::kNone) {
      absl::StrAppend(&text, "halted ", halt_reason_, "\nhalt_kind ",
                      halt_ == Halt::kBehind ? "behind" : "reused", "\nhalted_at ", halted_at_,
                      "\n");
    }
    saved_sequence_ = checkpoint_.sequence;
    saved_at_ = absl::Now();
  }
  const std::string temporary = absl::StrCat(options_.checkpoint_path, ".tmp");
  bool ok = false;
  {
    std::ofstream out(temporary, std::ios::trunc);
    out << text;
    out.flush();
    ok = static_cast<bool>(out);
  }
  if (ok) ok = std::rename(temporary.c_str(), options_.checkpoint_path.c_str()) == 0;
  if (!ok) {
    logger_.Warning("feed_checkpoint_not_written",
                    {{"feed", options_.feed}, {"path", options_.checkpoint_path}});
  }
}

}  // namespace unemployment::feed
