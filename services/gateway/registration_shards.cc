#include "services/gateway/registration_shards.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status/status_util.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"

namespace unemployment::gateway {
namespace {

namespace reg = registration::v1;

// One in-flight call: owns what the async stub needs until the callback ran.
template <typename Request, typename Response>
struct Call {
  grpc::ClientContext context;
  Request request;
  Response response;
};

absl::Status UnknownShard(const std::string& shard) {
  return status::WithErrorInfo(
      absl::UnavailableError(absl::StrCat("no address is configured for shard \"", shard, "\"")),
      "SHARD_NOT_CONFIGURED", {{"shard", shard}});
}

}  // namespace

GrpcRegistrationShards::GrpcRegistrationShards(
    const std::map<std::string, std::string>& addresses, const server::PeerChannels& peers) {
  for (const auto& [name, address] : addresses) {
    stubs_.emplace(name, reg::RegistrationService::NewStub(
                             peers.Connect(address)));
  }
}

std::vector<std::string> GrpcRegistrationShards::ShardNames() const {
  std::vector<std::string> names;
  for (const auto& [name, stub] : stubs_) names.push_back(name);
  return names;
}

bool GrpcRegistrationShards::HasShard(const std::string& shard) const {
  return stubs_.count(shard) > 0;
}

reg::RegistrationService::Stub* GrpcRegistrationShards::StubFor(const std::string& shard) const {
  auto it = stubs_.find(shard);
  return it == stubs_.end() ? nullptr : it->second.get();
}

void GrpcRegistrationShards::CreateApplication(const std::string& shard,
                                               const reg::CreateApplicationRequest& request,
                                               absl::Time deadline,
                                               Callback<reg::Application> done) {
  reg::RegistrationService::Stub* stub = StubFor(shard);
  if (stub == nullptr) return done(UnknownShard(shard));
  auto* call = new Call<reg::CreateApplicationRequest, reg::CreateApplicationResponse>();
  call->context.set_deadline(absl::ToChronoTime(deadline));
  call->request = request;
  stub->async()->CreateApplication(
      &call->context, &call->request, &call->response,
      [call, done = std::move(done)](grpc::Status status) {
        std::unique_ptr<Call<reg::CreateApplicationRequest, reg::CreateApplicationResponse>> owned(
            call);
        if (!status.ok()) return done(status::FromGrpcStatus(status));
        done(std::move(*owned->response.mutable_application()));
      });
}

void GrpcRegistrationShards::GetApplication(const std::string& shard,
                                            const std::string& application_id, absl::Time deadline,
                                            Callback<reg::Application> done) {
  reg::RegistrationService::Stub* stub = StubFor(shard);
  if (stub == nullptr) return done(UnknownShard(shard));
  auto* call = new Call<reg::GetApplicationRequest, reg::GetApplicationResponse>();
  call->context.set_deadline(absl::ToChronoTime(deadline));
  call->request.set_application_id(application_id);
  stub->async()->GetApplication(
      &call->context, &call->request, &call->response,
      [call, done = std::move(done)](grpc::Status status) {
        std::unique_ptr<Call<reg::GetApplicationRequest, reg::GetApplicationResponse>> owned(call);
        if (!status.ok()) return done(status::FromGrpcStatus(status));
        done(std::move(*owned->response.mutable_application()));
      });
}

void GrpcRegistrationShards::GetApplicationByChannelId(const std::string& shard,
                                                       common::v1::Channel channel,
                                                       const std::string& channel_application_id,
                                                       absl::Time deadline,
                                                       Callback<reg::Application> done) {
  reg::RegistrationService::Stub* stub = StubFor(shard);
  if (stub == nullptr) return done(UnknownShard(shard));
  using ByIdCall =
      Call<reg::GetApplicationByChannelIdRequest, reg::GetApplicationByChannelIdResponse>;
  auto* call = new ByIdCall();
  call->context.set_deadline(absl::ToChronoTime(deadline));
  call->request.set_channel(channel);
  call->request.set_channel_application_id(channel_application_id);
  stub->async()->GetApplicationByChannelId(
      &call->context, &call->request, &call->response,
      [call, done = std::move(done)](grpc::Status status) {
        std::unique_ptr<ByIdCall> owned(call);
        if (!status.ok()) return done(status::FromGrpcStatus(status));
        done(std::move(*owned->response.mutable_application()));
      });
}

void RegistrationShards::GetReportedRegionContact(const std::string& /*shard*/,
                                                  const std::string& /*region_code*/,
                                                  absl::Time /*deadline*/,
                                                  Callback<reg::ReportedRegionContact> done) {
  done(absl::UnimplementedError("contact reports are not served"));
}

void RegistrationShards::ListReportedRegionContacts(
    const std::string& /*shard*/, const reg::ListReportedRegionContactsRequest& /*request*/,
    absl::Time /*deadline*/, Callback<reg::ListReportedRegionContactsResponse> done) {
  done(absl::UnimplementedError("contact reports are not served"));
}

void GrpcRegistrationShards::GetReportedRegionContact(const std::string& shard,
                                                      const std::string& region_code,
                                                      absl::Time deadline,
                                                      Callback<reg::ReportedRegionContact> done) {
  reg::RegistrationService::Stub* stub = StubFor(shard);
  if (stub == nullptr) return done(UnknownShard(shard));
  auto* call =
      new Call<reg::GetReportedRegionContactRequest, reg::GetReportedRegionContactResponse>();
  call->context.set_deadline(absl::ToChronoTime(deadline));
  call->request.set_region_code(region_code);
  stub->async()->GetReportedRegionContact(
      &call->context, &call->request, &call->response,
      [call, done = std::move(done)](grpc::Status status) {
        std::unique_ptr<
            Call<reg::GetReportedRegionContactRequest, reg::GetReportedRegionContactResponse>>
            owned(call);
        if (!status.ok()) return done(status::FromGrpcStatus(status));
        done(std::move(*owned->response.mutable_contact()));
      });
}

void GrpcRegistrationShards::ListReportedRegionContacts(
    const std::string& shard, const reg::ListReportedRegionContactsRequest& request,
    absl::Time deadline, Callback<reg::ListReportedRegionContactsResponse> done) {
  reg::RegistrationService::Stub* stub = StubFor(shard);
  if (stub == nullptr) return done(UnknownShard(shard));
  auto* call =
      new Call<reg::ListReportedRegionContactsRequest, reg::ListReportedRegionContactsResponse>();
  call->context.set_deadline(absl::ToChronoTime(deadline));
  call->request = request;
  stub->async()->ListReportedRegionContacts(
      &call->context, &call->request, &call->response,
      [call, done = std::move(done)](grpc::Status status) {
        std::unique_ptr<
            Call<reg::ListReportedRegionContactsRequest, reg::ListReportedRegionContactsResponse>>
            owned(call);
        if (!status.ok()) return done(status::FromGrpcStatus(status));
        done(std::move(owned->response));
      });
}

}  // namespace unemployment::gateway
