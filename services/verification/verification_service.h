#pragma once

// gRPC handler of unemployment.verification.v1.VerificationService (callback API): checks the
// request shape, calls the domain (Verifier, SnapshotImporter) and converts the status with
// status::ToGrpcStatus. Writes answer from the store's commit callback, so no handler thread waits
// for an fsync.

#include "common/log/logger.h"
#include "common/time/clock.h"
#include "services/verification/snapshot_importer.h"
#include "services/verification/verification_store.h"
#include "services/verification/verifier.h"
#include "unemployment/verification/v1/verification_service.grpc.pb.h"

namespace unemployment::verification {

class VerificationServiceImpl final : public v1::VerificationService::CallbackService {
 public:
  struct Dependencies {
    Verifier* verifier = nullptr;
    SnapshotImporter* importer = nullptr;
    VerificationStore* store = nullptr;
    const time::Clock* clock = nullptr;
  };

  // Every pointer is required and must outlive the service.
  VerificationServiceImpl(Dependencies dependencies, log::Logger logger);

  grpc::ServerReadReactor<v1::ImportSnapshotRequest>* ImportSnapshot(
      grpc::CallbackServerContext* context, v1::ImportSnapshotResponse* response) override;
  grpc::ServerUnaryReactor* GetSnapshotInfo(grpc::CallbackServerContext* context,
                                            const v1::GetSnapshotInfoRequest* request,
                                            v1::GetSnapshotInfoResponse* response) override;
  grpc::ServerUnaryReactor* ListSnapshots(grpc::CallbackServerContext* context,
                                          const v1::ListSnapshotsRequest* request,
                                          v1::ListSnapshotsResponse* response) override;
  grpc::ServerUnaryReactor* VerifyApplicant(grpc::CallbackServerContext* context,
                                            const v1::VerifyApplicantRequest* request,
                                            v1::VerifyApplicantResponse* response) override;
  grpc::ServerUnaryReactor* GetVerification(grpc::CallbackServerContext* context,
                                            const v1::GetVerificationRequest* request,
                                            v1::GetVerificationResponse* response) override;
  grpc::ServerUnaryReactor* RecordFieldInvestigation(
      grpc::CallbackServerContext* context, const v1::RecordFieldInvestigationRequest* request,
      v1::RecordFieldInvestigationResponse* response) override;
  grpc::ServerBidiReactor<v1::CompareActiveRegistrationsRequest,
                          v1::CompareActiveRegistrationsResponse>*
  CompareActiveRegistrations(grpc::CallbackServerContext* context) override;

 private:
  class ImportReactor;
  class CompareReactor;

  Dependencies deps_;
  log::Logger logger_;
};

}  // namespace unemployment::verification
