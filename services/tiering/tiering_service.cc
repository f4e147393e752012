#include "services/tiering/tiering_service.h"

#include <deque>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/security/call_guard.h"
#include "common/status/status_util.h"
#include "services/tiering/request_validation.h"

namespace unemployment::tiering {
namespace {

// Events read from the store per round trip of a stream.
constexpr int kStreamBatch = 128;

bool IsServerFault(absl::StatusCode code) {
  return code == absl::StatusCode::kInternal || code == absl::StatusCode::kDataLoss ||
         code == absl::StatusCode::kUnknown || code == absl::StatusCode::kResourceExhausted;
}

}  // namespace

TieringServiceImpl::TieringServiceImpl(Tiering& tiering, const time::Clock& clock,
                                       EventNotifier& notifier, log::Logger logger)
    : tiering_(tiering), clock_(clock), notifier_(notifier), logger_(std::move(logger)) {}

absl::Status TieringServiceImpl::RegistrationInScope(const grpc::CallbackServerContext& context,
                                                    const std::string& registration_id) {
  return security::RequireRecordInScope(
      context, [this, &registration_id] { return tiering_.OfficeRegionOf(registration_id); });
}

template <typename Request, typename Response, typename Validate, typename Call>
grpc::ServerUnaryReactor* TieringServiceImpl::Handle(grpc::CallbackServerContext* context,
                                                     const Request* request, Response* response,
                                                     absl::string_view method, Validate validate,
                                                     Call call) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  Request normalized = *request;
  absl::Status status = validate(normalized);
  if (status.ok()) {
    absl::StatusOr<Response> result = call(normalized);
    if (result.ok()) *response = *std::move(result);
    status = result.status();
  }
  if (IsServerFault(status.code())) {
    logger_.Error("rpc_failed", {{"method", method}, {"status", status}});
  }
  reactor->Finish(status::ToGrpcStatus(status));
  return reactor;
}

grpc::ServerUnaryReactor* TieringServiceImpl::GetLevel(grpc::CallbackServerContext* context,
                                                       const v1::GetLevelRequest* request,
                                                       v1::GetLevelResponse* response) {
  return Handle(
      context, request, response, "GetLevel",
      [this, context](v1::GetLevelRequest& r) {
        absl::Status valid = ValidateGetLevel(r);
        return valid.ok() ? RegistrationInScope(*context, r.registration_id()) : valid;
      },
      [this](const v1::GetLevelRequest& r) { return tiering_.GetLevel(r); });
}

grpc::ServerUnaryReactor* TieringServiceImpl::GetServicePlan(
    grpc::CallbackServerContext* context, const v1::GetServicePlanRequest* request,
    v1::GetServicePlanResponse* response) {
  return Handle(
      context, request, response, "GetServicePlan",
      [this, context](v1::GetServicePlanRequest& r) {
        absl::Status valid = ValidateGetServicePlan(r);
        return valid.ok() ? RegistrationInScope(*context, r.registration_id()) : valid;
      },
      [this](const v1::GetServicePlanRequest& r) { return tiering_.GetServicePlan(r); });
}

grpc::ServerUnaryReactor* TieringServiceImpl::GetProfile(grpc::CallbackServerContext* context,
                                                         const v1::GetProfileRequest* request,
                                                         v1::GetProfileResponse* response) {
  return Handle(
      context, request, response, "GetProfile",
      [this, context](v1::GetProfileRequest& r) {
        absl::Status valid = ValidateGetProfile(r);
        return valid.ok() ? RegistrationInScope(*context, r.registration_id()) : valid;
      },
      [this](const v1::GetProfileRequest& r) { return tiering_.GetProfile(r); });
}

grpc::ServerUnaryReactor* TieringServiceImpl::UpdateProfile(grpc::CallbackServerContext* context,
                                                            const v1::UpdateProfileRequest* request,
                                                            v1::UpdateProfileResponse* response) {
  return Handle(
      context, request, response, "UpdateProfile",
      [this, context](v1::UpdateProfileRequest& r) {
        absl::Status valid = ValidateUpdateProfile(r);
        return valid.ok() ? RegistrationInScope(*context, r.profile().registration_id()) : valid;
      },
      [this](const v1::UpdateProfileRequest& r) { return tiering_.UpdateProfile(r); });
}

grpc::ServerUnaryReactor* TieringServiceImpl::RecordServiceDelivery(
    grpc::CallbackServerContext* context, const v1::RecordServiceDeliveryRequest* request,
    v1::RecordServiceDeliveryResponse* response) {
  return Handle(
      context, request, response, "RecordServiceDelivery",
      [this, context](v1::RecordServiceDeliveryRequest& r) {
        absl::Status valid = ValidateRecordServiceDelivery(r, clock_.Today());
        return valid.ok() ? RegistrationInScope(*context, r.delivery().registration_id()) : valid;
      },
      [this](const v1::RecordServiceDeliveryRequest& r) {
        return tiering_.RecordServiceDelivery(r);
      });
}

grpc::ServerUnaryReactor* TieringServiceImpl::ListServiceDeliveries(
    grpc::CallbackServerContext* context, const v1::ListServiceDeliveriesRequest* request,
    v1::ListServiceDeliveriesResponse* response) {
  return Handle(
      context, request, response, "ListServiceDeliveries",
      [this, context](v1::ListServiceDeliveriesRequest& r) {
        absl::Status valid = ValidateListServiceDeliveries(r);
        return valid.ok() ? RegistrationInScope(*context, r.registration_id()) : valid;
      },
      [this](const v1::ListServiceDeliveriesRequest& r) {
        return tiering_.ListServiceDeliveries(r);
      });
}

grpc::ServerUnaryReactor* TieringServiceImpl::ListPlanGaps(grpc::CallbackServerContext* context,
                                                           const v1::ListPlanGapsRequest* request,
                                                           v1::ListPlanGapsResponse* response) {
  return Handle(
      context, request, response, "ListPlanGaps",
      [context](v1::ListPlanGapsRequest& r) {
        absl::Status valid = ValidateListPlanGaps(r);
        // Staff of one region see only their region.
        return valid.ok() ? security::RequireRegion(*context, r.region_code()) : valid;
      },
      [this](const v1::ListPlanGapsRequest& r) { return tiering_.ListPlanGaps(r); });
}

grpc::ServerUnaryReactor* TieringServiceImpl::GetPlanFulfilment(
    grpc::CallbackServerContext* context, const v1::GetPlanFulfilmentRequest* request,
    v1::GetPlanFulfilmentResponse* response) {
  return Handle(
      context, request, response, "GetPlanFulfilment",
      [this, context](v1::GetPlanFulfilmentRequest& r) {
        absl::Status valid = ValidateGetPlanFulfilment(r, clock_.Today());
        return valid.ok() ? security::RequireRegion(*context, r.region_code()) : valid;
      },
      [this](const v1::GetPlanFulfilmentRequest& r) { return tiering_.GetPlanFulfilment(r); });
}

grpc::ServerUnaryReactor* TieringServiceImpl::GetCatalog(grpc::CallbackServerContext* context,
                                                         const v1::GetCatalogRequest* request,
                                                         v1::GetCatalogResponse* response) {
  return Handle(
      context, request, response, "GetCatalog",
      [](v1::GetCatalogRequest& r) { return ValidateGetCatalog(r); },
      [this](const v1::GetCatalogRequest& r) { return tiering_.GetCatalog(r); });
}

grpc::ServerUnaryReactor* TieringServiceImpl::PublishCatalogVersion(
    grpc::CallbackServerContext* context, const v1::PublishCatalogVersionRequest* request,
    v1::PublishCatalogVersionResponse* response) {
  return Handle(
      context, request, response, "PublishCatalogVersion",
      [](v1::PublishCatalogVersionRequest& r) { return ValidatePublishCatalogVersion(r); },
      [this](const v1::PublishCatalogVersionRequest& r) {
        return tiering_.PublishCatalogVersion(r);
      });
}

grpc::ServerUnaryReactor* TieringServiceImpl::ListDifficultyCriteria(
    grpc::CallbackServerContext* context, const v1::ListDifficultyCriteriaRequest* request,
    v1::ListDifficultyCriteriaResponse* response) {
  return Handle(
      context, request, response, "ListDifficultyCriteria",
      [](v1::ListDifficultyCriteriaRequest& r) { return ValidateListDifficultyCriteria(r); },
      [this](const v1::ListDifficultyCriteriaRequest& r) {
        return tiering_.ListDifficultyCriteria(r);
      });
}

grpc::ServerUnaryReactor* TieringServiceImpl::IdentifyEmploymentDifficulty(
    grpc::CallbackServerContext* context, const v1::IdentifyEmploymentDifficultyRequest* request,
    v1::IdentifyEmploymentDifficultyResponse* response) {
  return Handle(
      context, request, response, "IdentifyEmploymentDifficulty",
      [this, context](v1::IdentifyEmploymentDifficultyRequest& r) {
        absl::Status valid = ValidateIdentifyEmploymentDifficulty(r, clock_.Today());
        return valid.ok() ? RegistrationInScope(*context, r.registration_id()) : valid;
      },
      [this](const v1::IdentifyEmploymentDifficultyRequest& r) {
        return tiering_.IdentifyEmploymentDifficulty(r);
      });
}

grpc::ServerUnaryReactor* TieringServiceImpl::DecideEmploymentDifficulty(
    grpc::CallbackServerContext* context, const v1::DecideEmploymentDifficultyRequest* request,
    v1::DecideEmploymentDifficultyResponse* response) {
  return Handle(
      context, request, response, "DecideEmploymentDifficulty",
      [this, context](v1::DecideEmploymentDifficultyRequest& r) {
        absl::Status valid = ValidateDecideEmploymentDifficulty(r, clock_.Today());
        if (!valid.ok()) return valid;
        return security::RequireRecordInScope(*context, [this, &r] {
          return tiering_.OfficeRegionOfIdentification(r.identification_id());
        });
      },
      [this](const v1::DecideEmploymentDifficultyRequest& r) {
        return tiering_.DecideEmploymentDifficulty(r);
      });
}

// One StreamEvents call. Writes one event at a time from a small buffer; once caught up it
// subscribes to the EventNotifier and sleeps until a commit (or shutdown) wakes it.
//
// Lifetime: one reference for gRPC (dropped in OnDone) and one per pending notifier
// subscription; the object deletes itself when the last one is dropped. Pump() runs on one thread
// at a time (busy_/again_), whoever calls it: the start, OnWriteDone or a wake-up.
class TieringServiceImpl::EventStream final
    : public grpc::ServerWriteReactor<v1::StreamEventsResponse> {
 public:
  EventStream(Tiering& tiering, EventNotifier& notifier, int64_t after_sequence, bool stop_at_end,
              int64_t end_sequence)
      : tiering_(tiering),
        notifier_(notifier),
        cursor_(after_sequence),
        stop_at_end_(stop_at_end),
        end_sequence_(end_sequence) {}

  void Start() { Pump(); }

  // Ends the call at once (bad request).
  void Fail(const grpc::Status& status) { FinishOnce(status); }

  void OnWriteDone(bool ok) override {
    {
      absl::MutexLock lock(&mu_);
      writing_ = false;
    }
    if (!ok) {
      FinishOnce(grpc::Status(grpc::StatusCode::CANCELLED, "the client went away"));
      return;
    }
    Pump();
  }

  void OnCancel() override {
    bool finish = false;
    {
      absl::MutexLock lock(&mu_);
      cancelled_ = true;
      finish = !writing_;
    }
    // With a write in flight, OnWriteDone(false) finishes instead.
    if (finish) FinishOnce(grpc::Status(grpc::StatusCode::CANCELLED, "cancelled"));
  }

  void OnDone() override { Unref(); }

 private:
  // gRPC calls (StartWrite, Finish) are made without holding mu_, since gRPC may run reactions
  // inline.
  void FinishOnce(const grpc::Status& status) {
    {
      absl::MutexLock lock(&mu_);
      if (finished_) return;
      finished_ = true;
    }
    Finish(status);
  }

  void Pump() {
    {
      absl::MutexLock lock(&mu_);
      if (busy_) {
        again_ = true;
        return;
      }
      busy_ = true;
      ++refs_;  // the pump's own reference: Step never runs on a deleted stream
    }
    while (true) {
      Step();
      absl::MutexLock lock(&mu_);
      if (!again_) {
        busy_ = false;
        break;
      }
      again_ = false;
    }
    Unref();
  }

  // One attempt to make progress: write the next event, finish, or wait for a commit. Runs only
  // on the pumping thread, which alone touches cursor_, buffer_ and response_.
  void Step() {
    while (true) {
      bool cancelled = false;
      {
        absl::MutexLock lock(&mu_);
        if (finished_ || writing_) return;
        cancelled = cancelled_;
        if (!cancelled && !buffer_.empty()) writing_ = true;
      }
      if (cancelled) {
        FinishOnce(grpc::Status(grpc::StatusCode::CANCELLED, "cancelled"));
        return;
      }
      if (!buffer_.empty()) {
        response_.Clear();
        *response_.mutable_event() = std::move(buffer_.front());
        buffer_.pop_front();
        StartWrite(&response_);
        return;
      }
      absl::StatusOr<std::vector<v1::TieringEvent>> events =
          tiering_.ReadEvents(cursor_, kStreamBatch);
      if (!events.ok()) {
        FinishOnce(status::ToGrpcStatus(events.status()));
        return;
      }
      if (!events->empty()) {
        cursor_ = events->back().sequence();
        for (v1::TieringEvent& event : *events) buffer_.push_back(std::move(event));
        continue;
      }
      if (stop_at_end_ && cursor_ >= end_sequence_) {
        FinishOnce(grpc::Status::OK);
        return;
      }
      if (notifier_.shut_down()) {
        FinishOnce(status::ToGrpcStatus(absl::UnavailableError(
            "the tiering service is shutting down; reconnect from the last applied sequence")));
        return;
      }
      {
        absl::MutexLock lock(&mu_);
        ++refs_;  // the subscription's reference, taken before it can fire
      }
      if (notifier_.Subscribe(cursor_, [this] {
            Pump();
            Unref();
          })) {
        return;
      }
      // Not registered: newer events (or the shutdown) are already there; go on. The pump's own
      // reference keeps the count above zero here.
      absl::MutexLock lock(&mu_);
      --refs_;
    }
  }

  void Unref() {
    bool last = false;
    {
      absl::MutexLock lock(&mu_);
      last = --refs_ == 0;
    }
    if (last) delete this;
  }

  Tiering& tiering_;
  EventNotifier& notifier_;
  int64_t cursor_;
  const bool stop_at_end_;
  const int64_t end_sequence_;
  std::deque<v1::TieringEvent> buffer_;
  v1::StreamEventsResponse response_;

  absl::Mutex mu_;
  int refs_ ABSL_GUARDED_BY(mu_) = 1;
  bool busy_ ABSL_GUARDED_BY(mu_) = false;
  bool again_ ABSL_GUARDED_BY(mu_) = false;
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
};

grpc::ServerWriteReactor<v1::StreamEventsResponse>* TieringServiceImpl::StreamEvents(
    grpc::CallbackServerContext* /*context*/, const v1::StreamEventsRequest* request) {
  absl::Status status = ValidateStreamEvents(*request);
  int64_t last = 0;
  if (status.ok()) {
    absl::StatusOr<int64_t> last_sequence = tiering_.LastEventSequence();
    status = last_sequence.status();
    if (last_sequence.ok()) last = *last_sequence;
  }
  if (status.ok() && request->after_sequence() > last) {
    status = status::WithErrorInfo(
        absl::OutOfRangeError(absl::StrCat("after_sequence ", request->after_sequence(),
                                           " is beyond the last sequence ", last)),
        "CURSOR_AHEAD_OF_FEED", {{"last_sequence", absl::StrCat(last)}});
  }
  auto* stream =
      new EventStream(tiering_, notifier_, request->after_sequence(), request->stop_at_end(), last);
  if (!status.ok()) {
    if (IsServerFault(status.code())) {
      logger_.Error("rpc_failed", {{"method", "StreamEvents"}, {"status", status}});
    }
    stream->Fail(status::ToGrpcStatus(status));
  } else {
    stream->Start();
  }
  return stream;
}

}  // namespace unemployment::tiering
