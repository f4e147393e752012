#pragma once

// The gateway's view of the registration shards: asynchronous calls by shard name, with plain
// absl types at the interface so that the intake logic can be tested with a fake.

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/server/peer_channels.h"
#include "unemployment/registration/v1/registration_service.grpc.pb.h"

namespace unemployment::gateway {

class RegistrationShards {
 public:
  template <typename T>
  using Callback = std::function<void(absl::StatusOr<T>)>;

  virtual ~RegistrationShards() = default;

  // The configured shard names, sorted.
  virtual std::vector<std::string> ShardNames() const = 0;
  virtual bool HasShard(const std::string& shard) const = 0;

  // Each call ends at `deadline` and completes `done` exactly once, on a gRPC thread (or inline
  // for an unknown shard). Errors keep the peer's code, message and google.rpc details.
  virtual void CreateApplication(const std::string& shard,
                                 const registration::v1::CreateApplicationRequest& request,
                                 absl::Time deadline,
                                 Callback<registration::v1::Application> done) = 0;
  virtual void GetApplication(const std::string& shard, const std::string& application_id,
                              absl::Time deadline,
                              Callback<registration::v1::Application> done) = 0;
  virtual void GetApplicationByChannelId(const std::string& shard, common::v1::Channel channel,
                                         const std::string& channel_application_id,
                                         absl::Time deadline,
                                         Callback<registration::v1::Application> done) = 0;
  // The region directory (附件3) as reported to the shard. Implementations without it answer
  // UNIMPLEMENTED (the gateway then serves the shipped rows).
  virtual void GetReportedRegionContact(const std::string& shard, const std::string& region_code,
                                        absl::Time deadline,
                                        Callback<registration::v1::ReportedRegionContact> done);
  virtual void ListReportedRegionContacts(
      const std::string& shard, const registration::v1::ListReportedRegionContactsRequest& request,
      absl::Time deadline, Callback<registration::v1::ListReportedRegionContactsResponse> done);
};

// RegistrationShards over gRPC: one channel and stub per shard, calls on the stub's async callback
// interface (never blocking a thread).
class GrpcRegistrationShards final : public RegistrationShards {
 public:
  // `addresses`: shard name -> host:port. Channels are plaintext for now (TLS comes with the
  // security issue) and connect lazily.
  GrpcRegistrationShards(const std::map<std::string, std::string>& addresses,
                         const server::PeerChannels& peers);

  std::vector<std::string> ShardNames() const override;
  bool HasShard(const std::string& shard) const override;
  void CreateApplication(const std::string& shard,
                         const registration::v1::CreateApplicationRequest& request,
                         absl::Time deadline,
                         Callback<registration::v1::Application> done) override;
  void GetApplication(const std::string& shard, const std::string& application_id,
                      absl::Time deadline, Callback<registration::v1::Application> done) override;
  void GetApplicationByChannelId(const std::string& shard, common::v1::Channel channel,
                                 const std::string& channel_application_id, absl::Time deadline,
                                 Callback<registration::v1::Application> done) override;
  void GetReportedRegionContact(const std::string& shard, const std::string& region_code,
                                absl::Time deadline,
                                Callback<registration::v1::ReportedRegionContact> done) override;
  void ListReportedRegionContacts(
      const std::string& shard, const registration::v1::ListReportedRegionContactsRequest& request,
      absl::Time deadline,
      Callback<registration::v1::ListReportedRegionContactsResponse> done) override;

 private:
  registration::v1::RegistrationService::Stub* StubFor(const std::string& shard) const;

  std::map<std::string, std::unique_ptr<registration::v1::RegistrationService::Stub>> stubs_;
};

}  // namespace unemployment::gateway
