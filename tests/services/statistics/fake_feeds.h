#pragma once

// Scripted feeds of the statistics tests: a registration shard's, tiering's or follow-up's
// StreamEvents serving events a test adds, each served on port 0.

#include <cstdint>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "unemployment/followup/v1/followup_service.grpc.pb.h"
#include "unemployment/registration/v1/registration_service.grpc.pb.h"
#include "unemployment/tiering/v1/tiering_service.grpc.pb.h"
#include "tests/testing/fake_server.h"

namespace unemployment::statistics::testing {

namespace regv1 = ::unemployment::registration::v1;
namespace tv1 = ::unemployment::tiering::v1;
namespace fv1 = ::unemployment::followup::v1;

// A service whose StreamEvents streams a scripted feed: the events added so far, then each one
// added while the stream is open.
template <typename Service, typename Event, typename Request, typename Response>
class ScriptedServiceFeed final : public Service {
 public:
  // `shard_id`: stamped on every event of a registration shard's feed.
  explicit ScriptedServiceFeed(std::string shard_id = "") : shard_id_(std::move(shard_id)) {}

  // Appends `event` with the next sequence; returns the sequence.
  int64_t Add(Event event) {
    absl::MutexLock lock(&mu_);
    event.set_sequence(static_cast<int64_t>(events_.size()) + 1);
    if constexpr (std::is_same_v<Event, regv1::Event>) event.set_shard_id(shard_id_);
    events_.push_back(std::move(event));
    return static_cast<int64_t>(events_.size());
  }

  // The after_sequence of every StreamEvents call so far.
  std::vector<int64_t> stream_starts() const {
    absl::MutexLock lock(&mu_);
    return stream_starts_;
  }

  void StopStreams() {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }

  grpc::Status StreamEvents(grpc::ServerContext* context, const Request* request,
                            grpc::ServerWriter<Response>* writer) override {
    int64_t sent = request->after_sequence();
    {
      absl::MutexLock lock(&mu_);
      stream_starts_.push_back(sent);
      if (sent > static_cast<int64_t>(events_.size())) {
        return grpc::Status(grpc::StatusCode::OUT_OF_RANGE, "cursor ahead of feed");
      }
    }
    while (!context->IsCancelled()) {
      std::vector<Event> next;
      {
        absl::MutexLock lock(&mu_);
        auto ready = [this, sent]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
          return stopping_ || static_cast<int64_t>(events_.size()) > sent;
        };
        // Bounded, so that a cancelled call is noticed.
        mu_.AwaitWithTimeout(absl::Condition(&ready), absl::Milliseconds(50));
        if (stopping_) return grpc::Status(grpc::StatusCode::UNAVAILABLE, "stopping");
        next.assign(events_.begin() + sent, events_.end());
      }
      for (const Event& event : next) {
        Response response;
        *response.mutable_event() = event;
        if (!writer->Write(response)) return grpc::Status::CANCELLED;
        sent = event.sequence();
      }
    }
    return grpc::Status::CANCELLED;
  }

 private:
  const std::string shard_id_;
  mutable absl::Mutex mu_;
  std::vector<Event> events_ ABSL_GUARDED_BY(mu_);
  std::vector<int64_t> stream_starts_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
};

// A registration shard's feed (construct with the shard id).
using ScriptedFeed = ScriptedServiceFeed<regv1::RegistrationService::Service, regv1::Event,
                                         regv1::StreamEventsRequest, regv1::StreamEventsResponse>;
using ScriptedTieringFeed = ScriptedServiceFeed<tv1::TieringService::Service, tv1::TieringEvent,
                                                tv1::StreamEventsRequest,
                                                tv1::StreamEventsResponse>;
using ScriptedFollowupFeed =
    ScriptedServiceFeed<fv1::FollowupService::Service, fv1::FollowupEvent,
                        fv1::StreamEventsRequest, fv1::StreamEventsResponse>;

// A scripted feed served on port 0: FakeShard shard("hlj"), FakeService<ScriptedTieringFeed>.
using FakeShard = ::unemployment::testing::FakeServer<ScriptedFeed>;
template <typename Feed>
using FakeService = ::unemployment::testing::FakeServer<Feed>;

}  // namespace unemployment::statistics::testing
