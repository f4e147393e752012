#pragma once

// Who is calling the gateway. With security on (common/security/call_guard.h) the channel is the
// authenticated caller's role — the token of the province portal's system (client certificate
// CN province-portal) says role province-portal, the national platform's says ministry — and the
// `x-channel-id` metadata is ignored. With security off (loopback development and the tests that
// predate it) the caller names its channel in `x-channel-id` ("province-portal" or "ministry").
// The handlers only see CallerIdentity.

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "grpcpp/server_context.h"
#include "unemployment/common/v1/codes.pb.h"

namespace unemployment::gateway {

// The metadata key and its two values.
inline constexpr absl::string_view kChannelMetadataKey = "x-channel-id";
inline constexpr absl::string_view kProvincePortalChannelName = "province-portal";
inline constexpr absl::string_view kMinistryChannelName = "ministry";

// The authenticated caller.
struct CallerIdentity {
  common::v1::Channel channel = common::v1::CHANNEL_UNSPECIFIED;
  // How the caller proved its identity, for logs ("header:x-channel-id", later a certificate
  // subject or token id). Never personal data.
  std::string principal;
};

// Finds the caller of a call. Implementations are thread-safe.
class CallerIdentityExtractor {
 public:
  virtual ~CallerIdentityExtractor() = default;

  // UNAUTHENTICATED with ErrorInfo reason CHANNEL_IDENTITY_MISSING or CHANNEL_IDENTITY_UNKNOWN when
  // the caller cannot be identified.
  virtual absl::StatusOr<CallerIdentity> Extract(const grpc::ServerContextBase& context) const = 0;
};

// The authenticated caller's role with security on; the `x-channel-id` metadata value with it off.
class ChannelHeaderIdentityExtractor final : public CallerIdentityExtractor {
 public:
  absl::StatusOr<CallerIdentity> Extract(const grpc::ServerContextBase& context) const override;
};

// The identity named by an `x-channel-id` value (nullopt: the key is absent).
absl::StatusOr<CallerIdentity> IdentityFromChannelHeader(std::optional<absl::string_view> value);

// OK when `caller` is of channel `allowed`; otherwise PERMISSION_DENIED, reason CHANNEL_NOT_ALLOWED.
absl::Status RequireChannel(const CallerIdentity& caller, common::v1::Channel allowed,
                            absl::string_view method);

// "province-portal" / "ministry" / "unspecified".
absl::string_view ChannelName(common::v1::Channel channel);

}  // namespace unemployment::gateway
