#include "services/gateway/caller_identity.h"

#include "absl/strings/str_cat.h"
#include "common/security/call_guard.h"
#include "common/status/status_util.h"

namespace unemployment::gateway {

absl::StatusOr<CallerIdentity> IdentityFromChannelHeader(std::optional<absl::string_view> value) {
  if (!value.has_value() || value->empty()) {
    return status::WithErrorInfo(
        absl::UnauthenticatedError(
            absl::StrCat("the call carries no channel identity (metadata \"",
                         kChannelMetadataKey, "\")")),
        "CHANNEL_IDENTITY_MISSING");
  }
  CallerIdentity identity;
  identity.principal = absl::StrCat("header:", kChannelMetadataKey);
  if (*value == kProvincePortalChannelName) {
    identity.channel = common::v1::CHANNEL_PROVINCE_PORTAL;
  } else if (*value == kMinistryChannelName) {
    identity.channel = common::v1::CHANNEL_MINISTRY;
  } else {
    return status::WithErrorInfo(
        absl::UnauthenticatedError(absl::StrCat("unknown channel identity in metadata \"",
                                                kChannelMetadataKey, "\"")),
        "CHANNEL_IDENTITY_UNKNOWN");
  }
  return identity;
}

absl::StatusOr<CallerIdentity> ChannelHeaderIdentityExtractor::Extract(
    const grpc::ServerContextBase& context) const {
  if (security::ProcessGuard() != nullptr) {
    absl::StatusOr<security::Caller> caller = security::CurrentCaller(context);
    if (!caller.ok()) return caller.status();
    CallerIdentity identity;
    identity.principal = absl::StrCat("token:", caller->claims.system, "/", caller->claims.subject);
    if (caller->claims.role == kProvincePortalChannelName) {
      identity.channel = common::v1::CHANNEL_PROVINCE_PORTAL;
    } else if (caller->claims.role == kMinistryChannelName) {
      identity.channel = common::v1::CHANNEL_MINISTRY;
    } else {
      return status::WithErrorInfo(
          absl::PermissionDeniedError(absl::StrCat("the role '", caller->claims.role,
                                                   "' is not an intake channel")),
          "CHANNEL_NOT_ALLOWED");
    }
    return identity;
  }
  const auto& metadata = context.client_metadata();
  const auto it = metadata.find(grpc::string_ref(kChannelMetadataKey.data(),
                                                 kChannelMetadataKey.size()));
  if (it == metadata.end()) return IdentityFromChannelHeader(std::nullopt);
  return IdentityFromChannelHeader(absl::string_view(it->second.data(), it->second.size()));
}

absl::Status RequireChannel(const CallerIdentity& caller, common::v1::Channel allowed,
                            absl::string_view method) {
  if (caller.channel == allowed) return absl::OkStatus();
  return status::WithErrorInfo(
      absl::PermissionDeniedError(absl::StrCat(method, " is for the channel \"",
                                               ChannelName(allowed), "\", not \"",
                                               ChannelName(caller.channel), "\"")),
      "CHANNEL_NOT_ALLOWED",
      {{"channel", std::string(ChannelName(caller.channel))},
       {"allowed_channel", std::string(ChannelName(allowed))}});
}

absl::string_view ChannelName(common::v1::Channel channel) {
  switch (channel) {
    case common::v1::CHANNEL_PROVINCE_PORTAL:
      return kProvincePortalChannelName;
    case common::v1::CHANNEL_MINISTRY:
      return kMinistryChannelName;
    default:
      return "unspecified";
  }
}

}  // namespace unemployment::gateway
