#include "services/gateway/gateway_service.h"

#include <optional>
#include <utility>
#include <vector>

#include "common/server/unary_handler.h"
#include "common/status/status_util.h"
#include "common/status/violations_status.h"
#include "common/validation/rules.h"
#include "common/validation/text.h"
#include "common/validation/violations.h"
#include "services/gateway/application_ids.h"

namespace unemployment::gateway {
v1::ItemError ToItemError(const absl::Status& status) {
  v1::ItemError error;
  error.set_code(static_cast<int>(status.code()));
  error.set_message(std::string(status.message()));
  if (std::optional<google::rpc::ErrorInfo> info = status::GetErrorInfo(status)) {
    error.set_reason(info->reason());
    for (const auto& [key, value] : info->metadata()) (*error.mutable_metadata())[key] = value;
  } else {
    error.set_reason(absl::StatusCodeToString(status.code()));
  }
  if (std::optional<google::rpc::BadRequest> bad_request = status::GetBadRequest(status)) {
    for (const google::rpc::BadRequest::FieldViolation& v : bad_request->field_violations()) {
      v1::FieldViolation* out = error.add_field_violations();
      out->set_field(v.field());
      out->set_description(v.description());
    }
  }
  return error;
}

GatewayServiceImpl::GatewayServiceImpl(Intake& intake, const ContactDirectory& contacts,
                                       const CallerIdentityExtractor& identity,
                                       GatewayServiceOptions options,
                                       const PublicServiceDirectory* public_info,
                                       const RegionContacts* region_contacts)
    : intake_(intake),
      contacts_(contacts),
      identity_(identity),
      options_(options),
      public_info_(public_info),
      region_contacts_(region_contacts) {}

absl::StatusOr<CallerIdentity> GatewayServiceImpl::Authorize(
    const grpc::CallbackServerContext& context, common::v1::Channel allowed,
    absl::string_view method) const {
  absl::StatusOr<CallerIdentity> caller = identity_.Extract(context);
  if (!caller.ok()) return caller.status();
  if (allowed != common::v1::CHANNEL_UNSPECIFIED) {
    if (absl::Status permitted = RequireChannel(*caller, allowed, method); !permitted.ok()) {
      return permitted;
    }
  }
  return caller;
}

absl::Time GatewayServiceImpl::DeadlineOf(const grpc::CallbackServerContext& context) const {
  return server::CallDeadline(context, options_.shard_timeout);
}

grpc::ServerUnaryReactor* GatewayServiceImpl::FinishNow(grpc::CallbackServerContext* context,
                                                        absl::string_view method,
                                                        const absl::Status& status) const {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  server::FinishUnary(reactor, options_.logger, method, status);
  return reactor;
}

template <typename Request, typename Response>
grpc::ServerUnaryReactor* GatewayServiceImpl::Submit(grpc::CallbackServerContext* context,
                                                     absl::string_view method,
                                                     common::v1::Channel channel,
                                                     const std::string& channel_application_id,
                                                     const Request& request, Response* response) {
  absl::StatusOr<CallerIdentity> caller = Authorize(*context, channel, method);
  if (!caller.ok()) return FinishNow(context, method, caller.status());
  IntakeItem item;
  item.channel = channel;
  item.channel_application_id = channel_application_id;
  item.has_form = request.has_form();
  item.form = request.form();
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  intake_.Submit(std::move(item), DeadlineOf(*context),
                 [this, reactor, response, method](absl::StatusOr<v1::ApplicationStatus> result) {
                   if (result.ok()) *response->mutable_application() = *std::move(result);
                   server::FinishUnary(reactor, options_.logger, method, result.status());
                 });
  return reactor;
}

grpc::ServerUnaryReactor* GatewayServiceImpl::SubmitApplication(
    grpc::CallbackServerContext* context, const v1::SubmitApplicationRequest* request,
    v1::SubmitApplicationResponse* response) {
  return Submit(context, "SubmitApplication", common::v1::CHANNEL_PROVINCE_PORTAL,
                request->portal_application_id(), *request, response);
}

grpc::ServerUnaryReactor* GatewayServiceImpl::ForwardApplication(
    grpc::CallbackServerContext* context, const v1::ForwardApplicationRequest* request,
    v1::ForwardApplicationResponse* response) {
  return Submit(context, "ForwardApplication", common::v1::CHANNEL_MINISTRY,
                request->ministry_application_id(), *request, response);
}

grpc::ServerUnaryReactor* GatewayServiceImpl::BatchForwardApplications(
    grpc::CallbackServerContext* context, const v1::BatchForwardApplicationsRequest* request,
    v1::BatchForwardApplicationsResponse* response) {
  absl::StatusOr<CallerIdentity> caller =
      Authorize(*context, common::v1::CHANNEL_MINISTRY, "BatchForwardApplications");
  if (!caller.ok()) return FinishNow(context, "BatchForwardApplications", caller.status());
  if (request->requests_size() == 0) {
    return FinishNow(
        context, "BatchForwardApplications",
        status::InvalidFieldError("requests", "REQUIRED", "the batch has no applications"));
  }
  if (request->requests_size() > kMaxBatchItems) {
    return FinishNow(context, "BatchForwardApplications",
                     status::InvalidFieldError("requests", "TOO_MANY",
                                               "a batch holds at most 100 applications"));
  }
  std::vector<IntakeItem> items;
  items.reserve(static_cast<size_t>(request->requests_size()));
  for (const v1::ForwardApplicationRequest& forward : request->requests()) {
    IntakeItem item;
    item.channel = common::v1::CHANNEL_MINISTRY;
    item.channel_application_id = forward.ministry_application_id();
    item.has_form = forward.has_form();
    item.form = forward.form();
    items.push_back(std::move(item));
  }
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  intake_.SubmitBatch(
      std::move(items), DeadlineOf(*context),
      [reactor, request, response](std::vector<absl::StatusOr<v1::ApplicationStatus>> results) {
        for (size_t i = 0; i < results.size(); ++i) {
          v1::BatchForwardResult* result = response->add_results();
          result->set_index(static_cast<int>(i));
          result->set_ministry_application_id(
              request->requests(static_cast<int>(i)).ministry_application_id());
          if (results[i].ok()) {
            *result->mutable_application() = *std::move(results[i]);
          } else {
            *result->mutable_error() = ToItemError(results[i].status());
          }
        }
        reactor->Finish(grpc::Status::OK);
      });
  return reactor;
}

grpc::ServerUnaryReactor* GatewayServiceImpl::GetApplicationStatus(
    grpc::CallbackServerContext* context, const v1::GetApplicationStatusRequest* request,
    v1::GetApplicationStatusResponse* response) {
  absl::StatusOr<CallerIdentity> caller =
      Authorize(*context, common::v1::CHANNEL_UNSPECIFIED, "GetApplicationStatus");
  if (!caller.ok()) return FinishNow(context, "GetApplicationStatus", caller.status());
  // An undefined channel number is a malformed request, not another channel's data.
  if (!common::v1::Channel_IsValid(request->channel())) {
    return FinishNow(context, "GetApplicationStatus",
                     status::InvalidFieldError("channel", validation::rule::kCodeUnknown,
                                               "the channel is not defined"));
  }
  if (request->channel() != common::v1::CHANNEL_UNSPECIFIED) {
    if (absl::Status permitted =
            RequireChannel(*caller, request->channel(), "GetApplicationStatus");
        !permitted.ok()) {
      return FinishNow(context, "GetApplicationStatus", permitted);
    }
  }
  const std::string id(validation::TrimText(request->channel_application_id()));
  if (id.empty()) {
    return FinishNow(context, "GetApplicationStatus",
                     status::InvalidFieldError("channel_application_id", "REQUIRED",
                                               "the channel application id is required"));
  }
  // Both channels' ids are 1-40 letters, digits and "-" (the portal's are a stricter subset): an id
  // outside that can never have been stored, so it is refused rather than looked up.
  validation::Violations id_violations;
  ValidateMinistryApplicationId(id, "channel_application_id", id_violations);
  if (!id_violations.empty()) {
    return FinishNow(context, "GetApplicationStatus",
                     status::ViolationsToStatus(id_violations, "GetApplicationStatus request"));
  }
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  intake_.GetStatus(caller->channel, id, DeadlineOf(*context),
                    [this, reactor, response](absl::StatusOr<v1::ApplicationStatus> result) {
                      if (result.ok()) *response->mutable_application() = *std::move(result);
                      server::FinishUnary(reactor, options_.logger, "GetApplicationStatus",
                                          result.status());
                    });
  return reactor;
}

grpc::ServerUnaryReactor* GatewayServiceImpl::ListRegionContacts(
    grpc::CallbackServerContext* context, const v1::ListRegionContactsRequest* request,
    v1::ListRegionContactsResponse* response) {
  if (region_contacts_ != nullptr) {
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    region_contacts_->List(
        request->parent_region_code(), request->page_size(), request->page_token(),
        DeadlineOf(*context), [this, reactor, response](absl::StatusOr<RegionContactPage> page) {
          if (page.ok()) {
            for (v1::RegionContact& contact : page->contacts) {
              *response->add_region_contacts() = std::move(contact);
            }
            response->set_next_page_token(page->next_page_token);
          }
          server::FinishUnary(reactor, options_.logger, "ListRegionContacts", page.status());
        });
    return reactor;
  }
  absl::StatusOr<RegionContactPage> page =
      contacts_.List(request->parent_region_code(), request->page_size(), request->page_token());
  if (page.ok()) {
    for (v1::RegionContact& contact : page->contacts) {
      *response->add_region_contacts() = std::move(contact);
    }
    response->set_next_page_token(page->next_page_token);
  }
  return FinishNow(context, "ListRegionContacts", page.status());
}

grpc::ServerUnaryReactor* GatewayServiceImpl::GetRegionContact(
    grpc::CallbackServerContext* context, const v1::GetRegionContactRequest* request,
    v1::GetRegionContactResponse* response) {
  if (region_contacts_ != nullptr) {
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    region_contacts_->Get(request->region_code(), DeadlineOf(*context),
                          [this, reactor, response](absl::StatusOr<v1::RegionContact> contact) {
                            if (contact.ok())
                              *response->mutable_region_contact() = *std::move(contact);
                            server::FinishUnary(reactor, options_.logger, "GetRegionContact",
                                                contact.status());
                          });
    return reactor;
  }
  absl::StatusOr<v1::RegionContact> contact = contacts_.Get(request->region_code());
  if (contact.ok()) *response->mutable_region_contact() = *std::move(contact);
  return FinishNow(context, "GetRegionContact", contact.status());
}

grpc::ServerUnaryReactor* GatewayServiceImpl::GetPublicServiceInfo(
    grpc::CallbackServerContext* context, const v1::GetPublicServiceInfoRequest* request,
    v1::GetPublicServiceInfoResponse* response) {
  if (public_info_ == nullptr) {
    return FinishNow(
        context, "GetPublicServiceInfo",
        absl::FailedPreconditionError("this gateway serves no public service information"));
  }
  absl::StatusOr<v1::PublicServiceInfo> info = public_info_->Get(request->region_code());
  if (info.ok()) *response->mutable_info() = *std::move(info);
  return FinishNow(context, "GetPublicServiceInfo", info.status());
}

}  // namespace unemployment::gateway
