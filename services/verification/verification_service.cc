#include "services/verification/verification_service.h"

#include <memory>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "common/paging/page_token.h"
#include "common/security/actor.h"
#include "common/status/status_util.h"
#include "common/time/date.h"
#include "common/validation/rules.h"
#include "services/verification/request_validation.h"
#include "services/verification/stream_trailer.h"

namespace unemployment::verification {
namespace {

namespace rule = ::unemployment::validation::rule;

bool IsServerFault(absl::StatusCode code) {
  return code == absl::StatusCode::kInternal || code == absl::StatusCode::kDataLoss ||
         code == absl::StatusCode::kUnknown || code == absl::StatusCode::kResourceExhausted;
}

// ListSnapshots page tokens (common/paging): the query is the source, the position the last
// snapshot id listed.
std::string EncodeToken(v1::Source source, int64_t snapshot_id) {
  return paging::EncodePageToken("s2", paging::QueryFingerprint(absl::StrCat(static_cast<int>(source))),
                                 {absl::StrCat(snapshot_id)});
}

absl::StatusOr<int64_t> DecodeToken(absl::string_view token, v1::Source source) {
  absl::StatusOr<std::vector<std::string>> parts =
      paging::DecodePageToken(token, "s2", paging::QueryFingerprint(absl::StrCat(static_cast<int>(source))), 1);
  if (!parts.ok()) return parts.status();
  int64_t id = 0;
  if (!absl::SimpleAtoi((*parts)[0], &id) || id <= 0) return paging::InvalidPageToken();
  return id;
}

}  // namespace

VerificationServiceImpl::VerificationServiceImpl(Dependencies dependencies, log::Logger logger)
    : deps_(std::move(dependencies)), logger_(std::move(logger)) {}

void VerificationServiceImpl::Finish(grpc::ServerUnaryReactor* reactor, absl::string_view method,
                                     const absl::Status& status) const {
  if (IsServerFault(status.code())) {
    logger_.Error("rpc_failed", {{"method", method}, {"status", status}});
  }
  reactor->Finish(status::ToGrpcStatus(status));
}

// --- ImportSnapshot. ---

// One ImportSnapshot call. Reads one message at a time and asks for the next only when the session
// is ready for it (back-pressure while rows are written). Deletes itself once gRPC is done with it
// and no session callback is pending.
class VerificationServiceImpl::ImportReactor final
    : public grpc::ServerReadReactor<v1::ImportSnapshotRequest> {
 public:
  ImportReactor(grpc::CallbackServerContext* context, SnapshotImporter& importer,
                v1::ImportSnapshotResponse* response, const log::Logger& logger)
      : context_(context), importer_(importer), response_(response), logger_(logger) {
    StartRead(&request_);
  }

  void OnReadDone(bool ok) override {
    if (!ok) {
      // A failed read before the trailer is a cancellation (deadline, client gone), a half-close,
      // or a message gRPC could not parse (reported like a half-close): in no case is the file
      // known to be whole, so nothing is loaded (FinishWith abandons the session: its rows are
      // dropped and the source is free again before the caller hears the answer).
      if (context_->IsCancelled())
        return FinishWith(absl::CancelledError("the import was cancelled"));
      if (session_ == nullptr) {
        return FinishWith(status::InvalidFieldError("header", rule::kRequired,
                                                    "the first message must carry the header"));
      }
      return FinishWith(MissingTrailerError(kSnapshotStreamIncomplete));
    }
    if (session_ == nullptr) {
      if (!request_.has_header()) {
        return FinishWith(status::InvalidFieldError("header", rule::kRequired,
                                                    "the first message must carry the header"));
      }
      absl::StatusOr<std::shared_ptr<ImportSession>> session = importer_.Begin(request_.header());
      if (!session.ok()) return FinishWith(session.status());
      session_ = *std::move(session);
      StartRead(&request_);
      return;
    }
    if (request_.has_header()) {
      return FinishWith(status::InvalidFieldError("header", rule::kNotApplicable,
                                                  "only the first message carries the header"));
    }
    if (request_.has_trailer()) {
      // The end of the upload: answer now, read nothing more.
      Hold();
      session_->Finish(request_.trailer(), [this](absl::StatusOr<v1::SnapshotInfo> info) {
        if (info.ok()) {
          *response_->mutable_snapshot() = *info;
          logger_.Info("snapshot_imported", {{"source", v1::Source_Name(info->source())},
                                             {"version", info->snapshot_version()},
                                             {"rows", info->row_count()}});
        }
        FinishWith(info.status());
        Release();
      });
      return;
    }
    if (request_.part_case() != v1::ImportSnapshotRequest::kContent) {
      return FinishWith(status::InvalidFieldError(
          "content", rule::kRequired, "every message after the first carries a piece of the file"));
    }
    Hold();
    session_->Feed(request_.content(), [this](absl::Status ready) {
      if (!ready.ok()) {
        FinishWith(ready);
      } else {
        StartRead(&request_);
      }
      Release();
    });
  }

  void OnDone() override {
    bool last = false;
    {
      absl::MutexLock lock(&mu_);
      done_ = true;
      last = holds_ == 0;
    }
    if (last) delete this;
  }

 private:
  void FinishWith(const absl::Status& status) {
    if (IsServerFault(status.code())) {
      logger_.Error("rpc_failed", {{"method", "ImportSnapshot"}, {"status", status}});
    }
    // Every caller of FinishWith runs with no Feed or Finish of the session pending.
    if (!status.ok() && session_ != nullptr) session_->Abandon();
    Finish(status::ToGrpcStatus(status));
  }

  void Hold() {
    absl::MutexLock lock(&mu_);
    ++holds_;
  }

  void Release() {
    bool last = false;
    {
      absl::MutexLock lock(&mu_);
      --holds_;
      last = done_ && holds_ == 0;
    }
    if (last) delete this;
  }

  grpc::CallbackServerContext* context_;
  SnapshotImporter& importer_;
  v1::ImportSnapshotResponse* response_;
  const log::Logger& logger_;
  v1::ImportSnapshotRequest request_;
  std::shared_ptr<ImportSession> session_;
  absl::Mutex mu_;
  int holds_ ABSL_GUARDED_BY(mu_) = 0;
  bool done_ ABSL_GUARDED_BY(mu_) = false;
};

grpc::ServerReadReactor<v1::ImportSnapshotRequest>* VerificationServiceImpl::ImportSnapshot(
    grpc::CallbackServerContext* context, v1::ImportSnapshotResponse* response) {
  return new ImportReactor(context, *deps_.importer, response, logger_);
}

// --- Snapshot facts. ---

grpc::ServerUnaryReactor* VerificationServiceImpl::GetSnapshotInfo(
    grpc::CallbackServerContext* context, const v1::GetSnapshotInfoRequest* request,
    v1::GetSnapshotInfoResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  v1::GetSnapshotInfoRequest normalized = *request;
  absl::Status status = ValidateGetSnapshotInfo(normalized);
  if (status.ok()) {
    absl::StatusOr<std::optional<StoredSnapshot>> stored =
        deps_.store->GetSnapshot(normalized.source(), normalized.snapshot_version());
    if (!stored.ok()) {
      status = stored.status();
    } else if (!stored->has_value()) {
      status = status::WithErrorInfo(
          absl::NotFoundError(normalized.snapshot_version().empty()
                                  ? "no snapshot of the source has been loaded"
                                  : "no snapshot of the source has this version"),
          "SNAPSHOT_NOT_FOUND");
    } else {
      *response->mutable_snapshot() = (*stored)->info;
    }
  }
  Finish(reactor, "GetSnapshotInfo", status);
  return reactor;
}

grpc::ServerUnaryReactor* VerificationServiceImpl::ListSnapshots(
    grpc::CallbackServerContext* context, const v1::ListSnapshotsRequest* request,
    v1::ListSnapshotsResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  absl::Status status = ValidateListSnapshots(*request);
  int64_t after = 0;
  if (status.ok() && !request->page_token().empty()) {
    absl::StatusOr<int64_t> position = DecodeToken(request->page_token(), request->source());
    if (position.ok()) {
      after = *position;
    } else {
      status = position.status();
    }
  }
  if (status.ok()) {
    absl::StatusOr<SnapshotPage> page = deps_.store->ListSnapshots(
        request->source(), after, EffectivePageSize(request->page_size()));
    if (page.ok()) {
      for (const StoredSnapshot& stored : page->snapshots) *response->add_snapshots() = stored.info;
      if (page->more && !page->snapshots.empty()) {
        response->set_next_page_token(
            EncodeToken(request->source(), page->snapshots.back().snapshot_id));
      }
    }
    status = page.status();
  }
  Finish(reactor, "ListSnapshots", status);
  return reactor;
}

// --- Verifications. ---

grpc::ServerUnaryReactor* VerificationServiceImpl::VerifyApplicant(
    grpc::CallbackServerContext* context, const v1::VerifyApplicantRequest* request,
    v1::VerifyApplicantResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  v1::VerifyApplicantRequest normalized = *request;
  const absl::CivilDay today = deps_.clock->Today();
  if (absl::Status valid = ValidateVerifyApplicant(normalized, today); !valid.ok()) {
    Finish(reactor, "VerifyApplicant", valid);
    return reactor;
  }
  // The fingerprint is taken before as_of defaults to today, so a retry on another day with the
  // same content still matches.
  const std::string fingerprint = Fingerprint(normalized);
  if (normalized.as_of().empty()) normalized.set_as_of(time::FormatDate(today));
  deps_.verifier->Verify(normalized, fingerprint,
                         [this, reactor, response](absl::StatusOr<v1::VerificationResult> result) {
                           if (result.ok()) *response->mutable_result() = *std::move(result);
                           Finish(reactor, "VerifyApplicant", result.status());
                         });
  return reactor;
}

grpc::ServerUnaryReactor* VerificationServiceImpl::GetVerification(
    grpc::CallbackServerContext* context, const v1::GetVerificationRequest* request,
    v1::GetVerificationResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  v1::GetVerificationRequest normalized = *request;
  absl::Status status = ValidateGetVerification(normalized);
  if (status.ok()) {
    absl::StatusOr<v1::VerificationResult> result =
        deps_.verifier->GetVerification(normalized.verification_id());
    if (result.ok()) *response->mutable_result() = *std::move(result);
    status = result.status();
  }
  Finish(reactor, "GetVerification", status);
  return reactor;
}

grpc::ServerUnaryReactor* VerificationServiceImpl::RecordFieldInvestigation(
    grpc::CallbackServerContext* context, const v1::RecordFieldInvestigationRequest* request,
    v1::RecordFieldInvestigationResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  v1::RecordFieldInvestigationRequest normalized = *request;
  // The investigator recorded is the caller (security/actor.h), never a name typed in the request.
  if (absl::Status actor = security::RecordActor(*context, "investigator_id",
                                                 normalized.mutable_investigator_id(), logger_);
      !actor.ok()) {
    Finish(reactor, "RecordFieldInvestigation", actor);
    return reactor;
  }
  if (absl::Status valid = ValidateRecordFieldInvestigation(normalized, deps_.clock->Today());
      !valid.ok()) {
    Finish(reactor, "RecordFieldInvestigation", valid);
    return reactor;
  }
  deps_.verifier->RecordFieldInvestigation(
      normalized, Fingerprint(normalized),
      [this, reactor, response](absl::StatusOr<v1::VerificationResult> result) {
        if (result.ok()) *response->mutable_result() = *std::move(result);
        Finish(reactor, "RecordFieldInvestigation", result.status());
      });
  return reactor;
}

// --- CompareActiveRegistrations. ---

// One comparison stream: read a batch, answer it, read the next; the order of answers is the
// order of batches. The trailer ends the stream with OK when it matches the subjects received
// (their count and digest, taken as sent), a bad batch or trailer with its error, and a stream
// that ends without the trailer with INVALID_ARGUMENT (it may be incomplete).
class VerificationServiceImpl::CompareReactor final
    : public grpc::ServerBidiReactor<v1::CompareActiveRegistrationsRequest,
                                     v1::CompareActiveRegistrationsResponse> {
 public:
  CompareReactor(grpc::CallbackServerContext* context, Verifier& verifier, const time::Clock& clock,
                 const log::Logger& logger)
      : context_(context), verifier_(verifier), clock_(clock), logger_(logger) {
    StartRead(&request_);
  }

  void OnReadDone(bool ok) override {
    if (!ok) {
      if (context_->IsCancelled()) {
        return Finish(grpc::Status(grpc::StatusCode::CANCELLED, "the comparison was cancelled"));
      }
      return FinishWith(MissingTrailerError(kComparisonStreamIncomplete));
    }
    if (request_.has_trailer()) {
      absl::Status status = ValidateComparisonTrailerMessage(request_, first_as_of_);
      if (status.ok()) {
        const int64_t count = digest_.subject_count();
        status =
            CheckComparisonTrailer(request_.trailer(), count, digest_.Finish().subjects_sha256());
        if (status.ok()) logger_.Info("comparison_completed", {{"subjects", count}});
      }
      return FinishWith(status);
    }
    digest_.Add(request_);  // as sent, before validation trims anything
    absl::Status status = ValidateCompareBatch(request_, clock_.Today(), first_as_of_);
    if (status.ok()) {
      if (first_as_of_.empty()) first_as_of_ = request_.as_of();
      absl::StatusOr<v1::CompareActiveRegistrationsResponse> answer = verifier_.Compare(request_);
      if (answer.ok()) {
        response_ = *std::move(answer);
        StartWrite(&response_);
        return;
      }
      status = answer.status();
    }
    FinishWith(status);
  }

  void OnWriteDone(bool ok) override {
    if (!ok) return Finish(grpc::Status(grpc::StatusCode::CANCELLED, "the client went away"));
    StartRead(&request_);
  }

  void OnDone() override { delete this; }

 private:
  void FinishWith(const absl::Status& status) {
    if (IsServerFault(status.code())) {
      logger_.Error("rpc_failed", {{"method", "CompareActiveRegistrations"}, {"status", status}});
    }
    Finish(status::ToGrpcStatus(status));
  }

  grpc::CallbackServerContext* context_;
  Verifier& verifier_;
  const time::Clock& clock_;
  const log::Logger& logger_;
  std::string first_as_of_;
  ComparisonDigest digest_;
  v1::CompareActiveRegistrationsRequest request_;
  v1::CompareActiveRegistrationsResponse response_;
};

grpc::ServerBidiReactor<v1::CompareActiveRegistrationsRequest,
                        v1::CompareActiveRegistrationsResponse>*
VerificationServiceImpl::CompareActiveRegistrations(grpc::CallbackServerContext* context) {
  return new CompareReactor(context, *deps_.verifier, *deps_.clock, logger_);
}

}  // namespace unemployment::verification
