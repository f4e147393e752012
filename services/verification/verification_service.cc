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
#include "common/server/unary_handler.h"
#include "common/status/macros.h"
#include "common/status/status_util.h"
#include "common/time/date.h"
#include "common/validation/rules.h"
#include "services/verification/request_validation.h"
#include "services/verification/stream_trailer.h"

namespace unemployment::verification {
namespace {

namespace rule = ::unemployment::validation::rule;

// A verifier callback that puts the result into `response` and finishes the call with `done`.
template <typename Response, typename Done>
auto ResultInto(Response* response, Done done) {
  return [response, done](absl::StatusOr<v1::VerificationResult> result) {
    if (result.ok()) *response->mutable_result() = *std::move(result);
    done(result.status());
  };
}

// ListSnapshots page tokens (common/paging): the query is the source, the position the last
// snapshot id listed.
std::string EncodeToken(v1::Source source, int64_t snapshot_id) {
  return paging::EncodePageToken("s2",
                                 paging::QueryFingerprint(absl::StrCat(static_cast<int>(source))),
                                 {absl::StrCat(snapshot_id)});
}

absl::StatusOr<int64_t> DecodeToken(absl::string_view token, v1::Source source) {
  absl::StatusOr<std::vector<std::string>> parts = paging::DecodePageToken(
      token, "s2", paging::QueryFingerprint(absl::StrCat(static_cast<int>(source))), 1);
  if (!parts.ok()) return parts.status();
  int64_t id = 0;
  if (!absl::SimpleAtoi((*parts)[0], &id) || id <= 0) return paging::InvalidPageToken();
  return id;
}

}  // namespace

VerificationServiceImpl::VerificationServiceImpl(Dependencies dependencies, log::Logger logger)
    : deps_(std::move(dependencies)), logger_(std::move(logger)) {}

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
    server::LogIfServerFault(logger_, "ImportSnapshot", status);
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
  return server::HandleUnary(
      context, logger_, "GetSnapshotInfo", request, response,
      [](v1::GetSnapshotInfoRequest& r) { return ValidateGetSnapshotInfo(r); },
      [this, response](const v1::GetSnapshotInfoRequest& r) -> absl::Status {
        ASSIGN_OR_RETURN(std::optional<StoredSnapshot> stored,
                         deps_.store->GetSnapshot(r.source(), r.snapshot_version()));
        if (!stored.has_value()) {
          return status::WithErrorInfo(
              absl::NotFoundError(r.snapshot_version().empty()
                                      ? "no snapshot of the source has been loaded"
                                      : "no snapshot of the source has this version"),
              "SNAPSHOT_NOT_FOUND");
        }
        *response->mutable_snapshot() = stored->info;
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* VerificationServiceImpl::ListSnapshots(
    grpc::CallbackServerContext* context, const v1::ListSnapshotsRequest* request,
    v1::ListSnapshotsResponse* response) {
  return server::HandleUnary(
      context, logger_, "ListSnapshots", request, response,
      [](v1::ListSnapshotsRequest& r) { return ValidateListSnapshots(r); },
      [this, response](const v1::ListSnapshotsRequest& r) -> absl::Status {
        int64_t after = 0;
        if (!r.page_token().empty()) {
          ASSIGN_OR_RETURN(after, DecodeToken(r.page_token(), r.source()));
        }
        ASSIGN_OR_RETURN(
            SnapshotPage page,
            deps_.store->ListSnapshots(r.source(), after, EffectivePageSize(r.page_size())));
        for (const StoredSnapshot& stored : page.snapshots)
          *response->add_snapshots() = stored.info;
        if (page.more && !page.snapshots.empty()) {
          response->set_next_page_token(EncodeToken(r.source(), page.snapshots.back().snapshot_id));
        }
        return absl::OkStatus();
      });
}

// --- Verifications. ---

grpc::ServerUnaryReactor* VerificationServiceImpl::VerifyApplicant(
    grpc::CallbackServerContext* context, const v1::VerifyApplicantRequest* request,
    v1::VerifyApplicantResponse* response) {
  std::string fingerprint;
  return server::HandleUnaryAsync(
      context, logger_, "VerifyApplicant", request, response,
      [this, &fingerprint](v1::VerifyApplicantRequest& r) -> absl::Status {
        const absl::CivilDay today = deps_.clock->Today();
        RETURN_IF_ERROR(ValidateVerifyApplicant(r, today));
        // The fingerprint is taken before as_of defaults to today, so a retry on another day with
        // the same content still matches.
        fingerprint = Fingerprint(r);
        if (r.as_of().empty()) r.set_as_of(time::FormatDate(today));
        return absl::OkStatus();
      },
      [this, &fingerprint, response](const v1::VerifyApplicantRequest& r, auto done) {
        deps_.verifier->Verify(r, fingerprint, ResultInto(response, done));
      });
}

grpc::ServerUnaryReactor* VerificationServiceImpl::GetVerification(
    grpc::CallbackServerContext* context, const v1::GetVerificationRequest* request,
    v1::GetVerificationResponse* response) {
  return server::HandleUnary(
      context, logger_, "GetVerification", request, response,
      [](v1::GetVerificationRequest& r) { return ValidateGetVerification(r); },
      [this, response](const v1::GetVerificationRequest& r) -> absl::Status {
        ASSIGN_OR_RETURN(*response->mutable_result(),
                         deps_.verifier->GetVerification(r.verification_id()));
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* VerificationServiceImpl::RecordFieldInvestigation(
    grpc::CallbackServerContext* context, const v1::RecordFieldInvestigationRequest* request,
    v1::RecordFieldInvestigationResponse* response) {
  return server::HandleUnaryAsync(
      context, logger_, "RecordFieldInvestigation", request, response,
      [this, context](v1::RecordFieldInvestigationRequest& r) -> absl::Status {
        // The investigator recorded is the caller (security/actor.h), never a name typed in the
        // request.
        RETURN_IF_ERROR(security::RecordActor(*context, "investigator_id",
                                              r.mutable_investigator_id(), logger_));
        return ValidateRecordFieldInvestigation(r, deps_.clock->Today());
      },
      [this, response](const v1::RecordFieldInvestigationRequest& r, auto done) {
        deps_.verifier->RecordFieldInvestigation(r, Fingerprint(r), ResultInto(response, done));
      });
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
    server::LogIfServerFault(logger_, "CompareActiveRegistrations", status);
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
