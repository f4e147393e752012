#include "services/followup/verification_client.h"

#include <algorithm>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "common/status/status_util.h"
#include "services/verification/stream_trailer.h"

namespace unemployment::followup {

// One CompareActiveRegistrations stream.
//
// Writing: one write at a time (writing_). After the last batch comes the trailer (the count and
// digest of every subject sent, see ComparisonTrailer), then the half-close: verification ends
// the stream with OK only when the trailer matches what it received, so a stream cut short is
// never taken for a complete comparison. The call is held open (AddHold) while this side may
// still start a write from outside a reaction (a settle on the store's thread); the hold is
// removed once writing is over: after the half-close, or when the stream broke or failed.
// Reading: one read at a time, started again after each answer.
// Lifetime: pins_ counts who may still touch the object: Begin until it returns, gRPC until
// OnDone, and each answer until it is settled. The thread that drops the last pin runs the
// caller's done callback and deletes the object, deciding so in the same critical section as the
// drop, so no other thread can be inside a method at that moment.
class GrpcVerificationClient::Call final
    : public grpc::ClientBidiReactor<verv1::CompareActiveRegistrationsRequest,
                                     verv1::CompareActiveRegistrationsResponse> {
 public:
  Call(int max_in_flight, NextBatch next, OnAnswer on_answer, Finished done)
      : max_in_flight_(max_in_flight),
        next_(std::move(next)),
        on_answer_(std::move(on_answer)),
        done_(std::move(done)) {}

  void Begin(verv1::VerificationService::Stub& stub, absl::Time deadline) {
    context_.set_deadline(absl::ToChronoTime(deadline));
    stub.async()->CompareActiveRegistrations(&context_, this);
    AddHold();
    StartRead(&incoming_);
    StartCall();
    SendMore();
    Unpin();
  }

  void OnWriteDone(bool ok) override {
    {
      absl::MutexLock lock(&mu_);
      writing_ = false;
      if (!ok) stop_sending_ = true;  // the stream broke; OnDone tells why
    }
    SendMore();
  }

  void OnReadDone(bool ok) override {
    if (!ok) {
      // The server ended the stream (OnDone follows once writing is over).
      {
        absl::MutexLock lock(&mu_);
        stop_sending_ = true;
      }
      SendMore();
      return;
    }
    verv1::CompareActiveRegistrationsResponse answer = std::move(incoming_);
    incoming_.Clear();
    {
      absl::MutexLock lock(&mu_);
      ++pins_;  // dropped by the settle
    }
    on_answer_(std::move(answer), [this](absl::Status status) { Settled(std::move(status)); });
    StartRead(&incoming_);
  }

  void OnDone(const grpc::Status& status) override {
    {
      absl::MutexLock lock(&mu_);
      call_done_ = true;
      stream_status_ = status::FromGrpcStatus(status);
    }
    Unpin();
  }

 private:
  void Settled(absl::Status status) {
    bool cancel = false;
    {
      absl::MutexLock lock(&mu_);
      --in_flight_;
      if (!status.ok()) {
        if (first_error_.ok()) first_error_ = std::move(status);
        stop_sending_ = true;
        cancel = !call_done_;
      }
    }
    if (cancel) context_.TryCancel();
    SendMore();
    Unpin();
  }

  // Sends the next batch when a slot is free, half-closes after the last, or gives up the hold
  // once sending is over. Only the thread that set writing_ calls next_ and StartWrite.
  void SendMore() {
    bool give_up = false;
    bool half_close = false;
    {
      absl::MutexLock lock(&mu_);
      if (writing_ || hold_removed_) return;
      if (stop_sending_) {
        hold_removed_ = true;
        give_up = true;
      } else if (trailer_sent_) {
        hold_removed_ = true;
        writing_ = true;  // stays set: nothing is written after the half-close
        half_close = true;
      } else if (in_flight_ >= max_in_flight_) {
        return;
      } else {
        writing_ = true;
      }
    }
    if (give_up) {
      RemoveHold();
      return;
    }
    if (half_close) {
      StartWritesDone();
      RemoveHold();
      return;
    }
    absl::StatusOr<std::optional<verv1::CompareActiveRegistrationsRequest>> batch = next_();
    enum class Then { kWrite, kTrailer, kGiveUp } then = Then::kWrite;
    bool cancel = false;
    {
      absl::MutexLock lock(&mu_);
      if (!batch.ok()) {
        if (first_error_.ok()) first_error_ = batch.status();
        stop_sending_ = true;
        cancel = !call_done_;
      }
      if (stop_sending_) {
        writing_ = false;
        hold_removed_ = true;
        then = Then::kGiveUp;
      } else if (!batch->has_value()) {
        trailer_sent_ = true;  // its write done leads to the half-close
        then = Then::kTrailer;
      } else {
        ++in_flight_;
      }
    }
    if (cancel) context_.TryCancel();
    switch (then) {
      case Then::kGiveUp:
        RemoveHold();
        return;
      case Then::kTrailer:
        outgoing_.Clear();
        *outgoing_.mutable_trailer() = digest_.Finish();
        StartWrite(&outgoing_);
        return;
      case Then::kWrite:
        outgoing_ = **std::move(batch);
        digest_.Add(outgoing_);
        StartWrite(&outgoing_);
        return;
    }
  }

  void Unpin() {
    absl::Status result;
    {
      absl::MutexLock lock(&mu_);
      if (--pins_ > 0) return;
      // Our own first error wins (a settle may fail after the stream ended well).
      result = first_error_.ok() ? stream_status_ : first_error_;
    }
    done_(std::move(result));
    delete this;
  }

  const int max_in_flight_;
  NextBatch next_;
  OnAnswer on_answer_;
  Finished done_;
  grpc::ClientContext context_;
  // Touched only by the thread holding the write (outgoing_, digest_) or the read (incoming_).
  verv1::CompareActiveRegistrationsRequest outgoing_;
  verification::ComparisonDigest digest_;
  verv1::CompareActiveRegistrationsResponse incoming_;

  absl::Mutex mu_;
  int in_flight_ ABSL_GUARDED_BY(mu_) = 0;
  // Begin's and gRPC's pins to start with.
  int pins_ ABSL_GUARDED_BY(mu_) = 2;
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool stop_sending_ ABSL_GUARDED_BY(mu_) = false;
  bool hold_removed_ ABSL_GUARDED_BY(mu_) = false;
  bool trailer_sent_ ABSL_GUARDED_BY(mu_) = false;
  bool call_done_ ABSL_GUARDED_BY(mu_) = false;
  absl::Status first_error_ ABSL_GUARDED_BY(mu_);
  absl::Status stream_status_ ABSL_GUARDED_BY(mu_);
};

GrpcVerificationClient::GrpcVerificationClient(std::shared_ptr<grpc::Channel> channel,
                                               absl::Duration timeout, int max_in_flight)
    : stub_(verv1::VerificationService::NewStub(std::move(channel))),
      timeout_(timeout),
      max_in_flight_(std::max(1, max_in_flight)) {}

void GrpcVerificationClient::Compare(absl::Time deadline, NextBatch next, OnAnswer on_answer,
                                     Finished done) {
  auto* call = new Call(max_in_flight_, std::move(next), std::move(on_answer), std::move(done));
  call->Begin(*stub_, std::min(deadline, absl::Now() + timeout_));
}

}  // namespace unemployment::followup
