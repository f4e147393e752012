#pragma once

// gRPC handler of unemployment.gateway.v1.GatewayService on the callback API: identify the caller,
// check the channel may use the method, hand the request to Intake / ContactDirectory, and turn
// the result into a response or a grpc::Status with google.rpc details. No business rule lives
// here.

#include "absl/time/time.h"
#include "common/log/logger.h"
#include "services/gateway/caller_identity.h"
#include "services/gateway/contact_directory.h"
#include "services/gateway/intake.h"
#include "services/gateway/public_service_info.h"
#include "services/gateway/region_contacts.h"
#include "unemployment/gateway/v1/gateway_service.grpc.pb.h"

namespace unemployment::gateway {

// Most items of BatchForwardApplications.
inline constexpr int kMaxBatchItems = 100;

struct GatewayServiceOptions {
  // Upper bound of the time the gateway waits for registration when the caller set a longer
  // deadline or none; the caller's own deadline always applies when it is shorter.
  absl::Duration shard_timeout = absl::Seconds(10);
  // Where server faults of the calls are logged (server::FinishUnary).
  log::Logger logger{"gateway"};
};

class GatewayServiceImpl final : public v1::GatewayService::CallbackService {
 public:
  // Everything is borrowed and must outlive the service.
  // `public_info` may be null: GetPublicServiceInfo then answers FAILED_PRECONDITION.
  // `region_contacts` may be null: the region directory then serves `contacts` (the shipped rows)
  // only.
  GatewayServiceImpl(Intake& intake, const ContactDirectory& contacts,
                     const CallerIdentityExtractor& identity, GatewayServiceOptions options,
                     const PublicServiceDirectory* public_info = nullptr,
                     const RegionContacts* region_contacts = nullptr);

  grpc::ServerUnaryReactor* SubmitApplication(grpc::CallbackServerContext* context,
                                              const v1::SubmitApplicationRequest* request,
                                              v1::SubmitApplicationResponse* response) override;
  grpc::ServerUnaryReactor* ForwardApplication(grpc::CallbackServerContext* context,
                                               const v1::ForwardApplicationRequest* request,
                                               v1::ForwardApplicationResponse* response) override;
  grpc::ServerUnaryReactor* BatchForwardApplications(
      grpc::CallbackServerContext* context, const v1::BatchForwardApplicationsRequest* request,
      v1::BatchForwardApplicationsResponse* response) override;
  grpc::ServerUnaryReactor* GetApplicationStatus(
      grpc::CallbackServerContext* context, const v1::GetApplicationStatusRequest* request,
      v1::GetApplicationStatusResponse* response) override;
  grpc::ServerUnaryReactor* ListRegionContacts(grpc::CallbackServerContext* context,
                                               const v1::ListRegionContactsRequest* request,
                                               v1::ListRegionContactsResponse* response) override;
  grpc::ServerUnaryReactor* GetRegionContact(grpc::CallbackServerContext* context,
                                             const v1::GetRegionContactRequest* request,
                                             v1::GetRegionContactResponse* response) override;
  grpc::ServerUnaryReactor* GetPublicServiceInfo(
      grpc::CallbackServerContext* context, const v1::GetPublicServiceInfoRequest* request,
      v1::GetPublicServiceInfoResponse* response) override;

 private:
  // The caller's identity checked against the channel of the method, or the error to answer.
  absl::StatusOr<CallerIdentity> Authorize(const grpc::CallbackServerContext& context,
                                           common::v1::Channel allowed,
                                           absl::string_view method) const;
  // The caller's deadline, capped at now + shard_timeout. Deadlines are transport time, compared
  // with gRPC's own real clock, so they never use the injected business clock.
  absl::Time DeadlineOf(const grpc::CallbackServerContext& context) const;
  // SubmitApplication and ForwardApplication: the caller must be `channel`; the application goes
  // to Intake. `method` must be a string literal.
  template <typename Request, typename Response>
  grpc::ServerUnaryReactor* Submit(grpc::CallbackServerContext* context, absl::string_view method,
                                   common::v1::Channel channel,
                                   const std::string& channel_application_id,
                                   const Request& request, Response* response);
  // Finishes the call at once with `status` (server::FinishUnary).
  grpc::ServerUnaryReactor* FinishNow(grpc::CallbackServerContext* context,
                                      absl::string_view method, const absl::Status& status) const;

  Intake& intake_;
  const ContactDirectory& contacts_;
  const CallerIdentityExtractor& identity_;
  const GatewayServiceOptions options_;
  const PublicServiceDirectory* public_info_;
  const RegionContacts* region_contacts_;
};

// The error of one batch item, carrying what a single call's google.rpc.Status would.
v1::ItemError ToItemError(const absl::Status& status);

}  // namespace unemployment::gateway
